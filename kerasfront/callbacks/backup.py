"""BackupAndRestore: resumes an interrupted `fit` where it stopped."""

from __future__ import annotations

import json
import os
import tempfile

import numpy as np

from kerasfront.callbacks.base import Callback

_STATE_FILE = "training_state.json"


class BackupAndRestore(Callback):
    """Backs up the training at each epoch end, and resumes from the backup.

    At each epoch end the model's weights and the optimizer's state (its iteration count
    and slots) are written to `backup_dir`, then a small state file naming the completed
    epoch replaces the previous one atomically, so a crash at any point leaves a complete
    earlier backup. When `fit` starts with a backup present, the weights and the optimizer
    state are restored and training continues at the epoch after the last one completed.
    When training ends normally (early stopping included), the backup is deleted.

    Usage: run the same script again after an interruption (an exception, a killed
    process); the second `fit` picks up where the first stopped.

    Args:
        backup_dir: the directory of the backup, used by this callback only.
        save_freq: "epoch" only: the loop resumes at epoch boundaries.
        delete_checkpoint: whether to delete the backup when training ends normally.

    Note: with `shuffle=True` the resumed epochs see another sample order than an
    uninterrupted run would; random layers draw afresh too.
    """

    def __init__(self, backup_dir, save_freq="epoch", delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir is required (a directory path).")
        if save_freq != "epoch":
            raise ValueError(
                "BackupAndRestore: save_freq must be 'epoch' (training resumes at epoch "
                f"boundaries), received {save_freq!r}."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self._resume_epoch = None

    # ---- the state file ------------------------------------------------------------------
    def _path(self, name: str) -> str:
        return os.path.join(self.backup_dir, name)

    def _read_state(self) -> dict | None:
        path = self._path(_STATE_FILE)
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
        names_ok = isinstance(state, dict) and all(
            isinstance(state.get(key), str) and os.path.basename(state[key]) == state[key]
            for key in ("weights", "optimizer")
        )
        if not names_ok or not isinstance(state.get("epoch"), int):
            raise ValueError(
                f"BackupAndRestore: {path!r} is not a backup state written by this callback "
                f"(expected {{'epoch': int, 'weights': file name, 'optimizer': file name}}, read "
                f"{state!r}). Remove it or choose "
                "another backup_dir."
            )
        return state

    def _write_atomically(self, name: str, write) -> None:
        """Calls `write(binary stream)` on a temporary file, then renames it to `name`."""
        handle, temporary = tempfile.mkstemp(dir=self.backup_dir, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                write(stream)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self._path(name))
        except BaseException:
            if os.path.exists(temporary):
                os.remove(temporary)
            raise

    # ---- hooks ---------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._resume_epoch = None
        state = self._read_state()
        if state is None:
            return
        self.model.load_weights(self._path(state["weights"]))
        with np.load(self._path(state["optimizer"]), allow_pickle=False) as arrays:
            optimizer_weights = [arrays[f"arr_{i}"] for i in range(len(arrays.files))]
        if self.model.optimizer is not None and optimizer_weights:
            self.model.optimizer.set_weights(optimizer_weights)
        self._resume_epoch = state["epoch"] + 1

    def resume_epoch(self) -> int | None:
        """The first epoch not completed in the restored backup (None without one); fit
        starts there (see `CallbackList.resume_epoch`)."""
        return self._resume_epoch

    def on_epoch_end(self, epoch, logs=None):
        os.makedirs(self.backup_dir, exist_ok=True)
        previous = self._read_state()
        # Files named after the epoch: the state file still names the previous complete
        # backup until the new one is written in full.
        weights, optimizer = f"epoch_{epoch}.weights.h5", f"epoch_{epoch}.optimizer.npz"
        self.model.save_weights(self._path(weights), overwrite=True)
        optimizer_weights = self.model.optimizer.get_weights() if self.model.optimizer else []
        self._write_atomically(optimizer, lambda stream: np.savez(stream, *optimizer_weights))
        state = {"epoch": epoch, "weights": weights, "optimizer": optimizer}
        self._write_atomically(_STATE_FILE, lambda stream: stream.write(json.dumps(state).encode()))
        if previous is not None and previous["epoch"] != epoch:
            self._remove(previous)

    def on_train_end(self, logs=None):
        self._resume_epoch = None
        if not self.delete_checkpoint:
            return
        state = self._read_state()
        if state is not None:
            self._remove(state)
            os.remove(self._path(_STATE_FILE))
        if os.path.isdir(self.backup_dir) and not os.listdir(self.backup_dir):
            os.rmdir(self.backup_dir)

    def _remove(self, state: dict) -> None:
        for key in ("weights", "optimizer"):
            path = self._path(state[key])
            if os.path.exists(path):
                os.remove(path)
