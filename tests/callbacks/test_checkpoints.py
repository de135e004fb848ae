"""ModelCheckpoint and BackupAndRestore: files named and read back, an interrupted fit resumed with the same weights as an uninterrupted one."""

import json
import os

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import callbacks, optimizers
from tests.callbacks.common import (
    X_VAL,
    Y_VAL,
    Script,
    X,
    Y,
    assert_weights_equal,
    compiled_model,
    fresh_twin,
)

# ---- checkpoints ---------------------------------------------------------------------------


def test_model_checkpoint_file_names_and_contents(tmp_path):
    model = compiled_model()
    script = Script()
    pattern = str(tmp_path / "w.{epoch:02d}-{val_loss:.2f}.h5")
    checkpoint = callbacks.ModelCheckpoint(pattern, save_weights_only=True)
    history = model.fit(
        X,
        Y,
        batch_size=8,
        epochs=3,
        verbose=0,
        validation_data=(X_VAL, Y_VAL),
        callbacks=[script, checkpoint],
    )
    names = [
        f"w.{epoch + 1:02d}-{loss:.2f}.h5" for epoch, loss in enumerate(history.history["val_loss"])
    ]
    assert sorted(os.listdir(tmp_path)) == sorted(names)
    twin = fresh_twin()
    for name, weights in zip(names, script.weights):
        twin.load_weights(str(tmp_path / name))
        assert_weights_equal(twin.get_weights(), weights)


def test_model_checkpoint_best_only_modes_period_and_save_freq(tmp_path, capsys):
    model = compiled_model()

    def fit(script, checkpoint, epochs):
        model.fit(X, Y, batch_size=8, epochs=epochs, verbose=0, callbacks=[script, checkpoint])

    # save_best_only, min: saved at epochs 1, 2 and 4 (1-based); the file holds epoch 4's.
    script = Script(val_loss=[3.0, 1.0, 2.0, 0.5])
    best = str(tmp_path / "best.h5")
    fit(
        script,
        callbacks.ModelCheckpoint(best, save_best_only=True, save_weights_only=True, verbose=1),
        4,
    )
    out = capsys.readouterr().out
    assert "val_loss improved from inf to 3.00000" in out
    assert "Epoch 3: val_loss did not improve from 1.00000" in out
    twin = fresh_twin()
    twin.load_weights(best)
    assert_weights_equal(twin.get_weights(), script.weights[3])

    # "auto" on an accuracy name maximizes: epoch 2 (0.9) stays the best.
    script = Script(val_accuracy=[0.5, 0.9, 0.7])
    pattern = str(tmp_path / "acc-{epoch}.h5")
    fit(
        script,
        callbacks.ModelCheckpoint(
            pattern, monitor="val_accuracy", save_best_only=True, save_weights_only=True
        ),
        3,
    )
    assert sorted(p for p in os.listdir(tmp_path) if p.startswith("acc")) == [
        "acc-1.h5",
        "acc-2.h5",
    ]

    # Keras 2's period: every second epoch.
    fit(
        Script(),
        callbacks.ModelCheckpoint(str(tmp_path / "p{epoch}.h5"), period=2, save_weights_only=True),
        5,
    )
    assert sorted(p for p in os.listdir(tmp_path) if p.startswith("p")) == ["p2.h5", "p4.h5"]

    # save_freq=3 batches, two batches per epoch: after epoch 2's first and epoch 3's second.
    weights_at_batch = []
    grab = callbacks.LambdaCallback(
        on_batch_end=lambda b, logs: weights_at_batch.append(model.get_weights())
    )
    pattern = str(tmp_path / "at{epoch}-{batch}-{loss:.3f}.h5")
    losses = []
    log_loss = callbacks.LambdaCallback(on_batch_end=lambda b, logs: losses.append(logs["loss"]))
    model.fit(
        X,
        Y,
        batch_size=8,
        epochs=3,
        verbose=0,
        shuffle=False,
        callbacks=[
            grab,
            log_loss,
            callbacks.ModelCheckpoint(pattern, save_freq=3, save_weights_only=True),
        ],
    )
    expected = [f"at2-1-{losses[2]:.3f}.h5", f"at3-2-{losses[5]:.3f}.h5"]
    assert sorted(p for p in os.listdir(tmp_path) if p.startswith("at")) == expected
    twin.load_weights(str(tmp_path / expected[1]))
    assert_weights_equal(twin.get_weights(), weights_at_batch[5])

    with pytest.raises(ValueError, match="'val_mae'"):
        fit(Script(), callbacks.ModelCheckpoint(str(tmp_path / "{val_mae}.h5")), 1)
    with pytest.raises(ValueError, match="save_freq"):
        callbacks.ModelCheckpoint("x.h5", save_freq="batch")


@pytest.mark.skipif(
    not hasattr(keras.Model, "save") or not hasattr(keras.models, "load_model"),
    reason="model.save / load_model not available yet",
)
def test_model_checkpoint_saves_the_whole_model(tmp_path):
    model = compiled_model()
    script = Script()
    path = str(tmp_path / "model.{epoch}.h5")
    model.fit(
        X, Y, batch_size=8, epochs=2, verbose=0, callbacks=[script, callbacks.ModelCheckpoint(path)]
    )
    loaded = keras.models.load_model(str(tmp_path / "model.2.h5"))
    assert_weights_equal(loaded.get_weights(), script.weights[1])
    np.testing.assert_allclose(loaded.predict(X), model.predict(X), rtol=1e-5, atol=1e-6)


# ---- BackupAndRestore ----------------------------------------------------------------------


class Interrupt(callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise RuntimeError(f"interrupted at epoch {epoch}")


def test_backup_and_restore_resumes_an_interrupted_fit(tmp_path):
    backup_dir = str(tmp_path / "backup")
    model = compiled_model(optimizer=optimizers.Adam(0.05))
    initial = model.get_weights()
    script = Script()
    with pytest.raises(RuntimeError, match="interrupted at epoch 2"):
        model.fit(
            X,
            Y,
            batch_size=8,
            epochs=4,
            shuffle=False,
            verbose=0,
            callbacks=[callbacks.BackupAndRestore(backup_dir), script, Interrupt(2)],
        )
    with open(os.path.join(backup_dir, "training_state.json")) as handle:
        assert json.load(handle)["epoch"] == 1
    after_two_epochs = script.weights[1]
    optimizer_state = model.optimizer.get_weights()

    # Spoil the weights and the optimizer: the restore must come from the backup.
    model.set_weights([np.zeros_like(w) for w in initial])
    model.optimizer.set_weights([np.zeros_like(w) for w in optimizer_state])
    restored = {}

    def on_train_begin(logs):
        restored["weights"] = model.get_weights()
        restored["optimizer"] = model.optimizer.get_weights()

    epochs = []
    model.fit(
        X,
        Y,
        batch_size=8,
        epochs=4,
        shuffle=False,
        verbose=0,
        callbacks=[
            callbacks.BackupAndRestore(backup_dir),
            callbacks.LambdaCallback(
                on_train_begin=on_train_begin, on_epoch_begin=lambda e, logs: epochs.append(e)
            ),
        ],
    )
    assert_weights_equal(restored["weights"], after_two_epochs)
    assert_weights_equal(restored["optimizer"], optimizer_state)
    assert not os.path.exists(backup_dir)  # deleted when training ends normally
    assert epochs == [2, 3]
    resumed = model.get_weights()
    assert int(K.get_value(model.optimizer.iterations)) == 8

    # The same four epochs without interruption give the same weights.
    model.set_weights(initial)
    model.optimizer.set_weights([np.zeros_like(w) for w in optimizer_state])
    model.fit(X, Y, batch_size=8, epochs=4, shuffle=False, verbose=0)
    assert_weights_equal(resumed, model.get_weights())
