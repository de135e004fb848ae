"""The Keras progress bar: a redrawn bar on a terminal, one line per epoch elsewhere."""

from __future__ import annotations

import sys
import time

import numpy as np

# Redraw at most this often: reading metrics means waiting for the device.
REDRAW_INTERVAL = 0.05


def _format_value(value) -> str:
    values = np.asarray(value, dtype="float64").ravel()
    if values.size != 1:
        # A metric with several results (Precision at several thresholds): each one.
        return "[" + " ".join(_format_value(v) for v in values) + "]"
    value = float(values[0])
    return f"{value:.4f}" if abs(value) >= 1e-3 else f"{value:.4e}"


def _format_duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _per_step(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


class Progbar:
    """Shows progress through `target` steps.

    Args:
        target: total steps, or None when unknown.
        width: characters of the bar.
        verbose: 1 = bar (redrawn on a terminal), 2 = one summary line at the end.
        interval: the least seconds between two redraws of the bar.
        stateful_metrics: names of values (given as a list of pairs, see `update`) shown
            as given instead of averaged over the steps.
        stream: where to write (default stdout).

    Example (Keras 2's form: values as `(name, value)` pairs, averaged over the steps):
        >>> bar = Progbar(10, stateful_metrics=["acc"])
        >>> bar.update(5, [("loss", 1.0), ("acc", 0.5)])  # shows loss 1.0, acc 0.5
        >>> bar.add(5, [("loss", 3.0), ("acc", 0.75)])  # shows loss 2.0, acc 0.75
    """

    def __init__(
        self,
        target,
        width=30,
        verbose=1,
        interval=REDRAW_INTERVAL,
        stateful_metrics=None,
        stream=None,
    ):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.stateful_metrics = set(stateful_metrics or ())
        # Keras 2's running averages: name -> [sum of value * steps, steps].
        self._totals: dict = {}
        self._seen = 0
        self.stream = stream or sys.stdout
        self.dynamic = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.perf_counter()
        self.last_draw = 0.0
        self.previous_width = 0

    def due(self, current: int) -> bool:
        """Whether `update(current, ...)` would draw now (so values are worth reading)."""
        if self.target is not None and current >= self.target:
            return True
        return (
            self.verbose == 1
            and self.dynamic
            and (time.perf_counter() - self.last_draw) >= self.interval
        )

    def _averaged(self, current: int, pairs) -> dict:
        """Keras 2's `values`: a list of `(name, value)`, each averaged over the steps it
        was given for (weighted by the steps each update advanced), except the names in
        `stateful_metrics`, shown as given."""
        steps = max(current - self._seen, 1)
        self._seen = current
        for name, value in pairs:
            if name in self.stateful_metrics:
                self._totals[name] = [value, 1]
            else:
                total = self._totals.setdefault(name, [0.0, 0])
                total[0] += value * steps
                total[1] += steps
        return {name: total / count for name, (total, count) in self._totals.items()}

    def add(self, n: int, values=None) -> None:
        """Advances by `n` steps (Keras 2): `update(steps so far + n, values)`."""
        self.update(self._seen + n, values)

    def update(
        self, current: int, values: dict | None = None, finalize: bool | None = None
    ) -> None:
        """Draws step `current` with `values` when due.

        Args:
            current: the step reached.
            values: a dict name -> value, shown as given (the form fit's logs use), or
                Keras 2's list of `(name, value)` pairs, averaged over the steps (see the
                class docstring).
            finalize: whether this is the last update (default: `current >= target`).
        """
        if values is not None and not isinstance(values, dict):
            values = self._averaged(current, values)
        else:
            self._seen = current
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if not finalize and not self.due(current):
            return
        self.last_draw = time.perf_counter()
        elapsed = self.last_draw - self.start
        metrics = "".join(f" - {k}: {_format_value(v)}" for k, v in (values or {}).items())
        if self.verbose == 2:
            if finalize:
                steps = f"{current}/{self.target}" if self.target else f"{current}"
                per_step = _per_step(elapsed / max(current, 1))
                self.stream.write(f"{steps} - {_format_duration(elapsed)} - {per_step}{metrics}\n")
                self.stream.flush()
            return
        if not finalize and not self.dynamic:
            return
        line = self._bar(current)
        if finalize:
            line += f" - {_format_duration(elapsed)} {_per_step(elapsed / max(current, 1))}"
        elif self.target is not None and current:
            eta = elapsed / current * (self.target - current)
            line += f" - ETA: {_format_duration(eta)}"
        line += metrics
        if self.dynamic:
            padding = " " * max(self.previous_width - len(line), 0)
            self.stream.write("\r" + line + padding)
            self.previous_width = len(line)
        else:
            self.stream.write(line)
        if finalize:
            self.stream.write("\n")
        self.stream.flush()

    def _bar(self, current: int) -> str:
        if self.target is None:
            return f"{current:7d}/Unknown"
        digits = len(str(self.target))
        done = int(self.width * current / self.target) if self.target else self.width
        arrow = ">" if current < self.target and done < self.width else ""
        fill = "=" * (done - (1 if arrow else 0)) + arrow
        return f"{current:{digits}d}/{self.target} [{fill.ljust(self.width, '.')}]"
