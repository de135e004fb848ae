"""Activation layers with arguments or weights: LeakyReLU, PReLU, ELU, ThresholdedReLU,
Softmax, ReLU (Keras 2.2.4's `advanced_activations` module)."""

from __future__ import annotations

from kerasfront import activations, constraints, initializers, ops, regularizers
from kerasfront.layers.base import Layer
from kerasfront.layers.conv_utils import describe
from kerasfront.layers.input_spec import InputSpec


def _number(layer, argument: str, value, minimum=None) -> float:
    """`value` as a float; a ValueError naming the layer when it is not a number or is
    below `minimum`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(
            f"{describe(layer)}: {argument} must be a number, received "
            f"{type(value).__name__}: {value!r}."
        )
    if minimum is not None and value < minimum:
        raise ValueError(f"{describe(layer)}: {argument} must be >= {minimum}, received {value!r}.")
    return float(value)


class _ElementwiseActivation(Layer):
    """Base: keeps the input shape and passes masks on."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class LeakyReLU(_ElementwiseActivation):
    """`x` for `x > 0`, `alpha * x` otherwise.

    Args:
        alpha: the slope for negative inputs (Keras 2's name; Keras 3 calls it
            `negative_slope`, accepted too). Default 0.3, as in Keras.
    """

    def __init__(self, alpha=None, negative_slope=None, **kwargs):
        super().__init__(**kwargs)
        if alpha is not None and negative_slope is not None and alpha != negative_slope:
            raise ValueError(
                f"{describe(self)}: alpha ({alpha!r}) and negative_slope ({negative_slope!r}) "
                "name the same argument; pass one of them."
            )
        slope = next((v for v in (alpha, negative_slope) if v is not None), 0.3)
        self.alpha = _number(self, "alpha", slope)

    def call(self, inputs):
        return activations.relu(inputs, alpha=self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class PReLU(Layer):
    """A leaky ReLU whose negative slopes are learned: `x` for `x > 0`, `alpha * x`
    otherwise, with one slope per input entry (batch axis excluded).

    Args:
        alpha_initializer / alpha_regularizer / alpha_constraint: for the slopes.
        shared_axes: axes (counted with the batch axis as 0) along which one slope is
            shared; for `(batch, height, width, channels)` feature maps `[1, 2]` learns
            one slope per channel.

    The weight `alpha` has shape `input_shape[1:]` with the shared axes set to 1, as in
    Keras.
    """

    def __init__(
        self,
        alpha_initializer="zeros",
        alpha_regularizer=None,
        alpha_constraint=None,
        shared_axes=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = [shared_axes] if isinstance(shared_axes, int) else list(shared_axes)
            if not axes or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
                raise ValueError(
                    f"{describe(self)}: shared_axes must be an integer or a list of integers, "
                    f"received {shared_axes!r}."
                )
            self.shared_axes = axes

    def build(self, input_shape):
        rank = len(input_shape)
        shared = set()
        for axis in self.shared_axes or []:
            if not 1 <= axis < rank:
                raise ValueError(
                    f"{describe(self)}: shared_axes {self.shared_axes} must be axes 1..{rank - 1} "
                    f"of inputs of shape {tuple(input_shape)} (0 is the batch axis)."
                )
            shared.add(axis)
        param_shape = [1 if i in shared else input_shape[i] for i in range(1, rank)]
        if any(d is None for d in param_shape):
            raise ValueError(
                f"{describe(self)}: every non-shared axis must have a known size to create "
                f"the slopes; received input shape {tuple(input_shape)} and shared_axes "
                f"{self.shared_axes}."
            )
        self.alpha = self.add_weight(
            "alpha",
            tuple(param_shape),
            initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )
        axes = {i: input_shape[i] for i in range(1, rank) if i not in shared}
        self.input_spec = InputSpec(ndim=rank, axes=axes)
        super().build(input_shape)

    def call(self, inputs):
        return ops.relu(inputs) - self.alpha * ops.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }


class ELU(_ElementwiseActivation):
    """`x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise.

    Args:
        alpha: the scale of the negative part.
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = _number(self, "alpha", alpha)

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class ThresholdedReLU(_ElementwiseActivation):
    """`x` for `x > theta`, 0 otherwise.

    Args:
        theta: the threshold, >= 0 (Keras documents it so; tf.keras 2 checks it).
    """

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.theta = _number(self, "theta", theta, minimum=0.0)

    def call(self, inputs):
        return inputs * ops.cast(ops.greater(inputs, self.theta), ops.dtype(inputs))

    def get_config(self):
        return {**super().get_config(), "theta": self.theta}


class Softmax(_ElementwiseActivation):
    """`exp(x) / sum(exp(x))` along `axis`.

    Args:
        axis: the axis the probabilities sum to 1 over (default: the last).
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"{describe(self)}: axis must be an integer, received {axis!r}.")
        self.axis = axis

    def call(self, inputs):
        rank = len(ops.shape(inputs))
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"{describe(self)}: axis {self.axis} is out of range for inputs of rank {rank}."
            )
        return activations.softmax(inputs, axis=self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class ReLU(_ElementwiseActivation):
    """The rectifier with Keras 2's options:
    `max_value` for `x >= max_value`, `x` for `threshold < x < max_value`,
    `negative_slope * (x - threshold)` otherwise.

    Args:
        max_value: the largest output, >= 0 (None: no cap).
        negative_slope: the slope below the threshold, >= 0.
        threshold: where the rectifier bends.
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None:
            max_value = _number(self, "max_value", max_value, minimum=0.0)
        self.max_value = max_value
        self.negative_slope = _number(self, "negative_slope", negative_slope, minimum=0.0)
        self.threshold = _number(self, "threshold", threshold)

    def call(self, inputs):
        return activations.relu(
            inputs, alpha=self.negative_slope, max_value=self.max_value, threshold=self.threshold
        )

    def get_config(self):
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }
