"""StackedRNNCells: several recurrent cells run one after the other within each time step,
so that `RNN([cell_1, cell_2])` is a stacked RNN in one loop (Keras 2).
"""

from __future__ import annotations

import warnings

from kerasfront.layers.base import Layer
from kerasfront.layers.recurrent_utils import (
    accepts_argument,
    cell_from_config,
    check_cell,
    output_size,
    state_sizes,
)


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
