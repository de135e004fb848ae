"""CuDNNLSTM and CuDNNGRU (Keras 2's names and weight layout): the equations of cuDNN's
kernels, run by the engine's fused kernel where it has one and by the loop elsewhere, so
the same weights give the same numbers on every engine and device.

Weights (Keras 2.2.4's `cudnn_recurrent.py`):
- CuDNNLSTM: kernel (input_dim, 4u), recurrent_kernel (u, 4u), gates i, f, c, o;
  bias (8u,) = the input bias (4u) then the recurrent bias (4u), which cuDNN adds both of.
  unit_forget_bias sets the recurrent forget bias (entries 5u:6u) to one.
  i = sigmoid(x W_i + b_i + h U_i + c_i), f, o likewise, c = f * c_prev + i * tanh(...),
  h = o * tanh(c).
- CuDNNGRU: kernel (input_dim, 3u), recurrent_kernel (u, 3u), gates z, r, h;
  bias (6u,) = input bias (3u) then recurrent bias (3u); the reset gate applies after
  the recurrent product (GRU with reset_after=True and sigmoid):
  hh = tanh(x W_h + b_h + r * (h U_h + c_h)), h = z * h_prev + (1 - z) * hh.

Unlike Keras 2, these layers run on every backend and without a GPU. They take no mask
(Keras 2 refuses one too).
"""

from __future__ import annotations

from kerasfront import constraints, initializers, ops, regularizers
from kerasfront.backend.registry import ADAPTER
from kerasfront.layers.conv_utils import describe
from kerasfront.layers.recurrent import RNN
from kerasfront.layers.recurrent_cell_base import blocks, check_units, forget_bias_initializer
from kerasfront.layers.recurrent_layers import lay_out_for_fused_kernel


class _StateSizes:
    """The `cell` of a CuDNN layer: only the state sizes (the layer computes the steps)."""

    def __init__(self, state_size):
        self.state_size = state_size

    def call(self, inputs, states):
        raise NotImplementedError("CuDNN layers compute their steps themselves.")

    def get_config(self):
        return {}


class _CuDNNRNN(RNN):
    GATES = 4
    KERNEL_NAME = "lstm"

    def __init__(
        self, units, kernel_initializer, recurrent_initializer, bias_initializer,
        kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, recurrent_constraint, bias_constraint, return_sequences,
        return_state, go_backwards, stateful, use_cudnn, kwargs,
    ):  # fmt: skip
        units = check_units(type(self).__name__, units)
        sizes = (units, units) if self.GATES == 4 else units
        super().__init__(
            _StateSizes(sizes),
            return_sequences=return_sequences,
            return_state=return_state,
            go_backwards=go_backwards,
            stateful=stateful,
            activity_regularizer=activity_regularizer,
            **kwargs,
        )
        self.units = units
        self.supports_masking = False
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        if use_cudnn not in ("auto", False):
            raise ValueError(
                f"{describe(self)}: use_cudnn must be 'auto' or False, received {use_cudnn!r}."
            )
        self.use_cudnn = use_cudnn

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        super().build(input_shape)
        input_dim = tuple(input_shape)[-1]
        width = self.GATES * self.units
        self.kernel = self.add_weight(
            "kernel",
            (input_dim, width),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel",
            (self.units, width),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        self.bias = self.add_weight(
            "bias",
            (2 * width,),
            initializer=self._bias_initializer(),
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint,
        )
        lay_out_for_fused_kernel(self.KERNEL_NAME, self)

    def compute_mask(self, inputs, mask=None):
        self._check_mask_supported(mask)  # Keras 2's CuDNN layers take no mask
        return [None] * (1 + len(self.states)) if self.return_state else None

    def call(self, inputs, mask=None, training=None, initial_state=None, constants=None):
        self._check_mask_supported(mask)
        return super().call(inputs, None, training, initial_state, constants)

    def _fused_call(self, inputs, states, mask, training, constants):
        kernel = getattr(ADAPTER, self.KERNEL_NAME, None)
        if kernel is None or self.use_cudnn is False:
            return None
        outputs, final_states = kernel(
            inputs,
            states,
            self.kernel,
            self.recurrent_kernel,
            self._fused_bias(),
            self.go_backwards,
        )
        # The last step's output is the final h (the first state): reading it saves
        # slicing the sequence, two ops at every call.
        final_states = list(final_states)
        return final_states[0], outputs, final_states

    def get_config(self):
        config_ = {
            **super(RNN, self).get_config(),
            "units": self.units,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
        }
        if self.use_cudnn is False:
            config_["use_cudnn"] = False
        return config_

    @classmethod
    def from_config(cls, config_: dict, custom_objects=None):
        return cls(**config_)


class CuDNNLSTM(_CuDNNRNN):
    """An LSTM with cuDNN's equations (sigmoid gates, two biases) and Keras 2's CuDNNLSTM
    weights; see the module docstring.

    Args:
        units, kernel/recurrent/bias initializers, unit_forget_bias, regularizers,
        constraints, return_sequences, return_state, go_backwards, stateful: as Keras 2.
        use_cudnn: "auto" (the engine's fused kernel where it has one) or False (the loop).
    """

    GATES = 4
    KERNEL_NAME = "lstm"

    def __init__(
        self, units, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
        bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
        recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
        kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
        return_sequences=False, return_state=False, stateful=False, go_backwards=False,
        use_cudnn="auto", **kwargs,
    ):  # fmt: skip
        super().__init__(
            units, kernel_initializer, recurrent_initializer, bias_initializer,
            kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer,
            kernel_constraint, recurrent_constraint, bias_constraint, return_sequences,
            return_state, go_backwards, stateful, use_cudnn, kwargs,
        )  # fmt: skip
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_initializer(self):
        if self.unit_forget_bias:
            return forget_bias_initializer(self.bias_initializer, self.units, 5, 2)
        return self.bias_initializer

    def _fused_bias(self):
        width = 4 * self.units
        bias = self.bias
        return bias[:width] + bias[width:]

    def _step_function(self, training, constants):
        kernel, recurrent_kernel, bias = self.kernel, self.recurrent_kernel, self._fused_bias()
        units = self.units

        def step(x, states):
            h, c = states
            z = ops.matmul(x, kernel) + ops.matmul(h, recurrent_kernel) + bias
            i, f, g, o = blocks(z, units, 4)
            c = ops.sigmoid(f) * c + ops.sigmoid(i) * ops.tanh(g)
            h = ops.sigmoid(o) * ops.tanh(c)
            return h, [h, c]

        return step

    def get_config(self):
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class CuDNNGRU(_CuDNNRNN):
    """A GRU with cuDNN's equations (reset gate after the recurrent product, sigmoid
    gates, two biases) and Keras 2's CuDNNGRU weights; see the module docstring.

    Args: as CuDNNLSTM, without unit_forget_bias.
    """

    GATES = 3
    KERNEL_NAME = "gru"

    def __init__(
        self, units, kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
        bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
        bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
        recurrent_constraint=None, bias_constraint=None, return_sequences=False,
        return_state=False, stateful=False, go_backwards=False, use_cudnn="auto", **kwargs,
    ):  # fmt: skip
        super().__init__(
            units, kernel_initializer, recurrent_initializer, bias_initializer,
            kernel_regularizer, recurrent_regularizer, bias_regularizer, activity_regularizer,
            kernel_constraint, recurrent_constraint, bias_constraint, return_sequences,
            return_state, go_backwards, stateful, use_cudnn, kwargs,
        )  # fmt: skip

    def _fused_bias(self):
        return ops.reshape(self.bias, (2, 3 * self.units))

    def _step_function(self, training, constants):
        kernel, recurrent_kernel = self.kernel, self.recurrent_kernel
        bias, units = self.bias, self.units
        input_bias, recurrent_bias = bias[: 3 * units], bias[3 * units :]

        def step(x, states):
            previous = states[0]
            x_z, x_r, x_h = blocks(ops.matmul(x, kernel) + input_bias, units, 3)
            h_z, h_r, h_h = blocks(
                ops.matmul(previous, recurrent_kernel) + recurrent_bias, units, 3
            )
            z = ops.sigmoid(x_z + h_z)
            r = ops.sigmoid(x_r + h_r)
            candidate = ops.tanh(x_h + r * h_h)
            h = z * previous + (1.0 - z) * candidate
            return h, [h]

        return step
