"""Locally connected layers (Keras 2's LocallyConnected1D and LocallyConnected2D): a
convolution whose weights are not shared, every output position has its own filters.

Weight layout (Keras 2, `implementation=1`), with P the number of output positions
(output_length, or output_rows * output_cols in row-major order), K the window size
(kernel_size, or kernel_rows * kernel_cols) and C the input channels:

- kernel `(P, K * C, filters)`: row p multiplies the flattened input patch of position
  p. The patch is flattened as `(*kernel_size, C)` for channels_last and as
  `(C, *kernel_size)` for channels_first, the order of Keras's slices `x[:, rows,
  cols, :]` and `x[:, :, rows, cols]`.
- bias `(output_length, filters)` or `(output_rows, output_cols, filters)`. For
  channels_first Keras adds it after a plain *reshape* (not a transpose) to
  `(filters, *output_spatial)`; we do the same, so Keras weights give Keras outputs.

The patches are gathered with one strided slice per kernel offset (not per output
position), then one batched matmul applies every position's filters at once.
"""

from __future__ import annotations

import itertools
import math

from kerasfront import activations, constraints, initializers, ops, regularizers
from kerasfront.layers.base import Layer
from kerasfront.layers.conv_utils import (
    channel_axis,
    check_window_fits,
    conv_output_length,
    describe,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
    spatial_dims,
    with_spatial,
)
from kerasfront.layers.input_spec import InputSpec


def gather_patches(inputs, kernel_size, strides, output_spatial, data_format):
    """`(P, batch, K * C)`: the input patch of every output position, flattened in
    Keras's order (see the module docstring)."""
    pieces = []
    for offset in itertools.product(*(range(k) for k in kernel_size)):
        # Offset `o` of every window along an axis: entries o, o + s, ..., one per output.
        spatial = tuple(
            slice(o, o + (n - 1) * s + 1, s) for o, n, s in zip(offset, output_spatial, strides)
        )
        if data_format == "channels_last":
            pieces.append(inputs[(slice(None), *spatial, slice(None))])  # (B, *out, C)
        else:
            pieces.append(inputs[(slice(None), slice(None), *spatial)])  # (B, C, *out)
    positions = math.prod(output_spatial)
    if data_format == "channels_last":
        # (B, *out, K, C) -> (B, P, K * C): the kernel offset varies slower than C.
        patches = ops.reshape(
            ops.stack(pieces, axis=len(kernel_size) + 1),
            (-1, positions, len(pieces) * ops.shape(inputs)[-1]),
        )
        return ops.transpose(patches, (1, 0, 2))
    # (B, C, K, *out) -> (B, C * K, P): the channel varies slower than the kernel offset.
    patches = ops.reshape(
        ops.stack(pieces, axis=2), (-1, len(pieces) * ops.shape(inputs)[1], positions)
    )
    return ops.transpose(patches, (2, 0, 1))


def local_conv(inputs, kernel, kernel_size, strides, output_spatial, data_format):
    """Applies unshared filters: kernel `(P, K * C, filters)` -> `(batch, *out, filters)`
    (channels_last) or `(batch, filters, *out)` (channels_first)."""
    outputs = ops.matmul(
        gather_patches(inputs, kernel_size, strides, output_spatial, data_format), kernel
    )
    filters = ops.shape(kernel)[-1]
    if data_format == "channels_last":
        return ops.reshape(ops.transpose(outputs, (1, 0, 2)), (-1, *output_spatial, filters))
    return ops.reshape(ops.transpose(outputs, (1, 2, 0)), (-1, filters, *output_spatial))


class _LocallyConnected(Layer):
    """The shared body of LocallyConnected1D/2D, Keras 2's arguments and defaults (an int
    stride is the same step on every axis); subclasses set `rank`."""

    rank = 0

    def __init__(
        self,
        filters,
        kernel_size,
        strides=1,
        padding="valid",
        data_format=None,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        activity_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        implementation=1,
        **kwargs,
    ):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        where = describe(self)
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{where}: filters must be a positive integer, received {filters!r}.")
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", where)
        self.strides = normalize_tuple(strides, self.rank, "strides", where)
        self.padding = normalize_padding(padding, where)
        if self.padding != "valid":
            raise ValueError(
                f"{where}: only padding='valid' is supported (as in Keras 2), received "
                f"{padding!r}. Add a ZeroPadding layer before it to keep the input size."
            )
        if implementation != 1:
            raise ValueError(
                f"{where}: only implementation=1 (Keras 2's weight layout) is supported, "
                f"received {implementation!r}."
            )
        self.implementation = 1
        self.data_format = normalize_data_format(data_format, where)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _output_spatial(self, input_shape) -> tuple:
        check_window_fits(
            describe(self), input_shape, self.kernel_size, self.data_format, "kernel_size"
        )
        return tuple(
            conv_output_length(size, window, self.padding, stride)
            for size, window, stride in zip(
                spatial_dims(input_shape, self.data_format), self.kernel_size, self.strides
            )
        )

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if any(d is None for d in input_shape[1:]):
            raise ValueError(
                f"{describe(self)}: every axis but the batch axis must be known, because each "
                f"output position has its own weights; received input shape {input_shape}."
            )
        self.output_spatial = self._output_spatial(input_shape)
        channels = input_shape[channel_axis(self.data_format)]
        window = math.prod(self.kernel_size)
        self.kernel = self.add_weight(
            "kernel",
            (math.prod(self.output_spatial), window * channels, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                "bias",
                (*self.output_spatial, self.filters),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        # The weights fit one input size only: fix every axis so that another size is
        # refused by name instead of failing inside the matmul.
        self.input_spec = InputSpec(
            ndim=self.rank + 2, axes={axis: input_shape[axis] for axis in range(1, self.rank + 2)}
        )
        super().build(input_shape)

    def call(self, inputs):
        outputs = local_conv(
            inputs,
            self.kernel,
            self.kernel_size,
            self.strides,
            self.output_spatial,
            self.data_format,
        )
        if self.use_bias:
            if self.data_format == "channels_last":
                outputs = outputs + self.bias
            else:
                # Keras 2's bias_add reshapes (not transposes) the bias for channels_first.
                outputs = outputs + ops.reshape(self.bias, (self.filters, *self.output_spatial))
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return with_spatial(
            input_shape, self._output_spatial(input_shape), self.filters, self.data_format
        )

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class LocallyConnected1D(_LocallyConnected):
    """Like Conv1D, but every output step has its own filters.

    Args:
        filters: the number of output channels.
        kernel_size: the window length (int or tuple of one int).
        strides: the step between windows (int or tuple of one int), default 1.
        padding: only "valid" (Keras 2 supports no other).
        data_format: "channels_last" (`(batch, steps, channels)`) or "channels_first"
            (`(batch, channels, steps)`); None (default) means `image_data_format()`.
            Keras 2.2 ignored this argument for the 1-D layer (always channels_last);
            we follow tf.keras 2, which honours it.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint: as in
            Conv1D.
        implementation: only 1 (Keras 2's layout); tf.keras's 2 and 3 are refused.

    Weights: kernel `(output_length, kernel_size * channels, filters)`, bias
    `(output_length, filters)`. The input length must be known when the layer is built.

    Example:
        >>> layer = LocallyConnected1D(4, 3)
        >>> layer(np.zeros((2, 10, 5), "float32")).shape  # (2, 8, 4); kernel (8, 15, 4)
    """

    rank = 1


class LocallyConnected2D(_LocallyConnected):
    """Like Conv2D, but every output pixel has its own filters.

    Args:
        filters: the number of output channels.
        kernel_size: the window, an int or a tuple of 2 ints (rows, cols).
        strides: the steps, an int or a tuple of 2 ints; default (1, 1).
        padding: only "valid" (Keras 2 supports no other).
        data_format: "channels_last" or "channels_first"; None (default) means
            `image_data_format()`.
        activation ... bias_constraint: as in Conv2D.
        implementation: only 1 (Keras 2's layout).

    Weights: kernel `(output_rows * output_cols, kernel_rows * kernel_cols * channels,
    filters)`, bias `(output_rows, output_cols, filters)`; see the module docstring for
    the order of a flattened patch.
    """

    rank = 2
