"""Learning-rate schedules: callables of the step (the number of updates done so far).

An optimizer created with `learning_rate=schedule` calls it with its `iterations` before
each update, inside the compiled training step, so every schedule is written with
`kerasfront.ops` and no Python branch on the step's value. Formulas and arguments follow
tf.keras 2 (`tf.keras.optimizers.schedules`).

Example:
    >>> from kerasfront import optimizers
    >>> schedule = optimizers.schedules.ExponentialDecay(0.1, decay_steps=100, decay_rate=0.5)
    >>> optimizer = optimizers.SGD(learning_rate=schedule)
"""

from __future__ import annotations

import math

from kerasfront import config, ops


class LearningRateSchedule:
    """Base class: subclasses define `__call__(step)` and `get_config()`."""

    def __call__(self, step):
        raise NotImplementedError(f"{type(self).__name__} must define __call__(step).")

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} must define get_config().")

    @classmethod
    def from_config(cls, config_: dict):
        return cls(**config_)

    def __repr__(self) -> str:
        arguments = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({arguments})"


def _float_step(step):
    """The step as a floatx tensor (a Python int, a variable's value or a traced one)."""
    return ops.cast(ops.convert_to_tensor(step), config.floatx())


def _scalar(value):
    return ops.convert_to_tensor(float(value), config.floatx())


def _positive(schedule: str, argument: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{schedule}: {argument} must be a number > 0, received {value!r}.")
    return value


class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`; with `staircase`,
    the exponent is floored (the rate drops every `decay_steps` steps)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive("ExponentialDecay", "decay_steps", decay_steps)
        self.decay_rate = decay_rate
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step):
        progress = _float_step(step) / float(self.decay_steps)
        if self.staircase:
            progress = ops.floor(progress)
        return float(self.initial_learning_rate) * ops.power(_scalar(self.decay_rate), progress)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`; with `staircase`,
    `step / decay_steps` is floored."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive("InverseTimeDecay", "decay_steps", decay_steps)
        self.decay_rate = decay_rate
        self.staircase = bool(staircase)
        self.name = name

    def __call__(self, step):
        progress = _float_step(step) / float(self.decay_steps)
        if self.staircase:
            progress = ops.floor(progress)
        return float(self.initial_learning_rate) / (1.0 + float(self.decay_rate) * progress)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` while `step <= boundaries[0]`, `values[i]` while
    `boundaries[i-1] < step <= boundaries[i]`, `values[-1]` after the last boundary."""

    def __init__(self, boundaries, values, name=None):
        boundaries, values = list(boundaries), list(values)
        if len(values) != len(boundaries) + 1:
            raise ValueError(
                "PiecewiseConstantDecay: values needs one more entry than boundaries, "
                f"received {len(boundaries)} boundaries and {len(values)} values."
            )
        if any(not low < high for low, high in zip(boundaries, boundaries[1:])):
            raise ValueError(
                f"PiecewiseConstantDecay: boundaries must increase, received {boundaries}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = _float_step(step)
        rate = _scalar(self.values[-1])
        # From the last interval back: each earlier boundary takes over below it.
        for boundary, value in zip(reversed(self.boundaries), reversed(self.values[:-1])):
            rate = ops.where(ops.less_equal(step, _scalar(boundary)), _scalar(value), rate)
        return rate

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay from `initial_learning_rate` to `alpha * initial_learning_rate` over
    `decay_steps`, then constant: `lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps))
    + alpha)` with `s = min(step, decay_steps)`.

    With `warmup_target`, the rate first rises linearly from `initial_learning_rate` to
    `warmup_target` over `warmup_steps`, then decays from `warmup_target` as above.
    """

    def __init__(
        self,
        initial_learning_rate,
        decay_steps,
        alpha=0.0,
        name=None,
        warmup_target=None,
        warmup_steps=0,
    ):
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = _positive("CosineDecay", "decay_steps", decay_steps)
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        if isinstance(warmup_steps, bool) or not isinstance(warmup_steps, int) or warmup_steps < 0:
            raise ValueError(
                f"CosineDecay: warmup_steps must be an int >= 0, received {warmup_steps!r}."
            )
        self.warmup_steps = warmup_steps

    def _decayed(self, step, start_rate):
        fraction = ops.minimum(step, _scalar(self.decay_steps)) / float(self.decay_steps)
        cosine = 0.5 * (1.0 + ops.cos(math.pi * fraction))
        return start_rate * ((1.0 - float(self.alpha)) * cosine + float(self.alpha))

    def __call__(self, step):
        step = _float_step(step)
        if self.warmup_target is None:
            return self._decayed(step, float(self.initial_learning_rate))
        start, target = float(self.initial_learning_rate), float(self.warmup_target)
        warmup = float(self.warmup_steps)
        # max(warmup, 1) only keeps the unused branch finite when there is no warmup.
        rising = start + (target - start) * step / max(warmup, 1.0)
        decaying = self._decayed(ops.maximum(step - warmup, _scalar(0.0)), target)
        return ops.where(ops.less(step, _scalar(warmup)), rising, decaying)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


_CLASSES = {
    cls.__name__: cls
    for cls in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, CosineDecay)
}


def serialize(schedule) -> dict:
    """A config dict that `deserialize` turns back into the schedule. A plain function
    has no config and is returned as it is (it round-trips in memory, not in a file)."""
    if isinstance(schedule, LearningRateSchedule):
        return {"class_name": type(schedule).__name__, "config": schedule.get_config()}
    return schedule


def deserialize(config_: dict, custom_objects=None) -> LearningRateSchedule:
    """A schedule from `{"class_name": ..., "config": {...}}`; classes are looked up in
    `custom_objects` first, then among the schedules above."""
    if not isinstance(config_, dict) or "class_name" not in config_:
        raise ValueError(
            "A learning-rate schedule config must be a dict with 'class_name' and 'config', "
            f"received {config_!r}."
        )
    name = config_["class_name"]
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(
            f"Unknown learning-rate schedule {name!r}. Expected one of {sorted(_CLASSES)}, or "
            f"pass it in custom_objects={{{name!r}: class}}."
        )
    return cls.from_config(config_.get("config") or {})


__all__ = [
    "CosineDecay",
    "ExponentialDecay",
    "InverseTimeDecay",
    "LearningRateSchedule",
    "PiecewiseConstantDecay",
    "deserialize",
    "serialize",
]
