"""Callbacks that report the logs: BaseLogger, History, ProgbarLogger, CSVLogger."""

from __future__ import annotations

import collections.abc
import csv
import os

from kerasfront.callbacks import monitoring
from kerasfront.callbacks.base import Callback
from kerasfront.utils.progbar import Progbar


class EpochAverages:
    """Sample-weighted means over an epoch of per-batch values; `stateful` names keep their
    last value instead (they are already running values, e.g. a metric's mean so far)."""

    def __init__(self, stateful=()):
        self.stateful = set(stateful)
        self.reset()

    def reset(self) -> None:
        self.seen = 0
        self.totals: dict[str, float] = {}
        self.last: dict[str, float] = {}

    def add(self, logs: dict, size: int) -> None:
        self.seen += size
        for key, value in logs.items():
            if key in ("size", "batch", "num_steps"):
                continue
            if key in self.stateful:
                self.last[key] = value
            else:
                self.totals[key] = self.totals.get(key, 0.0) + float(value) * size

    def values(self) -> dict:
        means = {key: total / max(self.seen, 1) for key, total in self.totals.items()}
        return {**means, **self.last}


def _model_metric_names(model) -> list[str]:
    return list(getattr(model, "metrics_names", None) or [])


def _batch_size(logs, params: dict) -> int:
    """Samples in a batch: Keras 2's `size` log (fit's lazily read batch logs answer it
    without waiting for the device), else the batch size fit reports in `params`, else 1."""
    size = logs.get("size") if isinstance(logs, collections.abc.Mapping) else None
    if size is not None:
        return int(size)
    return int(params.get("batch_size") or 1)


class BaseLogger(Callback):
    """Writes each epoch's averages of the batch logs into the epoch logs (Keras 2).

    Each batch's values are weighted by its size (`logs["size"]`, else `params["batch_size"]`,
    else 1). Names in `stateful_metrics` are written as their last batch value instead. The
    model's own metrics (`model.metrics_names`) are always stateful here: fit's batch logs
    already hold their running means over the epoch, so their last value is the epoch mean
    fit computed on the device.

    Args:
        stateful_metrics: names not to average over the epoch.
    """

    def __init__(self, stateful_metrics=None):
        super().__init__()
        self.stateful_metrics = set(stateful_metrics or [])
        self.averages = EpochAverages(self.stateful_metrics)

    def on_epoch_begin(self, epoch, logs=None):
        stateful = self.stateful_metrics | set(_model_metric_names(self.model))
        self.averages = EpochAverages(stateful)

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        self.averages.add(dict(logs), _batch_size(logs, self.params))

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs.update(self.averages.values())


class EpochValues(dict):
    """`History.history`: a dict from log names to per-epoch values that also answers
    `["acc"]`/`["val_acc"]` for `accuracy`/`val_accuracy` and the reverse, as Keras 2.2 code
    reads `history.history["acc"]`, and Keras 2.2's function names of metrics given by short
    names (`["mean_absolute_error"]` for `mae`; see `monitoring.other_metric_spelling`)."""

    def __missing__(self, key):
        other = monitoring.other_metric_spelling(key) if isinstance(key, str) else None
        if other is not None and dict.__contains__(self, other):
            return self[other]
        raise KeyError(key)


class History(Callback):
    """Records the epoch logs: `history.history["loss"]` lists the epoch losses and
    `history.epoch` the epoch indices. `fit` returns it and sets `model.history`."""

    def __init__(self):
        super().__init__()
        self.epoch: list[int] = []
        self.history: dict[str, list] = EpochValues()

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = EpochValues()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self


class ProgbarLogger(Callback):
    """Prints "Epoch i/n" and a progress bar (verbose=1) or one line per epoch (verbose=2).

    Args:
        count_mode: "samples" counts the samples seen (Keras 2's default; it needs
            `params["samples"]` and the batch sizes, else it counts steps), "steps" the
            batches.
        stateful_metrics: names shown as they are. Other names are averaged over the
            epoch, weighted by batch size, except the model's own metrics: fit's batch
            logs already hold their running epoch means.
        verbose: overrides `params["verbose"]` (Keras 2 reads it from there). `fit` today
            calls `ProgbarLogger(verbose)`: an int first argument is taken as `verbose`
            with `count_mode="steps"`.
    """

    chief_only = True  # one per training, written by the first process

    def __init__(self, count_mode="samples", stateful_metrics=None, verbose=None):
        super().__init__()
        if isinstance(count_mode, int) and not isinstance(count_mode, bool):
            count_mode, verbose = "steps", count_mode
        if count_mode not in ("samples", "steps"):
            raise ValueError(
                f"ProgbarLogger: count_mode must be 'samples' or 'steps', received {count_mode!r}."
            )
        self.count_mode = count_mode
        self.stateful_metrics = set(stateful_metrics or [])
        self.verbose_override = verbose
        self.verbose = 1
        self.progbar = None
        self.seen = 0
        self.target = None
        self.averages = EpochAverages()

    def set_params(self, params):
        super().set_params(params)
        self.verbose = (
            self.verbose_override if self.verbose_override is not None else params.get("verbose")
        )
        self.verbose = 1 if self.verbose is None else self.verbose
        self.epochs = params.get("epochs", 1)
        self.counts_samples = self.count_mode == "samples" and params.get("samples") is not None
        self.target = params.get("samples") if self.counts_samples else params.get("steps")

    def on_epoch_begin(self, epoch, logs=None):
        self.seen = 0
        stateful = self.stateful_metrics | set(_model_metric_names(self.model))
        self.averages = EpochAverages(stateful)
        if not self.verbose:
            return
        print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)
        self.progbar = Progbar(self.target, verbose=self.verbose)

    def on_train_batch_end(self, batch, logs=None):
        if self.counts_samples:
            self.seen = min(self.seen + _batch_size(logs, self.params), self.target)
        else:
            self.seen = batch + 1
        if isinstance(logs, dict):
            # Values given on the host (not fit's lazily read logs) can be averaged
            # without waiting for the device.
            self.averages.add(logs, _batch_size(logs, self.params))
        if not self.verbose:
            return
        # The last batch is drawn by on_epoch_end, with the validation values.
        if self.progbar.due(self.seen) and self.seen != self.target:
            values = dict(logs or {}) if not isinstance(logs, dict) else {}
            values.update(self.averages.values())
            self.progbar.update(self.seen, values)

    def on_epoch_end(self, epoch, logs=None):
        if not self.verbose:
            return
        values = {**self.averages.values(), **(logs or {})}
        self.progbar.update(self.target or self.seen, values, finalize=True)


class CSVLogger(Callback):
    """Writes one row per epoch to a CSV file: `epoch`, then the log values in the sorted
    order of the first epoch's names.

    As tf.keras 2, when the first epoch has no `val_*` values (no validation data, or
    `validation_freq > 1`), a `val_` column is added for each name; values missing from an
    epoch are written as "NA". A list or array value is written as "[a, b, ...]".

    Args:
        filename: the CSV file.
        separator: the one-character field separator.
        append: True appends to an existing file (writing the header only if the file is
            empty); False overwrites it.
    """

    chief_only = True  # one per training, written by the first process

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        if not isinstance(separator, str) or len(separator) != 1:
            raise ValueError(
                f"CSVLogger: separator must be a one-character string, received {separator!r}."
            )
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self.writer = None
        self.csv_file = None

    def on_train_begin(self, logs=None):
        write_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as existing:
                write_header = not existing.readline()
        self.write_header = write_header
        self.keys = None
        self.writer = None
        self.csv_file = open(  # noqa: SIM115 - stays open across epochs, closed at train end
            self.filename, "a" if self.append else "w", newline="", encoding="utf-8"
        )

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
            if not any(key.startswith("val_") for key in self.keys):
                self.keys += [f"val_{key}" for key in self.keys]
        if self.writer is None:
            self.writer = csv.writer(self.csv_file, delimiter=self.sep)
            if self.write_header:
                self.writer.writerow(["epoch", *self.keys])
        row = [epoch] + [_csv_value(logs[key]) if key in logs else "NA" for key in self.keys]
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
        self.csv_file = None
        self.writer = None


def _csv_value(value):
    if isinstance(value, str):
        return value
    if isinstance(value, collections.abc.Iterable) and getattr(value, "ndim", 1) != 0:
        return f"[{', '.join(map(str, value))}]"
    return value
