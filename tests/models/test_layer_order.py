"""`model.layers` of a functional model in Keras 2's order: deepest first (the inputs),
ties by the order a depth-first walk from the outputs first reaches them. Fine-tuning code
(`for layer in model.layers[:n]: layer.trainable = False`), `get_weights` and weight files
read by order all depend on it."""

from __future__ import annotations

import numpy as np

import kerasfront as keras
from kerasfront import layers


def _block():
    # A residual block whose Add lists the short branch first: a depth-first walk from the
    # inputs would list the shortcut before the main branch; Keras 2 lists it after m1.
    x = layers.Input((4,), name="x")
    y = layers.Dense(3, name="y")(x)
    shortcut = layers.Dense(3, name="shortcut")(y)
    m1 = layers.Dense(3, name="m1")(y)
    m2 = layers.Dense(3, name="m2")(m1)
    out = layers.Add(name="add")([shortcut, m2])
    return keras.Model(x, out)


def test_layers_weights_and_files_follow_keras2_order(tmp_path):
    model = _block()
    assert [layer.name for layer in model.layers] == ["x", "y", "m1", "shortcut", "m2", "add"]
    kernels = [w.name for w in model.weights if w.name.endswith("kernel")]
    assert [name.split("/")[0] for name in kernels] == ["y", "m1", "shortcut", "m2"]
    # A file written by order loads by order into the same architecture built again.
    path = str(tmp_path / "block.h5")
    model.save_weights(path)
    again = _block()
    again.load_weights(path)
    for a, b in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(a, b)
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(again.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)
