"""Regularization layers: ActivityRegularization and the spatial dropouts.

(Dropout itself lives in `core.py`, as in Keras 2; the spatial versions reuse it and
change only the shape of the keep/drop mask.)
"""

from __future__ import annotations

from kerasfront import ops, regularizers
from kerasfront.layers.base import Layer
from kerasfront.layers.conv_utils import describe, normalize_data_format
from kerasfront.layers.core import Dropout
from kerasfront.layers.input_spec import InputSpec


class ActivityRegularization(Layer):
    """Passes its inputs through and adds `l1 * sum(|x|) + l2 * sum(x ** 2)` of them to
    the training loss (the same path as any layer's `activity_regularizer`).

    Args:
        l1 / l2: the non-negative penalty factors.
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)  # from_config of a Keras 2 file
        super().__init__(**kwargs)
        for argument, value in (("l1", l1), ("l2", l2)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(
                    f"{describe(self)}: {argument} must be a non-negative number, received "
                    f"{value!r}."
                )
        self.supports_masking = True
        self.l1, self.l2 = float(l1), float(l2)
        self.activity_regularizer = regularizers.L1L2(l1=self.l1, l2=self.l2)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}


class _SpatialDropout(Dropout):
    """Dropout that keeps or drops whole channels: the mask has size 1 on every spatial
    axis, so all the positions of one feature map share its fate."""

    rank = 0  # the number of spatial axes

    def __init__(self, rate, data_format=None, seed=None, noise_shape=None, **kwargs):
        # Keras 2's configs carry Dropout's `noise_shape` (always None for these layers).
        super().__init__(rate, seed=seed, **kwargs)
        if noise_shape is not None:
            raise ValueError(
                f"{describe(self)}: the noise shape of a spatial dropout is fixed (one value "
                f"per sample and channel); received noise_shape={noise_shape!r}."
            )
        self.data_format = normalize_data_format(data_format, describe(self))
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _noise_shape(self, inputs) -> tuple:
        shape = tuple(ops.shape(inputs))
        ones = (1,) * self.rank
        if self.data_format == "channels_first":
            return (shape[0], shape[1], *ones)
        return (shape[0], *ones, shape[-1])

    def get_config(self):
        config_ = super().get_config()
        del config_["noise_shape"]
        return {**config_, "data_format": self.data_format}


class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole channels of `(batch, steps, channels)` inputs: the mask has shape
    `(batch, 1, channels)`.

    Args:
        rate: the fraction of channels to drop, in [0, 1).
        seed: makes the masks reproducible on one backend.
    """

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        # Keras 2 has no data_format here: the channels are last.
        data_format = kwargs.pop("data_format", None)
        super().__init__(rate, data_format="channels_last", seed=seed, **kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"{describe(self)} takes (batch, steps, channels) inputs only; received "
                f"data_format={data_format!r}."
            )

    def get_config(self):
        config_ = super().get_config()
        del config_["data_format"]
        return config_


class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole feature maps of 4-D inputs: the mask has shape
    `(batch, 1, 1, channels)` (channels_last) or `(batch, channels, 1, 1)`.

    Args:
        rate: the fraction of channels to drop, in [0, 1).
        data_format: "channels_last" or "channels_first" (default: `image_data_format()`).
        seed: makes the masks reproducible on one backend.
    """

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Dropout of whole feature volumes of 5-D inputs: the mask has shape
    `(batch, 1, 1, 1, channels)` (channels_last) or `(batch, channels, 1, 1, 1)`.

    Args:
        rate: the fraction of channels to drop, in [0, 1).
        data_format: "channels_last" or "channels_first" (default: `image_data_format()`).
        seed: makes the masks reproducible on one backend.
    """

    rank = 3
