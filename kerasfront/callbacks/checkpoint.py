"""ModelCheckpoint: saves the model or its weights during training."""

from __future__ import annotations

import os
import string

from kerasfront.callbacks import monitoring
from kerasfront.callbacks.base import Callback


class ModelCheckpoint(Callback):
    """Saves the model (`model.save`) or its weights (`model.save_weights`) after epochs or
    every few batches.

    Each save goes through `model.save`/`save_weights`, which write a temporary file,
    fsync it and rename it over the target: a process killed mid-save leaves the
    previous checkpoint whole (tests/saving/test_crash_safety.py kills one to check).

    Args:
        filepath: where to save. It may hold format fields filled from `epoch` (counted
            from 1), `batch` (from 1, when saving every few batches) and the logs, e.g.
            `"weights.{epoch:02d}-{val_loss:.2f}.h5"`; without fields each save overwrites
            the file.
        monitor: the log name `save_best_only` compares.
        verbose: 1 prints a line at each save decision.
        save_best_only: save only when `monitor` improves on the best value so far.
        save_weights_only: save the weights only, else the whole model.
        mode: "min", "max", or "auto" (max for accuracy-like names, else min).
        save_freq: "epoch", or an int: save after every that many batches (tf.keras),
            counted across epochs; the batch logs then hold the epoch's values so far.
        period: Keras 2: save every `period` epochs (with `save_freq="epoch"`).
        initial_value_threshold: with `save_best_only`, the value to beat at first.
        options: TensorFlow's save options; only None is accepted.
    """

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        period=1,
        save_freq="epoch",
        initial_value_threshold=None,
        options=None,
    ):
        super().__init__()
        if options is not None:
            raise ValueError(
                "ModelCheckpoint: options (TensorFlow's CheckpointOptions/SaveOptions) are "
                f"not supported; received {options!r}. Leave options=None."
            )
        if save_freq != "epoch" and (
            isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1
        ):
            raise ValueError(
                "ModelCheckpoint: save_freq must be 'epoch' or a positive int (a number of "
                f"batches), received {save_freq!r}."
            )
        if isinstance(period, bool) or not isinstance(period, int) or period < 1:
            raise ValueError(
                f"ModelCheckpoint: period must be a positive int, received {period!r}."
            )
        if save_freq != "epoch" and period != 1:
            raise ValueError(
                "ModelCheckpoint: give period (epochs) or an int save_freq (batches), not "
                f"both; received period={period}, save_freq={save_freq}."
            )
        if save_best_only and save_freq != "epoch" and monitor.startswith("val_"):
            raise ValueError(
                f"ModelCheckpoint: monitor={monitor!r} with save_freq={save_freq}: batch "
                "logs hold no validation values. Monitor a training value such as 'loss', "
                "or save at epoch ends (save_freq='epoch')."
            )
        self.filepath = os.fspath(filepath)
        _check_format(self.filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.mode = monitoring.resolve_mode("ModelCheckpoint", monitor, mode)
        self.save_freq = save_freq
        self.period = period
        self.initial_value_threshold = initial_value_threshold
        self.reader = monitoring.MonitorReader("ModelCheckpoint", monitor)
        self.best = self._initial_best()
        self.epochs_since_last_save = 0
        self._batches_since_last_save = 0
        self._current_epoch = 0

    @property
    def monitor_op(self):
        """Keras 2's comparison of a value with the best one: np.less or np.greater."""
        return monitoring.monitor_op(self.mode)

    def _initial_best(self) -> float:
        if self.initial_value_threshold is not None:
            return float(self.initial_value_threshold)
        return monitoring.worst_value(self.mode)

    def on_train_begin(self, logs=None):
        self.reader.start()

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_last_save += 1
        if self._batches_since_last_save >= self.save_freq:
            self._batches_since_last_save = 0
            self._save(self._current_epoch, batch, dict(logs or {}))

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq != "epoch":
            return
        self.epochs_since_last_save += 1
        if self.epochs_since_last_save >= self.period:
            self.epochs_since_last_save = 0
            self._save(epoch, None, dict(logs or {}))

    def on_train_end(self, logs=None):
        if self.save_best_only:
            self.reader.finish()

    def _save(self, epoch: int, batch: int | None, logs: dict) -> None:
        filepath = self._filepath(epoch, batch, logs)
        if not self.save_best_only:
            self._say(f"Epoch {epoch + 1}: saving model to {filepath}")
            self._write(filepath)
            return
        current = self.reader.read(logs, self.params)
        if current is None:
            return  # no validation this epoch (validation_freq > 1)
        if monitoring.improves(self.mode, current, self.best, 0.0):
            self._say(
                f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                f"{current:.5f}, saving model to {filepath}"
            )
            self.best = current
            self._write(filepath)
        else:
            self._say(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")

    def _say(self, message: str) -> None:
        if self.verbose > 0:
            print(message)

    def _filepath(self, epoch: int, batch: int | None, logs: dict) -> str:
        fields = {key: float(value) for key, value in logs.items() if _is_number(value)}
        fields["epoch"] = epoch + 1
        if batch is not None:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except KeyError as error:
            raise ValueError(
                f"ModelCheckpoint: filepath {self.filepath!r} names {error}, which is "
                f"neither epoch/batch nor in the logs (available: {sorted(fields)})."
            ) from None

    def _write(self, filepath: str) -> None:
        if os.path.isdir(filepath):
            raise IsADirectoryError(
                f"ModelCheckpoint: {filepath!r} is a directory; give filepath a file name."
            )
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _check_format(filepath: str) -> None:
    """Refuses a malformed pattern at construction rather than at the first save."""
    try:
        list(string.Formatter().parse(filepath))
    except ValueError as error:
        raise ValueError(
            f"ModelCheckpoint: filepath {filepath!r} is not a valid format string ({error}); "
            "write literal braces as {{ and }}."
        ) from None
