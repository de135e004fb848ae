"""Weight constraints: functions applied to a weight after each optimizer update.

A layer takes them as `kernel_constraint=`, `bias_constraint=`, ... (a name, an instance,
a config dict or any callable `f(weight) -> weight`). The formulas are Keras 2.2's: norms
are divided with `epsilon()` added, so an all-zero column stays zero.

Example:
    >>> Dense(8, kernel_constraint=constraints.MaxNorm(3.0))
"""

from __future__ import annotations

from kerasfront import config, ops


def _axes(axis):
    """Keras lets `axis` be an int or a list; the ops take an int or a tuple."""
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _norms(w, axis):
    return ops.sqrt(ops.sum(ops.square(w), axis=_axes(axis), keepdims=True))


class Constraint:
    """Base class: `__call__(w)` returns the constrained weight (the identity here)."""

    def __call__(self, w):
        return w

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config_: dict):
        return cls(**config_)

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class MaxNorm(Constraint):
    """Rescales each slice along `axis` whose L2 norm exceeds `max_value` down to it.

    Args:
        max_value: the largest norm allowed.
        axis: the axis (or axes) the norm is taken over; 0 for a Dense kernel
            `(input_dim, units)` constrains the incoming weights of each unit, `[0, 1, 2]`
            for a Conv2D kernel constrains each filter.
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0.0, float(self.max_value))
        return w * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to zero."""

    def __call__(self, w):
        return w * ops.cast(ops.greater_equal(w, 0.0), ops.dtype(w))


class UnitNorm(Constraint):
    """Divides each slice along `axis` by its L2 norm (plus `epsilon()`).

    Args:
        axis: the axis (or axes) the norm is taken over (see `MaxNorm`).
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (config.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves each slice's L2 norm towards [min_value, max_value].

    The new norm is `rate * clip(norm, min_value, max_value) + (1 - rate) * norm`: rate 1
    enforces the bounds at every update, a smaller rate approaches them gradually.

    Args:
        min_value / max_value: the bounds of the norm.
        rate: how strongly each update enforces the bounds, in [0, 1].
        axis: the axis (or axes) the norm is taken over (see `MaxNorm`).
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        clipped = ops.clip(norms, float(self.min_value), float(self.max_value))
        desired = self.rate * clipped + (1.0 - self.rate) * norms
        return w * (desired / (config.epsilon() + norms))

    def get_config(self):
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


# Keras 2's lower-case aliases (the short ones date from Keras 1 and were still accepted).
max_norm = maxnorm = MaxNorm
non_neg = nonneg = NonNeg
unit_norm = unitnorm = UnitNorm
min_max_norm = MinMaxNorm

_CLASSES = {cls.__name__: cls for cls in (Constraint, MaxNorm, NonNeg, UnitNorm, MinMaxNorm)}
_BY_NAME = {
    **_CLASSES,
    "max_norm": MaxNorm,
    "maxnorm": MaxNorm,
    "non_neg": NonNeg,
    "nonneg": NonNeg,
    "unit_norm": UnitNorm,
    "unitnorm": UnitNorm,
    "min_max_norm": MinMaxNorm,
}


def serialize(constraint) -> dict | str | None:
    """A config dict that `get` turns back into the constraint; a plain function gives its
    name, None stays None."""
    if constraint is None:
        return None
    if isinstance(constraint, Constraint):
        return {"class_name": type(constraint).__name__, "config": constraint.get_config()}
    return getattr(constraint, "__name__", str(constraint))


def deserialize(config, custom_objects=None):
    """Keras 2's inverse of `serialize`: what `get` makes of `config` (a config dict or a name), with
    `custom_objects` (a dict of names to user classes and functions) in force while it resolves."""
    from kerasfront.saving.registry import CustomObjectScope

    with CustomObjectScope(custom_objects or {}):
        return get(config)


def _custom(identifier):
    from kerasfront.saving.registry import custom_from_identifier

    return custom_from_identifier(identifier)


def get(identifier):
    """Resolves None, a name (`"max_norm"`, `"MaxNorm"`), a config dict, a Constraint or
    a callable `f(weight) -> weight` to a constraint (None stays None)."""
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)) and (custom := _custom(identifier)) is not None:
        return custom
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier)
        if cls is None:
            raise ValueError(
                f"Unknown constraint {identifier!r}. Expected one of {sorted(_BY_NAME)}, a "
                "Constraint or a callable f(weight) -> weight."
            )
        return cls()
    if isinstance(identifier, dict) and "class_name" in identifier:
        cls = _BY_NAME.get(identifier["class_name"])
        if cls is None:
            raise ValueError(
                f"Unknown constraint class {identifier['class_name']!r}. Expected one of "
                f"{sorted(_CLASSES)}."
            )
        return cls.from_config(identifier.get("config") or {})
    if callable(identifier):
        return identifier
    raise TypeError(
        "A constraint must be None, a name, a config dict, a Constraint or a callable, "
        f"received {type(identifier).__name__}: {identifier!r}."
    )


__all__ = [
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "deserialize",
    "get",
    "max_norm",
    "min_max_norm",
    "non_neg",
    "serialize",
    "unit_norm",
]
