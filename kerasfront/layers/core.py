"""Core layers: Dense, Activation, Dropout, Flatten, Reshape (and Lambda, which lives in
lambda_layer.py, under its Keras 2 path `layers.core.Lambda`)."""

from __future__ import annotations

import math
import operator

import numpy as np

from kerasfront import activations, config, constraints, initializers, ops, regularizers
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.variables import SeedGenerator
from kerasfront.layers.base import Layer
from kerasfront.layers.conv_utils import normalize_data_format
from kerasfront.layers.input_spec import InputSpec
from kerasfront.lazy_exports import lazy_exports


def _matmul_plus_bias(x, kernel, bias):
    return ops.matmul(x, kernel) + bias


# The engine's fused x @ W + b where it has one (see contract.OPTIONAL_NAMES).
_affine = getattr(ADAPTER, "affine", _matmul_plus_bias)


def _positive_int(layer_name: str, argument: str, value) -> int:
    # NumPy integers too: Keras 2 examples size layers with `np.max(labels) + 1`.
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(
            f"{layer_name}: {argument} must be a positive integer, received {value!r}."
        )
    return int(value)


class Dense(Layer):
    """`activation(dot(inputs, kernel) + bias)`, on the last axis of the inputs.

    Args:
        units: the size of the output's last axis.
        activation: a name or function (default: linear).
        use_bias: whether to add a bias vector.
        kernel_initializer / bias_initializer: names, objects or functions.
        kernel_regularizer / bias_regularizer / activity_regularizer: penalties.
        kernel_constraint / bias_constraint: functions applied after each update.

    The kernel has shape `(input_dim, units)`, as in Keras.
    """

    def __init__(
        self,
        units,
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
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = _positive_int(f"Dense '{self.name}'", "units", units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(
                f"Dense '{self.name}': the last axis of the input must be known, received "
                f"input shape {tuple(input_shape)}."
            )
        self.kernel = self.add_weight(
            "kernel",
            (input_dim, self.units),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                "bias",
                (self.units,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        super().build(input_shape)

    def call(self, inputs):
        if self.use_bias:
            outputs = _affine(inputs, self.kernel, self.bias)
        else:
            outputs = ops.matmul(inputs, self.kernel)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:-1], self.units)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
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


class Activation(Layer):
    """Applies an activation function: `Activation("relu")`."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


def check_rate(where: str, rate) -> float:
    """A drop rate as a float in [0, 1); shared by the dropout and noise layers."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise ValueError(f"{where}: rate must be a number in [0, 1), received {rate!r}.")
    return float(rate)


def keep_mask(shape, rate: float, seed_generator: SeedGenerator):
    """A boolean tensor of `shape`, True (keep) with probability 1 - rate."""
    noise = ops.random_uniform(shape, 0.0, 1.0, config.floatx(), seed_generator.next())
    return ops.greater_equal(noise, rate)


def resolve_noise_shape(where: str, shape, noise_shape) -> tuple:
    """`noise_shape` with its None entries replaced by the input's sizes."""
    shape = tuple(shape)
    if noise_shape is None:
        return shape
    if len(noise_shape) != len(shape):
        raise ValueError(
            f"{where}: noise_shape {tuple(noise_shape)} has {len(noise_shape)} entries, the "
            f"inputs have rank {len(shape)} (shape {shape})."
        )
    return tuple(size if noise is None else noise for size, noise in zip(shape, noise_shape))


def _noise_shape_argument(where: str, noise_shape):
    """`noise_shape` as a tuple of sizes (None: the input's size), checked at construction."""
    if noise_shape is None:
        return None
    entries = tuple(noise_shape) if isinstance(noise_shape, (tuple, list)) else None
    if entries is None or not all(
        size is None or (isinstance(size, int) and not isinstance(size, bool) and size > 0)
        for size in entries
    ):
        raise ValueError(
            f"{where}: noise_shape must be a tuple with one entry per input axis, each a "
            f"positive integer or None (the input's size), e.g. (None, 1, 64); received "
            f"{noise_shape!r}."
        )
    return entries


class Dropout(Layer):
    """While training, zeroes a fraction `rate` of the inputs and scales the rest by
    1 / (1 - rate); at inference it passes inputs through.

    Args:
        rate: the fraction to drop, in [0, 1).
        noise_shape: the shape of the keep/drop mask, broadcast over the inputs; None
            entries take the input's size (e.g. `(None, 1, None)` drops whole timesteps).
        seed: makes the masks reproducible on one backend.
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.rate = check_rate(f"{type(self).__name__} '{self.name}'", rate)
        self.noise_shape = _noise_shape_argument(
            f"{type(self).__name__} '{self.name}'", noise_shape
        )
        self.seed = seed
        self.seed_generator = SeedGenerator(seed, name=f"{self.name}/seed")

    def _noise_shape(self, inputs) -> tuple:
        """The shape of the keep/drop mask for `inputs` (subclasses drop whole channels)."""
        where = f"{type(self).__name__} '{self.name}'"
        return resolve_noise_shape(where, ops.shape(inputs), self.noise_shape)

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        keep = keep_mask(self._noise_shape(inputs), self.rate, self.seed_generator)
        return ops.where(keep, inputs / (1.0 - self.rate), ops.zeros_like(inputs))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "rate": self.rate,
            "noise_shape": self.noise_shape,
            "seed": self.seed,
        }


class Flatten(Layer):
    """Flattens every axis but the batch axis: (batch, 4, 5) -> (batch, 20).

    With `data_format="channels_first"` the channels axis is moved last first, so the
    flattened order matches a channels_last model's.
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, f"Flatten '{self.name}'")
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        shape = ops.shape(inputs)
        if self.data_format == "channels_first" and len(shape) > 2:
            inputs = ops.transpose(inputs, (0, *range(2, len(shape)), 1))
            shape = ops.shape(inputs)
        if len(shape) == 1:
            return ops.expand_dims(inputs, 1)
        return ops.reshape(inputs, (-1, math.prod(shape[1:])))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


def _target_shape_argument(name: str, target_shape) -> tuple:
    """Reshape's `target_shape` as a tuple of ints (positive, or -1 for the inferred one)."""
    entries = None
    if isinstance(target_shape, (tuple, list)):
        try:
            entries = tuple(
                operator.index(d) if not isinstance(d, bool) else None for d in target_shape
            )
        except TypeError:
            entries = None
    if entries is None or not all(d is not None and (d > 0 or d == -1) for d in entries):
        raise ValueError(
            f"Reshape '{name}': target_shape must be a tuple of positive integers (one entry "
            f"may be -1, inferred), without the batch axis, e.g. (3, 4); received "
            f"{target_shape!r}."
        )
    return entries


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (batch axis excluded; one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = _target_shape_argument(self.name, target_shape)
        if sum(1 for d in target_shape if d == -1) > 1:
            raise ValueError(
                f"Reshape '{self.name}': at most one entry of target_shape may be -1, received "
                f"{target_shape}."
            )
        self.target_shape = target_shape

    def _resolved(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return tuple(None if d == -1 else d for d in self.target_shape)
        total = math.prod(rest)
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape:
            if known == 0 or total % known:
                self._incompatible(input_shape)
            return tuple(total // known if d == -1 else d for d in self.target_shape)
        if known != total:
            self._incompatible(input_shape)
        return self.target_shape

    def _incompatible(self, input_shape):
        raise ValueError(
            f"Reshape '{self.name}': cannot reshape samples of shape {tuple(input_shape[1:])} "
            f"({math.prod(input_shape[1:])} values) to target_shape {self.target_shape}; the "
            "total size must be unchanged."
        )

    def call(self, inputs):
        shape = ops.shape(inputs)
        return ops.reshape(inputs, (-1, *self._resolved(shape)))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self._resolved(input_shape))

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


# Keras 2 code imports it from here (`from keras.layers.core import Lambda`).
from kerasfront.layers.lambda_layer import Lambda  # noqa: E402, F401

# Keras 2's `keras.layers.core` also held these (`from keras.layers.core import Masking,
# Permute`); they live in their own modules, some of which import this one, so they load on
# first use.
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Masking": "kerasfront.layers.masking",
        "SpatialDropout1D": "kerasfront.layers.regularization",
        "SpatialDropout2D": "kerasfront.layers.regularization",
        "SpatialDropout3D": "kerasfront.layers.regularization",
        "ActivityRegularization": "kerasfront.layers.regularization",
        "Permute": "kerasfront.layers.reshaping",
        "RepeatVector": "kerasfront.layers.reshaping",
    },
)
