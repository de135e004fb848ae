"""Convolution layers: Conv1D, Conv2D, Conv3D, their Keras 2 aliases (Convolution1D, ...)
and Keras 2's legacy AtrousConvolution1D/2D.

Kernels have Keras's layout `(*kernel_size, input_channels // groups, filters)` and the
bias `(filters,)`, so weights taken from Keras give Keras's outputs.
"""

from __future__ import annotations

import warnings

from kerasfront import constraints, initializers, ops, regularizers
from kerasfront.layers import conv_utils
from kerasfront.layers.convolutional_base import (
    CAUSAL_PADDINGS,
    SpatialConv,
    positive_int,
)
from kerasfront.lazy_exports import lazy_exports


class Conv(SpatialConv):
    """A convolution over `rank` spatial axes: `activation(conv(inputs, kernel) + bias)`.

    Args:
        rank: the number of spatial axes.
        filters: the number of output channels.
        kernel_size, strides, padding, data_format, dilation_rate: see `SpatialConv`.
        groups: splits the input channels into `groups` independent convolutions (Keras 3
            / tf.keras); `filters` and the input channels must both be multiples of it.
        activation, use_bias: see `SpatialConv`.
        kernel_initializer / bias_initializer: default "glorot_uniform" / "zeros".
        kernel_regularizer / bias_regularizer / activity_regularizer: penalties.
        kernel_constraint / bias_constraint: applied after each optimizer update.
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
        groups=1,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
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
        self.filters = positive_int(filters, "filters", where)
        self.groups = positive_int(groups, "groups", where)
        if self.filters % self.groups:
            raise ValueError(
                f"{where}: filters must be a multiple of groups, received filters="
                f"{self.filters} and groups={self.groups}."
            )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)

    def _build_kernels(self, input_channels):
        if input_channels % self.groups:
            raise ValueError(
                f"{conv_utils.describe(self)}: the number of input channels must be a "
                f"multiple of groups={self.groups}, received {input_channels} channels."
            )
        self.kernel = self.add_weight(
            "kernel",
            (*self.kernel_size, input_channels // self.groups, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self._lay_out_for_conv("kernel")

    def _output_channels(self, input_channels):
        return self.filters

    def _convolve(self, inputs):
        inputs, padding = self._causal_inputs(inputs)
        return ops.conv(
            inputs,
            self.kernel,
            strides=self.strides,
            padding=padding,
            data_format=self.data_format,
            dilation_rate=self.dilation_rate,
            groups=self.groups,
        )

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "groups": self.groups,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
        }


class Conv1D(Conv):
    """1-D convolution over (batch, steps, channels), e.g. on sequences.

    `padding="causal"` pads `(kernel_size - 1) * dilation_rate` zeros in front of the
    sequence and runs a "valid" convolution, so output t depends on inputs up to t only
    (WaveNet). As in Keras 2, `data_format` defaults to "channels_last" here, not to
    `image_data_format()`. Kernel: `(kernel_size, channels // groups, filters)`.

    Example:
        >>> layer = Conv1D(4, 3, padding="causal", dilation_rate=2)
        >>> layer(np.zeros((2, 10, 5), "float32")).shape  # (2, 10, 4)
    """

    allowed_paddings = CAUSAL_PADDINGS

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format="channels_last",
        dilation_rate=1,
        groups=1,
        *args,
        **kwargs,
    ):
        # Further positional arguments follow tf.keras's order (activation, use_bias,
        # kernel_initializer, ..., bias_constraint); Keras 2.2.4 took none past kernel_size.
        super().__init__(
            1,
            filters,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            groups,
            *args,
            **kwargs,
        )


class Conv2D(Conv):
    """2-D convolution over images: (batch, rows, cols, channels) with channels_last.

    Kernel: `(kernel_rows, kernel_cols, channels // groups, filters)`; bias `(filters,)`.

    Example:
        >>> layer = Conv2D(8, (3, 3), strides=2, padding="same", activation="relu")
        >>> layer(np.zeros((1, 32, 32, 3), "float32")).shape  # (1, 16, 16, 8)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1),
        groups=1,
        *args,
        **kwargs,
    ):
        # Further positional arguments follow tf.keras's order (activation, use_bias,
        # kernel_initializer, ..., bias_constraint); Keras 2.2.4 took none past kernel_size.
        super().__init__(
            2,
            filters,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            groups,
            *args,
            **kwargs,
        )


class Conv3D(Conv):
    """3-D convolution over volumes: (batch, dim1, dim2, dim3, channels) with channels_last.

    Kernel: `(k1, k2, k3, channels // groups, filters)`; bias `(filters,)`.
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1, 1),
        padding="valid",
        data_format=None,
        dilation_rate=(1, 1, 1),
        groups=1,
        *args,
        **kwargs,
    ):
        # Further positional arguments follow tf.keras's order (activation, use_bias,
        # kernel_initializer, ..., bias_constraint); Keras 2.2.4 took none past kernel_size.
        super().__init__(
            3,
            filters,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            groups,
            *args,
            **kwargs,
        )


# Keras 2 kept the Keras 1 class names as aliases.
Convolution1D = Conv1D
Convolution2D = Conv2D
Convolution3D = Conv3D


def _atrous(layer_class, name, args, kwargs):
    if "atrous_rate" in kwargs and "dilation_rate" in kwargs:
        raise TypeError(
            f"{name}: give atrous_rate or dilation_rate, not both (received atrous_rate="
            f"{kwargs['atrous_rate']!r} and dilation_rate={kwargs['dilation_rate']!r})."
        )
    if "atrous_rate" in kwargs:
        kwargs["dilation_rate"] = kwargs.pop("atrous_rate")
    warnings.warn(
        f"{name} is deprecated (Keras 2 kept it for old code): use "
        f"{layer_class.__name__}(..., dilation_rate=...) instead.",
        DeprecationWarning,
        stacklevel=3,
    )
    return layer_class(*args, **kwargs)


def AtrousConvolution1D(*args, **kwargs) -> Conv1D:  # noqa: N802 (a Keras class name)
    """Keras 2's legacy dilated 1-D convolution: a `Conv1D` whose `dilation_rate` is
    `atrous_rate` (default 1)."""
    return _atrous(Conv1D, "AtrousConvolution1D", args, kwargs)


def AtrousConvolution2D(*args, **kwargs) -> Conv2D:  # noqa: N802 (a Keras class name)
    """Keras 2's legacy dilated 2-D convolution: a `Conv2D` whose `dilation_rate` is
    `atrous_rate` (default (1, 1))."""
    return _atrous(Conv2D, "AtrousConvolution2D", args, kwargs)


AtrousConv1D = AtrousConvolution1D
AtrousConv2D = AtrousConvolution2D


# Keras 2's `keras.layers.convolutional` module also held the transposed, separable and
# depthwise convolutions, up-sampling, cropping and padding, and re-exported the pooling
# layers; examples import them from there (`from keras.layers.convolutional import
# Conv2DTranspose, MaxPooling2D`). Those modules import this one, so they load on first use.
_KERAS2_MODULE_NAMES = {
    **dict.fromkeys(
        (
            "Conv1DTranspose Conv2DTranspose Conv3DTranspose Convolution2DTranspose "
            "Deconvolution2D Deconv2D Deconvolution3D Deconv3D"
        ).split(),
        "kerasfront.layers.convolutional_transpose",
    ),
    **dict.fromkeys(
        (
            "SeparableConv1D SeparableConv2D SeparableConvolution1D SeparableConvolution2D "
            "DepthwiseConv2D"
        ).split(),
        "kerasfront.layers.convolutional_separable",
    ),
    **dict.fromkeys(
        "UpSampling1D UpSampling2D UpSampling3D".split(), "kerasfront.layers.upsampling"
    ),
    **dict.fromkeys(
        ("Cropping1D Cropping2D Cropping3D ZeroPadding1D ZeroPadding2D ZeroPadding3D").split(),
        "kerasfront.layers.cropping_padding",
    ),
    **dict.fromkeys(
        (
            "AveragePooling1D AveragePooling2D AveragePooling3D "
            "MaxPooling1D MaxPooling2D MaxPooling3D"
        ).split(),
        "kerasfront.layers.pooling",
    ),
}


__getattr__, __dir__ = lazy_exports(__name__, _KERAS2_MODULE_NAMES)
