"""The convolutional LSTM: ConvLSTM2DCell (one time step), ConvRNN2D (Keras 2's RNN over
a convolutional cell) and ConvLSTM2D (a ConvRNN2D over the ConvLSTM2DCell it builds), with
Keras 2.2.4's arguments, defaults and weight layout.

Equations (Keras 2.2.4; `*` a 2-D convolution, `.` elementwise, `s` the recurrent
activation, `a` the activation), gates i, f, c, o in that order along the kernels' last
axis:
  i = s(x * W_i + b_i + h_prev * U_i), f = s(x * W_f + b_f + h_prev * U_f),
  c = f . c_prev + i . a(x * W_c + b_c + h_prev * U_c), o = s(x * W_o + b_o + h_prev * U_o),
  h = o . a(c); states [h, c].
The input convolutions use the layer's strides, padding and dilation; the recurrent ones
"same" padding, stride 1 and no dilation, so the states keep the output's spatial size.
Weights: kernel (kh, kw, in_channels, 4 filters), recurrent_kernel (kh, kw, filters,
4 filters), bias (4 filters,).
"""

from __future__ import annotations

from kerasfront import activations, ops, regularizers
from kerasfront.layers import conv_utils
from kerasfront.layers.base import Layer
from kerasfront.layers.conv_utils import describe
from kerasfront.layers.input_spec import InputSpec
from kerasfront.layers.recurrent import RNN
from kerasfront.layers.recurrent_cell_base import (
    RecurrentCell,
    blocks,
    forget_bias_initializer,
)


def _check_filters(where: str, filters) -> int:
    if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
        raise ValueError(f"{where}: filters must be a positive integer, received {filters!r}.")
    return filters


# The arguments ConvLSTM2DCell hands to RecurrentCell unchanged.
_RECURRENT_CELL_ARGUMENTS = (
    "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
    "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
    "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout",
)  # fmt: skip


class ConvLSTM2DCell(RecurrentCell):
    """One step of a convolutional LSTM on (batch, rows, cols, channels) inputs
    ((batch, channels, rows, cols) with data_format="channels_first").

    Args:
        filters: the number of output channels (of the output and of both states).
        kernel_size: an int or a pair, the window of both convolutions.
        strides, padding ("valid" or "same"), dilation_rate: of the input convolution.
        data_format: "channels_last" or "channels_first" (default: the configured one).
        activation: default tanh. recurrent_activation: default hard_sigmoid (Keras 2).
        unit_forget_bias: start the forget gate's bias at 1.
        dropout / recurrent_dropout: fractions of the inputs / of the previous output to
            drop while training, one mask per gate, the same at every step (Keras 2).
        seed: seeds the dropout masks (Keras 3 argument).
        Initializers, regularizers and constraints of kernel, recurrent_kernel and bias.
    """

    GATES = 4

    def __init__(
        self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
        dilation_rate=(1, 1), activation="tanh", recurrent_activation="hard_sigmoid",
        use_bias=True, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
        bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
        recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
        recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
        **kwargs,
    ):  # fmt: skip
        # Keras 2's positional order, spelled out: its code passes these positionally.
        arguments = dict(locals())
        shared = {name: arguments[name] for name in _RECURRENT_CELL_ARGUMENTS}
        where = f"{type(self).__name__} '{kwargs.get('name') or 'conv_lst_m2d_cell'}'"
        _check_filters(where, filters)
        super().__init__(filters, activation=activation, **shared, **kwargs)
        where = describe(self)
        self.filters = filters
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, 2, "kernel_size", where)
        self.strides = conv_utils.normalize_tuple(strides, 2, "strides", where)
        self.padding = conv_utils.normalize_padding(padding, where)
        self.data_format = conv_utils.normalize_data_format(data_format, where)
        self.dilation_rate = conv_utils.normalize_tuple(dilation_rate, 2, "dilation_rate", where)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = (filters, filters)

    # ---- shapes and weights ---------------------------------------------------------------
    def state_spatial(self, step_input_shape) -> tuple:
        """The (rows, cols) of the output and states for step inputs of this shape."""
        spatial = conv_utils.spatial_dims(step_input_shape, self.data_format)
        return tuple(
            conv_utils.conv_output_length(size, k, self.padding, s, d)
            for size, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)
        )

    def state_shape(self, step_input_shape) -> tuple:
        """The shape of the output and of each state for step inputs of this shape."""
        return conv_utils.with_spatial(
            tuple(step_input_shape),
            self.state_spatial(step_input_shape),
            self.filters,
            self.data_format,
        )

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != 4:
            raise ValueError(
                f"{describe(self)}: the step inputs must be 4-D (batch, rows, cols, channels) "
                f"or channels_first; received shape {input_shape}."
            )
        channels = input_shape[conv_utils.channel_axis(self.data_format)]
        if channels is None:
            raise ValueError(
                f"{describe(self)}: the channel axis of the inputs must be known, received "
                f"shape {input_shape} ({self.data_format})."
            )
        width = 4 * self.filters
        self.kernel = self.add_weight(
            "kernel",
            (*self.kernel_size, channels, width),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel",
            (*self.kernel_size, self.filters, width),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = None
        if self.use_bias:
            initializer = self.bias_initializer
            if self.unit_forget_bias:
                initializer = forget_bias_initializer(initializer, self.filters, 1, 2)
            self.bias = self.add_weight(
                "bias",
                (width,),
                initializer=initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        Layer.build(self, input_shape)

    # ---- dropout ------------------------------------------------------------------------
    def prepare_dropout_masks(self, step_input_shape, training) -> None:
        """Draws this batch's masks (one per gate) before the time loop: input masks
        shaped like the step inputs, recurrent masks like the states (Keras 2)."""
        step_input_shape = tuple(step_input_shape)
        self._dropout_mask = None
        self._recurrent_dropout_mask = None
        if training and self.dropout:
            self._dropout_mask = self._draw_masks(step_input_shape, self.dropout)
        if training and self.recurrent_dropout:
            shape = self.state_shape(step_input_shape)
            self._recurrent_dropout_mask = self._draw_masks(shape, self.recurrent_dropout)

    # ---- one step -----------------------------------------------------------------------
    def _channel_blocks(self, x) -> list:
        """The four gate blocks of `x` along its channel axis."""
        if self.data_format == "channels_last":
            return blocks(x, self.filters, 4)
        f = self.filters
        return [x[:, g * f : (g + 1) * f] for g in range(4)]

    def _input_conv(self, x, kernel):
        return ops.conv(x, kernel, self.strides, self.padding, self.data_format, self.dilation_rate)

    def _recurrent_conv(self, h, kernel):
        return ops.conv(h, kernel, 1, "same", self.data_format, 1)

    def _gate_convolutions(self, x, kernel, masks, convolve) -> list:
        """`convolve` of x with each gate's kernel block: one convolution for all gates,
        or one per gate when each gate sees x through its own dropout mask."""
        if masks is None:
            return self._channel_blocks(convolve(x, kernel))
        kernels = blocks(kernel, self.filters, 4)
        return [convolve(x * mask, k) for mask, k in zip(masks, kernels)]

    def call(self, inputs, states, training=None):
        previous, carry = states[0], states[1]
        input_masks, recurrent_masks = self._current_masks(inputs, previous, training)
        if input_masks is None and recurrent_masks is None:
            # One input and one recurrent convolution for the four gates.
            z = self._input_conv(inputs, self.kernel)
            z = z + self._recurrent_conv(previous, self.recurrent_kernel)
            if self.bias is not None:
                z = z + self._broadcast_bias(self.bias)
            x_i, x_f, x_c, x_o = self._channel_blocks(z)
        else:
            parts = self._gate_convolutions(inputs, self.kernel, input_masks, self._input_conv)
            recurrent = self._gate_convolutions(
                previous, self.recurrent_kernel, recurrent_masks, self._recurrent_conv
            )
            x_i, x_f, x_c, x_o = [x + h for x, h in zip(parts, recurrent)]
            if self.bias is not None:
                biases = [self._broadcast_bias(b) for b in blocks(self.bias, self.filters, 4)]
                x_i, x_f, x_c, x_o = [x + b for x, b in zip((x_i, x_f, x_c, x_o), biases)]
        i = self.recurrent_activation(x_i)
        f = self.recurrent_activation(x_f)
        c = f * carry + i * self.activation(x_c)
        o = self.recurrent_activation(x_o)
        h = o * self.activation(c)
        return h, [h, c]

    def _broadcast_bias(self, bias):
        if self.data_format == "channels_last":
            return bias
        return ops.reshape(bias, (1, -1, 1, 1))

    # ---- configuration ------------------------------------------------------------------
    def get_config(self):
        config_ = super().get_config()
        config_.pop("units", None)
        return {
            **config_,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        }


# Arguments of ConvLSTM2D that belong to its cell (and read as the layer's attributes).
_CELL_ARGUMENTS = (
    "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
    "activation", "recurrent_activation", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
    "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
    "bias_constraint", "dropout", "recurrent_dropout", "seed",
)  # fmt: skip
_CELL_ONLY_KEYS = ("name", "trainable", "dtype", "batch_input_shape")


class ConvRNN2D(RNN):
    """Keras 2's recurrent layer over sequences of images, (batch, time, rows, cols,
    channels) (channels_first: (batch, time, channels, rows, cols)), stepping a
    convolutional cell: `ConvRNN2D(ConvLSTM2DCell(8, 3))` computes as `ConvLSTM2D(8, 3)`.

    Args:
        cell: a ConvLSTM2DCell (a cell that gives its state shapes from the step input,
            `state_shape`).
        return_sequences, return_state, go_backwards, stateful: as for RNN.
        unroll: refused when True, as in Keras 2 (convolutional loops are not unrolled).
    """

    def __init__(
        self, cell, return_sequences=False, return_state=False, go_backwards=False,
        stateful=False, unroll=False, **kwargs,
    ):  # fmt: skip
        if not hasattr(cell, "state_shape"):
            raise TypeError(
                "ConvRNN2D needs a convolutional cell such as ConvLSTM2DCell (one that gives "
                f"its state shapes from the step input), received {type(cell).__name__}."
            )
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            **kwargs,
        )
        if unroll:
            raise TypeError(f"{describe(self)}: convolutional recurrent layers cannot unroll.")
        self.input_spec = InputSpec(ndim=5)
        self._step_input_shape = None

    # ---- shapes -------------------------------------------------------------------------
    def _check_rank(self, input_shape) -> tuple:
        input_shape = tuple(input_shape)
        if len(input_shape) != 5:
            raise ValueError(
                f"{describe(self)} expects 5-D inputs (batch, time, rows, cols, channels) "
                f"(channels_first: (batch, time, channels, rows, cols)); received input shape "
                f"{input_shape}."
            )
        return input_shape

    def build(self, input_shape):
        if isinstance(input_shape, list) and not isinstance(input_shape[0], (int, type(None))):
            input_shape = input_shape[0]
        input_shape = self._check_rank(input_shape)
        self._step_input_shape = (input_shape[0], *input_shape[2:])
        if self.stateful and None in self.cell.state_spatial(self._step_input_shape):
            raise ValueError(
                f"{describe(self)} is stateful, so its rows and cols must be known, received "
                f"input shape {input_shape}."
            )
        super().build(input_shape)

    def _state_shapes(self, batch_size) -> list:
        if self._step_input_shape is None:
            raise ValueError(f"{describe(self)} must be built before its states have shapes.")
        shape = self.cell.state_shape((batch_size, *self._step_input_shape[1:]))
        return [shape, shape]

    def get_initial_state(self, inputs) -> list:
        shape = tuple(ops.shape(inputs))
        zeros = ops.zeros(self.cell.state_shape((shape[0], *shape[2:])), dtype=self.dtype)
        return [zeros, zeros]

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list) and not isinstance(input_shape[0], (int, type(None))):
            input_shape = input_shape[0]
        input_shape = self._check_rank(input_shape)
        state = self.cell.state_shape((input_shape[0], *input_shape[2:]))
        output = (state[0], input_shape[1], *state[1:]) if self.return_sequences else state
        return [output, state, state] if self.return_state else output


class ConvLSTM2D(ConvRNN2D):
    """A convolutional LSTM over sequences of images: (batch, time, rows, cols, channels)
    or, with data_format="channels_first", (batch, time, channels, rows, cols).

    The output is the last step's h, (batch, new_rows, new_cols, filters), or with
    return_sequences every step's, (batch, time, new_rows, new_cols, filters) (channels
    first: filters before the spatial axes); with return_state also [h, c].

    Args: those of ConvLSTM2DCell (filters, kernel_size, strides=(1, 1), padding="valid",
    data_format=None, dilation_rate=(1, 1), activation="tanh",
    recurrent_activation="hard_sigmoid", use_bias=True, kernel_initializer="glorot_uniform",
    recurrent_initializer="orthogonal", bias_initializer="zeros", unit_forget_bias=True,
    regularizers, constraints, dropout=0, recurrent_dropout=0, seed=None),
    activity_regularizer, and those of RNN: return_sequences, return_state, go_backwards,
    stateful. As in Keras 2, unroll=True is refused (convolutional loops are not unrolled).
    Masks (batch, time) skip steps as in every Keras recurrent layer.

    Example:
        >>> layer = ConvLSTM2D(8, (3, 3), padding="same", return_sequences=True)
        >>> layer.compute_output_shape((None, 10, 32, 32, 3))
        (None, 10, 32, 32, 8)
    """

    def __init__(
        self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
        dilation_rate=(1, 1), activation="tanh", recurrent_activation="hard_sigmoid",
        use_bias=True, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
        bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
        recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
        kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
        return_sequences=False, return_state=False, go_backwards=False, stateful=False,
        dropout=0.0, recurrent_dropout=0.0, seed=None, unroll=False, **kwargs,
    ):  # fmt: skip
        arguments = dict(locals())
        cell_arguments = {name: arguments[name] for name in _CELL_ARGUMENTS}
        cell_kwargs = {k: kwargs[k] for k in ("dtype", "trainable") if k in kwargs}
        if kwargs.get("name"):
            cell_kwargs["name"] = kwargs["name"]
        try:
            cell = ConvLSTM2DCell(**cell_arguments, **cell_kwargs)
        except (TypeError, ValueError) as error:
            from kerasfront.layers.recurrent_layers import error_naming_the_layer

            renamed = error_naming_the_layer(error, type(self).__name__, kwargs.get("name"))
            if renamed is None:
                raise
            raise renamed from None
        super().__init__(
            cell,
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            unroll=unroll,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        # Keras 2 names the weights after the layer ("conv_lst_m2d/kernel").
        self.cell.name = self.name

    def __getattr__(self, name):
        # The cell's arguments read as the layer's (Keras 2: `layer.filters`, ...).
        if name in _CELL_ARGUMENTS and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        return super().__getattr__(name)

    # ---- configuration ------------------------------------------------------------------
    def get_config(self):
        config_ = super().get_config()
        cell_config = config_.pop("cell")["config"]
        for key in _CELL_ONLY_KEYS:
            cell_config.pop(key, None)
        config_.update(cell_config)
        config_["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config_

    @classmethod
    def from_config(cls, config_: dict, custom_objects=None):
        return cls(**config_)


__all__ = ["ConvLSTM2D", "ConvLSTM2DCell", "ConvRNN2D"]
