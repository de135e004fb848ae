"""Callbacks that steer training: EarlyStopping, TerminateOnNaN, LearningRateScheduler,
ReduceLROnPlateau."""

from __future__ import annotations

import math
import numbers

import numpy as np

from kerasfront.callbacks import monitoring
from kerasfront.callbacks.base import Callback


class EarlyStopping(Callback):
    """Stops training when `monitor` has not improved for `patience` epochs (Keras 2).

    Args:
        monitor: the epoch-log name to watch, e.g. "val_loss" or "val_accuracy".
        min_delta: an improvement must exceed this amount (its sign is ignored).
        patience: epochs without improvement before training stops.
        verbose: 1 prints when training stops (and when weights are restored).
        mode: "min", "max", or "auto" (max for accuracy-like names, else min).
        baseline: a value to beat; until an epoch beats it, epochs count as not
            improving, so training stops after `patience` epochs.
        restore_best_weights: when training stops, set the weights of the best epoch
            seen (as Keras 2, only on stopping; if no epoch beat `baseline` the weights
            are left as they are).

    Epochs without the monitored `val_*` value (`validation_freq > 1`) are skipped. A name
    that is not in the logs raises a ValueError.
    """

    def __init__(
        self,
        monitor="val_loss",
        min_delta=0.0,
        patience=0,
        verbose=0,
        mode="auto",
        baseline=None,
        restore_best_weights=False,
    ):
        super().__init__()
        self.monitor = monitor
        self.mode = monitoring.resolve_mode("EarlyStopping", monitor, mode)
        # Signed as Keras 2 kept it (negative when lower is better), so subclasses written
        # for Keras 2 can test `self.monitor_op(current - self.min_delta, self.best)`.
        self.min_delta = abs(min_delta) if self.mode == "max" else -abs(min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.reader = monitoring.MonitorReader("EarlyStopping", monitor)
        self.wait = self.stopped_epoch = 0
        self.best_weights = None
        self.best = monitoring.worst_value(self.mode)

    @property
    def monitor_op(self):
        """Keras 2's comparison of a value with the best one: np.less or np.greater."""
        return monitoring.monitor_op(self.mode)

    def on_train_begin(self, logs=None):
        self.reader.start()
        self.wait, self.stopped_epoch, self.best_weights = 0, 0, None
        self.best_epoch = None
        self.best = monitoring.worst_value(self.mode) if self.baseline is None else self.baseline

    def on_epoch_end(self, epoch, logs=None):
        current = self.reader.read(logs, self.params)
        if current is None:
            return
        if monitoring.improves(self.mode, current, self.best, abs(self.min_delta)):
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose > 0:
                    print(
                        "Restoring model weights from the end of the best epoch: "
                        f"{self.best_epoch + 1}."
                    )
                self.model.set_weights(self.best_weights)

    def on_train_end(self, logs=None):
        if self.stopped_epoch and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        self.reader.finish()


class TerminateOnNaN(Callback):
    """Stops training as soon as a batch's loss is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


def _settable_rate(callback: Callback, optimizer):
    """The optimizer's learning-rate variable, refusing an optimizer built on a schedule."""
    owner = type(callback).__name__
    if optimizer is None:
        raise ValueError(f"{owner} needs a compiled model (model.optimizer is None).")
    if not hasattr(optimizer.learning_rate, "numpy"):
        raise TypeError(
            f"{owner} cannot set the rate of {type(optimizer).__name__} "
            f"'{optimizer.name}': it was created with the learning-rate schedule "
            f"{optimizer.learning_rate!r}. Use either the schedule or this callback, with "
            "a float learning_rate."
        )
    return optimizer.learning_rate


class LearningRateScheduler(Callback):
    """Sets the learning rate at each epoch start to `schedule(epoch, lr)` (or Keras 2's
    older `schedule(epoch)`), `epoch` counted from 0, `lr` the current rate as a float.
    At each epoch end the rate is added to the logs as `lr`, as Keras 2 does.

    Args:
        schedule: the function giving the rate.
        verbose: 1 prints each rate set.
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                f"LearningRateScheduler: schedule must be a function, received {schedule!r}."
            )
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        current = float(_settable_rate(self, optimizer).numpy())
        try:
            lr = self.schedule(epoch, current)
        except TypeError:
            lr = self.schedule(epoch)
        if isinstance(lr, bool) or not isinstance(lr, (numbers.Real, np.floating, np.ndarray)):
            raise ValueError(
                f"LearningRateScheduler: the schedule must return a float, received {lr!r} "
                f"for epoch {epoch}."
            )
        optimizer.learning_rate = float(lr)
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = float(self.model.optimizer.learning_rate.numpy())


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by `factor` when `monitor` stops improving (Keras 2).

    Args:
        monitor: the epoch-log name to watch.
        factor: the new rate is `lr * factor`; must be below 1.
        patience: epochs without improvement before the rate is reduced.
        verbose: 1 prints each reduction.
        mode: "min", "max", or "auto" (max for accuracy-like names, else min).
        min_delta: an improvement must exceed this amount. `epsilon` is Keras 2's name.
        cooldown: epochs to wait after a reduction before counting epochs again.
        min_lr: the rate never goes below this.

    The current rate is added to each epoch's logs as `lr`, as Keras 2 does.
    """

    def __init__(
        self,
        monitor="val_loss",
        factor=0.1,
        patience=10,
        verbose=0,
        mode="auto",
        min_delta=1e-4,
        cooldown=0,
        min_lr=0.0,
        **kwargs,
    ):
        super().__init__()
        if "epsilon" in kwargs:  # Keras 2's name
            min_delta = kwargs.pop("epsilon")
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau got unexpected arguments {sorted(kwargs)}.")
        if not factor < 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be below 1.0, received {factor}.")
        self.monitor = monitor
        self.mode = monitoring.resolve_mode("ReduceLROnPlateau", monitor, mode)
        self.factor, self.patience, self.verbose = factor, patience, verbose
        self.min_delta, self.cooldown, self.min_lr = abs(min_delta), cooldown, min_lr
        self.reader = monitoring.MonitorReader("ReduceLROnPlateau", monitor)
        self._reset()

    @property
    def monitor_op(self):
        """Keras 2's test `monitor_op(current, best)`: whether `current` improves on `best`
        by more than `min_delta`."""
        return lambda current, best: monitoring.improves(self.mode, current, best, self.min_delta)

    def _reset(self):
        self.best = monitoring.worst_value(self.mode)
        self.wait = self.cooldown_counter = 0

    def on_train_begin(self, logs=None):
        self.reader.start()
        self._reset()

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        rate = _settable_rate(self, self.model.optimizer)
        if logs is not None:
            logs["lr"] = float(rate.numpy())
        current = self.reader.read(logs, self.params)
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if monitoring.improves(self.mode, current, self.best, self.min_delta):
            self.best, self.wait = current, 0
            return
        if self.in_cooldown():
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        old_lr = float(rate.numpy())
        # The rate is stored in float32: compare there, or a rate already at min_lr would
        # look larger than it and be "reduced" again.
        if np.float32(old_lr) > np.float32(self.min_lr):
            new_lr = max(old_lr * self.factor, self.min_lr)
            self.model.optimizer.learning_rate = new_lr
            if self.verbose > 0:
                print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
            self.cooldown_counter = self.cooldown
            self.wait = 0

    def on_train_end(self, logs=None):
        self.reader.finish()
