"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Lambda."""

from __future__ import annotations

import math

from kerasfront import activations, config, initializers, ops, regularizers
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.variables import SeedGenerator
from kerasfront.layers.base import Layer
from kerasfront.layers.input_spec import InputSpec


def _matmul_plus_bias(x, kernel, bias):
    return ops.matmul(x, kernel) + bias


# The engine's fused x @ W + b where it has one (see contract.OPTIONAL_NAMES).
_affine = getattr(ADAPTER, "affine", _matmul_plus_bias)


def _positive_int(layer_name: str, argument: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(
            f"{layer_name}: {argument} must be a positive integer, received {value!r}."
        )
    return value


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
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint
        self.input_spec = InputSpec(min_ndim=2)

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
        }


class Activation(Layer):
    """Applies an activation function: `Activation("relu")`."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


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
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout '{self.name}': rate must be in [0, 1), received {rate!r}.")
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.seed = seed
        self.seed_generator = SeedGenerator(seed, name=f"{self.name}/seed")

    def call(self, inputs, training=None):
        if not training or self.rate == 0:
            return inputs
        shape = ops.shape(inputs)
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for s, n in zip(shape, self.noise_shape))
        keep = ops.greater_equal(
            ops.random_uniform(shape, 0.0, 1.0, config.floatx(), self.seed_generator.next()),
            self.rate,
        )
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
        self.data_format = data_format or config.image_data_format()
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


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (batch axis excluded; one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(target_shape)
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


class Lambda(Layer):
    """Wraps a function of tensors as a layer: `Lambda(lambda x: x ** 2)`.

    Args:
        function: called as `function(inputs, **arguments)`.
        output_shape: the output shape without the batch axis, or a function from the
            input shape to the output shape; by default found by tracing `function`.
        arguments: extra keyword arguments for `function`.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(
                f"Lambda '{self.name}': function must be callable, received "
                f"{type(function).__name__}."
            )
        self.function = function
        self._output_shape = output_shape
        self.arguments = dict(arguments or {})

    def call(self, inputs):
        return self.function(inputs, **self.arguments)

    def compute_output_spec(self, inputs, *args, **kwargs):
        if self._output_shape is None:
            return super().compute_output_spec(inputs, *args, **kwargs)
        from kerasfront.backend.tracing import Spec
        from kerasfront.layers.keras_tensor import KerasTensor

        first = inputs if isinstance(inputs, KerasTensor) else inputs[0]
        if callable(self._output_shape):
            input_shapes = (
                first.shape if isinstance(inputs, KerasTensor) else [t.shape for t in inputs]
            )
            shape = tuple(self._output_shape(input_shapes))
        else:
            shape = (first.shape[0], *tuple(self._output_shape))
        return Spec(shape, first.dtype)

    def get_config(self):
        return {**super().get_config(), "function": getattr(self.function, "__name__", "lambda")}
