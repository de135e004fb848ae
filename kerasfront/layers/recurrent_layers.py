"""The Keras 2 recurrent layers SimpleRNN, GRU and LSTM: an `RNN` around the matching cell.

Their arguments, defaults and weights are Keras 2's (see `recurrent_cells.py` for the
equations); the cell's arguments read as attributes of the layer (`layer.units`,
`layer.dropout`, ...). GRU and LSTM run the engine's fused kernel (cuDNN on a GPU) when
the engine has one and the configuration is what the kernel computes; `use_cudnn`
(Keras 3's argument) "auto" does that, False never does, True insists.
"""

from __future__ import annotations

import re

from kerasfront import activations, ops, regularizers
from kerasfront.backend.registry import ADAPTER
from kerasfront.layers.conv_utils import describe
from kerasfront.layers.recurrent import RNN
from kerasfront.layers.recurrent_cells import GRUCell, LSTMCell, SimpleRNNCell

# Arguments of the layers that belong to their cell.
_CELL_ARGUMENTS = (
    "units",
    "activation",
    "recurrent_activation",
    "use_bias",
    "kernel_initializer",
    "recurrent_initializer",
    "bias_initializer",
    "unit_forget_bias",
    "kernel_regularizer",
    "recurrent_regularizer",
    "bias_regularizer",
    "kernel_constraint",
    "recurrent_constraint",
    "bias_constraint",
    "dropout",
    "recurrent_dropout",
    "implementation",
    "reset_after",
    "seed",
)
_LAYER_ARGUMENTS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll")
# Keys of a cell's configuration that are the cell's own, not the layer's.
_CELL_ONLY_KEYS = ("name", "trainable", "dtype", "batch_input_shape")


def lay_out_for_fused_kernel(kernel_name, layer) -> None:
    """Lets the engine store the kernel and recurrent kernel of `layer` (a cell, or a
    CuDNN layer) in the memory layout its fused `kernel_name` kernel reads fastest;
    values and shapes do not change."""
    lay_out = getattr(ADAPTER, "lay_out_fused_rnn_weight", None)
    if kernel_name is None or lay_out is None or getattr(ADAPTER, kernel_name, None) is None:
        return
    for name in ("kernel", "recurrent_kernel"):
        weight = layer._variable_attributes[name]
        weight._set_storage(lay_out(weight.storage))


# How a cell's own argument errors begin: "LSTMCell 'lstm_cell_3':" or "LSTMCell:".
_CELL_PREFIX = re.compile(r"^\w*Cell(?: '[^']*')?:")


def error_naming_the_layer(error: Exception, layer_class: str, name) -> Exception | None:
    """The cell's argument error reworded to name the layer the user made (an LSTM, not
    the LSTMCell inside it); None when the message is not a cell's argument error."""
    where = f"{layer_class} {name!r}" if name else layer_class
    message = _CELL_PREFIX.sub(f"{where}:", str(error), count=1)
    return None if message == str(error) else type(error)(message)


class _CellLayer(RNN):
    """A Keras recurrent layer: its arguments split between the cell and the RNN."""

    CELL = SimpleRNNCell

    def __init__(self, arguments: dict):
        arguments = dict(arguments)
        kwargs = arguments.pop("kwargs")
        arguments.pop("self", None)
        arguments.pop("__class__", None)
        use_cudnn = arguments.pop("use_cudnn", "auto")
        activity_regularizer = arguments.pop("activity_regularizer", None)
        cell_arguments = {k: arguments.pop(k) for k in _CELL_ARGUMENTS if k in arguments}
        cell_kwargs = {k: kwargs[k] for k in ("dtype", "trainable") if k in kwargs}
        try:
            cell = self.CELL(**cell_arguments, **cell_kwargs)
        except (TypeError, ValueError) as error:
            renamed = error_naming_the_layer(error, type(self).__name__, kwargs.get("name"))
            if renamed is None:
                raise
            raise renamed from None
        super().__init__(cell, activity_regularizer=activity_regularizer, **arguments, **kwargs)
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                f"{describe(self)}: use_cudnn must be 'auto', True or False, received "
                f"{use_cudnn!r}."
            )
        self.use_cudnn = use_cudnn
        # Keras 2 creates the cell's weights under the layer's name ("lstm/kernel").
        self.cell.name = self.name

    def __getattr__(self, name):
        # The cell's arguments read as the layer's (Keras 2: `layer.units`, ...).
        if name in _CELL_ARGUMENTS and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        return super().__getattr__(name)

    def get_config(self):
        config_ = super().get_config()
        cell_config = config_.pop("cell")["config"]
        for key in _CELL_ONLY_KEYS:
            cell_config.pop(key, None)
        config_.update(cell_config)
        config_["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if self.use_cudnn != "auto":
            config_["use_cudnn"] = self.use_cudnn
        return config_

    @classmethod
    def from_config(cls, config_: dict, custom_objects=None):
        return cls(**config_)

    # ---- the fused kernel ----------------------------------------------------------------
    KERNEL_NAME = None

    def build(self, input_shape):
        super().build(input_shape)
        # Only where the fused kernel will run: the generic loop's gradients come back
        # row-major, and a weight stored otherwise would cost a copy at every update.
        fused = self.KERNEL_NAME is not None and self.use_cudnn is not False
        if fused and not self._fused_obstacles(None, False, None):
            lay_out_for_fused_kernel(self.KERNEL_NAME, self.cell)

    def _fused_obstacles(self, mask, training, constants) -> list:
        """Why the fused kernel cannot compute this call (empty when it can)."""
        cell = self.cell
        reasons = []
        if getattr(ADAPTER, self.KERNEL_NAME, None) is None:
            reasons.append(f"the {ADAPTER.NAME} engine has no fused {self.KERNEL_NAME} kernel")
        if type(cell) is not self.CELL:
            reasons.append("the cell is a subclass")
        if cell.activation is not activations.tanh:
            reasons.append("activation is not tanh")
        if cell.recurrent_activation is not activations.sigmoid:
            reasons.append("recurrent_activation is not sigmoid")
        if mask is not None:
            reasons.append("the inputs are masked")
        if self.unroll:
            reasons.append("unroll=True")
        if constants:
            reasons.append("constants are given")
        if training and cell.recurrent_dropout:
            reasons.append("recurrent_dropout is active")
        if training and cell.dropout and cell.implementation == 1:
            # Implementation 1 drops each gate's copy of the inputs with its own mask,
            # which one masked input sequence cannot reproduce.
            reasons.append("dropout with implementation=1 (one mask per gate)")
        return reasons

    def _fused_call(self, inputs, states, mask, training, constants):
        if self.use_cudnn is False:
            return None
        reasons = self._fused_obstacles(mask, training, constants)
        if reasons:
            if self.use_cudnn is True:
                raise ValueError(
                    f"{describe(self)}: use_cudnn=True, but the fused kernel cannot run this "
                    f"call: {'; '.join(reasons)}. Use use_cudnn='auto' to fall back."
                )
            return None
        cell = self.cell
        if training and cell.dropout:
            shape = ops.shape(inputs)
            cell.prepare_dropout_masks((shape[0], shape[2]), training)
            # Implementation 2's one mask, the same at every step.
            inputs = inputs * ops.expand_dims(cell._dropout_mask[0], 1)
            cell.reset_dropout_masks()
        kernel = getattr(ADAPTER, self.KERNEL_NAME)
        outputs, final_states = kernel(
            inputs, states, cell.kernel, cell.recurrent_kernel, cell.bias, self.go_backwards
        )
        # The last step's output is the final h (the first state): reading it saves
        # slicing the sequence, two ops at every call.
        final_states = list(final_states)
        return final_states[0], outputs, final_states


class SimpleRNN(_CellLayer):
    """A fully connected RNN whose output is fed back as its input at the next step.

    Args: those of SimpleRNNCell (units, activation, use_bias, initializers,
    regularizers, constraints, dropout, recurrent_dropout), activity_regularizer, and
    those of RNN (return_sequences, return_state, go_backwards, stateful, unroll).
    """

    CELL = SimpleRNNCell

    def __init__(
        self, units, activation="tanh", use_bias=True, kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal", bias_initializer="zeros", kernel_regularizer=None,
        recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
        kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
        recurrent_dropout=0.0, return_sequences=False, return_state=False, go_backwards=False,
        stateful=False, unroll=False, seed=None, **kwargs,
    ):  # fmt: skip
        kwargs.pop("implementation", None)  # accepted and ignored, as in Keras 2
        super().__init__(locals())

    def _fused_call(self, inputs, states, mask, training, constants):
        return None


class GRU(_CellLayer):
    """Gated Recurrent Unit (Keras 2: gates z, r, h; reset_after=False by default).

    Args: those of GRUCell (units, activation, recurrent_activation="hard_sigmoid",
    use_bias, initializers, regularizers, constraints, dropout, recurrent_dropout,
    implementation, reset_after), activity_regularizer, those of RNN, and use_cudnn.

    The fused kernel computes reset_after=True with sigmoid/tanh; the Keras 2 defaults
    (hard_sigmoid, reset_after=False) run the loop.
    """

    CELL = GRUCell
    KERNEL_NAME = "gru"

    def __init__(
        self, units, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
        kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
        bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
        bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
        recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
        implementation=1, return_sequences=False, return_state=False, go_backwards=False,
        stateful=False, unroll=False, reset_after=False, seed=None, use_cudnn="auto", **kwargs,
    ):  # fmt: skip
        super().__init__(locals())

    def _fused_obstacles(self, mask, training, constants):
        reasons = super()._fused_obstacles(mask, training, constants)
        if not self.cell.reset_after:
            reasons.append("reset_after=False")
        return reasons


class LSTM(_CellLayer):
    """Long Short-Term Memory (Keras 2: gates i, f, c, o; states [h, c]).

    Args: those of LSTMCell (units, activation, recurrent_activation="hard_sigmoid",
    use_bias, initializers, unit_forget_bias=True, regularizers, constraints, dropout,
    recurrent_dropout, implementation), activity_regularizer, those of RNN, and use_cudnn.

    The fused kernel computes recurrent_activation="sigmoid" with tanh; Keras 2's default
    hard_sigmoid runs the loop.
    """

    CELL = LSTMCell
    KERNEL_NAME = "lstm"

    def __init__(
        self, units, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
        kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
        bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
        recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
        kernel_constraint=None, recurrent_constraint=None, bias_constraint=None, dropout=0.0,
        recurrent_dropout=0.0, implementation=1, return_sequences=False, return_state=False,
        go_backwards=False, stateful=False, unroll=False, seed=None, use_cudnn="auto",
        **kwargs,
    ):  # fmt: skip
        super().__init__(locals())
