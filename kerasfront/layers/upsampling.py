"""Up-sampling of the spatial axes by integer factors (Keras 2's UpSampling1D/2D/3D).

"nearest" repeats every entry `size` times along each spatial axis (`ops.repeat`), which
is exactly Keras 2's result. UpSampling2D's "bilinear" resizes with `ops.resize`.
"""

from __future__ import annotations

from kerasfront import ops
from kerasfront.layers.base import Layer
from kerasfront.layers.conv_utils import (
    channel_axis,
    describe,
    normalize_data_format,
    normalize_tuple,
    spatial_dims,
    with_spatial,
)
from kerasfront.layers.input_spec import InputSpec

INTERPOLATIONS = ("nearest", "bilinear")


class _UpSampling(Layer):
    """The shared body; subclasses set `rank`."""

    rank = 0

    def __init__(self, size, data_format, **kwargs):
        super().__init__(**kwargs)
        where = describe(self)
        self.size = normalize_tuple(size, self.rank, "size", where)
        self.data_format = normalize_data_format(data_format, where)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @property
    def _spatial_axes(self) -> tuple:
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.rank))

    def call(self, inputs):
        for axis, factor in zip(self._spatial_axes, self.size):
            if factor != 1:
                inputs = ops.repeat(inputs, factor, axis=axis)
        return inputs

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = tuple(
            None if length is None else length * factor
            for length, factor in zip(spatial_dims(input_shape, self.data_format), self.size)
        )
        channels = input_shape[channel_axis(self.data_format)]
        return with_spatial(input_shape, spatial, channels, self.data_format)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}


class UpSampling1D(_UpSampling):
    """Repeats every step of `(batch, steps, features)` inputs `size` times.

    Args:
        size: the factor, a positive int (default 2).

    Example:
        >>> UpSampling1D(3)(np.zeros((1, 4, 2), "float32")).shape  # (1, 12, 2)
    """

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, "channels_last", **kwargs)

    def get_config(self):
        config_ = super().get_config()
        del config_["data_format"]
        config_["size"] = self.size[0]
        return config_


class UpSampling2D(_UpSampling):
    """Enlarges images by integer factors along rows and columns.

    Args:
        size: the factors, an int (both axes) or a tuple of 2 ints; default (2, 2).
        data_format: "channels_last" or "channels_first"; None (default) means
            `image_data_format()`.
        interpolation: "nearest" (default: every pixel repeated) or "bilinear".

    "bilinear" samples with half-pixel centres, as TensorFlow 2's tf.keras and Keras 3
    do (output pixel i looks at input coordinate (i + 0.5) / factor - 0.5, clamped to
    the edges). Keras 2.2.4 on TensorFlow 1 used the legacy `resize_bilinear` sampling
    (coordinate i / factor, no half-pixel shift), so its bilinear outputs are shifted by
    up to half an input pixel against ours; "nearest" is the same in both.
    """

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, **kwargs)
        mode = interpolation.lower() if isinstance(interpolation, str) else interpolation
        if mode not in INTERPOLATIONS:
            raise ValueError(
                f"{describe(self)}: interpolation must be one of {INTERPOLATIONS}, received "
                f"{interpolation!r}."
            )
        self.interpolation = mode

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        spatial = spatial_dims(ops.shape(inputs), self.data_format)
        target = tuple(length * factor for length, factor in zip(spatial, self.size))
        return ops.resize(inputs, target, interpolation="bilinear", data_format=self.data_format)

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation}


class UpSampling3D(_UpSampling):
    """Enlarges volumes by repeating entries along three spatial axes.

    Args:
        size: the factors, an int or a tuple of 3 ints; default (2, 2, 2).
        data_format: "channels_last" or "channels_first"; None (default) means
            `image_data_format()`.
    """

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)
