"""A model with nothing to train still fits: the loss is reported and nothing changes."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers


@pytest.mark.parametrize("optimizer", ["adam", keras.optimizers.SGD(momentum=0.9), "rmsprop"])
def test_fit_on_a_fully_frozen_model_reports_the_loss_and_keeps_the_weights(optimizer):
    model = keras.Sequential([layers.Dense(2, input_dim=3, trainable=False)])
    model.compile(optimizer=optimizer, loss="mse")
    x = np.ones((4, 3), "float32")
    y = np.zeros((4, 2), "float32")
    before = model.get_weights()
    history = model.fit(x, y, epochs=2, verbose=0)
    kernel, bias = before
    expected = np.mean((x @ kernel + bias) ** 2)
    np.testing.assert_allclose(history.history["loss"], [expected, expected], rtol=1e-5)
    for after, weight in zip(model.get_weights(), before):
        np.testing.assert_array_equal(after, weight)
