"""Normalization layers: BatchNormalization and LayerNormalization."""

from __future__ import annotations

import math

import numpy as np

from kerasfront import constraints, initializers, ops, regularizers
from kerasfront.layers.base import Layer
from kerasfront.layers.conv_utils import describe
from kerasfront.layers.input_spec import InputSpec


class _Normalization(Layer):
    """Base (and LayerNormalization's constructor, with tf.keras 2's defaults): resolves
    `axis` (an int or a list) against the input rank, creates the
    `gamma`/`beta` weights of shape `[input_shape[a] for a in axis]`, and applies
    `(x - mean) / sqrt(variance + epsilon) * gamma + beta`."""

    def __init__(
        self,
        axis=-1,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.supports_masking = True
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not axes or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
            raise ValueError(
                f"{describe(self)}: axis must be an integer or a list of integers, received "
                f"{axis!r}."
            )
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or epsilon <= 0:
            raise ValueError(
                f"{describe(self)}: epsilon must be a positive number, received {epsilon!r}."
            )
        self.axis = axis if isinstance(axis, int) else list(axis)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def _resolve_axes(self, input_shape) -> list[int]:
        rank = len(input_shape)
        given = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        axes = [a + rank if a < 0 else a for a in given]
        if any(not 0 <= a < rank for a in axes) or len(set(axes)) != len(axes):
            raise ValueError(
                f"{describe(self)}: axis {self.axis!r} is invalid for inputs of shape "
                f"{tuple(input_shape)} (each axis within the rank {rank}, no repeats)."
            )
        unknown = [a for a in axes if input_shape[a] is None]
        if unknown:
            raise ValueError(
                f"{describe(self)}: axis {unknown} of the inputs must have a known size; "
                f"received input shape {tuple(input_shape)}."
            )
        return axes

    def _build_affine(self, input_shape):
        """Creates gamma then beta (Keras's order) and records the axes."""
        self._axes = self._resolve_axes(input_shape)
        self._rank = len(input_shape)
        self._param_shape = tuple(input_shape[a] for a in self._axes)
        if self.scale:
            self.gamma = self.add_weight(
                "gamma",
                self._param_shape,
                initializer=self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        if self.center:
            self.beta = self.add_weight(
                "beta",
                self._param_shape,
                initializer=self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )
        self.input_spec = InputSpec(ndim=self._rank, axes={a: input_shape[a] for a in self._axes})

    def _broadcast(self, parameter):
        """A parameter of shape `[input_shape[a] for a in axis]` (the user's axis order)
        reshaped so that it broadcasts against the inputs."""
        if self._axes == [self._rank - 1]:
            # Already broadcasts. Kept 1-D on purpose: TensorFlow's oneDNN graph rewrite
            # fuses `(x - mean) / sqrt(var + eps) * gamma + beta` into its layer-norm
            # kernel, which refuses (at run time, inside predict) a gamma of shape (1, .., C).
            return parameter
        order = list(np.argsort(self._axes))
        if order != list(range(len(order))):
            parameter = ops.transpose(parameter, tuple(order))
        shape = [1] * self._rank
        for a in self._axes:
            shape[a] = self._param_shape[self._axes.index(a)]
        return ops.reshape(parameter, tuple(shape))

    def _normalize(self, inputs, mean, variance):
        """`mean` and `variance` already broadcast against the inputs."""
        outputs = (inputs - mean) / ops.sqrt(variance + self.epsilon)
        if self.scale:
            outputs = outputs * self._broadcast(self.gamma)
        if self.center:
            outputs = outputs + self._broadcast(self.beta)
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }


class BatchNormalization(_Normalization):
    """Normalizes each feature (entry along `axis`) over the batch, then scales by
    `gamma` and shifts by `beta`.

    Training (`training=True`, as in `fit`, and the layer trainable): the inputs are
    normalized with the batch's mean and (biased) variance, and the moving statistics
    are updated as Keras 2.2.4 does:
    `moving = moving * momentum + batch * (1 - momentum)`, where the batch variance is
    first rescaled by `n / (n - (1 + epsilon))` (`n` values per feature), Keras 2.2.4's
    near-unbiased estimate. (Keras 2.2.4's TensorFlow backend also zero-debiased the
    averages; like its other backends, tf.keras 2 and Keras 3, this layer does not.)

    Inference (`predict`, `evaluate`, or a layer with `trainable=False` even inside
    `fit`, as in tf.keras 2 and Keras 3): the moving statistics normalize, and nothing is
    updated.

    Args:
        axis: the feature axis (or a list of axes) to keep; the statistics are taken over
            all other axes. -1 for channels_last, 1 for channels_first.
        momentum: of the moving averages.
        epsilon: added to the variance.
        center / scale: use `beta` / `gamma`.
        *_initializer / *_regularizer / *_constraint: for the weights.

    Weights, in Keras's order: `gamma`, `beta` (trainable), `moving_mean`,
    `moving_variance` (not trainable), each of shape `[input_shape[a] for a in axis]`.
    """

    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        super().__init__(
            axis,
            epsilon,
            center,
            scale,
            beta_initializer,
            gamma_initializer,
            beta_regularizer,
            gamma_regularizer,
            beta_constraint,
            gamma_constraint,
            **kwargs,
        )
        if isinstance(momentum, bool) or not isinstance(momentum, (int, float)):
            raise ValueError(
                f"{describe(self)}: momentum must be a number in [0, 1], received {momentum!r}."
            )
        if not 0 <= momentum <= 1:
            raise ValueError(
                f"{describe(self)}: momentum must be in [0, 1], received {momentum!r}."
            )
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self._statistics = {}

    def build(self, input_shape):
        self._build_affine(input_shape)
        for name, initializer in (
            ("moving_mean", self.moving_mean_initializer),
            ("moving_variance", self.moving_variance_initializer),
        ):
            variable = self.add_weight(
                name, self._param_shape, initializer=initializer, trainable=False
            )
            setattr(self, name, variable)  # reads as its current value
            self._statistics[name] = variable  # the Variable itself, for assignments
        super().build(input_shape)

    @property
    def moving_mean_variable(self):
        return self._statistics["moving_mean"]

    @property
    def moving_variance_variable(self):
        return self._statistics["moving_variance"]

    def call(self, inputs, training=None):
        if not (training and self.trainable):
            return self._normalize(
                inputs,
                self._broadcast(self.moving_mean),
                self._broadcast(self.moving_variance),
            )
        reduced = tuple(a for a in range(self._rank) if a not in self._axes)
        mean, variance = ops.moments(inputs, reduced, keepdims=True)
        self._update_statistics(inputs, reduced, mean, variance)
        return self._normalize(inputs, mean, variance)

    def _update_statistics(self, inputs, reduced, mean, variance):
        shape = ops.shape(inputs)
        count = math.prod(shape[a] for a in reduced)
        correction = count / (count - (1.0 + self.epsilon))

        def compact(statistic):
            # keepdims shape back to the weight's shape, in the user's axis order.
            kept = ops.reshape(statistic, tuple(shape[a] for a in sorted(self._axes)))
            order = [sorted(self._axes).index(a) for a in self._axes]
            if order != list(range(len(order))):
                kept = ops.transpose(kept, tuple(order))
            return ops.stop_gradient(kept)

        momentum = self.momentum
        for name, batch_value in (
            ("moving_mean", compact(mean)),
            ("moving_variance", compact(variance) * correction),
        ):
            variable = self._statistics[name]
            variable.assign(variable.value * momentum + batch_value * (1.0 - momentum))

    def get_config(self):
        return {
            **super().get_config(),
            "momentum": self.momentum,
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
        }


class LayerNormalization(_Normalization):
    """Normalizes each sample over `axis` (its own mean and variance, no moving
    statistics), then scales by `gamma` and shifts by `beta`, as tf.keras 2 defines it:
    `(x - mean) / sqrt(variance + epsilon) * gamma + beta`, the variance biased.

    Args:
        axis: the axis (or list of axes) to normalize over; default the last.
        epsilon: added to the variance.
        center / scale: use `beta` / `gamma`.
        *_initializer / *_regularizer / *_constraint: for the weights.

    Weights, in tf.keras's order: `gamma`, `beta`, of shape `[input_shape[a] for a in
    axis]`.
    """

    # The constructor is the base's: axis=-1, epsilon=1e-3, center, scale, the beta/gamma
    # initializers, regularizers and constraints, as tf.keras 2 defines them.

    def build(self, input_shape):
        self._build_affine(input_shape)
        super().build(input_shape)

    def call(self, inputs):
        mean, variance = ops.moments(inputs, tuple(self._axes), keepdims=True)
        return self._normalize(inputs, mean, variance)
