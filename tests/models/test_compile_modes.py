"""`compile(run_eagerly=True)` really runs eagerly, and `jit_compile=True` (XLA) gives the
same numbers as the default compiled step."""

from __future__ import annotations

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import layers, optimizers
from kerasfront.utils import set_random_seed

needs_training = pytest.mark.skipif(
    K.backend() == "numpy", reason="the NumPy reference backend does not train"
)


class CountsCalls(layers.Layer):
    """Passes its input through and counts the Python calls of `call`: a compiled step
    runs them once when it is traced, an eager step once per batch."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = 0

    def call(self, inputs):
        self.calls += 1
        return inputs


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(20, 4)).astype("float32"), rng.normal(size=(20, 1)).astype("float32")


@needs_training
def test_run_eagerly_runs_every_batch_eagerly_with_the_same_results():
    x, y = _data()
    losses = {}
    for run_eagerly in (False, True):
        set_random_seed(1)
        counter = CountsCalls()
        model = keras.Sequential(
            [layers.Dense(8, activation="tanh", input_dim=4), counter, layers.Dense(1)]
        )
        counter.calls = 0  # drop the call that wired the model
        model.compile(optimizer="adam", loss="mse", run_eagerly=run_eagerly)
        history = model.fit(x, y, epochs=2, batch_size=10, shuffle=False, verbose=0)
        losses[run_eagerly] = history.history["loss"]
        if run_eagerly:
            assert counter.calls == 4  # 2 epochs of 2 batches, each run by Python
    np.testing.assert_allclose(losses[False], losses[True], rtol=1e-5)


@pytest.mark.skipif(
    K.backend() != "tensorflow",
    reason="JAX always compiles with XLA (None and True are one path); torch.compile "
    "takes ~20 s to compile, checked by hand",
)
def test_jit_compile_gives_the_same_losses():
    x, y = _data()
    histories = []
    for jit_compile in (None, True):
        set_random_seed(0)
        model = keras.Sequential([layers.Dense(8, activation="tanh", input_dim=4), layers.Dense(1)])
        model.compile(optimizers.SGD(0.1), "mse", jit_compile=jit_compile)
        history = model.fit(x, y, batch_size=10, epochs=2, verbose=0, shuffle=False)
        histories.append(history.history["loss"])
    np.testing.assert_allclose(histories[0], histories[1], rtol=1e-5)


class DoublesPositiveBatches(keras.Model):
    """Branches on a tensor's value in Python: traced by TensorFlow only with AutoGraph."""

    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(1, kernel_initializer="ones", use_bias=False)

    def call(self, inputs):
        outputs = self.dense(inputs)
        if K.sum(outputs) > 0:
            return outputs * 2.0
        return outputs


@pytest.mark.skipif(
    K.backend() != "tensorflow",
    reason="TensorFlow's steps trace without AutoGraph first and fall back to it",
)
def test_a_python_branch_on_a_tensor_trains_on_tensorflow():
    model = DoublesPositiveBatches()
    model.compile(optimizers.SGD(0.0), "mse")
    x = np.array([[1.0, 2.0], [-3.0, -4.0]], "float32")
    y = np.zeros((2, 1), "float32")
    # Each sample is its own batch: the positive one is doubled, the negative one not.
    losses = [model.evaluate(x[i : i + 1], y[i : i + 1], verbose=0) for i in range(2)]
    np.testing.assert_allclose(losses, [36.0, 49.0], rtol=1e-6)
    model.fit(x, y, batch_size=1, epochs=1, verbose=0)
