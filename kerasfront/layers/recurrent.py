"""`RNN`: the base of the recurrent layers. It runs a cell over the time axis (Keras 2).

A cell is any object with `state_size` (an int, or one entry per state) and
`call(inputs, states[, training][, constants])` returning `(output, new_states)`, such as
a Layer subclass written the way the Keras documentation shows, or a list of cells
(stacked). The loop is `recurrent_loop.rnn` (Keras 2's backend `rnn` on `ops.scan`).

API for subclasses and wrappers (Bidirectional, ConvLSTM2D):
- attributes `cell`, `return_sequences`, `return_state`, `go_backwards`, `stateful`,
  `unroll`; `states` (the state variables of a stateful layer, else Nones);
  `reset_states(states=None)`; `get_initial_state(inputs)` (zeros).
- hooks: `_state_shapes(batch_size)` (one shape per state: (batch, size), or
  (batch, *size) for tuple sizes), `_step_function(training, constants)`,
  `_fused_call(inputs, states, mask, training, constants)` (None: use the loop).
"""

from __future__ import annotations

import inspect

import numpy as np

from kerasfront import ops, tree
from kerasfront.backend.variables import Variable
from kerasfront.layers.base import Layer, is_single_shape
from kerasfront.layers.conv_utils import describe
from kerasfront.layers.input_spec import InputSpec
from kerasfront.layers.recurrent_cells import GRUCell, LSTMCell, SimpleRNNCell
from kerasfront.layers.recurrent_compiled import COMPILES_EAGER_CALLS, compiled_call
from kerasfront.layers.recurrent_loop import rnn
from kerasfront.layers.recurrent_utils import (
    accepts_argument,
    as_list_or_none,
    cell_from_config,
    check_cell,
    legacy_input_arguments,
    output_size,
    state_sizes,
    static_shape,
)
from kerasfront.layers.stacked_cells import StackedRNNCells
from kerasfront.lazy_exports import lazy_exports


class RNN(Layer):
    """Runs a recurrent cell over the time axis of (batch, time, features) inputs.

    Args:
        cell: a cell, or a list of cells (run as StackedRNNCells).
        return_sequences: return the output of every step (batch, time, units) instead of
            the last one (batch, units).
        return_state: also return the final states: `[output, *states]`.
        go_backwards: process the steps from the last to the first; returned sequences are
            in that processing order (Keras 2).
        stateful: each batch starts from the states the previous batch ended with (sample
            i continues sample i); needs a fixed batch size (`batch_input_shape`, or
            `batch_size` with `input_shape`). `reset_states()` zeroes the states.
        unroll: write the loop out step by step (faster for short sequences, more memory).
        zero_output_for_mask: masked steps output zeros instead of repeating the previous
            output (Keras 3's option; default False, Keras 2's behaviour).
        time_major: tf.keras 2's flag for (time, batch, features) inputs. Only False, its
            default (which tf.keras writes in every saved config), is accepted: inputs are
            batch-major.

    Call arguments: `inputs`, `mask` (batch, time) (False skips a step: states and output
    carry over), `training`, `initial_state` (a tensor or list, one per state),
    `constants` (passed to every step of cells whose `call` takes `constants`).
    """

    def __init__(
        self,
        cell,
        return_sequences=False,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
        zero_output_for_mask=False,
        time_major=False,
        **kwargs,
    ):
        num_constants = kwargs.pop("num_constants", None)
        if time_major is not False:
            # Refused rather than transposed: a time-major model's inputs and outputs,
            # and every layer it feeds, would need to agree on the layout.
            raise ValueError(
                f"{type(self).__name__} '{kwargs.get('name')}': time_major={time_major!r} is "
                "not supported; kerasfront's recurrent layers take (batch, time, features) "
                "inputs. Use time_major=False and give the data as (batch, time, "
                "features), e.g. np.swapaxes(x, 0, 1)."
            )
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        super().__init__(**legacy_input_arguments(kwargs))
        check_cell(cell, describe(self))
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3)
        self._states = None
        self._stateful_batch_size = None
        self._num_constants = num_constants
        self._constants_shapes = None

    # ---- states --------------------------------------------------------------------------
    @property
    def states(self) -> list:
        """The state variables of a stateful layer once built; else one None per state."""
        if self._states is None:
            return [None] * len(state_sizes(self.cell))
        return self._states

    @states.setter
    def states(self, states):
        self._states = states

    @property
    def forward_state_variables(self) -> list:
        # The states of a stateful layer are state that the forward pass updates but not
        # weights (Keras saves no states): the compiled steps carry them like seeds.
        own = [state for state in self._states or [] if isinstance(state, Variable)]
        return tree.unique_objects(super().forward_state_variables + own)

    def _state_shapes(self, batch_size) -> list:
        return [
            (batch_size, *size) if isinstance(size, (list, tuple)) else (batch_size, size)
            for size in state_sizes(self.cell)
        ]

    def get_initial_state(self, inputs) -> list:
        """Zeros, one tensor per state, for the batch of `inputs`."""
        batch = ops.shape(inputs)[0]
        return [ops.zeros(shape, dtype=self.dtype) for shape in self._state_shapes(batch)]

    def reset_states(self, states=None) -> None:
        """Zeroes the states of a stateful layer, or sets them to `states` (arrays)."""
        where = describe(self)
        if not self.stateful:
            raise AttributeError(f"{where}: reset_states() needs a layer with stateful=True.")
        batch = self._stateful_batch_size
        if batch is None:
            raise ValueError(
                f"{where} is stateful, so it needs to know its batch size before it has "
                "states: build it first, with a fixed batch size (batch_input_shape=(batch, "
                "time, features) on the first layer, or Input(batch_shape=...))."
            )
        shapes = self._state_shapes(batch)
        if self._states is None or any(not isinstance(v, Variable) for v in self._states):
            self._states = [
                Variable(
                    np.zeros(shape, self.dtype), trainable=False, name=f"{self.name}/state_{i}"
                )
                for i, shape in enumerate(shapes)
            ]
        values = [np.zeros(shape, self.dtype) for shape in shapes]
        if states is not None:
            values = [np.asarray(v, dtype=self.dtype) for v in as_list_or_none(states)]
            self._check_states(values, shapes, "reset_states received")
        for variable, value in zip(self._states, values):
            variable.assign(value)

    def _check_states(self, states, shapes, what: str) -> None:
        received = [static_shape(state) for state in states]
        if len(states) != len(shapes):
            raise ValueError(
                f"{describe(self)} has {len(shapes)} states of shapes {shapes}; {what} "
                f"{len(states)} tensors of shapes {received}."
            )
        for index, (shape, expected) in enumerate(zip(received, shapes)):
            if len(shape) != len(expected) or any(
                a is not None and b is not None and a != b for a, b in zip(shape, expected)
            ):
                raise ValueError(
                    f"{describe(self)}: state {index} must have shape {expected} (batch, state "
                    f"size); {what} a tensor of shape {tuple(shape)}."
                )

    # ---- building and shapes -------------------------------------------------------------
    def build(self, input_shape):
        if not is_single_shape(input_shape):
            input_shape = input_shape[0]
        input_shape = tuple(input_shape)
        # The built-in cells take one feature vector per step: (batch, time, features).
        vector_cell = type(self.cell) in (SimpleRNNCell, GRUCell, LSTMCell)
        if len(input_shape) < 3 or (vector_cell and len(input_shape) != 3):
            raise ValueError(
                f"{describe(self)} expects sequences (batch, time, features), received input "
                f"shape {input_shape}."
            )
        if self.stateful and input_shape[0] is None:
            raise ValueError(
                f"{describe(self)} is stateful, so it needs a fixed batch size, but its input "
                f"shape is {input_shape}. Give the first layer batch_input_shape=(batch, time, "
                "features) (or batch_size= with input_shape=), or use Input(batch_shape=...)."
            )
        step_shape = (input_shape[0], *input_shape[2:])
        if isinstance(self.cell, Layer) and not self.cell.built:
            if self._constants_shapes:
                self.cell._maybe_build([step_shape, *self._constants_shapes])
            else:
                self.cell._maybe_build(step_shape)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={-1: input_shape[-1]})
        if self.stateful:
            self._stateful_batch_size = input_shape[0]
            self.reset_states()
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        if not is_single_shape(input_shape):
            input_shape = input_shape[0]
        batch = input_shape[0]
        size = output_size(self.cell)
        size = tuple(size) if isinstance(size, (list, tuple)) else (size,)
        if self.return_sequences:
            output = (batch, input_shape[1], *size)
        else:
            output = (batch, *size)
        if self.return_state:
            return [output, *self._state_shapes(batch)]
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        # Keras 2 passes the input mask on unchanged, also when go_backwards reverses
        # the returned sequence.
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * len(state_sizes(self.cell))
        return output_mask

    # ---- calling -------------------------------------------------------------------------
    def __call__(self, inputs, initial_state=None, constants=None, **kwargs):
        if isinstance(inputs, (list, tuple)):
            # Keras 2 also takes [inputs, *initial_state, *constants] as one list.
            parts = list(inputs)
            if self._num_constants and constants is None and len(parts) > 1:
                constants, parts = parts[-self._num_constants :], parts[: -self._num_constants]
            if len(parts) > 1 and initial_state is None:
                initial_state = parts[1:]
            inputs = parts[0]
        initial_state = self._converted(as_list_or_none(initial_state))
        constants = self._converted(as_list_or_none(constants))
        if initial_state is not None:
            batch = static_shape(inputs)[0] if hasattr(inputs, "shape") else None
            self._check_states(initial_state, self._state_shapes(batch), "initial_state holds")
            kwargs["initial_state"] = initial_state
        if constants is not None:
            if not _takes_constants(self.cell):
                raise TypeError(
                    f"{describe(self)}: constants were given, but its cell "
                    f"{type(self.cell).__name__} does not take them (a cell takes constants "
                    f"when its `call(inputs, states, constants)` declares a `constants` "
                    f"argument); received {len(constants)} constant tensor(s)."
                )
            self._num_constants = len(constants)
            self._constants_shapes = [static_shape(c) for c in constants]
            kwargs["constants"] = constants
        return super().__call__(inputs, **kwargs)

    @staticmethod
    def _converted(tensors):
        if tensors is None:
            return None
        return [ops.convert_to_tensor(t) if isinstance(t, np.ndarray) else t for t in tensors]

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        training = bool(training)
        if not COMPILES_EAGER_CALLS:
            return self._run(inputs, mask, initial_state, constants, training)
        key = (
            training,
            mask is None,
            None if initial_state is None else len(initial_state),
            None if constants is None else len(constants),
            self.return_sequences,
            self.return_state,
            self.go_backwards,
            self.stateful,
            self.unroll,
            self.zero_output_for_mask,
        )

        def run(inputs, mask, initial_state, constants):
            return self._run(inputs, mask, initial_state, constants, training)

        return compiled_call(self, key, run, (inputs, mask, initial_state, constants))

    def _check_mask(self, inputs, mask) -> None:
        expected = tuple(static_shape(inputs)[:2])
        received = tuple(static_shape(mask))
        if len(received) != 2 or any(
            a is not None and b is not None and a != b for a, b in zip(received, expected)
        ):
            raise ValueError(
                f"{describe(self)}: the mask must have shape (batch, time) = {expected} for "
                f"inputs of shape {tuple(static_shape(inputs))}; received a mask of shape "
                f"{received}."
            )

    def _stateful_states(self, inputs) -> list:
        batch = static_shape(inputs)[0]
        if self._states is None or any(not isinstance(v, Variable) for v in self._states):
            self.reset_states()
        if batch != self._stateful_batch_size:
            raise ValueError(
                f"{describe(self)} is stateful with batch size {self._stateful_batch_size} (its "
                f"states have shapes {[s.shape for s in self._states]}), but received a batch "
                f"of {batch} samples (inputs of shape {tuple(static_shape(inputs))}). Feed "
                "batches of exactly that size (e.g. fit/predict with that batch_size)."
            )
        return [state.value for state in self._states]

    def _initial_output(self, inputs, states):
        """The previous output of a masked first step when it is not the first state."""
        size, first = output_size(self.cell), state_sizes(self.cell)[0]
        # A stack's first state belongs to its first cell, not to the output: carry the
        # output itself (Keras 2 would repeat the first cell's state there).
        stacked = isinstance(self.cell, StackedRNNCells) and len(self.cell.cells) > 1
        if isinstance(size, (list, tuple)) or (size == first and not stacked):
            return None
        return ops.zeros((ops.shape(inputs)[0], size), dtype=self.dtype)

    def _run(self, inputs, mask, initial_state, constants, training):
        if mask is not None:
            self._check_mask(inputs, mask)
        if initial_state is not None:
            states = list(initial_state)
        elif self.stateful:
            states = self._stateful_states(inputs)
        else:
            states = self.get_initial_state(inputs)
        result = self._fused_call(inputs, states, mask, training, constants)
        if result is None:
            result = self._loop(inputs, states, mask, training, constants)
        last_output, outputs, final_states = result
        if self.stateful:
            for variable, value in zip(self._states, final_states):
                variable.assign(ops.stop_gradient(value))
        output = outputs if self.return_sequences else last_output
        if self.return_state:
            return [output, *final_states]
        return output

    def _fused_call(self, inputs, states, mask, training, constants):
        """The whole sequence in one fused engine kernel, or None to run the loop."""
        return None

    def _step_function(self, training, constants):
        """`(step_inputs, states) -> (output, new_states)` for the loop."""
        cell = self.cell
        kwargs = {}
        if accepts_argument(cell.call, "training"):
            kwargs["training"] = training
        if constants:
            if not accepts_argument(cell.call, "constants"):
                raise ValueError(
                    f"{describe(self)}: constants were given, but the cell's call takes no "
                    "`constants` argument."
                )
            kwargs["constants"] = constants

        def step(step_inputs, states):
            return cell.call(step_inputs, states, **kwargs)

        return step

    def _loop(self, inputs, states, mask, training, constants):
        prepare = getattr(self.cell, "prepare_dropout_masks", None)
        if prepare is not None:
            shape = ops.shape(inputs)
            prepare((shape[0], *shape[2:]), training)
        try:
            return rnn(
                self._step_function(training, constants),
                inputs,
                states,
                go_backwards=self.go_backwards,
                mask=mask,
                unroll=self.unroll,
                initial_output=self._initial_output(inputs, states),
                return_sequences=self.return_sequences,
                zero_output_for_mask=self.zero_output_for_mask,
            )
        finally:
            if prepare is not None:
                self.cell.reset_dropout_masks()

    # ---- configuration -------------------------------------------------------------------
    def get_config(self):
        config_ = {
            **super().get_config(),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
        }
        if self.zero_output_for_mask:
            config_["zero_output_for_mask"] = True
        if self._num_constants is not None:
            config_["num_constants"] = self._num_constants
        config_["cell"] = {"class_name": type(self.cell).__name__, "config": self.cell.get_config()}
        return config_

    @classmethod
    def from_config(cls, config_: dict, custom_objects=None):
        config_ = dict(config_)
        where = f"{cls.__name__} '{config_.get('name')}'"
        cell = cell_from_config(config_.pop("cell", None), where, custom_objects)
        return cls(cell, **config_)


# Keras 2's `keras.layers.recurrent` module held the concrete layers and cells too;
# examples import them from there (`from keras.layers.recurrent import GRU`). Their
# modules import this one, so they load on first use.
_KERAS2_MODULE_NAMES = {
    **dict.fromkeys("SimpleRNN GRU LSTM".split(), "kerasfront.layers.recurrent_layers"),
    **dict.fromkeys("SimpleRNNCell GRUCell LSTMCell".split(), "kerasfront.layers.recurrent_cells"),
}


__getattr__, __dir__ = lazy_exports(__name__, _KERAS2_MODULE_NAMES)


def _takes_constants(cell) -> bool:
    """Whether the cell's `call` declares `constants` (or takes any keyword argument)."""
    try:
        parameters = inspect.signature(cell.call).parameters.values()
    except (AttributeError, TypeError, ValueError):
        return True  # let the call itself say what is wrong
    return any(p.name == "constants" or p.kind is p.VAR_KEYWORD for p in parameters)
