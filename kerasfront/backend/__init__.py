"""The Keras backend API (`from kerasfront import backend as K`).

The functions custom layers, losses, metrics and regularizers written in the Keras
docs' style call: `K.dot`, `K.mean`, `K.epsilon()`, ... They run on the active engine.
Where a Keras function's defaults differ from NumPy's (`concatenate` and `expand_dims`
default to the last axis), the Keras default is kept.
"""

from __future__ import annotations

import numpy as np

from kerasfront import config
from kerasfront import ops as _ops
from kerasfront.backend import registry
from kerasfront.backend.scope import StatelessScope  # noqa: F401
from kerasfront.backend.variables import SeedGenerator, Variable, unwrap  # noqa: F401
from kerasfront.config import (  # noqa: F401
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)

_adapter = registry.ADAPTER


def _accepting_variables(op):
    """The op, taking `Variable`s where it takes tensors (custom Keras code passes
    weights, e.g. `K.sum(K.square(layer.kernel))` in a regularizer)."""

    def run(*args, **kwargs):
        return op(*(unwrap(a) for a in args), **kwargs)

    run.__name__ = run.__qualname__ = op.__name__ if hasattr(op, "__name__") else "op"
    run.__doc__ = getattr(op, "__doc__", None)
    return run


# Element-wise and reduction functions with the engine's own semantics (NumPy names).
for _name in (
    "abs argmax argmin cast dot equal exp greater less log max maximum min minimum "
    "ones_like prod sign square stack stop_gradient sum tanh zeros_like"
).split():
    globals()[_name] = _accepting_variables(getattr(_ops, _name))
convert_to_numpy = _ops.convert_to_numpy


def backend() -> str:
    """The name of the active backend: 'tensorflow', 'torch', 'jax' or 'numpy'."""
    return _adapter.NAME


def int_shape(x) -> tuple:
    """The static shape as a tuple of ints (None where unknown)."""
    if isinstance(x, Variable) or hasattr(x, "keras_history"):
        return tuple(x.shape)
    if isinstance(x, np.ndarray):
        return x.shape
    return tuple(_ops.shape(x))


def ndim(x) -> int:
    return len(int_shape(x))


def dtype(x) -> str:
    return x.dtype if isinstance(x, Variable) else _ops.dtype(unwrap(x))


def count_params(x) -> int:
    return int(np.prod(int_shape(x)))


def variable(value, dtype=None, name=None, constraint=None) -> Variable:
    """A trainable variable holding a copy of `value`.

    Args:
        constraint: a function applied to the new value after each optimizer update
            (e.g. `kerasfront.constraints.NonNeg()`), or None.
    """
    if constraint is not None and not callable(constraint):
        raise TypeError(
            f"K.variable: constraint must be a function or None, received "
            f"{type(constraint).__name__}: {constraint!r:.80}."
        )
    if _ops.is_tensor(value):
        value = _ops.convert_to_numpy(value)
    result = Variable(
        value, trainable=True, name=name or "variable", dtype=dtype or config.floatx()
    )
    result.constraint = constraint
    return result


def constant(value, dtype=None, shape=None, name=None):
    """A tensor filled from `value` (broadcast to `shape` when given)."""
    array = np.asarray(value, dtype=dtype or config.floatx())
    if shape is not None:
        array = np.broadcast_to(array, shape)
    return _ops.convert_to_tensor(array)


def zeros(shape, dtype=None, name=None):
    return _ops.zeros(shape, dtype or config.floatx())


def ones(shape, dtype=None, name=None):
    return _ops.ones(shape, dtype or config.floatx())


def eye(size, dtype=None, name=None):
    return _ops.eye(size, dtype=dtype or config.floatx())


def cast_to_floatx(x):
    return np.asarray(x, dtype=config.floatx())


def get_value(x) -> np.ndarray:
    """The value of a variable or tensor as a writable NumPy array of its own (a copy,
    so later updates of the variable do not show through)."""
    return np.array(_ops.convert_to_numpy(unwrap(x)), copy=True)


def batch_get_value(tensors) -> list:
    return [get_value(x) for x in tensors]


def set_value(x: Variable, value) -> None:
    x.assign(np.asarray(value, dtype=x.dtype))


def batch_set_value(pairs) -> None:
    for x, value in pairs:
        set_value(x, value)


eval = get_value


def mean(x, axis=None, keepdims=False):
    return _ops.mean(unwrap(x), axis=axis, keepdims=keepdims)


def sqrt(x):
    # Keras's sqrt clips negatives to zero first instead of returning NaN.
    x = unwrap(x)
    return _ops.sqrt(_ops.maximum(x, 0.0))


def clip(x, min_value, max_value):
    if max_value is not None and min_value is not None and max_value < min_value:
        max_value = min_value
    return _ops.clip(unwrap(x), min_value, max_value)


def concatenate(tensors, axis=-1):
    return _ops.concatenate([unwrap(t) for t in tensors], axis=axis)


def reshape(x, shape):
    return _ops.reshape(unwrap(x), shape)


def transpose(x):
    """Reverses the axes (Keras 2's `K.transpose` takes no permutation)."""
    return _ops.transpose(unwrap(x))


def permute_dimensions(x, pattern):
    return _ops.transpose(unwrap(x), tuple(pattern))


def expand_dims(x, axis=-1):
    return _ops.expand_dims(unwrap(x), axis)


def squeeze(x, axis):
    return _ops.squeeze(unwrap(x), axis)


def flatten(x):
    return _ops.reshape(unwrap(x), (-1,))


def batch_flatten(x):
    x = unwrap(x)
    return _ops.reshape(x, (-1, int(np.prod(_ops.shape(x)[1:]))))


def softmax(x, axis=-1):
    return _ops.softmax(unwrap(x), axis=axis)


def sigmoid(x):
    return _ops.sigmoid(unwrap(x))


def hard_sigmoid(x):
    """Keras 2's piecewise-linear sigmoid: clip(0.2 x + 0.5, 0, 1)."""
    return _ops.clip(0.2 * unwrap(x) + 0.5, 0.0, 1.0)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """max(x, 0), with Keras's leak `alpha`, cap `max_value` and `threshold`."""
    x = unwrap(x)
    if alpha == 0.0 and max_value is None and threshold == 0.0:
        return _ops.relu(x)
    above = _ops.greater(x, threshold)
    result = _ops.where(above, x, alpha * (x - threshold))
    if max_value is not None:
        result = _ops.minimum(result, max_value)
    return result


def elu(x, alpha=1.0):
    return _ops.elu(unwrap(x), alpha)


def softplus(x):
    return _ops.softplus(unwrap(x))


def softsign(x):
    x = unwrap(x)
    return x / (_ops.abs(x) + 1.0)


def pow(x, a):
    return _ops.power(unwrap(x), a)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return _ops.random_uniform(
        shape, minval, maxval, dtype or config.floatx(), SeedGenerator(seed).next()
    )


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return _ops.random_normal(
        shape, mean, stddev, dtype or config.floatx(), SeedGenerator(seed).next()
    )


def is_keras_tensor(x) -> bool:
    return hasattr(x, "keras_history")


# The rest of the Keras 2 backend module, one concept per file.
from kerasfront.backend.math_functions import *  # noqa: E402, F401, F403
from kerasfront.backend.nn_functions import *  # noqa: E402, F401, F403
from kerasfront.backend.ctc import *  # noqa: E402, F401, F403
from kerasfront.backend.loop_functions import *  # noqa: E402, F401, F403
from kerasfront.backend.graph_functions import *  # noqa: E402, F401, F403

# Called with a graph tensor (a placeholder, a model input, a layer output) anywhere in its
# arguments, a K function records a graph node that replays it when the graph runs; on
# concrete tensors it pays one scan of its arguments. Getters and graph functions stay.
def _record_on_graph_tensors() -> None:
    from kerasfront.backend.symbolic import wrap_public_functions

    wrap_public_functions(globals())


_record_on_graph_tensors()
