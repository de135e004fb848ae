"""Noise layers: GaussianNoise, GaussianDropout, AlphaDropout.

Each is active only when called with `training=True` (inside `fit`); at inference it
passes its inputs through unchanged. Formulas follow Keras 2.2.4.
"""

from __future__ import annotations

import math

from kerasfront import ops
from kerasfront.activations import SELU_ALPHA, SELU_SCALE
from kerasfront.backend.variables import SeedGenerator
from kerasfront.layers.base import Layer
from kerasfront.layers.conv_utils import describe
from kerasfront.layers.core import check_rate, keep_mask, resolve_noise_shape


class _Noise(Layer):
    """Base: a seeded random layer that keeps the input shape and passes masks on."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.seed = seed
        self.seed_generator = SeedGenerator(seed, name=f"{self.name}/seed")

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


class GaussianNoise(_Noise):
    """Adds zero-mean Gaussian noise of standard deviation `stddev` while training.

    Args:
        stddev: the standard deviation of the noise, >= 0.
        seed: makes the noise reproducible on one backend (a Keras 3 argument).
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or stddev < 0:
            raise ValueError(
                f"{describe(self)}: stddev must be a non-negative number, received {stddev!r}."
            )
        self.stddev = float(stddev)

    def call(self, inputs, training=None):
        if not training or self.stddev == 0:
            return inputs
        noise = ops.random_normal(
            ops.shape(inputs), 0.0, self.stddev, ops.dtype(inputs), self.seed_generator.next()
        )
        return inputs + noise

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev}


class GaussianDropout(_Noise):
    """Multiplies the inputs by Gaussian noise of mean 1 and standard deviation
    `sqrt(rate / (1 - rate))` while training (the variance of Dropout's rescaled mask).

    Args:
        rate: the equivalent drop probability, in [0, 1).
        seed: makes the noise reproducible on one backend (a Keras 3 argument).
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = check_rate(describe(self), rate)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = ops.random_normal(
            ops.shape(inputs), 1.0, stddev, ops.dtype(inputs), self.seed_generator.next()
        )
        return inputs * noise

    def get_config(self):
        return {**super().get_config(), "rate": self.rate}


class AlphaDropout(_Noise):
    """Dropout for self-normalizing (SELU) networks: dropped entries are set to SELU's
    negative saturation value `-alpha * scale`, then an affine map `a * x + b` restores
    the mean and variance the inputs had (for zero-mean, unit-variance inputs).

    With `p = rate` and `alpha' = -alpha * scale` (SELU's constants), Keras 2.2.4's
    correction is `a = ((1 - p) * (1 + p * alpha' ** 2)) ** -0.5` and `b = -a * alpha' * p`.

    Args:
        rate: the drop probability, in [0, 1).
        noise_shape: the shape of the keep/drop mask, as for `Dropout` (None entries take
            the input's size).
        seed: makes the masks reproducible on one backend.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = check_rate(describe(self), rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        rate = self.rate
        saturation = -SELU_ALPHA * SELU_SCALE
        scale = ((1.0 - rate) * (1.0 + rate * saturation**2)) ** -0.5
        shift = -scale * saturation * rate
        shape = resolve_noise_shape(describe(self), ops.shape(inputs), self.noise_shape)
        keep = ops.cast(keep_mask(shape, rate, self.seed_generator), ops.dtype(inputs))
        dropped = inputs * keep + saturation * (1.0 - keep)
        return scale * dropped + shift

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape}
