"""Masking: marks the timesteps whose features all equal a padding value."""

from __future__ import annotations

from kerasfront import ops
from kerasfront.layers.base import Layer
from kerasfront.layers.conv_utils import describe


class Masking(Layer):
    """Masks the timesteps of `(batch, timesteps, features)` inputs whose features all
    equal `mask_value`: the mask is False there, and the outputs are zero there, so
    layers downstream that support masking (RNNs) skip those steps.

    Args:
        mask_value: the padding value.

    Example:
        >>> model.add(Masking(mask_value=0.0, input_shape=(timesteps, features)))
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(mask_value, bool) or not isinstance(mask_value, (int, float)):
            raise TypeError(
                f"{describe(self)}: mask_value must be a number, received "
                f"{type(mask_value).__name__}: {mask_value!r}."
            )
        self.supports_masking = True
        self.mask_value = mask_value

    def _kept(self, inputs, keepdims=False):
        """True at the timesteps where some feature differs from mask_value."""
        return ops.any(ops.not_equal(inputs, self.mask_value), axis=-1, keepdims=keepdims)

    def compute_mask(self, inputs, mask=None):
        return self._kept(inputs)

    def call(self, inputs):
        return inputs * ops.cast(self._kept(inputs, keepdims=True), ops.dtype(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
