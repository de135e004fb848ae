"""Every Keras 2 callback, each checked by what it does: files written and read back,
learning rates set, training stopped at the right epoch, weights restored, HTTP requests
received, TensorBoard event files parsed by TensorBoard's own reader, an interrupted fit
resumed. Tiny models, one compile per test."""

import csv
import http.server
import json
import os
import socket
import threading
import urllib.parse

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import callbacks, layers, optimizers

RNG = np.random.default_rng(7)
X = RNG.normal(size=(16, 3)).astype("float32")
Y = RNG.normal(size=(16, 1)).astype("float32")
X_VAL = RNG.normal(size=(8, 3)).astype("float32")
Y_VAL = RNG.normal(size=(8, 1)).astype("float32")


def compiled_model(optimizer=None, metrics=None):
    keras.utils.set_random_seed(2)
    model = keras.Sequential([layers.Dense(4, activation="tanh", input_dim=3), layers.Dense(1)])
    model.compile(optimizer=optimizer or optimizers.SGD(0.1), loss="mse", metrics=metrics)
    return model


def fresh_twin():
    """The same architecture, uncompiled: a target for loading saved weights."""
    return keras.Sequential([layers.Dense(4, activation="tanh", input_dim=3), layers.Dense(1)])


class Script(callbacks.Callback):
    """Writes scripted values into the epoch logs (before the callbacks after it see them)
    and records the weights at every epoch end."""

    def __init__(self, **series):
        super().__init__()
        self.series, self.weights = series, []

    def on_epoch_end(self, epoch, logs=None):
        for name, values in self.series.items():
            logs[name] = values[epoch]
        self.weights.append(self.model.get_weights())


def assert_weights_equal(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        np.testing.assert_allclose(a, e, rtol=1e-6, atol=1e-7)


# ---- the protocol --------------------------------------------------------------------------


def test_hooks_params_keras2_batch_names_and_stop_training():
    events = []

    class Probe(callbacks.Callback):
        def set_model(self, model):
            events.append(("set_model", model))
            super().set_model(model)

        def set_params(self, params):
            events.append(("set_params", dict(params)))
            super().set_params(params)

        def on_batch_begin(self, batch, logs=None):
            events.append(("batch_begin", batch))

        def on_batch_end(self, batch, logs=None):
            events.append(("batch_end", batch, float(logs["loss"])))
            if len([e for e in events if e[0] == "batch_end"]) == 3:
                self.model.stop_training = True

    model = compiled_model()
    history = model.fit(X, Y, batch_size=8, epochs=5, verbose=0, callbacks=[Probe()])
    assert events[0] == ("set_model", model)
    params = events[1][1]
    assert {key: params[key] for key in ("epochs", "steps", "verbose")} == {
        "epochs": 5,
        "steps": 2,
        "verbose": 0,
    }
    # Keras 2's further entries, where fit gives them.
    assert params.get("samples", 16) == 16 and params.get("batch_size", 8) == 8
    batches = [e[:2] for e in events[2:]]
    assert batches == [
        ("batch_begin", 0),
        ("batch_end", 0),
        ("batch_begin", 1),
        ("batch_end", 1),
        ("batch_begin", 0),
        ("batch_end", 0),
    ]
    # Stopped after the third batch: the second epoch ends early, and no third one runs.
    assert history.epoch == [0, 1]
    assert int(K.get_value(model.optimizer.iterations)) == 3


def test_lambda_callback_calls_each_hook():
    calls = []
    callback = callbacks.LambdaCallback(
        on_train_begin=lambda logs: calls.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch)),
        on_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_batch_end=lambda batch, logs: calls.append(("batch_end", batch)),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, sorted(logs))),
        on_train_end=lambda logs: calls.append("train_end"),
    )
    model = compiled_model()
    model.fit(X, Y, batch_size=16, epochs=2, verbose=0, callbacks=[callback])
    epoch = [("batch_begin", 0), ("batch_end", 0)]
    assert calls == [
        "train_begin",
        ("epoch_begin", 0),
        *epoch,
        ("epoch_end", 0, ["loss"]),
        ("epoch_begin", 1),
        *epoch,
        ("epoch_end", 1, ["loss"]),
        "train_end",
    ]
    with pytest.raises(ValueError, match="on_epoch_finish"):
        callbacks.LambdaCallback(on_epoch_finish=print)


# ---- loggers -------------------------------------------------------------------------------


def test_base_logger_averages_batches_by_size():
    logger = callbacks.BaseLogger(stateful_metrics=["running"])
    logger.set_params({"epochs": 1, "steps": 3, "verbose": 0})
    batches = [
        {"loss": 2.0, "running": 0.5, "size": 8},
        {"loss": 1.0, "running": 0.25, "size": 8},
        {"loss": 4.0, "running": 0.75, "size": 2},
    ]
    logger.on_epoch_begin(0)
    for index, logs in enumerate(batches):
        logger.on_batch_end(index, logs)
    epoch_logs = {}
    logger.on_epoch_end(0, epoch_logs)
    sizes = np.array([b["size"] for b in batches], dtype="float64")
    losses = np.array([b["loss"] for b in batches])
    np.testing.assert_allclose(epoch_logs["loss"], (losses * sizes).sum() / sizes.sum())
    assert epoch_logs["running"] == 0.75  # stateful: the last value, not a mean

    # In fit, the model's metrics are running epoch means: their epoch values stay fit's.
    seen = []
    model = compiled_model(metrics=["mae"])
    history = model.fit(
        X,
        Y,
        batch_size=8,
        epochs=2,
        verbose=0,
        callbacks=[
            callbacks.BaseLogger(),
            callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(dict(logs))),
        ],
    )
    for name in ("loss", "mae"):
        np.testing.assert_allclose([s[name] for s in seen], history.history[name], rtol=1e-6)


def test_progbar_logger_counts_and_averages(capsys):
    logger = callbacks.ProgbarLogger(count_mode="samples", stateful_metrics=["acc"])
    logger.set_params({"epochs": 1, "steps": 2, "verbose": 2, "samples": 12, "batch_size": 8})
    logger.on_epoch_begin(0)
    logger.on_train_batch_end(0, {"loss": 3.0, "acc": 0.5, "size": 8})
    logger.on_train_batch_end(1, {"loss": 1.0, "acc": 0.25, "size": 4})
    logger.on_epoch_end(0, {})
    out = capsys.readouterr().out
    assert "Epoch 1/1" in out
    assert "12/12" in out  # samples counted, not steps
    expected_loss = (3.0 * 8 + 1.0 * 4) / 12
    assert f"loss: {expected_loss:.4f}" in out
    assert "acc: 0.2500" in out  # stateful: shown as given

    steps = callbacks.ProgbarLogger(count_mode="steps")
    steps.set_params({"epochs": 2, "steps": 2, "verbose": 2})
    steps.on_epoch_begin(1)
    steps.on_train_batch_end(0, {"loss": 1.0})
    steps.on_train_batch_end(1, {"loss": 1.0})
    steps.on_epoch_end(1, {"loss": 1.0})
    out = capsys.readouterr().out
    assert "Epoch 2/2" in out and "2/2 - " in out
    with pytest.raises(ValueError, match="count_mode"):
        callbacks.ProgbarLogger(count_mode="batches")


def test_csv_logger_writes_appends_and_overwrites(tmp_path):
    path = tmp_path / "log.csv"
    model = compiled_model(metrics=["mae"])

    def fit(**kwargs):
        logger = callbacks.CSVLogger(path, **kwargs)
        return model.fit(
            X,
            Y,
            batch_size=8,
            epochs=2,
            verbose=0,
            callbacks=[logger],
            validation_data=(X_VAL, Y_VAL),
        )

    def read(separator):
        with open(path, newline="") as handle:
            return list(csv.reader(handle, delimiter=separator))

    first = fit(separator=";")
    rows = read(";")
    assert rows[0] == ["epoch", "loss", "mae", "val_loss", "val_mae"]
    for row, epoch in zip(rows[1:], range(2)):
        assert int(row[0]) == epoch
        for name, text in zip(rows[0][1:], row[1:]):
            assert float(text) == pytest.approx(first.history[name][epoch], rel=1e-7)
    second = fit(separator=";", append=True)
    rows = read(";")
    assert len(rows) == 5 and rows.count(rows[0]) == 1  # one header, four epochs
    assert float(rows[3][1]) == pytest.approx(second.history["loss"][0], rel=1e-7)
    fit()  # append=False: a new file
    assert len(read(",")) == 3


# ---- steering training ---------------------------------------------------------------------


def test_terminate_on_nan_stops_at_the_bad_batch():
    y = Y.copy()
    y[10] = np.nan  # in the second batch of 8
    model = compiled_model()
    history = model.fit(
        X,
        y,
        batch_size=8,
        epochs=3,
        shuffle=False,
        verbose=0,
        callbacks=[callbacks.TerminateOnNaN()],
    )
    assert int(K.get_value(model.optimizer.iterations)) == 2
    assert history.epoch == [0]
    assert np.isnan(history.history["loss"][0])


def test_early_stopping_min_delta_baseline_mode_and_best_weights():
    model = compiled_model()

    def fit(script, stopper):
        return model.fit(
            X,
            Y,
            batch_size=8,
            epochs=len(next(iter(script.series.values()))),
            verbose=0,
            callbacks=[script, stopper],
        )

    # min mode, min_delta 0.1: 1.0 -> 0.75 -> 0.5 improve; 0.49 does not: stop at epoch 3.
    script = Script(val_loss=[1.0, 0.75, 0.5, 0.49, 0.1, 0.1])
    stopper = callbacks.EarlyStopping(min_delta=0.1, patience=1, restore_best_weights=True)
    history = fit(script, stopper)
    assert history.epoch == [0, 1, 2, 3] and stopper.stopped_epoch == 3
    assert_weights_equal(model.get_weights(), script.weights[2])

    # "auto" on an accuracy name maximizes; a baseline never beaten stops after patience.
    script = Script(val_acc=[0.5, 0.6, 0.7, 0.8, 0.95, 0.99])
    stopper = callbacks.EarlyStopping(monitor="val_acc", baseline=0.9, patience=3)
    assert fit(script, stopper).epoch == [0, 1, 2]

    # The same scores with mode="min": only the first epoch improves.
    script = Script(score=[0.5, 0.6, 0.7, 0.8, 0.95, 0.99])
    stopper = callbacks.EarlyStopping(monitor="score", mode="min", patience=2)
    assert fit(script, stopper).epoch == [0, 1, 2]

    with pytest.raises(ValueError, match="'val_los'"):
        fit(Script(val_loss=[1.0]), callbacks.EarlyStopping(monitor="val_los"))
    with pytest.raises(ValueError, match="mode"):
        callbacks.EarlyStopping(mode="up")


def test_reduce_lr_on_plateau_patience_cooldown_min_lr():
    model = compiled_model(optimizer=optimizers.SGD(0.1))
    rates = []
    record = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: rates.append((logs["lr"], K.get_value(model.optimizer.lr)))
    )
    # A flat loss: no epoch after the first improves. Keras 2's rule: a reduction waits
    # `patience` epochs, then `cooldown` epochs pass before epochs are counted again.
    reducer = callbacks.ReduceLROnPlateau(
        monitor="val_loss", factor=0.5, patience=1, cooldown=2, min_lr=0.02, epsilon=1e-3
    )
    model.fit(
        X,
        Y,
        batch_size=16,
        epochs=8,
        verbose=0,
        callbacks=[Script(val_loss=[1.0] * 8), reducer, record],
    )
    logged, after = zip(*rates)
    np.testing.assert_allclose(after, [0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02], rtol=1e-6)
    # The logs carry the rate the epoch trained with (read before any reduction).
    np.testing.assert_allclose(logged, (0.1,) + after[:-1], rtol=1e-6)
    assert reducer.min_delta == 1e-3  # Keras 2's epsilon

    # "auto" on an accuracy name: a rising accuracy is an improvement, a falling one not.
    model.optimizer.lr = 0.1
    reducer = callbacks.ReduceLROnPlateau(monitor="val_acc", factor=0.5, patience=1)
    model.fit(
        X,
        Y,
        batch_size=16,
        epochs=3,
        verbose=0,
        callbacks=[Script(val_acc=[0.5, 0.6, 0.55]), reducer],
    )
    np.testing.assert_allclose(K.get_value(model.optimizer.lr), 0.05, rtol=1e-6)
    with pytest.raises(ValueError, match="factor"):
        callbacks.ReduceLROnPlateau(factor=1.0)


def test_learning_rate_scheduler_logs_the_rate_and_checks_the_schedule():
    model = compiled_model(optimizer=optimizers.SGD(0.1))
    seen = []
    scheduler = callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    history = model.fit(
        X,
        Y,
        batch_size=16,
        epochs=3,
        verbose=0,
        callbacks=[
            scheduler,
            callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(logs)),
        ],
    )
    np.testing.assert_allclose([logs["lr"] for logs in seen], [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    assert len(history.history["loss"]) == 3
    with pytest.raises(ValueError, match="must return a float"):
        model.fit(
            X,
            Y,
            epochs=1,
            verbose=0,
            callbacks=[callbacks.LearningRateScheduler(lambda epoch: "fast")],
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


# ---- RemoteMonitor -------------------------------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):  # keep the test output clean
        pass


def test_remote_monitor_posts_the_epoch_logs():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    root = f"http://127.0.0.1:{server.server_address[1]}"
    _Recorder.received = []
    model = compiled_model(metrics=["mae"])
    try:
        as_json = callbacks.RemoteMonitor(
            root=root, path="/events", send_as_json=True, headers={"X-Run": "seven"}
        )
        history = model.fit(X, Y, batch_size=8, epochs=2, verbose=0, callbacks=[as_json])
        as_form = callbacks.RemoteMonitor(root=root, field="payload")
        form_history = model.fit(X, Y, batch_size=8, epochs=1, verbose=0, callbacks=[as_form])
    finally:
        server.shutdown()
        server.server_close()
    assert len(_Recorder.received) == 3
    for epoch, (path, headers, body) in enumerate(_Recorder.received[:2]):
        assert path == "/events"
        assert headers["Content-Type"] == "application/json"
        assert headers["X-Run"] == "seven"
        sent = json.loads(body)
        assert sent["epoch"] == epoch
        for name in ("loss", "mae"):
            assert sent[name] == pytest.approx(history.history[name][epoch], rel=1e-7)
    path, headers, body = _Recorder.received[2]
    assert path == "/publish/epoch/end/"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    sent = json.loads(urllib.parse.parse_qs(body.decode())["payload"][0])
    assert sent["loss"] == pytest.approx(form_history.history["loss"][0], rel=1e-7)

    # Nobody listening: a warning each epoch, and training completes.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    unreachable = callbacks.RemoteMonitor(root=f"http://127.0.0.1:{closed_port}", timeout=2)
    with pytest.warns(RuntimeWarning, match="could not reach"):
        history = model.fit(X, Y, batch_size=8, epochs=2, verbose=0, callbacks=[unreachable])
    assert history.epoch == [0, 1]


# ---- TensorBoard ---------------------------------------------------------------------------


def test_event_records_pass_tensorboards_checksum_reader(tmp_path):
    from kerasfront.callbacks import tensorboard_events

    # The CRC-32C check value of the ASCII digits 1-9 (RFC 3720, appendix B.4).
    assert tensorboard_events.crc32c(b"123456789") == 0xE3069283
    stub = pytest.importorskip("tensorboard.compat.tensorflow_stub.pywrap_tensorflow")
    event_pb2 = pytest.importorskip("tensorboard.compat.proto.event_pb2")
    writer = tensorboard_events.EventFileWriter(str(tmp_path))
    writer.add_scalars({"loss": 1.5, "mae": -0.25}, step=3)
    writer.close()
    # TensorBoard's pure-Python reader checks both masked CRCs of every record.
    reader = stub.PyRecordReader_New(writer.path)
    events = []
    with pytest.raises(Exception, match="No more events"):
        while True:
            reader.GetNext()
            events.append(event_pb2.Event.FromString(reader.record()))
    assert events[0].file_version == "brain.Event:2"
    assert events[1].step == 3
    assert {v.tag: v.simple_value for v in events[1].summary.value} == {"loss": 1.5, "mae": -0.25}

    corrupted = bytearray(open(writer.path, "rb").read())
    corrupted[-6] ^= 1
    with open(writer.path, "wb") as handle:
        handle.write(bytes(corrupted))
    reader = stub.PyRecordReader_New(writer.path)
    reader.GetNext()
    with pytest.raises(Exception, match="crc32"):
        reader.GetNext()


def test_tensorboard_event_files_read_by_tensorboard(tmp_path):
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator"
    )
    log_dir = str(tmp_path / "run")
    model = compiled_model(metrics=["mae"])
    script = Script()
    board = callbacks.TensorBoard(log_dir=log_dir, histogram_freq=2, update_freq=1)
    history = model.fit(
        X,
        Y,
        batch_size=8,
        epochs=3,
        verbose=0,
        shuffle=False,
        validation_data=(X_VAL, Y_VAL),
        callbacks=[script, board],
    )

    def load(run):
        accumulator = event_accumulator.EventAccumulator(
            os.path.join(log_dir, run), size_guidance={"scalars": 0, "histograms": 0, "tensors": 0}
        )
        accumulator.Reload()
        return accumulator

    train, validation = load("train"), load("validation")
    for name in ("loss", "mae"):
        events = train.Scalars(f"epoch_{name}")
        assert [e.step for e in events] == [0, 1, 2]
        np.testing.assert_allclose([e.value for e in events], history.history[name], rtol=1e-6)
        events = validation.Scalars(f"epoch_{name}")
        assert [e.step for e in events] == [0, 1, 2]
        np.testing.assert_allclose(
            [e.value for e in events], history.history[f"val_{name}"], rtol=1e-6
        )
    # Batch values every batch, at the optimizer's step; an epoch's last batch holds its mean.
    batch_loss = train.Scalars("batch_loss")
    assert [e.step for e in batch_loss] == [1, 2, 3, 4, 5, 6]
    np.testing.assert_allclose(
        [e.value for e in batch_loss][1::2], history.history["loss"], rtol=1e-6
    )

    # Weight histograms at epochs 0 and 2 (histogram_freq=2), from the weights of then.
    kernel_name = model.layers[0].weights[0].name.replace(":", "_")
    histograms = train.Histograms(f"{kernel_name}/histogram")
    assert [h.step for h in histograms] == [0, 2]
    for event, epoch in zip(histograms, (0, 2)):
        kernel = script.weights[epoch][0].astype("float64")
        value = event.histogram_value
        np.testing.assert_allclose([value.min, value.max], [kernel.min(), kernel.max()], rtol=1e-6)
        assert value.num == kernel.size and sum(value.bucket) == kernel.size
        np.testing.assert_allclose(value.sum, kernel.sum(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(value.sum_squares, np.square(kernel).sum(), rtol=1e-5)
        counts, _ = np.histogram(kernel, bins=len(value.bucket), range=(kernel.min(), kernel.max()))
        np.testing.assert_array_equal(value.bucket, counts)

    # The model's structure as the Keras conceptual graph: its JSON config.
    graph = train.Tensors("keras")
    assert [event.step for event in graph] == [0]
    config = json.loads(graph[0].tensor_proto.string_val[0])
    assert config["class_name"] == "Sequential"
    assert len(config["config"]["layers"]) >= 2

    with pytest.raises(ValueError, match="write_images"):
        callbacks.TensorBoard(write_images=True)
