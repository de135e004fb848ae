"""Max and average pooling over 1, 2 or 3 spatial axes (Keras 2's MaxPooling*D and
AveragePooling*D, with their MaxPool*D / AvgPool*D aliases).

Each layer slides a `pool_size` window with step `strides` over the spatial axes and
keeps the maximum or the mean of every window, channel by channel. The engines' own
pooling kernels do the work (`ops.max_pool`, `ops.average_pool`).
"""

from __future__ import annotations

from kerasfront import ops
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
from kerasfront.lazy_exports import lazy_exports


class _Pooling(Layer):
    """The shared body of the pooling layers; subclasses set `rank` and `_pool`."""

    rank = 0

    def __init__(self, pool_size, strides, padding, data_format, **kwargs):
        super().__init__(**kwargs)
        where = describe(self)
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", where)
        # Keras: strides=None means non-overlapping windows, one step per window.
        self.strides = (
            self.pool_size
            if strides is None
            else normalize_tuple(strides, self.rank, "strides", where)
        )
        self.padding = normalize_padding(padding, where)
        self.data_format = normalize_data_format(data_format, where)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @staticmethod
    def _pool(inputs, pool_size, strides, padding, data_format):
        raise NotImplementedError

    def _check_window(self, input_shape) -> None:
        if self.padding == "valid":
            check_window_fits(
                describe(self), input_shape, self.pool_size, self.data_format, "pool_size"
            )

    def call(self, inputs):
        # Static shapes on every engine here (steps are traced per shape), so the check
        # costs a few comparisons and turns an engine error or an empty output into ours.
        self._check_window(ops.shape(inputs))
        return self._pool(inputs, self.pool_size, self.strides, self.padding, self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check_window(input_shape)
        spatial = tuple(
            conv_output_length(size, window, self.padding, stride)
            for size, window, stride in zip(
                spatial_dims(input_shape, self.data_format), self.pool_size, self.strides
            )
        )
        channels = input_shape[channel_axis(self.data_format)]
        return with_spatial(input_shape, spatial, channels, self.data_format)

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        }


class _MaxPooling(_Pooling):
    @staticmethod
    def _pool(inputs, pool_size, strides, padding, data_format):
        return ops.max_pool(
            inputs, pool_size, strides=strides, padding=padding, data_format=data_format
        )


class _AveragePooling(_Pooling):
    @staticmethod
    def _pool(inputs, pool_size, strides, padding, data_format):
        return ops.average_pool(
            inputs, pool_size, strides=strides, padding=padding, data_format=data_format
        )


class MaxPooling1D(_MaxPooling):
    """Max pooling over the steps of a sequence.

    Args:
        pool_size: the window length (int or tuple of one int).
        strides: the step between windows; None (default) means `pool_size`.
        padding: "valid" (windows inside the input only) or "same" (output length
            ceil(steps / strides); windows past the edges ignore the missing entries).
        data_format: "channels_last" (default, inputs `(batch, steps, features)`) or
            "channels_first" (`(batch, features, steps)`). As in Keras 2 the 1-D layers
            do not follow `image_data_format()`.

    Example:
        >>> MaxPooling1D(2)(np.zeros((1, 6, 3), "float32")).shape  # (1, 3, 3)
    """

    rank = 1

    def __init__(
        self, pool_size=2, strides=None, padding="valid", data_format="channels_last", **kwargs
    ):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(_AveragePooling):
    """Average pooling over the steps of a sequence; arguments as `MaxPooling1D`.

    With padding "same", the windows that reach past the edges average only the entries
    inside the input (the padding does not count), as in Keras.
    """

    rank = 1

    def __init__(
        self, pool_size=2, strides=None, padding="valid", data_format="channels_last", **kwargs
    ):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(_MaxPooling):
    """Max pooling over the rows and columns of an image.

    Args:
        pool_size: the window, an int (square) or a tuple of 2 ints (rows, cols).
        strides: the steps between windows; None (default) means `pool_size`.
        padding: "valid" or "same" (output size ceil(size / strides) per axis).
        data_format: "channels_last" (`(batch, rows, cols, channels)`) or
            "channels_first" (`(batch, channels, rows, cols)`); None (default) means
            `image_data_format()`.
    """

    rank = 2

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(_AveragePooling):
    """Average pooling over the rows and columns of an image; arguments as
    `MaxPooling2D`. Padding "same" leaves the padded entries out of the averages."""

    rank = 2

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(_MaxPooling):
    """Max pooling over three spatial axes (e.g. depth, rows, cols); arguments as
    `MaxPooling2D` with tuples of 3 ints, default pool_size (2, 2, 2)."""

    rank = 3

    def __init__(
        self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs
    ):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(_AveragePooling):
    """Average pooling over three spatial axes; arguments as `MaxPooling3D`. Padding
    "same" leaves the padded entries out of the averages."""

    rank = 3

    def __init__(
        self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs
    ):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


# Keras 2's short names.
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D

# Keras 2's `keras.layers.pooling` also held the global poolings
# (`from keras.layers.pooling import GlobalAveragePooling2D`).
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        f"Global{kind}{rank}D": "kerasfront.layers.global_pooling"
        for kind in ("AveragePooling", "MaxPooling", "AvgPool", "MaxPool")
        for rank in (1, 2, 3)
    },
)
