"""The Keras backend API (`from kerasfront import backend as K`).

The functions custom layers, losses, metrics and regularizers written in the Keras
docs' style call: `K.dot`, `K.mean`, `K.epsilon()`, ... They run on the active engine.
Where a Keras function's defaults differ from NumPy's (`concatenate` and `expand_dims`
default to the last axis), the Keras default is kept.
"""

from __future__ import annotations

import builtins

import numpy as np

from kerasfront import config
from kerasfront import ops as _ops
from kerasfront.backend import registry
from kerasfront.backend.scope import StatelessScope  # noqa: F401
from kerasfront.backend.tensor_args import as_axis, as_operand, as_shape, as_tensor
from kerasfront.backend.variables import (  # noqa: F401
    SeedGenerator,
    Variable,
    unwrap,
    variable_holding,
)
from kerasfront.config import (  # noqa: F401
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)

_adapter = registry.ADAPTER


def _unary(name: str):
    """The op on one tensor, taking `Variable`s (custom Keras code passes weights, e.g.
    `K.sum(K.square(layer.kernel))` in a regularizer), NumPy arrays and numbers."""

    # The adapter, not kerasfront.ops: importing kerasfront.ops first brings this module
    # in while ops is still half-initialised.
    op = getattr(_adapter, name)

    def run(x):
        return op(as_tensor(x))

    run.__name__ = run.__qualname__ = name
    return run


def _binary(name: str):
    """The op on two operands; a Python number stays a number, so it takes the other
    operand's dtype (`K.maximum(x, 0)`)."""

    op = getattr(_adapter, name)

    def run(x, y):
        return op(as_operand(x), as_operand(y))

    run.__name__ = run.__qualname__ = name
    return run


def _reduction(name: str):
    """A Keras 2 reduction: `(x, axis=None, keepdims=False)`, `axis` an int or a list."""

    op = getattr(_adapter, name)

    def run(x, axis=None, keepdims=False):
        return op(as_tensor(x), axis=as_axis(axis), keepdims=keepdims)

    run.__name__ = run.__qualname__ = name
    return run


for _name in "abs exp log sign square tanh".split():
    globals()[_name] = _unary(_name)
for _name in "equal greater less maximum minimum".split():
    globals()[_name] = _binary(_name)
for _name in "max min prod sum".split():
    globals()[_name] = _reduction(_name)
convert_to_numpy = _adapter.convert_to_numpy


def stop_gradient(variables):
    """`variables` (a tensor, or a list or tuple of them, as Keras 2) with no gradient
    flowing back through them."""
    if isinstance(variables, (list, tuple)):
        return [_ops.stop_gradient(as_tensor(x)) for x in variables]
    return _ops.stop_gradient(as_tensor(variables))


def cast(x, dtype):
    return _ops.cast(as_tensor(x), dtype)


def dot(x, y):
    """The dot product: for x (..., k) and y (..., k, n), the sum over x's last axis
    and y's second-to-last, of shape x.shape[:-1] + y.shape[:-2] + y.shape[-1:]."""
    return _ops.dot(as_tensor(x), as_tensor(y))


def argmax(x, axis=-1):
    return _ops.argmax(as_tensor(x), axis=axis)


def argmin(x, axis=-1):
    return _ops.argmin(as_tensor(x), axis=axis)


def stack(x, axis=0):
    return _ops.stack([as_tensor(t) for t in x], axis=axis)


def zeros_like(x, dtype=None, name=None):
    return _ops.zeros_like(as_tensor(x), dtype=dtype)


def ones_like(x, dtype=None, name=None):
    return _ops.ones_like(as_tensor(x), dtype=dtype)


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


# Keras 2 returns Variables from zeros, ones and eye; these return tensors, which work in
# compiled steps too (TensorFlow refuses new variables in a traced function). Wrap one in
# K.variable for a variable.
def _variable_at_top_level(value: np.ndarray, tensor_fn, name):
    """Keras 2's K.zeros, K.ones and K.eye made variables (so `K.set_value(K.zeros(...),
    ...)` works): outside a step and a layer's call they are variables here too. Inside
    one they are tensors, as a compiled step cannot create variables."""
    from kerasfront.backend.scope import SCOPES
    from kerasfront.layers.unseeded_draws import CALLING_LAYERS

    if SCOPES or CALLING_LAYERS:
        return tensor_fn()
    return Variable(value, name=name or "variable", dtype=str(value.dtype))


def zeros(shape, dtype=None, name=None):
    """All zeros of `shape`: a variable outside a step or layer call (Keras 2), else a tensor."""
    shape, dtype = as_shape(shape), dtype or config.floatx()
    if not builtins.all(isinstance(size, (int, np.integer)) for size in shape):
        return _ops.zeros(shape, dtype)  # a size known only when the step runs
    return _variable_at_top_level(np.zeros(shape, dtype), lambda: _ops.zeros(shape, dtype), name)


def ones(shape, dtype=None, name=None):
    """All ones of `shape`: a variable outside a step or layer call (Keras 2), else a tensor."""
    shape, dtype = as_shape(shape), dtype or config.floatx()
    if not builtins.all(isinstance(size, (int, np.integer)) for size in shape):
        return _ops.ones(shape, dtype)
    return _variable_at_top_level(np.ones(shape, dtype), lambda: _ops.ones(shape, dtype), name)


def eye(size, dtype=None, name=None):
    """The identity matrix; `size` is n (n x n) or a pair (n, m). A variable outside a
    step or layer call (Keras 2), else a tensor."""
    rows, columns = (size, size) if isinstance(size, (int, np.integer)) else tuple(size)
    rows, columns, dtype = int(rows), int(columns), dtype or config.floatx()
    return _variable_at_top_level(
        np.eye(rows, columns, dtype=dtype), lambda: _ops.eye(rows, columns, dtype=dtype), name
    )


def cast_to_floatx(x):
    """NumPy arrays and numbers as NumPy arrays of floatx; tensors cast to floatx."""
    if isinstance(x, Variable) or _ops.is_tensor(x):
        return _ops.cast(as_tensor(x), config.floatx())
    return np.asarray(x, dtype=config.floatx())


def get_value(x) -> np.ndarray:
    """The value of a variable or tensor as a writable NumPy array of its own (a copy,
    so later updates of the variable do not show through)."""
    return np.array(_ops.convert_to_numpy(unwrap(x)), copy=True)


def batch_get_value(ops) -> list:
    """The values of a list of variables or tensors (Keras 2's argument name `ops`)."""
    return [get_value(x) for x in ops]


def set_value(x: Variable, value) -> None:
    """Assigns `value` (a NumPy-convertible value) to the variable `x` (or to the variable
    a layer weight attribute such as `layer.kernel` reads from)."""
    holder = variable_holding(x)  # an identity test: never the truth value of a tensor
    x = holder if holder is not None else x
    if not isinstance(x, Variable):
        # E.g. K.set_value(optimizer.momentum, m): Keras 2 made momentum and the betas
        # variables; here they are numbers fixed when the train step is built.
        raise TypeError(
            f"K.set_value expects a variable (K.variable, a layer weight, optimizer.lr, "
            f"optimizer.decay), received {type(x).__name__}: {x!r:.60} (a weight read "
            "before its values changed is no longer one). A hyperparameter "
            "held as a number (optimizer momentum, beta_1, beta_2, rho) is fixed once the "
            "model has trained; set it on the optimizer before compile instead."
        )
    x.assign(np.asarray(value, dtype=x.dtype))


def batch_set_value(tuples) -> None:
    """Sets each `(variable, value)` pair of `tuples`."""
    for x, value in tuples:
        set_value(x, value)


eval = get_value


def mean(x, axis=None, keepdims=False):
    """The mean; booleans and integers average to floats."""
    x = as_tensor(x)
    if _ops.dtype(x) == "bool":
        x = _ops.cast(x, config.floatx())
    return _ops.mean(x, axis=as_axis(axis), keepdims=keepdims)


def sqrt(x):
    # Keras's sqrt clips negatives to zero first instead of returning NaN.
    return _ops.sqrt(_ops.maximum(as_tensor(x), 0.0))


def clip(x, min_value, max_value):
    """Clips to [min_value, max_value] (None: no bound on that side); Keras 2 raises a
    numeric max_value below min_value to min_value."""
    numbers = (int, float, np.number)
    if isinstance(min_value, numbers) and isinstance(max_value, numbers):
        max_value = builtins.max(max_value, min_value)
    return _ops.clip(as_tensor(x), min_value, max_value)


def concatenate(tensors, axis=-1):
    return _ops.concatenate([as_tensor(t) for t in tensors], axis=axis)


def reshape(x, shape):
    """Reshapes to `shape`, whose entries may be ints (-1 once) or entries of K.shape."""
    return _ops.reshape(as_tensor(x), as_shape(shape))


def transpose(x):
    """Reverses the axes (Keras 2's `K.transpose` takes no permutation)."""
    return _ops.transpose(as_tensor(x))


def permute_dimensions(x, pattern):
    return _ops.transpose(as_tensor(x), tuple(pattern))


def expand_dims(x, axis=-1):
    return _ops.expand_dims(as_tensor(x), axis)


def squeeze(x, axis):
    """Removes the size-1 axis `axis` (Keras 2 requires the axis)."""
    return _ops.squeeze(as_tensor(x), axis)


def flatten(x):
    return _ops.reshape(as_tensor(x), (-1,))


def batch_flatten(x):
    """(batch, d1, d2, ...) -> (batch, d1 * d2 * ...)."""
    x = as_tensor(x)
    batch, *rest = _ops.shape(x)
    if None in rest:  # while tracing with unknown inner sizes: the batch size is known
        return _ops.reshape(x, (batch, -1))
    return _ops.reshape(x, (-1, int(np.prod(rest, dtype="int64"))))


def softmax(x, axis=-1):
    return _ops.softmax(as_tensor(x), axis=axis)


def sigmoid(x):
    return _ops.sigmoid(as_tensor(x))


def hard_sigmoid(x):
    """Keras 2's piecewise-linear sigmoid: clip(0.2 x + 0.5, 0, 1)."""
    return _ops.clip(0.2 * as_tensor(x) + 0.5, 0.0, 1.0)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras 2's rectifier: x above `threshold` (capped to [0, max_value] when a cap
    is given), alpha * (x - threshold) at or below it."""
    x = as_tensor(x)
    if alpha == 0.0 and max_value is None and threshold == 0.0:
        return _ops.relu(x)
    above = _ops.greater(x, threshold)
    kept = _ops.where(above, x, _ops.zeros_like(x))
    if max_value is not None:
        kept = _ops.clip(kept, 0.0, max_value)
    if alpha == 0.0:
        return kept
    return kept - alpha * _ops.relu(threshold - x)


def elu(x, alpha=1.0):
    return _ops.elu(as_tensor(x), alpha)


def softplus(x):
    return _ops.softplus(as_tensor(x))


def softsign(x):
    x = as_tensor(x)
    return x / (_ops.abs(x) + 1.0)


def pow(x, a):
    return _ops.power(as_tensor(x), as_operand(a))


def is_keras_tensor(x) -> bool:
    """Whether `x` is a symbolic tensor of the functional API (an `Input` or a layer
    output); a ValueError for anything that is not a tensor, as Keras 2."""
    if hasattr(x, "keras_history"):
        return True
    if isinstance(x, Variable) or _ops.is_tensor(x):
        return False
    raise ValueError(f"is_keras_tensor expects a tensor; received {type(x).__name__}: {x!r:.80}.")


# The rest of the Keras 2 backend module, one concept per file.
from kerasfront.backend.ctc import *  # noqa: E402, F401, F403
from kerasfront.backend.graph_functions import *  # noqa: E402, F401, F403
from kerasfront.backend.keras22_functions import *  # noqa: E402, F401, F403
from kerasfront.backend.loop_functions import *  # noqa: E402, F401, F403
from kerasfront.backend.math_functions import *  # noqa: E402, F401, F403
from kerasfront.backend.nn_functions import *  # noqa: E402, F401, F403


# Called with a graph tensor (a placeholder, a model input, a layer output) anywhere in its
# arguments, a K function records a graph node that replays it when the graph runs; on
# concrete tensors it pays one scan of its arguments. Getters and graph functions stay.
def _record_on_graph_tensors() -> None:
    from kerasfront.backend.symbolic import wrap_public_functions

    wrap_public_functions(globals())


_record_on_graph_tensors()
