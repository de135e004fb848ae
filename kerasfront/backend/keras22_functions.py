"""Keras 2.2 backend names that later Keras versions dropped: `K.identity`, `K.slice`,
`K.logsumexp`, `K.is_tensor`, `K.get_variable_shape`, the Keras 1 dim ordering pair
(`K.image_dim_ordering`, `K.set_image_dim_ordering`), `K.normalize_data_format` and the
`py_*` aliases of Python's builtins (the backend module's own `all`, `any`, `sum` and
`slice` hide them).

Code written from the Keras 2.2 documentation calls them, so they keep that API here.
"""

from __future__ import annotations

import builtins

import numpy as np

from kerasfront import config, ops
from kerasfront.backend.tensor_args import as_axis, as_tensor
from kerasfront.backend.variables import Variable

__all__ = [
    "get_variable_shape",
    "identity",
    "image_dim_ordering",
    "is_tensor",
    "logsumexp",
    "normalize_data_format",
    "py_all",
    "py_any",
    "py_slice",
    "py_sum",
    "set_image_dim_ordering",
    "slice",
]

# The backend module defines `all`, `any`, `sum` and `slice` of its own; Keras 2.2 code
# that needs Python's reaches them under these names.
py_all = builtins.all
py_any = builtins.any
py_sum = builtins.sum
py_slice = builtins.slice

# Keras 1's names for the two image layouts: 'th' (Theano) put channels first.
_DIM_ORDERINGS = {"th": "channels_first", "tf": "channels_last"}


def identity(x, name=None):
    """A tensor with the same value as `x` (a Variable gives its current value).

    Args:
        x: a tensor, `Variable`, NumPy array or number.
        name: accepted for Keras 2 compatibility; engines' tensors carry no names here.
    """
    x = as_tensor(x)
    # A new tensor, not the same object: a later in-place change of one (torch) must not
    # show in the other. Concatenating one tensor copies it on every engine.
    return ops.concatenate([x], axis=0) if len(ops.shape(x)) else ops.reshape(x, (1,))[0]


def is_tensor(x) -> bool:
    """Whether `x` is a tensor of the active engine or a graph tensor of a model being
    wired (a `Variable` counts too, as Keras 2's variables were tensors); False for NumPy
    arrays and numbers."""
    return isinstance(x, Variable) or hasattr(x, "keras_history") or bool(ops.is_tensor(x))


def get_variable_shape(x) -> tuple:
    """The static shape of a variable (Keras 2.2's older name of `K.int_shape`)."""
    from kerasfront.backend import int_shape  # lazy: the backend module imports this file

    return int_shape(x)


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over `axis`, computed without overflow.

    Args:
        x: a tensor.
        axis: an int, a list of ints or None (every axis).
        keepdims: whether the reduced axes stay, with size 1.

    Returns:
        The engine tensor of the reduction.
    """
    x = as_tensor(x)
    if not ops.dtype(x).startswith(("float", "bfloat")):
        x = ops.cast(x, config.floatx())
    axis = as_axis(axis)
    # Shift by the maximum so exp stays finite. An infinite maximum shifts by 0 instead
    # (x - x is 0 only where x is finite), so an all -inf slice gives -inf, not NaN.
    peak = ops.stop_gradient(ops.max(x, axis=axis, keepdims=True))
    peak = ops.where(ops.equal(peak - peak, 0.0), peak, ops.zeros_like(peak))
    total = ops.sum(ops.exp(x - peak), axis=axis, keepdims=keepdims)
    if not keepdims:
        peak = ops.reshape(peak, ()) if axis is None else ops.squeeze(peak, axis)
    return ops.log(total) + peak


def _static_ints(value, argument: str):
    if isinstance(value, (list, tuple)) and builtins.all(
        isinstance(v, (int, np.integer)) for v in value
    ):
        return [int(v) for v in value]
    try:
        return [int(v) for v in np.asarray(ops.convert_to_numpy(as_tensor(value))).reshape(-1)]
    except Exception as error:  # a traced tensor: its values are unknown while compiling
        raise ValueError(
            f"slice: {argument} must hold known integers (a list, a tuple or a concrete "
            f"tensor); received {value!r:.80}, whose values are unknown inside a compiled "
            "step. Pass Python ints, or index the tensor with x[...] instead."
        ) from error


def slice(x, start, size):  # noqa: A001 - the Keras 2 name
    """The block of `x` starting at index `start` with `size` entries per axis.

    Args:
        x: a tensor.
        start: one start index per axis of `x` (ints, or a concrete integer tensor).
        size: one length per axis; -1 takes every entry from `start` to the end.

    Returns:
        `x[start[0]:start[0] + size[0], ..., start[-1]:start[-1] + size[-1]]`.
    """
    x = as_tensor(x)
    shape = tuple(ops.shape(x))
    start, size = _static_ints(start, "start"), _static_ints(size, "size")
    if len(start) != len(shape) or len(size) != len(shape):
        raise ValueError(
            f"slice: start and size need one entry per axis of x (shape {shape}, "
            f"{len(shape)} axes); received start={start}, size={size}."
        )
    index = []
    for axis, (begin, length, extent) in enumerate(zip(start, size, shape)):
        end = extent if length == -1 else begin + length
        if begin < 0 or length < -1 or (extent is not None and end > extent):
            raise ValueError(
                f"slice: axis {axis} of x (shape {shape}) has no entries {begin} to {end}; "
                f"received start={start}, size={size}."
            )
        index.append(builtins.slice(begin, None if length == -1 else end))
    return x[tuple(index)]


def normalize_data_format(value=None) -> str:
    """'channels_first' or 'channels_last' from `value` (any case); None gives
    `image_data_format()`. Anything else is a ValueError."""
    if value is None:
        value = config.image_data_format()
    if not isinstance(value, str) or value.lower() not in _DIM_ORDERINGS.values():
        raise ValueError(
            f"normalize_data_format: data_format must be 'channels_first' or "
            f"'channels_last', received {value!r}."
        )
    return value.lower()


def image_dim_ordering() -> str:
    """The image layout in Keras 1's words: 'th' (channels_first) or 'tf' (channels_last)."""
    return "th" if config.image_data_format() == "channels_first" else "tf"


def set_image_dim_ordering(dim_ordering: str) -> None:
    """Sets the image layout from Keras 1's words: 'th' means channels_first, 'tf'
    channels_last (the same setting as `set_image_data_format`)."""
    if dim_ordering not in _DIM_ORDERINGS:
        raise ValueError(
            f"set_image_dim_ordering: dim_ordering must be 'th' (channels_first) or 'tf' "
            f"(channels_last), received {dim_ordering!r}."
        )
    config.set_image_data_format(_DIM_ORDERINGS[dim_ordering])
