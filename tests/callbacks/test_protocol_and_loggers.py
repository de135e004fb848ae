"""The callback protocol (hooks, params, Keras 2 names, stop_training) and the loggers (BaseLogger, ProgbarLogger, CSVLogger), each checked by what it records."""

import csv

import numpy as np
import pytest

from kerasfront import backend as K
from kerasfront import callbacks
from tests.callbacks.common import X_VAL, Y_VAL, X, Y, compiled_model

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
