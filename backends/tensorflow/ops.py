"""The contract's array ops in TensorFlow, with NumPy's argument names and semantics."""

from __future__ import annotations

import numpy as np
import tensorflow as tf
import tensorflow.experimental.numpy as tnp

from kerasfront import config
from kerasfront.backend.numpy_like import arange_dtype, check_equal_split


def convert_to_tensor(x, dtype=None):
    if isinstance(x, tf.Variable):
        x = x.value()
    if dtype is not None and tf.is_tensor(x) and x.dtype != dtype:
        return tf.cast(x, dtype)  # NumPy's asarray casts; tf.convert_to_tensor would refuse
    return tf.convert_to_tensor(x, dtype=dtype)


def convert_to_numpy(x):
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


is_tensor = tf.is_tensor


def cast(x, dtype):
    return tf.cast(x, dtype)


def shape(x):
    return tuple(tf.TensorShape(x.shape).as_list())


def dtype(x):
    return tf.as_dtype(x.dtype).name


def zeros(shape, dtype="float32"):
    return tf.zeros(shape, dtype)


def ones(shape, dtype="float32"):
    return tf.ones(shape, dtype)


def zeros_like(x, dtype=None):
    return tf.zeros_like(x, dtype=dtype)


def ones_like(x, dtype=None):
    return tf.ones_like(x, dtype=dtype)


def full(shape, fill_value, dtype="float32"):
    return tf.fill(shape, tf.cast(fill_value, dtype))


def eye(n, m=None, dtype="float32"):
    return tf.eye(n, m, dtype=dtype)


def arange(start, stop=None, step=1, dtype=None):
    dtype = dtype or arange_dtype(start, stop, step)
    if stop is None:
        start, stop = 0, start
    return tf.range(start, stop, step, dtype=dtype)


def reshape(x, newshape):
    return tf.reshape(x, [-1 if d is None else d for d in newshape])


def transpose(x, axes=None):
    return tf.transpose(x, perm=axes)


def expand_dims(x, axis):
    return tf.expand_dims(x, axis)


def squeeze(x, axis=None):
    return tf.squeeze(x, axis)


def concatenate(xs, axis=0):
    return tf.concat(list(xs), axis)


def stack(xs, axis=0):
    return tf.stack(list(xs), axis)


def tile(x, reps):
    reps = [reps] if isinstance(reps, int) else list(reps)
    # NumPy pads the shorter of the two with leading ones.
    rank = len(x.shape)
    if len(reps) < rank:
        reps = [1] * (rank - len(reps)) + reps
    elif len(reps) > rank:
        x = tf.reshape(x, [1] * (len(reps) - rank) + list(tf.shape(x)))
    return tf.tile(x, reps)


def take(x, indices, axis=None):
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    # NumPy counts negative indices from the end; tf.gather refuses them on CPU.
    indices = tf.convert_to_tensor(indices)
    size = tf.cast(tf.shape(x)[axis], indices.dtype)
    return tf.gather(x, tf.where(indices < 0, indices + size, indices), axis=axis)


def take_along_axis(x, indices, axis):
    return tnp.take_along_axis(x, indices, axis)


def one_hot(x, num_classes, dtype="float32"):
    return tf.one_hot(tf.cast(x, "int32"), num_classes, dtype=dtype)


def _is_integer_tensor(x) -> bool:
    dtype = getattr(x, "dtype", None)
    return isinstance(dtype, tf.dtypes.DType) and dtype.is_integer


def _promoting_float_scalars(op):
    """`op(x, y)` with NumPy's rule for a Python float beside an integer tensor: the
    tensor becomes float (TensorFlow would refuse to convert the float to its dtype)."""

    def run(x, y):
        if isinstance(y, float) and _is_integer_tensor(x):
            x = tf.cast(x, config.floatx())
        elif isinstance(x, float) and _is_integer_tensor(y):
            y = tf.cast(y, config.floatx())
        return op(x, y)

    run.__name__ = getattr(op, "__name__", "op")
    return run


broadcast_to = tf.broadcast_to
add = _promoting_float_scalars(tf.add)
subtract = _promoting_float_scalars(tf.subtract)
multiply = _promoting_float_scalars(tf.multiply)
negative = tf.negative
power = _promoting_float_scalars(tf.pow)
abs = tf.abs
square = tf.square
sqrt = tf.sqrt
exp = tf.exp
log = tf.math.log
log1p = tf.math.log1p
tanh = tf.tanh
sin = tf.sin
cos = tf.cos
sign = tf.sign
floor = tf.floor
round = tf.round
maximum = _promoting_float_scalars(tf.maximum)
minimum = _promoting_float_scalars(tf.minimum)
where = tf.where
equal = tf.equal
not_equal = tf.not_equal
greater = tf.greater
greater_equal = tf.greater_equal
less = tf.less
less_equal = tf.less_equal
logical_and = tf.logical_and
logical_or = tf.logical_or
logical_not = tf.logical_not
relu = tf.nn.relu
sigmoid = tf.sigmoid
softplus = tf.nn.softplus
stop_gradient = tf.stop_gradient


def divide(x, y):
    # NumPy's true division: integers divide to floats.
    return tf.math.truediv(x, y)


def clip(x, min_value, max_value):
    # NumPy allows one bound to be None; tf.clip_by_value needs both.
    if _is_integer_tensor(x) and (isinstance(min_value, float) or isinstance(max_value, float)):
        x = tf.cast(x, config.floatx())
    if min_value is None:
        return tf.minimum(x, max_value)
    if max_value is None:
        return tf.maximum(x, min_value)
    return tf.clip_by_value(x, min_value, max_value)


def sum(x, axis=None, keepdims=False):
    x = tf.convert_to_tensor(x)
    if x.dtype == tf.bool:
        x = tf.cast(x, "int32")  # NumPy counts the True values
    return tf.reduce_sum(x, axis=axis, keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    x = tf.convert_to_tensor(x)
    if not x.dtype.is_floating:
        x = tf.cast(x, "float32")  # NumPy's mean of integers is a float
    return tf.reduce_mean(x, axis=axis, keepdims=keepdims)


def max(x, axis=None, keepdims=False):
    return tf.reduce_max(x, axis=axis, keepdims=keepdims)


def min(x, axis=None, keepdims=False):
    return tf.reduce_min(x, axis=axis, keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    return tf.reduce_prod(x, axis=axis, keepdims=keepdims)


def argmax(x, axis=-1):
    if axis is None:  # NumPy: the index into the flattened array (tf would use axis 0)
        x, axis = tf.reshape(x, [-1]), 0
    return tf.argmax(x, axis=axis)


def argmin(x, axis=-1):
    if axis is None:
        x, axis = tf.reshape(x, [-1]), 0
    return tf.argmin(x, axis=axis)


def all(x, axis=None, keepdims=False):
    return tf.reduce_all(tf.cast(x, "bool"), axis=axis, keepdims=keepdims)


def any(x, axis=None, keepdims=False):
    return tf.reduce_any(tf.cast(x, "bool"), axis=axis, keepdims=keepdims)


def _cumulative(tf_function):
    def run(x, axis=None):
        x = tf.convert_to_tensor(x)
        if x.dtype == tf.bool:
            x = tf.cast(x, "int32")  # the contract counts booleans as int32
        if axis is None:  # NumPy: over the flattened array
            x, axis = tf.reshape(x, [-1]), 0
        return tf_function(x, axis=axis)

    return run


cumsum = _cumulative(tf.cumsum)
cumprod = _cumulative(tf.math.cumprod)


def split(x, sections, axis=0):
    check_equal_split(x.shape, sections, axis)
    return tf.split(x, sections, axis=axis)


def flip(x, axis=None):
    rank = len(x.shape)
    if axis is None:
        axis = range(rank)
    axes = [axis] if isinstance(axis, int) else list(axis)
    return tf.reverse(x, [a % rank for a in axes])


def einsum(subscripts, *operands):
    return tf.einsum(subscripts, *operands)


def matmul(x, y):
    if len(x.shape) >= 2 and len(y.shape) >= 2:
        return tf.linalg.matmul(x, y)
    return tnp.matmul(x, y)


def dot(x, y):
    x_rank, y_rank = len(x.shape), len(y.shape)
    if x_rank == 2 and y_rank == 2:
        return tf.linalg.matmul(x, y)
    if x_rank == 0 or y_rank == 0:
        return tf.multiply(x, y)
    # NumPy's dot: last axis of x against the second-to-last axis of y.
    return tf.tensordot(x, y, [[x_rank - 1], [y_rank - 2 if y_rank >= 2 else 0]])


def softmax(x, axis=-1):
    return tf.nn.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return tf.nn.log_softmax(x, axis=axis)


def elu(x, alpha=1.0):
    if alpha == 1.0:
        return tf.nn.elu(x)
    return tf.where(x > 0, x, alpha * (tf.exp(tf.minimum(x, 0.0)) - 1.0))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype="float32", seed=None):
    return tf.random.stateless_uniform(
        shape, seed=tf.cast(seed, "int32"), minval=minval, maxval=maxval, dtype=dtype
    )


def random_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    return tf.random.stateless_normal(
        shape, seed=tf.cast(seed, "int32"), mean=mean, stddev=stddev, dtype=dtype
    )


def random_truncated_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    return tf.random.stateless_truncated_normal(
        shape, seed=tf.cast(seed, "int32"), mean=mean, stddev=stddev, dtype=dtype
    )
