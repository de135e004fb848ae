"""Callbacks that steer training (TerminateOnNaN, EarlyStopping, ReduceLROnPlateau, LearningRateScheduler), checked by the epoch training stops at and the rates set."""

import numpy as np
import pytest

from kerasfront import backend as K
from kerasfront import callbacks, optimizers
from tests.callbacks.common import Script, X, Y, assert_weights_equal, compiled_model

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


def test_keras2_monitor_op_and_signed_min_delta_for_subclasses():
    # Keras 2 subclasses test `self.monitor_op(current - self.min_delta, self.best)`.
    import numpy as np

    lower = callbacks.EarlyStopping(monitor="val_loss", min_delta=0.1)
    higher = callbacks.EarlyStopping(monitor="val_acc", min_delta=0.1)
    assert (lower.monitor_op, lower.min_delta) == (np.less, -0.1)
    assert (higher.monitor_op, higher.min_delta) == (np.greater, 0.1)
    assert lower.monitor_op(0.5 - lower.min_delta, 0.55) == np.False_
    assert callbacks.ModelCheckpoint("w.h5", monitor="val_accuracy").monitor_op is np.greater
    reducer = callbacks.ReduceLROnPlateau(monitor="val_loss", min_delta=0.1)
    assert reducer.monitor_op(0.3, 0.5) and not reducer.monitor_op(0.45, 0.5)
