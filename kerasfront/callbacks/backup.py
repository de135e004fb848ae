"""BackupAndRestore: resumes an interrupted `fit` where it stopped."""

from __future__ import annotations

import json
import os
import re

from kerasfront.callbacks.base import Callback
from kerasfront.distribution import data_parallel

_STATE_FILE = "training_state.json"
# One HDF5 file per backup: the model's weights and the optimizer's state together, so
# they cannot come from different epochs.
_BACKUP_NAME = re.compile(r"epoch_(\d+)\.h5\Z")
# A temporary file of `atomic_path` for one of the files above.
_TEMPORARY_OF = re.compile(r"\.(epoch_\d+\.h5|training_state\.json)\..*\.tmp\Z")


class BackupAndRestore(Callback):
    """Backs up the training at each epoch end, and resumes from the backup.

    At each epoch end the model's weights and the optimizer's state (its iteration count
    and slots) are written to one file in `backup_dir` (each array with its checksum),
    then a small state file naming the completed epoch replaces the previous one. Both
    are written to a temporary file, fsynced and renamed, so a crash or a kill at any
    point leaves a complete earlier backup. When `fit` starts with a backup present, the
    weights and the optimizer state are restored and training continues at the epoch
    after the last one completed. When training ends normally (early stopping included),
    the backup is deleted.

    Usage: run the same script again after an interruption (an exception, a killed
    process); the second `fit` picks up where the first stopped, and with
    `shuffle=False` ends with the weights an uninterrupted run gives.

    Args:
        backup_dir: the directory of the backup, used by this callback only.
        save_freq: "epoch" only: the loop resumes at epoch boundaries.
        delete_checkpoint: whether to delete the backup when training ends normally.

    Note: with `shuffle=True` the resumed epochs see another sample order than an
    uninterrupted run would; random layers draw afresh too.

    When several processes train one model (torchrun), every process restores from the
    backup, the first one alone writes and deletes it, and the others wait for it at
    each epoch end, so a restart finds one complete backup for all of them.
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
        expected = "{'epoch': int, 'file': 'epoch_<n>.h5'}"
        try:
            with open(path, encoding="utf-8") as handle:
                state = json.load(handle)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise ValueError(
                f"BackupAndRestore: {path!r} cannot be read as a backup state ({expected}): "
                f"{error}. Remove it or choose another backup_dir."
            ) from None
        valid = (
            isinstance(state, dict)
            and isinstance(state.get("epoch"), int)
            and isinstance(state.get("file"), str)
            and _BACKUP_NAME.match(state["file"]) is not None
        )
        if not valid:
            raise ValueError(
                f"BackupAndRestore: {path!r} is not a backup state written by this callback "
                f"(expected {expected}, read {state!r}). Remove it or choose another "
                "backup_dir."
            )
        return state

    # ---- hooks ---------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        from kerasfront.saving import safe_h5, weights_h5

        self._resume_epoch = None
        state = self._read_state()
        if state is None:
            return
        path = self._path(state["file"])
        where = f"BackupAndRestore: backup {path!r}"
        if not os.path.exists(path):
            raise ValueError(
                f"{where} named by {_STATE_FILE!r} is missing. Remove {self.backup_dir!r} "
                "to train from the start."
            )
        with safe_h5.open_file(path, where) as handle:
            # Everything is read and verified before anything is assigned.
            weights_group = safe_h5.child(handle, "model_weights", where)
            optimizer_weights = []
            if "optimizer_weights" in handle:
                optimizer_group = safe_h5.child(handle, "optimizer_weights", where)
                optimizer_weights = weights_h5.read_optimizer_weights(optimizer_group, where)
            weights_h5.load_layer_weights(weights_group, self.model.layers, where)
        if self.model.optimizer is not None and optimizer_weights:
            self.model.optimizer.set_weights(optimizer_weights)
        self._resume_epoch = state["epoch"] + 1

    def resume_epoch(self) -> int | None:
        """The first epoch not completed in the restored backup (None without one); fit
        starts there (see `CallbackList.resume_epoch`)."""
        return self._resume_epoch

    def on_epoch_end(self, epoch, logs=None):
        if data_parallel.is_chief(self.model):
            self._back_up(epoch)
        data_parallel.barrier(self.model)

    def _back_up(self, epoch):
        from kerasfront.saving import safe_h5, weights_h5
        from kerasfront.saving.atomic import atomic_path, write_bytes_atomically

        os.makedirs(self.backup_dir, exist_ok=True)
        # A file named after the epoch: the state file still names the previous complete
        # backup until the new one is written in full.
        name = f"epoch_{epoch}.h5"
        h5py = safe_h5.import_h5py()
        optimizer = self.model.optimizer
        with atomic_path(self._path(name)) as temporary:
            with h5py.File(temporary, "w", libver=weights_h5.LIBVER) as handle:
                weights_h5.write_layer_weights(
                    handle.create_group("model_weights"), self.model.layers
                )
                if optimizer is not None and optimizer.get_weights():
                    weights_h5.write_optimizer_weights(
                        handle.create_group("optimizer_weights"), optimizer
                    )
        state = json.dumps({"epoch": epoch, "file": name}).encode("utf-8")
        write_bytes_atomically(self._path(_STATE_FILE), state)
        self._remove_backups(keep=name)

    def on_train_end(self, logs=None):
        self._resume_epoch = None
        if data_parallel.is_chief(self.model):
            self._delete_backup()
        data_parallel.barrier(self.model)

    def _delete_backup(self):
        if not self.delete_checkpoint or not os.path.isdir(self.backup_dir):
            return
        self._remove_backups(keep=None)
        state_path = self._path(_STATE_FILE)
        if os.path.exists(state_path):
            os.remove(state_path)
        if not os.listdir(self.backup_dir):
            os.rmdir(self.backup_dir)

    def _remove_backups(self, keep: str | None) -> None:
        """Removes this callback's backup files but `keep`, with those a killed run left
        behind (a newer backup its state file never named, temporary files)."""
        from kerasfront.saving.atomic import remove_stale_temporaries

        targets = {_STATE_FILE}
        for name in os.listdir(self.backup_dir):
            if _BACKUP_NAME.match(name) and name != keep:
                os.remove(self._path(name))
            temporary_of = _TEMPORARY_OF.match(name)
            if temporary_of is not None:
                targets.add(temporary_of.group(1))
        for target in targets:
            remove_stale_temporaries(self._path(target))
