"""Weight and activity penalties added to the training loss."""

from __future__ import annotations

from kerasfront import ops


class Regularizer:
    """Base class: `__call__(x)` returns a scalar penalty."""

    def __call__(self, x):
        return 0.0

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _factor(argument: str, value) -> float:
    try:
        return float(value)  # Keras 2 cast with NumPy, so "0.01" was taken too
    except (TypeError, ValueError):
        raise ValueError(
            f"L1L2: {argument} must be a number (the penalty's factor), received "
            f"{type(value).__name__}: {value!r}."
        ) from None


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x ** 2)`."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1, self.l2 = _factor("l1", l1), _factor("l2", l2)

    def __call__(self, x):
        penalty = 0.0
        if self.l1:
            penalty = penalty + self.l1 * ops.sum(ops.abs(x))
        if self.l2:
            penalty = penalty + self.l2 * ops.sum(ops.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


def l1(l=0.01):  # noqa: E741 (Keras's argument name)
    return L1L2(l1=l)


def l2(l=0.01):  # noqa: E741
    return L1L2(l2=l)


def l1_l2(l1=0.01, l2=0.01):
    return L1L2(l1=l1, l2=l2)


def serialize(regularizer) -> dict | str | None:
    """A config dict that `get` turns back into the regularizer; a plain function gives
    its name, None stays None."""
    if regularizer is None:
        return None
    if not isinstance(regularizer, Regularizer):
        return getattr(regularizer, "__name__", str(regularizer))  # a plain function
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


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
    """None, a Regularizer, a callable `f(weights) -> scalar`, or "l1"/"l2"/"l1_l2"."""
    if identifier is None or callable(identifier):
        return identifier
    names = {"l1": l1, "l2": l2, "l1_l2": l1_l2}
    if isinstance(identifier, (str, dict)) and (custom := _custom(identifier)) is not None:
        return custom
    if isinstance(identifier, str) and identifier in names:
        return names[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") == "L1L2":
        return L1L2.from_config(identifier.get("config", {}))
    if isinstance(identifier, dict) and identifier.get("class_name") in names:
        # Keras 2 resolved the functions' names in a config too: {"class_name": "l2", ...}.
        return names[identifier["class_name"]](**(identifier.get("config") or {}))
    raise ValueError(
        f"Unknown regularizer {identifier!r}. Expected one of {sorted(names)}, a "
        "Regularizer or a callable f(weights)."
    )
