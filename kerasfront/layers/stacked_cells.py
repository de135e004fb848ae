"""StackedRNNCells: several recurrent cells run one after the other within each time step,
so that `RNN([cell_1, cell_2])` is a stacked RNN in one loop (Keras 2).
"""

from __future__ import annotations

import inspect
import warnings

from kerasfront.layers.base import Layer


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
    """Rebuilds a cell from `{"class_name": ..., "config": ...}`: a class from
    `custom_objects`, else one of kerasfront's layers; never anything else."""
    from kerasfront import layers as layer_module

    if not isinstance(cell_config, dict) or "class_name" not in cell_config:
        raise ValueError(
            f"{where}: a cell's configuration must be a dict with 'class_name' and 'config', "
            f"received {cell_config!r:.100}."
        )
    name = cell_config["class_name"]
    cls = (custom_objects or {}).get(name)
    if cls is None:
        candidate = getattr(layer_module, name, None)
        cls = candidate if isinstance(candidate, type) and issubclass(candidate, Layer) else None
    if cls is None:
        raise ValueError(
            f"{where}: unknown cell class {name!r}. Pass it in custom_objects={{{name!r}: class}}."
        )
    config_ = dict(cell_config.get("config") or {})
    if accepts_argument(cls.from_config, "custom_objects"):
        return cls.from_config(config_, custom_objects=custom_objects)
    return cls.from_config(config_)


class StackedRNNCells(Layer):
    """Runs `cells` in sequence at every step: each cell's output is the next one's input.

    Args:
        cells: a list of cells (objects with `call` and `state_size`).

    The states are those of every cell, flattened in cell order (a 2-cell LSTM stack has
    states [h_1, c_1, h_2, c_2]); Keras 2's `reverse_state_order=True` lists the cells'
    states last cell first.

    Example:
        >>> layer = RNN(StackedRNNCells([LSTMCell(8), LSTMCell(8)]))
    """

    def __init__(self, cells, **kwargs):
        self.reverse_state_order = bool(kwargs.pop("reverse_state_order", False))
        super().__init__(**kwargs)
        if not isinstance(cells, (list, tuple)) or not cells:
            raise TypeError(
                f"StackedRNNCells '{self.name}': cells must be a non-empty list of cells, "
                f"received {cells!r:.80}."
            )
        for cell in cells:
            check_cell(cell, f"StackedRNNCells '{self.name}'")
        if self.reverse_state_order:
            warnings.warn(
                "StackedRNNCells(reverse_state_order=True) is a deprecated Keras 2 option.",
                stacklevel=2,
            )
        self.cells = list(cells)

    def _order(self) -> list:
        """Cell positions in the order their states are listed."""
        positions = list(range(len(self.cells)))
        return positions[::-1] if self.reverse_state_order else positions

    @property
    def state_size(self) -> tuple:
        return tuple(size for i in self._order() for size in state_sizes(self.cells[i]))

    @property
    def output_size(self):
        return output_size(self.cells[-1])

    def build(self, input_shape):
        constants_shapes = None
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], tuple):
            input_shape, constants_shapes = input_shape[0], input_shape[1:]
        step_shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                if constants_shapes and accepts_argument(cell.call, "constants"):
                    cell._maybe_build([step_shape, *constants_shapes])
                else:
                    cell._maybe_build(step_shape)
            step_shape = (step_shape[0], output_size(cell))
        super().build(input_shape)

    def call(self, inputs, states, constants=None, training=None):
        states, per_cell = list(states), {}
        for position in self._order():
            count = len(state_sizes(self.cells[position]))
            per_cell[position], states = states[:count], states[count:]
        new_states = {}
        for position, cell in enumerate(self.cells):
            kwargs = {}
            if constants is not None and accepts_argument(cell.call, "constants"):
                kwargs["constants"] = constants
            if accepts_argument(cell.call, "training"):
                kwargs["training"] = training
            inputs, cell_states = cell.call(inputs, per_cell[position], **kwargs)
            is_list = isinstance(cell_states, (list, tuple))
            new_states[position] = list(cell_states) if is_list else [cell_states]
        return inputs, [state for position in self._order() for state in new_states[position]]

    # Dropout masks: each cell draws its own, for inputs of its own width.
    def prepare_dropout_masks(self, step_input_shape, training) -> None:
        shape = tuple(step_input_shape)
        for cell in self.cells:
            if hasattr(cell, "prepare_dropout_masks"):
                cell.prepare_dropout_masks(shape, training)
            shape = (shape[0], output_size(cell))

    def reset_dropout_masks(self) -> None:
        for cell in self.cells:
            if hasattr(cell, "reset_dropout_masks"):
                cell.reset_dropout_masks()

    def get_config(self):
        config_ = {
            **super().get_config(),
            "cells": [
                {"class_name": type(cell).__name__, "config": cell.get_config()}
                for cell in self.cells
            ],
        }
        if self.reverse_state_order:
            config_["reverse_state_order"] = True
        return config_

    @classmethod
    def from_config(cls, config_: dict, custom_objects=None):
        config_ = dict(config_)
        where = f"StackedRNNCells '{config_.get('name')}'"
        cells = [cell_from_config(c, where, custom_objects) for c in config_.pop("cells", [])]
        return cls(cells, **config_)
