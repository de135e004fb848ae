"""The arguments every layer takes (Keras 2's base keyword arguments) and their checks:
unknown names (with the likely intended one), shapes, dtypes and the input shape a first
layer declares."""

from __future__ import annotations

import difflib
import inspect
import operator

import numpy as np

BASE_KWARGS = {
    "name",
    "trainable",
    "dtype",
    "input_shape",
    "batch_input_shape",
    "batch_size",
    "input_dim",
    "weights",
    "activity_regularizer",
    "input_dtype",  # Keras 2: the dtype of the input a Sequential model makes for the layer
}


def unknown_arguments_message(layer_class, unknown) -> str:
    """Names each unknown keyword argument and, for a likely typo, the argument meant
    (`activaton` -> `activation`)."""
    known = set(BASE_KWARGS)
    for klass in layer_class.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            try:
                known.update(inspect.signature(init).parameters)
            except (TypeError, ValueError):
                pass
    # Classes whose __init__ takes *args/**kwargs name their arguments here (Model).
    known.update(getattr(layer_class, "_init_argument_names", ()))
    known -= {"self", "args", "kwargs"}
    parts = []
    for name in sorted(unknown):
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        parts.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
    return (
        f"{layer_class.__name__} got unexpected keyword argument(s) {', '.join(parts)}; "
        f"expected one of {sorted(known)}."
    )


def integer_or_none(value) -> int | None:
    """`value` as an int when it is an integer (Python's or NumPy's, not a bool), else
    None: a float, a string or a bool given for a size or a count is a mistake to name,
    not a number to convert."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def checked_shape(where: str, argument: str, shape) -> tuple:
    """A shape argument as a tuple of sizes, each a non-negative int or None (any size);
    a string, a float or a negative size is refused rather than read some other way
    (`tuple("55")` would be two axes of 5)."""
    entries = []
    for size in shape if isinstance(shape, (tuple, list)) else [object()]:
        if size is None:
            entries.append(None)
            continue
        size = integer_or_none(size)
        if size is None or size < 0:
            raise ValueError(
                f"{where}: {argument} must be a tuple of non-negative integer sizes (None: "
                f"any size), e.g. (28, 28, 1); received {shape!r}."
            )
        entries.append(size)
    return tuple(entries)


def check_dtype_argument(where: str, dtype) -> None:
    """A dtype name is checked when the layer is made, not at its first build."""
    if not isinstance(dtype, str) or dtype == "bfloat16":
        return
    try:
        np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"{where}: dtype must be a dtype name such as 'float32', 'float16', 'bfloat16', "
            f"'int32', received {dtype!r}."
        ) from None


def batch_shape_from(where: str, kwargs: dict) -> tuple | None:
    """The batch input shape a layer's `batch_input_shape`, `input_shape` (with
    `batch_size`) or `input_dim` declare, checked; None when none is given.
    `where` names the layer in errors (`Dense 'dense_1'`)."""
    for argument in ("batch_input_shape", "input_shape"):
        shape = kwargs.get(argument)
        if shape is not None and not isinstance(shape, (tuple, list)):
            # `input_shape=8` is a common slip for `input_shape=(8,)`.
            raise TypeError(
                f"{where}: {argument} must be a tuple of "
                f"sizes such as (8,) or (28, 28, 1) (None: any size), received "
                f"{type(shape).__name__}: {shape!r:.60}."
            )
    input_dim = kwargs.get("input_dim")
    for argument in ("batch_input_shape", "input_shape"):
        shape = kwargs.get(argument)
        if input_dim is not None and shape is not None and tuple(shape)[-1:] != (input_dim,):
            raise ValueError(
                f"{where}: input_dim={input_dim} contradicts "
                f"{argument}={tuple(shape)}; give one of them."
            )
    if kwargs.get("batch_input_shape") is not None:
        return checked_shape(where, "batch_input_shape", kwargs["batch_input_shape"])
    input_shape = kwargs.get("input_shape")
    if input_shape is None and input_dim is not None:
        size = integer_or_none(input_dim)
        if size is None or size < 1:
            raise ValueError(
                f"{where}: input_dim must be a positive integer (the number of input "
                f"features), received {input_dim!r}."
            )
        return (kwargs.get("batch_size"), size)
    if input_shape is None:
        return None
    return (kwargs.get("batch_size"), *checked_shape(where, "input_shape", input_shape))
