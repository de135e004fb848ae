"""What the callback tests share: a tiny regression problem and its model."""

import numpy as np

import kerasfront as keras
from kerasfront import callbacks, layers, optimizers

RNG = np.random.default_rng(7)
X = RNG.normal(size=(16, 3)).astype("float32")
Y = RNG.normal(size=(16, 1)).astype("float32")
X_VAL = RNG.normal(size=(8, 3)).astype("float32")
Y_VAL = RNG.normal(size=(8, 1)).astype("float32")


def compiled_model(optimizer=None, metrics=None):
    keras.utils.set_random_seed(2)
    model = keras.Sequential([layers.Dense(4, activation="tanh", input_dim=3), layers.Dense(1)])
    model.compile(optimizer=optimizer or optimizers.SGD(0.1), loss="mse", metrics=metrics)
    return model


def fresh_twin():
    """The same architecture, uncompiled: a target for loading saved weights."""
    return keras.Sequential([layers.Dense(4, activation="tanh", input_dim=3), layers.Dense(1)])


class Script(callbacks.Callback):
    """Writes scripted values into the epoch logs (before the callbacks after it see them)
    and records the weights at every epoch end."""

    def __init__(self, **series):
        super().__init__()
        self.series, self.weights = series, []

    def on_epoch_end(self, epoch, logs=None):
        for name, values in self.series.items():
            logs[name] = values[epoch]
        self.weights.append(self.model.get_weights())


def assert_weights_equal(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-6, atol=1e-7)
