"""Keras 2's deprecated dense layers kept from Keras 1: Highway and MaxoutDense.

Keras 2.2.4 still exported both from `keras.layers` (with a deprecation warning) and read
them in old files, with Keras 1's argument names (`init`, `W_regularizer`, `bias`,
`input_dim`) and weight layout:

- Highway, on (batch, n) inputs: `t = sigmoid(x W_carry + b_carry)`,
  `y = t * activation(x W + b) + (1 - t) * x`; weights `W (n, n)`, `W_carry (n, n)`,
  `b (n,)` (zeros), `b_carry (n,)` (ones), in that order. Only W and b take the
  regularizers and constraints, as in Keras 2.
- MaxoutDense, on (batch, n) inputs: `y = max_k (x W[k] + b[k])` over `nb_feature`
  linear pieces; weights `W (nb_feature, n, output_dim)`, `b (nb_feature, output_dim)`.
"""

from __future__ import annotations

import warnings

from kerasfront import activations, constraints, initializers, ops, regularizers
from kerasfront.layers.base import Layer
from kerasfront.layers.conv_utils import describe
from kerasfront.layers.input_spec import InputSpec


def _deprecated(name: str, instead: str) -> None:
    warnings.warn(
        f"{name} is deprecated (Keras 2 kept it from Keras 1 only for old code): {instead}.",
        UserWarning,
        stacklevel=3,
    )


def _input_size(layer, input_shape) -> int:
    input_shape = tuple(input_shape)
    if len(input_shape) != 2 or input_shape[1] is None:
        raise ValueError(
            f"{describe(layer)} expects inputs of shape (batch, features) with the features "
            f"known, received input shape {input_shape}."
        )
    return int(input_shape[1])


def _with_input_dim(input_dim, kwargs: dict) -> dict:
    # Keras 1's input_dim= stood for input_shape=(input_dim,).
    if input_dim and kwargs.get("input_shape") is None and not kwargs.get("batch_input_shape"):
        kwargs["input_shape"] = (input_dim,)
    return kwargs


class _LegacyDense(Layer):
    """What Highway and MaxoutDense share: Keras 1's weight arguments and config."""

    def __init__(
        self, init, W_regularizer, b_regularizer, activity_regularizer, W_constraint,
        b_constraint, bias, input_dim, kwargs,
    ):  # fmt: skip
        super().__init__(
            activity_regularizer=activity_regularizer, **_with_input_dim(input_dim, kwargs)
        )
        self.init = initializers.get(init)
        self.W_regularizer = regularizers.get(W_regularizer)
        self.b_regularizer = regularizers.get(b_regularizer)
        self.W_constraint = constraints.get(W_constraint)
        self.b_constraint = constraints.get(b_constraint)
        self.bias = bool(bias)
        self.input_dim = input_dim
        self.input_spec = InputSpec(ndim=2)

    def get_config(self):
        return {
            **super().get_config(),
            "init": initializers.serialize(self.init),
            "W_regularizer": regularizers.serialize(self.W_regularizer),
            "b_regularizer": regularizers.serialize(self.b_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "W_constraint": constraints.serialize(self.W_constraint),
            "b_constraint": constraints.serialize(self.b_constraint),
            "bias": self.bias,
            "input_dim": self.input_dim,
        }


class Highway(_LegacyDense):
    """A highway layer (Keras 1, deprecated in Keras 2): a learned gate `t` mixes
    `activation(x W + b)` with the input itself. See the module docstring for the
    equations and weights. `transform_bias` (removed in Keras 2) is accepted and ignored,
    with a warning, as Keras 2 did.

    Example:
        >>> layer = Highway(activation="relu", input_dim=8)
    """

    def __init__(
        self, init="glorot_uniform", activation=None, weights=None, W_regularizer=None,
        b_regularizer=None, activity_regularizer=None, W_constraint=None, b_constraint=None,
        bias=True, input_dim=None, **kwargs,
    ):  # fmt: skip
        _deprecated("Highway", "write the gate with Dense layers and a Lambda")
        if "transform_bias" in kwargs:
            kwargs.pop("transform_bias")
            warnings.warn(
                "Highway: transform_bias was removed in Keras 2; it is ignored.", stacklevel=2
            )
        super().__init__(
            init, W_regularizer, b_regularizer, activity_regularizer, W_constraint,
            b_constraint, bias, input_dim, {"weights": weights, **kwargs},
        )  # fmt: skip
        self.activation = activations.get(activation)

    def build(self, input_shape):
        size = _input_size(self, input_shape)
        self.W = self.add_weight(
            "W",
            (size, size),
            initializer=self.init,
            regularizer=self.W_regularizer,
            constraint=self.W_constraint,
        )
        self.W_carry = self.add_weight("W_carry", (size, size), initializer=self.init)
        if self.bias:
            self.b = self.add_weight(
                "b",
                (size,),
                initializer="zeros",
                regularizer=self.b_regularizer,
                constraint=self.b_constraint,
            )
            self.b_carry = self.add_weight("b_carry", (size,), initializer="ones")
        self.input_spec = InputSpec(ndim=2, axes={-1: size})
        super().build(input_shape)

    def call(self, inputs):
        carry = ops.matmul(inputs, self.W_carry)
        transformed = ops.matmul(inputs, self.W)
        if self.bias:
            carry = carry + self.b_carry
            transformed = transformed + self.b
        gate = ops.sigmoid(carry)
        return gate * self.activation(transformed) + (1.0 - gate) * inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class MaxoutDense(_LegacyDense):
    """A maxout dense layer (Keras 1, deprecated in Keras 2): the elementwise maximum of
    `nb_feature` affine maps of the input. See the module docstring for the weights.

    Example:
        >>> layer = MaxoutDense(16, nb_feature=4, input_dim=8)
    """

    def __init__(
        self, output_dim, nb_feature=4, init="glorot_uniform", weights=None,
        W_regularizer=None, b_regularizer=None, activity_regularizer=None,
        W_constraint=None, b_constraint=None, bias=True, input_dim=None, **kwargs,
    ):  # fmt: skip
        _deprecated("MaxoutDense", "take the maximum of several Dense layers")
        super().__init__(
            init, W_regularizer, b_regularizer, activity_regularizer, W_constraint,
            b_constraint, bias, input_dim, {"weights": weights, **kwargs},
        )  # fmt: skip
        for argument, value in (("output_dim", output_dim), ("nb_feature", nb_feature)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"{describe(self)}: {argument} must be a positive integer, received {value!r}."
                )
        self.output_dim = output_dim
        self.nb_feature = nb_feature

    def build(self, input_shape):
        size = _input_size(self, input_shape)
        self.W = self.add_weight(
            "W",
            (self.nb_feature, size, self.output_dim),
            initializer=self.init,
            regularizer=self.W_regularizer,
            constraint=self.W_constraint,
        )
        if self.bias:
            self.b = self.add_weight(
                "b",
                (self.nb_feature, self.output_dim),
                initializer="zeros",
                regularizer=self.b_regularizer,
                constraint=self.b_constraint,
            )
        self.input_spec = InputSpec(ndim=2, axes={-1: size})
        super().build(input_shape)

    def call(self, inputs):
        pieces = ops.einsum("bi,kio->bko", inputs, self.W)
        if self.bias:
            pieces = pieces + self.b
        return ops.max(pieces, axis=1)

    def compute_output_shape(self, input_shape):
        return (tuple(input_shape)[0], self.output_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "output_dim": self.output_dim,
            "nb_feature": self.nb_feature,
        }


__all__ = ["Highway", "MaxoutDense"]
