"""API patterns of the Keras blog tutorials (blog.keras.io, 2016-2018) that Keras 2 users
learned from: small-data image classification with fine-tuning, autoencoders,
sequence-to-sequence learning and serving a model from threads. Each test is a pattern
that once failed here; numbers are checked against NumPy."""

from __future__ import annotations

import numpy as np

from kerasfront import layers, models


def test_get_weights_follows_layers_after_freezing_like_keras2():
    # The fine-tuning recipe freezes the first layers after building; Keras 2's
    # Model.get_weights/set_weights still list the weights layer by layer, so arrays
    # taken before the freeze (or from an unfrozen copy) load back onto the same layers.
    def build():
        return models.Sequential(
            [layers.Dense(3, input_shape=(2,)), layers.Dense(4), layers.Dense(5)]
        )

    model, copy = build(), build()
    before = model.get_weights()
    for layer in model.layers[:1]:
        layer.trainable = False
    assert [w.shape for w in model.get_weights()] == [w.shape for w in before]
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    copy.set_weights(model.get_weights())  # copy is unfrozen: same order all the same
    x = np.random.RandomState(0).rand(4, 2).astype("float32")
    expected = x
    for kernel, bias in zip(before[::2], before[1::2]):
        expected = expected @ kernel + bias
    np.testing.assert_allclose(copy.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)
