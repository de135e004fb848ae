"""The Keras 2 recurrent cells: SimpleRNNCell, GRUCell and LSTMCell (one time step each).

Equations (Keras 2.2.4; `a` the activation, `s` the recurrent activation, `*` elementwise):
- SimpleRNN: h = a(x W + b + h_prev U).
- GRU, gates z, r, h in that order along the kernels' last axis:
  z = s(x W_z + b_z + h_prev U_z), r = s(x W_r + b_r + h_prev U_r),
  reset_after=False (Keras 2's default): hh = a(x W_h + b_h + (r * h_prev) U_h), bias (3u,);
  reset_after=True (cuDNN's form): every recurrent product gets its own bias c and
  hh = a(x W_h + b_h + r * (h_prev U_h + c_h)), bias (2, 3u) = [input bias, recurrent bias];
  h = z * h_prev + (1 - z) * hh.
- LSTM, gates i, f, c, o: i = s(x W_i + h_prev U_i + b_i), f likewise,
  c = f * c_prev + i * a(x W_c + h_prev U_c + b_c), o = s(...), h = o * a(c); states [h, c].

Keras 2's defaults: activation tanh, recurrent_activation hard_sigmoid (0.2 x + 0.5
clipped to [0, 1]), recurrent_initializer orthogonal, LSTM unit_forget_bias=True.
"""

from __future__ import annotations

from kerasfront import activations, ops
from kerasfront.layers.recurrent_cell_base import (
    RecurrentCell,
    blocks,
    check_implementation,
    forget_bias_initializer,
)


class SimpleRNNCell(RecurrentCell):
    """One step of a fully connected RNN: `h = activation(x W + b + h_prev U)`.

    Args:
        units: the size of the output and of the state.
        activation: default tanh; None for linear.
        use_bias, kernel/recurrent/bias initializers, regularizers and constraints: as
            for Dense; the recurrent kernel starts orthogonal.
        dropout / recurrent_dropout: fractions of the inputs / of the previous output
            to drop while training (one mask per batch, the same at every step).
        seed: seeds the dropout masks (Keras 3 argument).
    """

    def __init__(self, units, activation="tanh", *args, **kwargs):
        # Further positional arguments follow Keras 2's order (use_bias, the initializers,
        # ..., dropout, recurrent_dropout), which is RecurrentCell's.
        super().__init__(units, activation, *args, **kwargs)

    def call(self, inputs, states, training=None):
        previous = states[0]
        input_masks, recurrent_masks = self._current_masks(inputs, previous, training)
        if input_masks is not None:
            inputs = inputs * input_masks[0]
        h = ops.matmul(inputs, self.kernel)
        if self.bias is not None:
            h = h + self.bias
        if recurrent_masks is not None:
            previous = previous * recurrent_masks[0]
        output = self.activation(h + ops.matmul(previous, self.recurrent_kernel))
        return output, [output]


# RecurrentCell's arguments that GRUCell and LSTMCell list in Keras 2's positional order.
_SHARED_ARGUMENTS = (
    "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
    "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
    "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout",
)  # fmt: skip


def _shared_arguments(arguments: dict) -> dict:
    return {name: arguments[name] for name in _SHARED_ARGUMENTS}


class _GatedCell(RecurrentCell):
    """Cells with a recurrent activation and Keras 2's two implementations."""

    def __init__(
        self, units, activation="tanh", recurrent_activation="hard_sigmoid", implementation=1,
        **kwargs,
    ):  # fmt: skip
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.implementation = check_implementation(f"{type(self).__name__}", implementation)

    def _input_parts(self, inputs, input_masks, input_bias):
        """x W_g + b_g for each gate g. Implementation 1 with dropout multiplies each
        gate's copy of x by its own mask; otherwise one product serves every gate."""
        u, gates = self.units, self.GATES
        if input_masks is not None and len(input_masks) > 1:
            parts = [
                ops.matmul(inputs * mask, kernel)
                for mask, kernel in zip(input_masks, blocks(self.kernel, u, gates))
            ]
            if input_bias is not None:
                parts = [part + b for part, b in zip(parts, blocks(input_bias, u, gates))]
            return parts
        if input_masks is not None:
            inputs = inputs * input_masks[0]
        projected = ops.matmul(inputs, self.kernel)
        if input_bias is not None:
            projected = projected + input_bias
        return blocks(projected, u, gates)

    def _previous_copies(self, previous, recurrent_masks):
        """The previous output as each gate sees it (dropped with that gate's mask)."""
        if recurrent_masks is None:
            return [previous] * self.GATES
        if len(recurrent_masks) == 1:
            return [previous * recurrent_masks[0]] * self.GATES
        return [previous * mask for mask in recurrent_masks]

    def _recurrent_parts(self, copies, kernel, bias, count):
        """h_g U_g (+ c_g) for the first `count` gates."""
        u = self.units
        if all(copy is copies[0] for copy in copies[:count]):
            projected = ops.matmul(copies[0], kernel[:, : count * u])
            if bias is not None:
                projected = projected + bias[: count * u]
            return blocks(projected, u, count)
        parts = [ops.matmul(copies[g], kernel[:, g * u : (g + 1) * u]) for g in range(count)]
        if bias is not None:
            parts = [part + b for part, b in zip(parts, blocks(bias, u, count))]
        return parts

    def get_config(self):
        return {
            **super().get_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "implementation": self.implementation,
        }


class GRUCell(_GatedCell):
    """One step of a Gated Recurrent Unit (Keras 2 equations, gates z, r, h).

    Args:
        units: the size of the output and of the state.
        activation: default tanh. recurrent_activation: default hard_sigmoid (Keras 2).
        implementation: 1 or 2, the same numbers without dropout; with dropout, 1 drops
            each gate's inputs with its own mask and 2 uses one mask for all (Keras 2).
        reset_after: False (Keras 2's default) applies the reset gate before the recurrent
            product; True after it, with a separate recurrent bias (cuDNN's GRU).
        Other arguments as for SimpleRNNCell.
    """

    GATES = 3

    def __init__(
        self, units, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
        kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
        bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
        bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
        bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, implementation=1,
        reset_after=False, **kwargs,
    ):  # fmt: skip
        # Keras 2's positional order, spelled out: its code passes these positionally.
        shared = _shared_arguments(locals())
        super().__init__(
            units, activation, recurrent_activation, implementation, **shared, **kwargs
        )
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _biases(self):
        """(input bias, recurrent bias), each (3u,) or None."""
        if self.bias is None:
            return None, None
        if self.reset_after:
            bias = self.bias
            return bias[0], bias[1]
        return self.bias, None

    def call(self, inputs, states, training=None):
        previous = states[0]
        input_masks, recurrent_masks = self._current_masks(inputs, previous, training)
        input_bias, recurrent_bias = self._biases()
        x_z, x_r, x_h = self._input_parts(inputs, input_masks, input_bias)
        copies = self._previous_copies(previous, recurrent_masks)
        kernel = self.recurrent_kernel
        if self.reset_after:
            h_z, h_r, h_h = self._recurrent_parts(copies, kernel, recurrent_bias, 3)
            z = self.recurrent_activation(x_z + h_z)
            r = self.recurrent_activation(x_r + h_r)
            candidate = self.activation(x_h + r * h_h)
        else:
            h_z, h_r = self._recurrent_parts(copies, kernel, None, 2)
            z = self.recurrent_activation(x_z + h_z)
            r = self.recurrent_activation(x_r + h_r)
            u = self.units
            candidate = self.activation(x_h + ops.matmul(r * copies[2], kernel[:, 2 * u :]))
        # Keras 2's implementation 2 keeps the dropped previous output here too.
        kept = copies[0] if self.implementation == 2 else previous
        h = z * kept + (1.0 - z) * candidate
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "reset_after": self.reset_after}


class LSTMCell(_GatedCell):
    """One step of a Long Short-Term Memory layer (Keras 2 equations, gates i, f, c, o).

    Args:
        units: the size of the output and of both states (h, c).
        activation: default tanh. recurrent_activation: default hard_sigmoid (Keras 2).
        unit_forget_bias: start the forget gate's bias at 1 (the rest from
            bias_initializer), as Keras does by default.
        implementation: 1 or 2, as for GRUCell.
        Other arguments as for SimpleRNNCell.
    """

    GATES = 4

    def __init__(
        self, units, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
        kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
        bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
        recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
        recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0,
        implementation=1, **kwargs,
    ):  # fmt: skip
        # Keras 2's positional order, spelled out: unit_forget_bias sits among the others.
        shared = _shared_arguments(locals())
        super().__init__(
            units, activation, recurrent_activation, implementation, **shared, **kwargs
        )
        self.unit_forget_bias = bool(unit_forget_bias)
        self.state_size = (self.units, self.units)

    def _bias_initializer(self):
        if self.unit_forget_bias:
            return forget_bias_initializer(self.bias_initializer, self.units, 1, 2)
        return self.bias_initializer

    def call(self, inputs, states, training=None):
        previous, carry = states[0], states[1]
        input_masks, recurrent_masks = self._current_masks(inputs, previous, training)
        copies = self._previous_copies(previous, recurrent_masks)
        if input_masks is None and recurrent_masks is None:
            # One fused pre-activation for the four gates.
            z = ops.matmul(inputs, self.kernel) + ops.matmul(previous, self.recurrent_kernel)
            if self.bias is not None:
                z = z + self.bias
            x_i, x_f, x_c, x_o = blocks(z, self.units, 4)
        else:
            parts = self._input_parts(inputs, input_masks, self.bias)
            recurrent = self._recurrent_parts(copies, self.recurrent_kernel, None, 4)
            x_i, x_f, x_c, x_o = [x + h for x, h in zip(parts, recurrent)]
        i = self.recurrent_activation(x_i)
        f = self.recurrent_activation(x_f)
        c = f * carry + i * self.activation(x_c)
        o = self.recurrent_activation(x_o)
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}
