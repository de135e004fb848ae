"""Engine-wide settings kerasfront makes: GPU memory that grows on demand, and no
TensorFlow retracing warnings when many models run in one session."""

import logging
import os

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import layers
from kerasfront.backend import gpu_memory


@pytest.mark.parametrize(
    "engine, name, value",
    [
        ("jax", "XLA_PYTHON_CLIENT_PREALLOCATE", "false"),
        ("tensorflow", "TF_FORCE_GPU_ALLOW_GROWTH", "true"),
    ],
)
def test_gpu_memory_grows_on_demand_unless_the_user_chose(monkeypatch, engine, name, value):
    for setting in (name, "XLA_PYTHON_CLIENT_MEM_FRACTION", "XLA_PYTHON_CLIENT_ALLOCATOR"):
        monkeypatch.delenv(setting, raising=False)
    gpu_memory.grow_on_demand(engine)
    assert os.environ[name] == value

    monkeypatch.setenv(name, "user's choice")
    gpu_memory.grow_on_demand(engine)
    assert os.environ[name] == "user's choice"


def test_a_memory_fraction_set_by_the_user_keeps_jax_preallocating(monkeypatch):
    monkeypatch.delenv("XLA_PYTHON_CLIENT_PREALLOCATE", raising=False)
    monkeypatch.setenv("XLA_PYTHON_CLIENT_MEM_FRACTION", "0.5")
    gpu_memory.grow_on_demand("jax")
    assert "XLA_PYTHON_CLIENT_PREALLOCATE" not in os.environ


def test_torch_allocation_is_left_alone(monkeypatch):
    monkeypatch.delenv("PYTORCH_CUDA_ALLOC_CONF", raising=False)
    gpu_memory.grow_on_demand("torch")
    assert "PYTORCH_CUDA_ALLOC_CONF" not in os.environ


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.mark.skipif(K.backend() != "tensorflow", reason="TensorFlow's retracing warning")
def test_many_models_in_a_row_do_not_warn_about_retracing():
    handler = _Collect()
    logger = logging.getLogger("tensorflow")
    logger.addHandler(handler)
    try:
        x = np.arange(12, dtype="float32").reshape(4, 3)
        for _ in range(8):
            model = keras.Sequential([layers.Dense(2, input_shape=(3,))])
            expected = x @ K.get_value(model.layers[0].kernel) + K.get_value(model.layers[0].bias)
            np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    finally:
        logger.removeHandler(handler)
    assert not [m for m in handler.messages if "retracing" in m], handler.messages
