"""How the Keras backend functions (`K.*`) take their arguments.

Keras code passes `K` functions weights (`Variable`s), NumPy arrays, Python numbers and
shapes built from `K.shape(x)`; engines take only their own tensors (torch refuses NumPy
arrays), so every `K` function turns its arguments into tensors here first.
"""

from __future__ import annotations

import numbers

import numpy as np

from kerasfront import ops
from kerasfront.backend.variables import Variable


def as_tensor(x):
    """`x` as a tensor of the active engine: a Variable's current value, a tensor as it
    is, anything else (NumPy arrays, lists, Python numbers) converted with its own dtype."""
    if isinstance(x, Variable):
        return x.value
    if ops.is_tensor(x):
        return x
    return ops.convert_to_tensor(x)


def as_operand(x):
    """Like `as_tensor`, but Python numbers stay numbers: engines combine them with a
    tensor in that tensor's dtype (`K.maximum(int_tensor, 2)` stays integer)."""
    if isinstance(x, numbers.Number) and not isinstance(x, np.generic):
        return x
    return as_tensor(x)


def as_axis(axis):
    """An axis argument as the engines take it: lists (Keras allows them) become tuples."""
    if isinstance(axis, list):
        return tuple(axis)
    if isinstance(axis, np.integer):
        return int(axis)
    return axis


def _as_dim(dim):
    """A shape entry as a Python int where its value is known; a symbolic scalar (inside a
    TensorFlow graph) stays as it is, for the engine to use."""
    if dim is None or isinstance(dim, int):
        return dim
    try:
        return int(ops.convert_to_numpy(dim))
    except (TypeError, ValueError, AttributeError, NotImplementedError):
        return dim


def as_shape(shape):
    """A shape given as ints, Nones (-1 for reshape) and scalar tensors (entries of
    `K.shape(x)`), or as one integer tensor, turned into a tuple of ints where the values
    are known."""
    if isinstance(shape, Variable) or ops.is_tensor(shape):
        try:
            return tuple(int(v) for v in np.asarray(ops.convert_to_numpy(as_tensor(shape))))
        except (TypeError, ValueError, AttributeError, NotImplementedError):
            return shape  # a symbolic shape tensor: TensorFlow takes it as it is
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(_as_dim(dim) for dim in shape)
