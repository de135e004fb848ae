"""Global pooling: the maximum or the mean over every spatial axis, per channel (Keras 2's
GlobalMaxPooling*D and GlobalAveragePooling*D, with their GlobalMaxPool*D /
GlobalAvgPool*D aliases).

`(batch, *spatial, channels)` becomes `(batch, channels)`; with Keras 3's
`keepdims=True` the spatial axes stay, each of size 1.
"""

from __future__ import annotations

from kerasfront import ops
from kerasfront.layers.base import Layer
from kerasfront.layers.conv_utils import channel_axis, describe, normalize_data_format
from kerasfront.layers.input_spec import InputSpec


class _GlobalPooling(Layer):
    """The shared body; subclasses set `rank` and `_reduce`."""

    rank = 0

    def __init__(self, data_format, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        where = describe(self)
        self.data_format = normalize_data_format(data_format, where)
        if not isinstance(keepdims, bool):
            raise TypeError(f"{where}: keepdims must be True or False, received {keepdims!r}.")
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @property
    def _spatial_axes(self) -> tuple:
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.rank))

    @staticmethod
    def _reduce(inputs, axis, keepdims):
        raise NotImplementedError

    def call(self, inputs):
        return self._reduce(inputs, self._spatial_axes, self.keepdims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.keepdims:
            spatial = set(self._spatial_axes)
            return tuple(1 if axis in spatial else d for axis, d in enumerate(input_shape))
        return (input_shape[0], input_shape[channel_axis(self.data_format)])

    def get_config(self):
        config_ = {**super().get_config(), "data_format": self.data_format}
        # Keras 2 has no keepdims; the key is written only when it matters, so configs
        # of ordinary layers keep Keras 2's keys.
        if self.keepdims:
            config_["keepdims"] = True
        return config_


class _GlobalMax(_GlobalPooling):
    @staticmethod
    def _reduce(inputs, axis, keepdims):
        return ops.max(inputs, axis=axis, keepdims=keepdims)


class _GlobalAverage(_GlobalPooling):
    @staticmethod
    def _reduce(inputs, axis, keepdims):
        return ops.mean(inputs, axis=axis, keepdims=keepdims)


class GlobalMaxPooling1D(_GlobalMax):
    """The maximum over the steps of a sequence: `(batch, steps, features)` ->
    `(batch, features)`.

    Args:
        data_format: "channels_last" (default, as in Keras 2: the 1-D layers do not
            follow `image_data_format()`) or "channels_first" (`(batch, features, steps)`).
        keepdims: Keras 3's option to keep the steps axis (size 1).
    """

    rank = 1

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalAveragePooling1D(_GlobalAverage):
    """The mean over the steps of a sequence: `(batch, steps, features)` ->
    `(batch, features)`.

    Masked steps are left out of the mean (Keras 2.2 behaviour): with a `(batch, steps)`
    mask the result is `sum(x * mask) / sum(mask)` over the steps. A sample whose steps
    are all masked divides 0 by 0 and gives NaN, as in Keras. The output carries no mask.

    Args:
        data_format: "channels_last" (default) or "channels_first".
        keepdims: Keras 3's option to keep the steps axis (size 1).
    """

    rank = 1

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps_axis = self._spatial_axes[0]
        expected = (ops.shape(inputs)[0], ops.shape(inputs)[steps_axis])
        received = tuple(ops.shape(mask))
        if len(received) != 2 or any(
            isinstance(a, int) and isinstance(b, int) and a != b for a, b in zip(received, expected)
        ):
            raise ValueError(
                f"{describe(self)}: the mask must have shape (batch, steps) = {expected} for "
                f"inputs of shape {tuple(ops.shape(inputs))}; received a mask of shape "
                f"{received}."
            )
        # The mask is (batch, steps); the size-1 feature axis broadcasts it over features.
        weights = ops.expand_dims(ops.cast(mask, ops.dtype(inputs)), channel_axis(self.data_format))
        total = ops.sum(inputs * weights, axis=steps_axis, keepdims=self.keepdims)
        return total / ops.sum(weights, axis=steps_axis, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling2D(_GlobalMax):
    """The maximum over rows and columns: `(batch, rows, cols, channels)` ->
    `(batch, channels)`.

    Args:
        data_format: "channels_last" or "channels_first"; None (default) means
            `image_data_format()`.
        keepdims: Keras 3's option to keep the spatial axes (size 1).
    """

    rank = 2

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalAveragePooling2D(_GlobalAverage):
    """The mean over rows and columns; arguments as `GlobalMaxPooling2D`."""

    rank = 2

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalMaxPooling3D(_GlobalMax):
    """The maximum over three spatial axes; arguments as `GlobalMaxPooling2D`."""

    rank = 3

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalAveragePooling3D(_GlobalAverage):
    """The mean over three spatial axes; arguments as `GlobalMaxPooling2D`."""

    rank = 3

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


# Keras 2's short names.
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
)
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
)
