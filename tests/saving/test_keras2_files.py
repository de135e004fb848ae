"""Real Keras 2 `.h5` files (written here with h5py exactly as Keras 2.2.4 and tf.keras 2.x
write them) load by default, compiled as they were saved, and predict what Keras's math
predicts from the file's weights (NumPy, float64, rtol 1e-5)."""

import numpy as np
import pytest

from kerasfront import models
from tests.saving import keras2_files

CASES = [(name, flavor) for name in keras2_files.FILES for flavor in keras2_files.FLAVORS]


def _spec(name, flavor):
    seed = sorted(keras2_files.FILES).index(name) * 2 + keras2_files.FLAVORS.index(flavor)
    return keras2_files.FILES[name](flavor, np.random.default_rng(seed))


@pytest.mark.parametrize("name,flavor", CASES, ids=[f"{n}-{f}" for n, f in CASES])
def test_keras2_file_loads_compiled_and_predicts_like_keras(name, flavor, tmp_path):
    spec = _spec(name, flavor)
    path = tmp_path / f"{name}.h5"
    keras2_files.write(path, spec)
    model = models.load_model(path)
    # Every layer got the file's weights (by name), in Keras's order and shapes.
    by_layer = dict(spec.layer_weights)
    for layer in model.layers:
        expected = [array for _, array in by_layer.get(layer.name, [])]
        got = layer.get_weights()
        assert len(got) == len(expected), layer.name
        for value, array in zip(got, expected):
            np.testing.assert_array_equal(value, array)
    # Compiled as saved, with the saved optimizer (Keras 2's `lr` or `learning_rate`).
    assert model.compiled
    assert type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.get_config()["learning_rate"] == pytest.approx(0.01)
    expected_state = [array for _, array in spec.optimizer_weights]
    if flavor == keras2_files.OLD and expected_state:  # v_hat placeholders are dropped
        expected_state = expected_state[: 1 + 2 * (len(expected_state) - 1) // 3]
    state = model.optimizer.get_weights()
    assert len(state) == len(expected_state)
    for value, array in zip(state, expected_state):
        np.testing.assert_array_equal(value, array)
    # One predict call against NumPy's Keras 2 math.
    predictions = model.predict(spec.inputs, verbose=0)
    predictions = predictions if isinstance(predictions, list) else [predictions]
    expected = spec.predict(spec.inputs)
    assert len(predictions) == len(expected)
    for value, reference in zip(predictions, expected):
        np.testing.assert_allclose(value, reference, rtol=1e-5, atol=1e-6)
