"""What EarlyStopping, ReduceLROnPlateau and ModelCheckpoint share: reading the monitored
value from the epoch logs and deciding whether it improved."""

from __future__ import annotations

import math

import numpy as np


def is_maximized(monitor: str) -> bool:
    """Keras 2's `mode="auto"`: accuracies (any name containing "acc", e.g. `val_acc`,
    `categorical_accuracy`), AUCs and F-measures grow; everything else (losses, errors)
    shrinks."""
    return "acc" in monitor or monitor.endswith("auc") or monitor.startswith("fmeasure")


def resolve_mode(owner: str, monitor: str, mode: str) -> str:
    """`"min"` or `"max"` from `mode` ("auto" decides from the monitored name)."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', received {mode!r}.")
    if mode == "auto":
        return "max" if is_maximized(monitor) else "min"
    return mode


def worst_value(mode: str) -> float:
    """The starting "best" value, which any finite value beats."""
    return -math.inf if mode == "max" else math.inf


def monitor_op(mode: str):
    """Keras 2's `monitor_op` attribute of the monitoring callbacks: `np.greater` when
    higher is better, else `np.less` (subclasses written for Keras 2 call it)."""
    return np.greater if mode == "max" else np.less


def improves(mode: str, current: float, best: float, min_delta: float) -> bool:
    """Whether `current` beats `best` by more than `min_delta` (a non-negative amount)."""
    if mode == "max":
        return current - min_delta > best
    return current + min_delta < best


# (short, long) spellings of one metric in the logs. Keras 2.2 logged `metrics=["accuracy"]`
# as `acc`, and a metric given by a short name under its function's name (`metrics=["mae"]`
# as `mean_absolute_error`, `val_mean_absolute_error`); tf.keras logs the names as given.
_SPELLINGS = (
    ("acc", "accuracy"),
    ("mae", "mean_absolute_error"),
    ("mse", "mean_squared_error"),
    ("mape", "mean_absolute_percentage_error"),
    ("msle", "mean_squared_logarithmic_error"),
    ("kld", "kullback_leibler_divergence"),
    ("cosine", "cosine_proximity"),
)


def other_metric_spelling(name: str) -> str | None:
    """The same metric under Keras's other spelling (see `_SPELLINGS`), or None. Code
    written for Keras 2.2 or for tf.keras monitors and reads its own spelling, so a
    monitor or `history.history` finds the value under the other one too."""
    for short, long in _SPELLINGS:
        if name == short or name.endswith("_" + short):
            return name[: -len(short)] + long
        if name == long or name.endswith("_" + long):
            return name[: -len(long)] + short
    return None


_NO_VALIDATION = (
    " No epoch ran validation: pass validation_data or validation_split to fit, or monitor "
    "a training value such as 'loss'."
)


class MonitorReader:
    """Reads `monitor` from epoch logs, telling an absent key apart from an epoch without
    validation.

    With `validation_freq > 1` a `val_*` value is missing from the epochs that ran no
    validation; those epochs are skipped (None), as Keras 2 does. A name that can never
    appear (a typo, or `val_*` while the same epoch's logs hold other `val_*` values)
    raises at once, and so does a `val_*` name when `params["do_validation"]` says fit
    has no validation data. Where params do not say, a `val_*` name never seen by the end
    of training means fit had none: `finish()` raises then.
    """

    def __init__(self, owner: str, monitor: str):
        self.owner = owner
        self.monitor = monitor
        self.start()

    def start(self) -> None:
        self.seen = False
        self.last_keys: list[str] = []

    def read(self, logs, params: dict | None = None) -> float | None:
        """The monitored value, or None for an epoch that ran no validation. `params`
        (the callback's) may say whether fit validates at all (`do_validation`)."""
        logs = logs or {}
        self.last_keys = sorted(logs)
        for key in (self.monitor, other_metric_spelling(self.monitor)):
            if key in logs:
                self.seen = True
                return float(logs[key])
        validated = any(key.startswith("val_") for key in logs)
        never_validates = (params or {}).get("do_validation") is False
        if self.monitor.startswith("val_") and not validated and not never_validates:
            return None  # this epoch ran no validation
        message = self._missing_message(logs)
        if never_validates and self.monitor.startswith("val_"):
            message += _NO_VALIDATION
        raise ValueError(message)

    def finish(self) -> None:
        if self.last_keys and not self.seen:
            raise ValueError(self._missing_message(self.last_keys) + _NO_VALIDATION)

    def _missing_message(self, logs) -> str:
        return (
            f"{self.owner} monitors {self.monitor!r}, which is not in the epoch logs "
            f"(available: {sorted(logs)})."
        )
