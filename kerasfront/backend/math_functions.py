"""The math and tensor family of the Keras 2 backend module (`K.batch_dot`, `K.switch`,
`K.var`, `K.one_hot`, ...), with Keras 2's signatures, defaults and formulas.

The random functions live in `random_functions.py`, the crossentropies in
`crossentropy_functions.py` and the batch normalization functions in
`normalization_functions.py`; all are exported from here, so `K` sees one family.
"""

from __future__ import annotations

import builtins  # this module's `all`, `any` and `round` are Keras's
import string

import numpy as np

from kerasfront import config, ops
from kerasfront.backend.crossentropy_functions import *  # noqa: F403
from kerasfront.backend.crossentropy_functions import __all__ as _crossentropy_names
from kerasfront.backend.normalization_functions import *  # noqa: F403
from kerasfront.backend.normalization_functions import __all__ as _normalization_names
from kerasfront.backend.random_functions import *  # noqa: F403
from kerasfront.backend.random_functions import __all__ as _random_names
from kerasfront.backend.tensor_args import as_axis, as_operand, as_shape, as_tensor


def _float(x):
    """x as a float tensor (booleans and integers become floatx, as Keras 2's `var`)."""
    x = as_tensor(x)
    if ops.dtype(x).startswith(("float", "bfloat")):
        return x
    return ops.cast(x, config.floatx())


# Element-wise functions and comparisons.


def sin(x):
    return ops.sin(as_tensor(x))


def cos(x):
    return ops.cos(as_tensor(x))


def round(x):
    """Rounds to the nearest integer, ties to the even one (2.5 -> 2, 3.5 -> 4)."""
    return ops.round(as_tensor(x))


def greater_equal(x, y):
    return ops.greater_equal(as_tensor(x), as_operand(y))


def less_equal(x, y):
    return ops.less_equal(as_tensor(x), as_operand(y))


def not_equal(x, y):
    return ops.not_equal(as_tensor(x), as_operand(y))


# Reductions.


def all(x, axis=None, keepdims=False):
    """Whether every entry is non-zero (bitwise AND reduction)."""
    return ops.all(ops.cast(as_tensor(x), "bool"), axis=as_axis(axis), keepdims=keepdims)


def any(x, axis=None, keepdims=False):
    """Whether some entry is non-zero (bitwise OR reduction)."""
    return ops.any(ops.cast(as_tensor(x), "bool"), axis=as_axis(axis), keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    """The variance, divided by the number of entries (not n - 1), as Keras 2's."""
    x = _float(x)
    axis = as_axis(axis)
    centre = ops.mean(x, axis=axis, keepdims=True)
    return ops.mean(ops.square(x - centre), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """The standard deviation: the square root of `var`."""
    return ops.sqrt(var(x, axis=axis, keepdims=keepdims))


def cumsum(x, axis=0):
    """Running sums along `axis` (Keras 2's default: the first axis)."""
    return ops.cumsum(as_tensor(x), axis=int(axis))


def cumprod(x, axis=0):
    """Running products along `axis` (Keras 2's default: the first axis)."""
    return ops.cumprod(as_tensor(x), axis=int(axis))


# Creation and shapes.


def arange(start, stop=None, step=1, dtype="int32"):
    """A 1-D tensor `start, start + step, ...` below `stop` (one argument: the stop).

    Keras 2's rule for `dtype`: the default "int32" leaves the sequence in the type its
    bounds give (floats stay floats); any other dtype casts it.
    """
    if stop is None and start < 0:
        start = 0  # arange(-3) is empty, as NumPy's and Theano's
    sequence = ops.arange(start, stop, step)
    return sequence if dtype == "int32" else ops.cast(sequence, dtype)


def shape(x):
    """The shape of `x` as a 1-D int32 tensor (Keras 2's dynamic shape).

    Compiled steps know every size (they are traced per batch shape), and there the
    shape comes as a NumPy int32 array: a tensor made inside a trace (jax.jit,
    tf.function) no longer gives its values back, while `K.reshape(x, (K.shape(x)[0],
    -1))`, `K.tile` or `K.random_normal(K.shape(x))` need them as numbers. Every engine
    op takes the array as a constant.
    """
    dims = ops.shape(as_tensor(x))
    if not builtins.all(isinstance(d, (int, np.integer)) for d in dims):
        # Only while tracing symbolically (a layer's output shape); the tracer then
        # probes with concrete sizes instead.
        raise ValueError(f"K.shape: the shape {dims} has unknown dimensions.")
    sizes = np.asarray(dims, dtype="int32").reshape(len(dims))
    tensor = ops.convert_to_tensor(sizes)
    try:
        ops.convert_to_numpy(tensor)
    except (TypeError, AttributeError, NotImplementedError, ValueError):
        return sizes  # inside a trace
    return tensor


def one_hot(indices, num_classes):
    """(…) integer indices -> (…, num_classes) float32 one-hot rows; an index outside
    [0, num_classes) gives a row of zeros, as TensorFlow's one_hot."""
    indices = ops.cast(as_tensor(indices), "int32")
    classes = ops.arange(int(num_classes), dtype="int32")
    return ops.cast(ops.equal(ops.expand_dims(indices, -1), classes), "float32")


def gather(reference, indices):
    """Rows of `reference` (entries along its first axis) at integer `indices`: the
    result has shape `indices.shape + reference.shape[1:]`."""
    indices = as_tensor(indices)
    if not ops.dtype(indices).startswith(("int", "uint")):
        raise TypeError(f"K.gather: indices must be integers, received {ops.dtype(indices)}.")
    return ops.take(as_tensor(reference), indices, axis=0)


def repeat(x, n):
    """Repeats a 2-D tensor: (batch, dim) -> (batch, n, dim) (Keras's RepeatVector)."""
    x = as_tensor(x)
    if len(ops.shape(x)) != 2:
        raise ValueError(
            f"K.repeat takes a 2-D tensor (batch, dim); received shape {ops.shape(x)}. "
            "Use K.repeat_elements or K.tile for other ranks."
        )
    return ops.tile(ops.expand_dims(x, 1), (1, int(n), 1))


def repeat_elements(x, rep, axis):
    """Repeats each entry `rep` times along `axis`, as `np.repeat`: (s1, s2) with
    axis=1 -> (s1, s2 * rep)."""
    return ops.repeat(as_tensor(x), int(rep), axis=int(axis))


def tile(x, n):
    """Tiles `x` `n[i]` times along axis i; `n` has one entry per axis of `x` (an int
    for a 1-D `x`)."""
    x = as_tensor(x)
    reps = as_shape(n)
    rank = len(ops.shape(x))
    if isinstance(reps, tuple) and len(reps) != rank:
        raise ValueError(
            f"K.tile: n must have one entry per axis of x (rank {rank}); received {n!r}."
        )
    return ops.tile(x, reps)


def reverse(x, axes):
    """Reverses `x` along `axes` (an int or a list of ints)."""
    axes = (axes,) if isinstance(axes, (int, np.integer)) else tuple(int(a) for a in axes)
    return ops.flip(as_tensor(x), axis=axes)


# Products.


def batch_dot(x, y, axes=None):
    """The dot product of `x[i]` and `y[i]` for every sample i of the batch axis.

    Keras 2's rules: `axes` is an int (the same axis of both) or a pair `(axis of x,
    axis of y)`, never the batch axis 0; by default the last axis of x against the
    second-to-last of y (the last when y is 2-D). The result has x's axes without the
    summed one, then y's without its batch and summed axes: x (b, m, k) and y (b, k, n)
    give (b, m, n). A result of rank 1 (two 2-D inputs) is shaped (b, 1).

    This is the rule of Keras 2.2.5+ and tf.keras. Keras 2.2.4 and earlier on TensorFlow
    batched over every leading axis when the ranks differed, so (b, n, k) against
    (b, n, k, d) on axes (2, 2) gave (b, n, d) there and gives (b, n, n, d) here; code
    written for that (the cifar10_cnn_capsule example) writes such a product as
    `K.sum(K.expand_dims(x, -1) * y, axis=2)`.
    """
    x, y = as_tensor(x), as_tensor(y)
    x_shape, y_shape = ops.shape(x), ops.shape(y)
    x_rank, y_rank = len(x_shape), len(y_shape)
    if x_rank < 2 or y_rank < 2:
        raise ValueError(
            f"K.batch_dot takes tensors of rank 2 or more; received shapes {x_shape} and {y_shape}."
        )
    if None not in (x_shape[0], y_shape[0]) and x_shape[0] != y_shape[0]:
        raise ValueError(f"K.batch_dot: the batch sizes differ: shapes {x_shape} and {y_shape}.")
    if axes is None:
        axes = (x_rank - 1, y_rank - 1 if y_rank == 2 else y_rank - 2)
    elif isinstance(axes, (int, np.integer)):
        axes = (int(axes), int(axes))
    if len(axes) != 2 or not builtins.all(isinstance(a, (int, np.integer)) for a in axes):
        raise ValueError(
            f"K.batch_dot: axes must be None, an int or a pair of ints; received {axes!r}."
        )
    x_axis, y_axis = int(axes[0]) % x_rank, int(axes[1]) % y_rank
    if x_axis == 0 or y_axis == 0:
        raise ValueError(
            f"K.batch_dot cannot sum over the batch axis 0 (axes={axes!r}); add a batch "
            "axis with K.expand_dims(x, 0) if your inputs have none."
        )
    x_size, y_size = x_shape[x_axis], y_shape[y_axis]
    if None not in (x_size, y_size) and x_size != y_size:
        raise ValueError(
            f"K.batch_dot: x.shape[{x_axis}] != y.shape[{y_axis}] ({x_size} != {y_size}) "
            f"for shapes {x_shape} and {y_shape}. Only axis 0 is a batch axis (Keras 2.2.5+ "
            "and tf.keras; Keras 2.2.4 on TensorFlow also batched over the leading axes of "
            "inputs of different ranks, so an earlier batch_dot may have made one of these "
            "shapes): write a product batched over more axes with K.expand_dims, * and "
            "K.sum."
        )
    # One letter per axis: "a" the batch, "z" the summed axis, fresh letters for the rest.
    letters = iter(string.ascii_lowercase[1:25])
    x_letters = ["a"] + ["z" if i == x_axis else next(letters) for i in range(1, x_rank)]
    y_letters = ["a"] + ["z" if i == y_axis else next(letters) for i in range(1, y_rank)]
    out_letters = [c for c in x_letters if c != "z"] + [c for c in y_letters[1:] if c != "z"]
    result = ops.einsum(f"{''.join(x_letters)},{''.join(y_letters)}->{''.join(out_letters)}", x, y)
    return ops.expand_dims(result, 1) if len(out_letters) == 1 else result


def bias_add(x, bias, data_format=None):
    """x + bias along the channels axis of `data_format` (default: image_data_format()).

    `bias` is a vector with one entry per channel, or a tensor of rank ndim(x) - 1
    shaped (*spatial, channels) (Keras 2's two forms; for channels_first data the latter
    is reshaped to (channels, *spatial), as Keras 2 does).
    """
    data_format = data_format or config.image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            f"K.bias_add: data_format must be 'channels_first' or 'channels_last'; "
            f"received {data_format!r}."
        )
    x, bias = as_tensor(x), as_tensor(bias)
    x_shape, bias_shape = ops.shape(x), ops.shape(bias)
    rank = len(x_shape)
    if len(bias_shape) not in (1, rank - 1):
        raise ValueError(
            f"K.bias_add: bias must have rank 1 or {rank - 1} for x of shape {x_shape}; "
            f"received shape {bias_shape}."
        )
    channel_axis = 1 if data_format == "channels_first" else rank - 1
    channels = x_shape[channel_axis]
    if channels is not None and bias_shape[-1] != channels:
        raise ValueError(
            f"K.bias_add: x of shape {x_shape} has {channels} channels ({data_format}); "
            f"the bias of shape {bias_shape} has {bias_shape[-1]}."
        )
    if len(bias_shape) == 1:
        target = [1] * rank
        target[channel_axis] = channels
        return x + ops.reshape(bias, tuple(target))
    if data_format == "channels_first":
        # Keras 2 reshapes (not transposes) the (..., channels) bias to (channels, ...):
        # the same here, so weights trained under Keras 2 give its outputs.
        return x + ops.reshape(bias, (1, bias_shape[-1], *bias_shape[:-1]))
    return x + ops.expand_dims(bias, 0)


# Selection.


def switch(condition, then_expression, else_expression):
    """`then_expression` where `condition` holds, else `else_expression`.

    The expressions may be tensors or functions returning them. A scalar condition
    picks one expression whole; a condition of lower rank than the expressions is
    aligned with their leading axes (a (batch,) condition picks per sample): Keras 2
    extends it with trailing size-1 axes (tf.keras on TensorFlow 2 does so from rank 2
    on; for rank 1 it broadcasts against the last axis instead, which we do not copy).
    Both expressions are computed (a compiled step cannot branch on a tensor value),
    unless the condition is a Python bool.
    """
    if isinstance(condition, (bool, np.bool_)):
        chosen = then_expression if condition else else_expression
        return as_tensor(chosen() if callable(chosen) else chosen)
    condition = ops.cast(as_tensor(condition), "bool")
    then_value = as_operand(then_expression() if callable(then_expression) else then_expression)
    else_value = as_operand(else_expression() if callable(else_expression) else else_expression)
    condition_rank = len(ops.shape(condition))
    ranks = [len(ops.shape(v)) for v in (then_value, else_value) if not isinstance(v, float | int)]
    expression_rank = max(ranks, default=0)
    if condition_rank > expression_rank:
        raise ValueError(
            f"K.switch: the condition has rank {condition_rank}, more than the expressions' "
            f"rank {expression_rank}."
        )
    if condition_rank > 0:
        for _ in range(expression_rank - condition_rank):
            condition = ops.expand_dims(condition, -1)
    return ops.where(condition, then_value, else_value)


def l2_normalize(x, axis=None):
    """x / sqrt(max(sum(x ** 2, axis), 1e-12)): unit L2 norm along `axis` (None: all)."""
    x = as_tensor(x)
    squares = ops.sum(ops.square(x), axis=as_axis(axis), keepdims=True)
    return x / ops.sqrt(ops.maximum(squares, 1e-12))


def in_top_k(predictions, targets, k):
    """Whether `targets[i]` is among the `k` largest of `predictions[i]`, for a
    (batch, classes) `predictions` and (batch,) integer `targets`.

    TensorFlow's rule: classes tied with the target's prediction all count as in, so
    the target is in when fewer than k classes score strictly higher. A target outside
    [0, classes) or a row with a non-finite prediction gives False.
    """
    predictions, targets = as_tensor(predictions), ops.cast(as_tensor(targets), "int32")
    classes = ops.shape(predictions)[-1]
    valid = ops.logical_and(ops.greater_equal(targets, 0), ops.less(targets, classes))
    safe_targets = ops.where(valid, targets, ops.zeros_like(targets))
    picked = ops.take_along_axis(predictions, ops.expand_dims(safe_targets, -1), axis=-1)
    higher = ops.sum(ops.cast(ops.greater(predictions, picked), "int32"), axis=-1)
    finite = ops.all(ops.less(ops.abs(predictions), float("inf")), axis=-1)
    return ops.logical_and(ops.logical_and(valid, finite), ops.less(higher, int(k)))


__all__ = [
    "all",
    "any",
    "arange",
    "batch_dot",
    "bias_add",
    "cos",
    "cumprod",
    "cumsum",
    "gather",
    "greater_equal",
    "in_top_k",
    "l2_normalize",
    "less_equal",
    "not_equal",
    "one_hot",
    "repeat",
    "repeat_elements",
    "reverse",
    "round",
    "shape",
    "sin",
    "std",
    "switch",
    "tile",
    "var",
    *_crossentropy_names,
    *_normalization_names,
    *_random_names,
]
