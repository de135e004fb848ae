"""The shared base of every convolution layer: the spatial arguments, the bias, the
activation, the output shape and the argument and shape checks.

A subclass says which weights it creates (`_build_kernels`), how many channels it
produces (`_output_channels`) and how it convolves (`_convolve`); everything that Conv,
SeparableConv, DepthwiseConv and the transposed convolutions have in common lives here,
so that each of them is a few lines.
"""

from __future__ import annotations

import numpy as np

from kerasfront import activations, constraints, initializers, ops, regularizers
from kerasfront.backend.registry import ADAPTER
from kerasfront.layers import conv_utils
from kerasfront.layers.base import Layer
from kerasfront.layers.input_spec import InputSpec

CAUSAL_PADDINGS = ("valid", "same", "causal")


def positive_int(value, argument: str, where: str) -> int:
    # NumPy integers too, as Keras 2 took them; stored as int so configs stay JSON.
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{where}: {argument} must be a positive integer, received {value!r}.")
    return int(value)


class SpatialConv(Layer):
    """The spatial part every convolution shares (not used on its own).

    Args:
        rank: the number of spatial axes (1, 2 or 3).
        kernel_size: an int or a tuple of `rank` ints, the window of the convolution.
        strides: an int or a tuple of `rank` ints.
        padding: "valid" or "same" (and "causal" for 1-D convolutions that allow it).
        data_format: "channels_last", "channels_first" or None for `image_data_format()`.
        dilation_rate: an int or a tuple of `rank` ints. Strides above 1 together with a
            dilation rate above 1 are refused, as in Keras 2.
        activation: applied to the output (default: linear).
        use_bias: whether to add a bias on the channel axis of the output.
        bias_initializer / bias_regularizer / bias_constraint: for the bias.
        activity_regularizer: a penalty on the layer's output.
    """

    allowed_paddings = ("valid", "same")

    def __init__(
        self,
        rank,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        bias_initializer="zeros",
        bias_regularizer=None,
        activity_regularizer=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        where = conv_utils.describe(self)
        self.rank = rank
        self.kernel_size = conv_utils.normalize_tuple(kernel_size, rank, "kernel_size", where)
        self.strides = conv_utils.normalize_tuple(strides, rank, "strides", where)
        self.padding = conv_utils.normalize_padding(padding, where, self.allowed_paddings)
        self.data_format = conv_utils.normalize_data_format(data_format, where)
        self.dilation_rate = conv_utils.normalize_tuple(dilation_rate, rank, "dilation_rate", where)
        if any(s > 1 for s in self.strides) and any(d > 1 for d in self.dilation_rate):
            raise ValueError(
                f"{where}: strides > 1 cannot be combined with dilation_rate > 1 (Keras 2 "
                f"refuses both), received strides={self.strides} and "
                f"dilation_rate={self.dilation_rate}."
            )
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    # ---- what a subclass provides -------------------------------------------------------
    def _build_kernels(self, input_channels: int) -> None:
        raise NotImplementedError

    def _output_channels(self, input_channels):
        raise NotImplementedError

    def _convolve(self, inputs):
        raise NotImplementedError

    def _output_length(self, length, axis: int):
        """The output size along spatial axis `axis` for an input size `length`."""
        return conv_utils.conv_output_length(
            length,
            self.kernel_size[axis],
            self.padding,
            self.strides[axis],
            self.dilation_rate[axis],
        )

    # ---- building ------------------------------------------------------------------------
    def _check_rank(self, input_shape) -> None:
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f"{conv_utils.describe(self)} expects inputs of rank {self.rank + 2} (batch, "
                f"{self.rank} spatial axes, channels), received input shape "
                f"{tuple(input_shape)}."
            )

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_rank(input_shape)
        axis = conv_utils.channel_axis(self.data_format)
        input_channels = input_shape[axis]
        if input_channels is None:
            raise ValueError(
                f"{conv_utils.describe(self)}: the channel axis of the input must be known "
                f"(data_format={self.data_format!r}), received input shape {input_shape}."
            )
        self._build_kernels(int(input_channels))
        if self.use_bias:
            self.bias = self.add_weight(
                "bias",
                (self._output_channels(int(input_channels)),),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: int(input_channels)})
        super().build(input_shape)

    def _lay_out_for_conv(self, name: str) -> None:
        """Lets the engine store the kernel `name`, which `ops.conv` receives, in the
        memory layout its conv reads fastest (see the contract's lay_out_conv_kernel);
        values and shapes do not change."""
        lay_out = getattr(ADAPTER, "lay_out_conv_kernel", None)
        if lay_out is not None:
            weight = self._variable_attributes[name]
            weight._set_storage(lay_out(weight.storage))

    # ---- calling -------------------------------------------------------------------------
    def _causal_inputs(self, inputs):
        """Inputs and the padding to give the op: causal padding puts (k - 1) * dilation
        zeros in front of the time axis, then the convolution runs "valid", so output t
        sees inputs up to t only."""
        if self.padding != "causal":
            return inputs, self.padding
        front = (self.kernel_size[0] - 1) * self.dilation_rate[0]
        time_axis = 1 if self.data_format == "channels_last" else 2
        pad_width = [(0, 0)] * (self.rank + 2)
        pad_width[time_axis] = (front, 0)
        return ops.pad(inputs, tuple(pad_width)), "valid"

    def call(self, inputs):
        if self._output_may_be_empty:
            self._check_output_size(tuple(ops.shape(inputs)))
        outputs = self._convolve(inputs)
        if self.use_bias:
            bias = self.bias
            if self.data_format == "channels_first":
                # (channels, 1, ..., 1) broadcasts over the spatial axes that follow.
                bias = ops.reshape(bias, (-1,) + (1,) * self.rank)
            outputs = outputs + bias
        return self.activation(outputs)

    # ---- shapes --------------------------------------------------------------------------
    def _output_spatial(self, input_shape) -> tuple:
        spatial = conv_utils.spatial_dims(input_shape, self.data_format)
        lengths = tuple(self._output_length(n, axis) for axis, n in enumerate(spatial))
        if any(n is not None and n <= 0 for n in lengths):
            raise ValueError(
                f"{conv_utils.describe(self)}: the input of shape {tuple(input_shape)} is too "
                f"small for the kernel of size {self.kernel_size} (strides={self.strides}, "
                f"padding={self.padding!r}, dilation_rate={self.dilation_rate}); the output "
                f"would have spatial shape {lengths}. Use a larger input, a smaller kernel or "
                'padding="same".'
            )
        return lengths

    @property
    def _output_may_be_empty(self) -> bool:
        # Only "valid" arithmetic (and transposed convolutions) can give an empty output;
        # there the engines would fail with a message that does not name the layer.
        return self.padding == "valid"

    def _check_output_size(self, input_shape) -> None:
        if len(input_shape) == self.rank + 2:
            self._output_spatial(input_shape)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_rank(input_shape)
        channels = input_shape[conv_utils.channel_axis(self.data_format)]
        output_channels = None if channels is None else self._output_channels(channels)
        return conv_utils.with_spatial(
            input_shape, self._output_spatial(input_shape), output_channels, self.data_format
        )

    # ---- configuration -------------------------------------------------------------------
    def get_config(self):
        return {
            **super().get_config(),
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }

    @classmethod
    def from_config(cls, config_: dict):
        config_ = dict(config_)
        config_.pop("rank", None)  # Keras 2's private base wrote it; the classes fix it
        return cls(**config_)
