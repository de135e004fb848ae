"""Activation functions, usable by name (`activation="relu"`) or as functions."""

from __future__ import annotations

from kerasfront import backend as K
from kerasfront import ops

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`."""
    return ops.softmax(x, axis=axis)


def elu(x, alpha=1.0):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return ops.elu(x, alpha)


def selu(x):
    """Scaled ELU with the self-normalising constants of Klambauer et al. (2017)."""
    return SELU_SCALE * ops.elu(x, SELU_ALPHA)


def softplus(x):
    """log(exp(x) + 1)."""
    return ops.softplus(x)


def softsign(x):
    """x / (|x| + 1)."""
    return K.softsign(x)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """max(x, 0); see `kerasfront.backend.relu` for `alpha`, `max_value`, `threshold`."""
    return K.relu(x, alpha=alpha, max_value=max_value, threshold=threshold)


def tanh(x):
    return ops.tanh(x)


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return ops.sigmoid(x)


def hard_sigmoid(x):
    """Keras 2's formula clip(0.2 x + 0.5, 0, 1) (Keras 3 changed it to x / 6 + 0.5)."""
    return K.hard_sigmoid(x)


def exponential(x):
    return ops.exp(x)


def linear(x):
    """The identity."""
    return x


_BY_NAME = {
    function.__name__: function
    for function in (
        softmax,
        elu,
        selu,
        softplus,
        softsign,
        relu,
        tanh,
        sigmoid,
        hard_sigmoid,
        exponential,
        linear,
    )
}


def serialize(activation) -> str:
    """The name of a built-in activation, or the function's own name."""
    return getattr(activation, "__name__", str(activation))


def deserialize(name, custom_objects=None):
    """Keras 2's inverse of `serialize`: what `get` makes of `name` (a name), with
    `custom_objects` (a dict of names to user functions) in force while it resolves."""
    from kerasfront.saving.registry import CustomObjectScope

    with CustomObjectScope(custom_objects or {}):
        return get(name)


def _custom(identifier):
    from kerasfront.saving.registry import custom_from_identifier

    return custom_from_identifier(identifier)


def get(identifier):
    """Resolves None (linear), a name (kerasfront's, or a custom object's), or a callable
    to an activation function."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        custom = _custom(identifier)  # custom objects first, as Keras 2 looks them up
        if custom is not None:
            return custom
        try:
            return _BY_NAME[identifier]
        except KeyError:
            raise ValueError(
                f"Unknown activation {identifier!r}. Expected one of {sorted(_BY_NAME)} "
                "or a callable."
            ) from None
    if callable(identifier):
        return identifier
    raise TypeError(
        f"activation must be a string or a callable, received {type(identifier).__name__}: "
        f"{identifier!r}."
    )
