"""Transposed convolutions: Conv2DTranspose, Conv3DTranspose (Keras 2), Conv1DTranspose
(Keras 3 / tf.keras), and the Keras 2 aliases Deconvolution2D/3D, Deconv2D/3D and
Convolution2DTranspose.

A transposed convolution is the adjoint (the input gradient) of the convolution with the
same kernel, strides, padding and dilation: it maps a convolution's output shape back to
its input shape. The kernel has Keras's layout `(*kernel_size, filters, input_channels)`,
the transpose of a convolution kernel's last two axes.
"""

from __future__ import annotations

from kerasfront import ops
from kerasfront.layers import conv_utils
from kerasfront.layers.convolutional import Conv


class ConvTranspose(Conv):
    """A transposed convolution over `rank` spatial axes (the base of Conv2DTranspose...).

    Args:
        rank, filters, kernel_size, strides, padding ("valid" or "same"), data_format,
            dilation_rate, activation, use_bias, kernel_* and bias_*: as for `Conv`.
        output_padding: None (the size follows from the input: "valid" gives
            `n * s + max(w - s, 0)`, "same" gives `n * s`, with `w` the dilated kernel
            size), or an int / tuple of `rank` ints, each below the stride on its axis,
            giving `(n - 1) * s + w - 2 * p + output_padding` with `p = 0` ("valid") or
            `w // 2` ("same"); this picks one of the input sizes a strided convolution
            maps to the same output size.
    """

    def __init__(
        self,
        rank,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=1,
        *args,
        **kwargs,
    ):
        # Further positional arguments follow Keras 2's order (activation, use_bias, the
        # initializers, ...): Keras 2 code passes them so.
        super().__init__(
            rank,
            filters,
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            kwargs.pop("groups", 1),  # Conv's slot before activation; refused below if not 1
            *args,
            **kwargs,
        )
        where = conv_utils.describe(self)
        if self.groups != 1:
            raise ValueError(
                f"{where}: transposed convolutions take no groups, received groups={self.groups}."
            )
        if output_padding is not None:
            output_padding = conv_utils.normalize_tuple(
                output_padding, rank, "output_padding", where, allow_zero=True
            )
            if any(pad >= stride for pad, stride in zip(output_padding, self.strides)):
                raise ValueError(
                    f"{where}: each entry of output_padding must be smaller than the stride "
                    f"on its axis, received output_padding={output_padding} and "
                    f"strides={self.strides}."
                )
        self.output_padding = output_padding

    def _build_kernels(self, input_channels):
        self.kernel = self.add_weight(
            "kernel",
            (*self.kernel_size, self.filters, input_channels),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        # conv_transpose hands the engine this kernel permuted as conv does its kernel, so
        # the same layout serves it (torch: its (in, out, *window) weight in channels_last).
        self._lay_out_for_conv("kernel")

    def _output_length(self, length, axis):
        return conv_utils.deconv_output_length(
            length,
            self.kernel_size[axis],
            self.padding,
            None if self.output_padding is None else self.output_padding[axis],
            self.strides[axis],
            self.dilation_rate[axis],
        )

    @property
    def _output_may_be_empty(self) -> bool:
        # (n - 1) * s + w - 2 * (w // 2) + output_padding is 0 for n = 1, an even w and no
        # output padding; every other case gives at least one entry.
        return self.output_padding is not None and self.padding == "same"

    def _convolve(self, inputs):
        return ops.conv_transpose(
            inputs,
            self.kernel,
            strides=self.strides,
            padding=self.padding,
            output_padding=self.output_padding,
            data_format=self.data_format,
            dilation_rate=self.dilation_rate,
        )

    def get_config(self):
        config_ = super().get_config()
        config_.pop("groups")  # transposed convolutions have no groups in Keras
        config_["output_padding"] = self.output_padding
        return config_


class Conv1DTranspose(ConvTranspose):
    """Transposed 1-D convolution (Keras 3 / tf.keras). Kernel `(k, filters, channels)`."""

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=1,
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
            output_padding,
            data_format,
            dilation_rate,
            *args,
            **kwargs,
        )


class Conv2DTranspose(ConvTranspose):
    """Transposed 2-D convolution ("deconvolution"), e.g. to upsample feature maps.

    Kernel `(kernel_rows, kernel_cols, filters, channels)`; bias `(filters,)`.

    Example:
        >>> layer = Conv2DTranspose(4, 3, strides=2, padding="same")
        >>> layer(np.zeros((1, 5, 5, 8), "float32")).shape  # (1, 10, 10, 4)
    """

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1),
        padding="valid",
        output_padding=None,
        data_format=None,
        dilation_rate=(1, 1),
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
            output_padding,
            data_format,
            dilation_rate,
            *args,
            **kwargs,
        )


class Conv3DTranspose(ConvTranspose):
    """Transposed 3-D convolution. Kernel `(k1, k2, k3, filters, channels)`."""

    def __init__(
        self,
        filters,
        kernel_size,
        strides=(1, 1, 1),
        padding="valid",
        output_padding=None,
        data_format=None,
        *args,
        dilation_rate=(1, 1, 1),
        **kwargs,
    ):
        # Further positional arguments follow Keras 2's order (activation, use_bias, the
        # initializers, ...): Keras 2 code passes them so.
        super().__init__(
            3,
            filters,
            kernel_size,
            strides,
            padding,
            output_padding,
            data_format,
            dilation_rate,
            *args,
            **kwargs,
        )


# Keras 2's names for the same classes.
Convolution2DTranspose = Conv2DTranspose
Deconvolution2D = Deconv2D = Conv2DTranspose
Deconvolution3D = Deconv3D = Conv3DTranspose
