"""Callbacks: hooks into `fit` (History, progress, checkpoints, early stopping, logging...).

Every Keras 2 callback, one module per family:

- `base`: `Callback`, `CallbackList` (what the loops call), `LambdaCallback`.
- `loggers`: `BaseLogger`, `History`, `ProgbarLogger`, `CSVLogger`.
- `training_control`: `EarlyStopping`, `TerminateOnNaN`, `LearningRateScheduler`,
  `ReduceLROnPlateau`.
- `checkpoint`: `ModelCheckpoint`; `backup`: `BackupAndRestore`.
- `remote`: `RemoteMonitor`; `tensorboard`: `TensorBoard` (event files written by
  `tensorboard_events`, without TensorFlow).
"""

from kerasfront.callbacks.backup import BackupAndRestore
from kerasfront.callbacks.base import HOOKS, Callback, CallbackList, LambdaCallback
from kerasfront.callbacks.checkpoint import ModelCheckpoint
from kerasfront.callbacks.loggers import BaseLogger, CSVLogger, History, ProgbarLogger
from kerasfront.callbacks.remote import RemoteMonitor
from kerasfront.callbacks.tensorboard import TensorBoard
from kerasfront.callbacks.training_control import (
    EarlyStopping,
    LearningRateScheduler,
    ReduceLROnPlateau,
    TerminateOnNaN,
)

__all__ = [
    "HOOKS",
    "BackupAndRestore",
    "BaseLogger",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "RemoteMonitor",
    "TensorBoard",
    "TerminateOnNaN",
]
