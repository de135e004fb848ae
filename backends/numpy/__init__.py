"""The NumPy reference backend: every array op, no gradients (inference only).

Tests compare the engine adapters with it, and it runs inference where no engine is
installed.
"""

from __future__ import annotations

import numpy as np

from kerasfront import tree
from kerasfront.backend.numpy_like import make_ops, seed_to_int
from kerasfront.backend.tracing import (
    Spec,
    concrete_shape,
    probe_output_spec,
    without_side_effects,
)

NAME = "numpy"
SUPPORTS_TRAINING = False

globals().update(make_ops(np))

from .loops import scan  # noqa: E402, F401
from .nn import (  # noqa: E402, F401
    average_pool,
    conv,
    conv_transpose,
    embedding_lookup,
    max_pool,
    resize,
)


def convert_to_tensor(x, dtype=None):
    return np.asarray(x, dtype=dtype)


def copy_for_user_code(x):
    """A copy for code the user wrote: `inputs -= mean` changes a NumPy array in place,
    where Keras 2's TensorFlow tensors rebind (see kerasfront/backend/user_code.py)."""
    return x.copy()


def convert_to_numpy(x):
    return np.asarray(x)


def is_tensor(x) -> bool:
    return isinstance(x, np.ndarray)


def stop_gradient(x):
    return x


def random_uniform(shape, minval=0.0, maxval=1.0, dtype="float32", seed=None):
    rng = np.random.default_rng(seed_to_int(seed))
    return rng.uniform(minval, maxval, size=shape).astype(dtype)


def random_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    rng = np.random.default_rng(seed_to_int(seed))
    return rng.normal(mean, stddev, size=shape).astype(dtype)


def random_truncated_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    rng = np.random.default_rng(seed_to_int(seed))
    values = rng.normal(size=shape)
    # TensorFlow's rule: draws beyond two standard deviations are drawn again.
    outside = np.abs(values) > 2.0
    while outside.any():
        values[outside] = rng.normal(size=int(outside.sum()))
        outside = np.abs(values) > 2.0
    return (mean + stddev * values).astype(dtype)


def engine_version() -> str:
    return np.__version__


def devices() -> list[str]:
    return ["cpu:0"]


def create_variable(value, trainable, name):
    return np.array(value, copy=True)


def assign_variable(storage, value):
    return np.array(value, dtype=storage.dtype, copy=True)


def read_variable(storage):
    return storage


def compute_output_spec(fn, specs, variables):
    def run(size):
        inputs = tree.map_structure(
            lambda spec: np.zeros(concrete_shape(spec.shape, size), spec.dtype), specs
        )
        outputs = without_side_effects(fn)(inputs)
        return tree.map_structure(lambda out: Spec(tuple(out.shape), str(out.dtype)), outputs)

    return probe_output_spec(run, specs)


def _inference_only(*args, **kwargs):
    raise NotImplementedError(
        "The 'numpy' backend runs inference only (predict, evaluate); it has no gradients. "
        "Set KERAS_BACKEND to 'tensorflow', 'torch' or 'jax' to train."
    )


value_and_grad = _inference_only


def compile_state_step(pure_fn, read_only, updated, jit_compile=False):
    """Runs the step as plain NumPy (evaluation works; training stops at the gradient)."""

    def run(*batch):
        read_values = [variable.storage for variable in read_only]
        new_values, outputs = pure_fn(read_values, [v.storage for v in updated], *batch)
        for variable, value in zip(updated, new_values):
            variable._set_storage(np.asarray(value))
        return outputs

    return run


def compile_function(pure_fn, variables, jit_compile=False):
    def run(*args):
        return pure_fn([variable.storage for variable in variables], *args)

    return run


def set_matmul_precision(value: str) -> None:
    """NumPy computes float32 in full precision on the CPU: nothing to set."""
