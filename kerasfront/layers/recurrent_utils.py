"""Helpers of the recurrent layers: what a cell is (Keras 2's cell protocol), rebuilding
cells from configurations, and argument normalization."""

from __future__ import annotations

import inspect

import numpy as np

from kerasfront.backend.registry import ADAPTER
from kerasfront.layers.keras_tensor import KerasTensor


def accepts_argument(function, name: str) -> bool:
    """Whether `function` takes a keyword argument `name` (or any, via **kwargs)."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def state_sizes(cell) -> list:
    """A cell's `state_size` as a list (one entry per state)."""
    size = cell.state_size
    return list(size) if isinstance(size, (list, tuple)) else [size]


def output_size(cell):
    """A cell's `output_size`, or, as Keras 2 infers it, the size of its first state."""
    size = getattr(cell, "output_size", None)
    return size if size is not None else state_sizes(cell)[0]


def check_cell(cell, where: str) -> None:
    if not callable(getattr(cell, "call", None)):
        raise TypeError(
            f"{where}: a cell needs a `call(inputs, states)` method; received "
            f"{type(cell).__name__}: {cell!r:.80}."
        )
    if not hasattr(cell, "state_size"):
        raise TypeError(
            f"{where}: a cell needs a `state_size` attribute (an integer, or one integer per "
            f"state); {type(cell).__name__} has none."
        )


def cell_from_config(cell_config: dict, where: str, custom_objects=None):
    """Rebuilds a cell from `{"class_name": ..., "config": ...}` through the one
    serialization registry: kerasfront's classes, registered ones and custom objects
    (passed here or in an open `custom_object_scope`), never anything else."""
    from kerasfront.saving.config import deserialize_layer

    return deserialize_layer(cell_config, custom_objects, where)


def static_shape(x) -> tuple:
    """The shape of a KerasTensor, a NumPy array or an engine tensor, as a tuple."""
    if isinstance(x, KerasTensor):
        return x.shape
    if isinstance(x, np.ndarray):
        return x.shape
    return tuple(ADAPTER.shape(x))


def as_list_or_none(value):
    if value is None:
        return None
    return list(value) if isinstance(value, (list, tuple)) else [value]


def legacy_input_arguments(kwargs: dict) -> dict:
    """Keras 2's recurrent layers also take `input_dim` and `input_length`."""
    input_dim = kwargs.pop("input_dim", None)
    input_length = kwargs.pop("input_length", None)
    has_shape = kwargs.get("input_shape") is not None or kwargs.get("batch_input_shape")
    if (input_dim is not None or input_length is not None) and not has_shape:
        kwargs["input_shape"] = (input_length, input_dim)
    return kwargs
