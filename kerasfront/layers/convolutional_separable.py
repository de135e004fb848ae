"""Depthwise and separable convolutions: DepthwiseConv2D (and Keras 3's DepthwiseConv1D),
SeparableConv1D, SeparableConv2D, and the Keras 2 aliases SeparableConvolution1D/2D.

A depthwise convolution filters each input channel on its own with `depth_multiplier`
filters; output channel `c * depth_multiplier + m` comes from input channel `c` and filter
`m`, as in Keras. It runs as a grouped convolution (`groups = input channels`) whose kernel
is Keras's `(*kernel_size, channels, depth_multiplier)` reshaped to
`(*kernel_size, 1, channels * depth_multiplier)`; that reshape keeps exactly this order. A
separable convolution is a depthwise convolution followed by a 1x1 ("pointwise")
convolution that mixes the channels.
"""

from __future__ import annotations

from kerasfront import constraints, initializers, ops, regularizers
from kerasfront.layers import conv_utils
from kerasfront.layers.convolutional_base import (
    CAUSAL_PADDINGS,
    SpatialConv,
    positive_int,
)


class DepthwiseConv(SpatialConv):
    """A depthwise convolution over `rank` spatial axes (the base of DepthwiseConv1D/2D).

    Args:
        rank: the number of spatial axes.
        kernel_size, strides, padding, data_format, dilation_rate: see `SpatialConv`.
        depth_multiplier: filters per input channel (output channels = input channels *
            depth_multiplier).
        activation, use_bias: see `SpatialConv`.
        depthwise_initializer / bias_initializer: default "glorot_uniform" / "zeros".
        depthwise_regularizer / bias_regularizer / activity_regularizer: penalties.
        depthwise_constraint / bias_constraint: applied after each optimizer update.

    Weights: `depthwise_kernel` `(*kernel_size, channels, depth_multiplier)` and `bias`
    `(channels * depth_multiplier,)`.
    """

    def __init__(
        self,
        rank,
        kernel_size,
        strides=1,
        padding="valid",
        depth_multiplier=1,
        data_format=None,
        dilation_rate=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            rank,
            kernel_size,
            strides=strides,
            padding=padding,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            bias_initializer=bias_initializer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            bias_constraint=bias_constraint,
            **kwargs,
        )
        where = conv_utils.describe(self)
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier", where)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def _build_depthwise_kernel(self, input_channels):
        self._input_channels = input_channels
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel",
            (*self.kernel_size, input_channels, self.depth_multiplier),
            initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )

    _build_kernels = _build_depthwise_kernel

    def _output_channels(self, input_channels):
        return input_channels * self.depth_multiplier

    def _depthwise(self, inputs):
        inputs, padding = self._causal_inputs(inputs)
        input_channels = self._input_channels
        grouped = ops.reshape(
            self.depthwise_kernel, (*self.kernel_size, 1, input_channels * self.depth_multiplier)
        )
        return ops.conv(
            inputs,
            grouped,
            strides=self.strides,
            padding=padding,
            data_format=self.data_format,
            dilation_rate=self.dilation_rate,
            groups=input_channels,
        )

    _convolve = _depthwise

    def get_config(self):
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
        }


class DepthwiseConv2D(DepthwiseConv):
    """Depthwise 2-D convolution: each input channel filtered on its own.

    Example:
        >>> layer = DepthwiseConv2D(3, depth_multiplier=2, padding="same")
        >>> layer(np.zeros((1, 8, 8, 4), "float32")).shape  # (1, 8, 8, 8)
    """

    def __init__(
        self,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        depth_multiplier=1,
        data_format=None,
        *args,
        dilation_rate=(1, 1),
        **kwargs,
    ):
        # Further positional arguments follow Keras 2's order (activation, use_bias, the
        # initializers, ...): Keras 2 code passes them so.
        super().__init__(
            2,
            kernel_size,
            strides,
            padding,
            depth_multiplier,
            data_format,
            dilation_rate,
            *args,
            **kwargs,
        )


class DepthwiseConv1D(DepthwiseConv):
    """Depthwise 1-D convolution (a Keras 3 layer; Keras 2 had only the 2-D one)."""

    allowed_paddings = CAUSAL_PADDINGS

    def __init__(
        self,
        kernel_size,
        strides=1,
        padding="valid",
        depth_multiplier=1,
        data_format=None,
        dilation_rate=1,
        *args,
        **kwargs,
    ):
        # Further positional arguments follow Keras 2's order (activation, use_bias, the
        # initializers, ...): Keras 2 code passes them so.
        super().__init__(
            1,
            kernel_size,
            strides,
            padding,
            depth_multiplier,
            data_format,
            dilation_rate,
            *args,
            **kwargs,
        )


class SeparableConv(DepthwiseConv):
    """A depthwise convolution, then a pointwise (1x1) convolution to `filters` channels.

    Args:
        rank, kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier:
            of the depthwise step (the pointwise step has stride 1 and no padding).
        filters: the number of output channels.
        depthwise_* / pointwise_*: initializer (default "glorot_uniform"), regularizer
            and constraint of each kernel; bias_* as in `SpatialConv`.

    Weights: `depthwise_kernel` `(*kernel_size, channels, depth_multiplier)`,
    `pointwise_kernel` `(*(1,) * rank, channels * depth_multiplier, filters)` and `bias`
    `(filters,)`.
    """

    def __init__(
        self,
        rank,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        dilation_rate=1,
        depth_multiplier=1,
        activation=None,
        use_bias=True,
        depthwise_initializer="glorot_uniform",
        pointwise_initializer="glorot_uniform",
        bias_initializer="zeros",
        depthwise_regularizer=None,
        pointwise_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        depthwise_constraint=None,
        pointwise_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(
            rank,
            kernel_size,
            strides=strides,
            padding=padding,
            depth_multiplier=depth_multiplier,
            data_format=data_format,
            dilation_rate=dilation_rate,
            activation=activation,
            use_bias=use_bias,
            depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint,
            bias_constraint=bias_constraint,
            **kwargs,
        )
        where = conv_utils.describe(self)
        self.filters = positive_int(filters, "filters", where)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def _build_kernels(self, input_channels):
        self._build_depthwise_kernel(input_channels)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel",
            ((1,) * self.rank + (input_channels * self.depth_multiplier, self.filters)),
            initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        self._lay_out_for_conv("pointwise_kernel")

    def _output_channels(self, input_channels):
        return self.filters

    def _convolve(self, inputs):
        return ops.conv(
            self._depthwise(inputs),
            self.pointwise_kernel,
            strides=1,
            padding="valid",
            data_format=self.data_format,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
        }


class SeparableConv1D(SeparableConv):
    """Depthwise separable 1-D convolution over (batch, steps, channels). "causal"
    padding is accepted too (as in tf.keras), applied to the depthwise step. As in Keras 2,
    `data_format` defaults to "channels_last" here, not to `image_data_format()`."""

    allowed_paddings = CAUSAL_PADDINGS

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format="channels_last",
        dilation_rate=1,
        depth_multiplier=1,
        *args,
        **kwargs,
    ):
        # Further positional arguments follow Keras 2's order (activation, use_bias, the
        # initializers, ...): Keras 2 code passes them so.
        super().__init__(
            1,
            filters,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            depth_multiplier,
            *args,
            **kwargs,
        )


class SeparableConv2D(SeparableConv):
    """Depthwise separable 2-D convolution (Xception, MobileNet).

    Example:
        >>> layer = SeparableConv2D(16, 3, depth_multiplier=2, padding="same")
        >>> layer(np.zeros((1, 8, 8, 4), "float32")).shape  # (1, 8, 8, 16)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1),
        depth_multiplier=1,
        *args,
        **kwargs,
    ):
        # Further positional arguments follow Keras 2's order (activation, use_bias, the
        # initializers, ...): Keras 2 code passes them so.
        super().__init__(
            2,
            filters,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            depth_multiplier,
            *args,
            **kwargs,
        )


SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D
