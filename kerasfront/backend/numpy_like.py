"""Array ops written once against a NumPy-like namespace (`numpy`, `jax.numpy`).

`make_ops(xp)` returns the op functions of the contract, bound to `xp`. An adapter
whose engine follows NumPy names (the NumPy reference, JAX) takes these and overrides
only what its engine does better or differently (random numbers, `convert_to_tensor`).
"""

from __future__ import annotations

import numpy as np


def make_ops(xp) -> dict:
    """Builds the contract's array ops over the namespace `xp`."""

    def cast(x, dtype):
        return xp.asarray(x).astype(dtype)

    def shape(x):
        return tuple(x.shape)

    def dtype(x):
        return str(x.dtype)

    def zeros(shape, dtype="float32"):
        return xp.zeros(shape, dtype=dtype)

    def ones(shape, dtype="float32"):
        return xp.ones(shape, dtype=dtype)

    def zeros_like(x, dtype=None):
        return xp.zeros_like(x, dtype=dtype)

    def ones_like(x, dtype=None):
        return xp.ones_like(x, dtype=dtype)

    def full(shape, fill_value, dtype="float32"):
        return xp.full(shape, fill_value, dtype=dtype)

    def eye(n, m=None, dtype="float32"):
        return xp.eye(n, m, dtype=dtype)

    def arange(start, stop=None, step=1, dtype=None):
        return xp.arange(start, stop, step, dtype=dtype or arange_dtype(start, stop, step))

    def reshape(x, newshape):
        return xp.reshape(x, tuple(-1 if d is None else d for d in newshape))

    def transpose(x, axes=None):
        return xp.transpose(x, axes)

    def concatenate(xs, axis=0):
        return xp.concatenate(list(xs), axis=axis)

    def stack(xs, axis=0):
        return xp.stack(list(xs), axis=axis)

    def take(x, indices, axis=None):
        # jax.numpy refuses Python lists as indices; NumPy accepts them.
        return xp.take(x, xp.asarray(indices), axis=axis)

    def take_along_axis(x, indices, axis):
        return xp.take_along_axis(x, xp.asarray(indices), axis=axis)

    def one_hot(x, num_classes, dtype="float32"):
        return (xp.asarray(x)[..., None] == xp.arange(num_classes)).astype(dtype)

    def clip(x, min_value, max_value):
        return xp.clip(x, min_value, max_value)

    def sum(x, axis=None, keepdims=False):
        return xp.sum(x, axis=axis, keepdims=keepdims)

    def mean(x, axis=None, keepdims=False):
        return xp.mean(x, axis=axis, keepdims=keepdims)

    def max(x, axis=None, keepdims=False):
        return xp.max(x, axis=axis, keepdims=keepdims)

    def min(x, axis=None, keepdims=False):
        return xp.min(x, axis=axis, keepdims=keepdims)

    def prod(x, axis=None, keepdims=False):
        return xp.prod(x, axis=axis, keepdims=keepdims)

    def argmax(x, axis=-1):
        return xp.argmax(x, axis=axis)

    def argmin(x, axis=-1):
        return xp.argmin(x, axis=axis)

    def all(x, axis=None, keepdims=False):
        return xp.all(x, axis=axis, keepdims=keepdims)

    def any(x, axis=None, keepdims=False):
        return xp.any(x, axis=axis, keepdims=keepdims)

    def relu(x):
        return xp.maximum(x, 0)

    def sigmoid(x):
        # Written through tanh: no overflow in exp for large |x|.
        return 0.5 * (xp.tanh(0.5 * x) + 1)

    def softmax(x, axis=-1):
        shifted = x - xp.max(x, axis=axis, keepdims=True)
        exps = xp.exp(shifted)
        return exps / xp.sum(exps, axis=axis, keepdims=True)

    def log_softmax(x, axis=-1):
        shifted = x - xp.max(x, axis=axis, keepdims=True)
        return shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))

    def softplus(x):
        return xp.logaddexp(x, 0)

    def elu(x, alpha=1.0):
        return xp.where(x > 0, x, alpha * (xp.exp(xp.minimum(x, 0)) - 1))

    def repeat(x, repeats, axis=None):
        return xp.repeat(x, repeats, axis=axis)

    def pad(x, pad_width, constant_values=0):
        return xp.pad(x, [tuple(pair) for pair in pad_width], constant_values=constant_values)

    def flip(x, axis=None):
        return xp.flip(x, axis=axis if not isinstance(axis, list) else tuple(axis))

    def split(x, sections, axis=0):
        check_equal_split(x.shape, sections, axis)
        return list(xp.split(x, sections, axis=axis))

    def cumulative(function):
        def run(x, axis=None):
            x = xp.asarray(x)
            return function(x, axis=axis, dtype="int32" if x.dtype == bool else x.dtype)

        return run

    def moments(x, axes, keepdims=False):
        axes = (axes,) if isinstance(axes, (int, np.integer)) else tuple(axes)
        centre = xp.mean(x, axis=axes, keepdims=True)
        # Two passes (mean, then squared deviations): no cancellation as in E[x^2] - E[x]^2.
        variance = xp.mean(xp.square(x - centre), axis=axes, keepdims=keepdims)
        return (centre if keepdims else xp.squeeze(centre, axis=axes)), variance

    ops = {
        "cast": cast,
        "shape": shape,
        "dtype": dtype,
        "zeros": zeros,
        "ones": ones,
        "zeros_like": zeros_like,
        "ones_like": ones_like,
        "full": full,
        "eye": eye,
        "arange": arange,
        "reshape": reshape,
        "transpose": transpose,
        "expand_dims": xp.expand_dims,
        "squeeze": xp.squeeze,
        "concatenate": concatenate,
        "stack": stack,
        "tile": xp.tile,
        "take": take,
        "take_along_axis": take_along_axis,
        "one_hot": one_hot,
        "broadcast_to": xp.broadcast_to,
        "clip": clip,
        "where": xp.where,
        "sum": sum,
        "mean": mean,
        "max": max,
        "min": min,
        "prod": prod,
        "argmax": argmax,
        "argmin": argmin,
        "all": all,
        "any": any,
        "matmul": xp.matmul,
        "dot": xp.dot,
        "relu": relu,
        "sigmoid": sigmoid,
        "softmax": softmax,
        "log_softmax": log_softmax,
        "softplus": softplus,
        "elu": elu,
        "repeat": repeat,
        "pad": pad,
        "flip": flip,
        "split": split,
        "cumsum": cumulative(xp.cumsum),
        "cumprod": cumulative(xp.cumprod),
        "einsum": xp.einsum,
        "moments": moments,
    }
    # Elementwise ops whose NumPy names and signatures every such namespace shares.
    for name in (
        "add subtract multiply divide negative power abs square sqrt exp log log1p tanh sin cos "
        "sign floor round maximum minimum equal not_equal greater greater_equal less less_equal "
        "logical_and logical_or logical_not"
    ).split():
        ops[name] = getattr(xp, name)
    return ops


def check_equal_split(shape, sections, axis: int) -> None:
    """Raises the contract's ValueError unless `axis` of `shape` divides into `sections`."""
    size = shape[axis]
    if not isinstance(sections, int) or sections < 1 or size % sections:
        raise ValueError(
            f"split: cannot divide axis {axis} of size {size} (shape {tuple(shape)}) into "
            f"{sections!r} equal parts; give a number of sections that divides it."
        )


def arange_dtype(*bounds) -> str:
    """int32 when every bound is an integer, else float32: the same on every engine."""
    integral = all(isinstance(b, (int, np.integer)) for b in bounds if b is not None)
    return "int32" if integral else "float32"


def seed_to_int(seed) -> int:
    """Folds a length-2 seed into one non-negative int (for engines seeded by an int)."""
    first, second = (int(v) for v in seed)
    return (first * 1_000_003 + second) % (2**63 - 1)
