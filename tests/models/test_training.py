"""compile / fit / evaluate / predict against NumPy references: losses, accuracies, the
Keras 2 optimizer updates, weights, callbacks, progress output, Sequences, seeding."""

import math

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import callbacks, layers, optimizers
from kerasfront.utils import Sequence, set_random_seed

EPSILON = 1e-7  # Keras's K.epsilon(), used to clip probabilities


def regression(samples=20, features=4, outputs=1, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, features)).astype("float32")
    y = rng.normal(size=(samples, outputs)).astype("float32")
    return x, y


def classification(samples=20, features=4, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, features)).astype("float32")
    labels = rng.integers(0, classes, samples)
    return x, labels, np.eye(classes, dtype="float32")[labels]


def mlp(outputs=1, activation=None, features=4):
    return keras.Sequential(
        [
            layers.Dense(8, activation="tanh", input_dim=features),
            layers.Dense(outputs, activation=activation),
        ]
    )


# ---- the basic methods -------------------------------------------------------------------


def test_fit_evaluate_predict():
    x, y = regression()
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert isinstance(history, callbacks.History)
    assert model.history is history
    assert history.epoch == [0, 1, 2]
    assert len(history.history["loss"]) == 3
    loss = model.evaluate(x, y, verbose=0)
    assert isinstance(loss, float)
    predictions = model.predict(x, batch_size=7, verbose=0)
    assert predictions.shape == (20, 1)
    assert predictions.dtype == np.float32
    np.testing.assert_allclose(loss, np.mean((predictions - y) ** 2), rtol=1e-5)


def test_predict_matches_numpy_forward_pass():
    x, _ = regression()
    model = mlp(outputs=2)
    w1, b1, w2, b2 = model.get_weights()
    expected = np.tanh(x @ w1 + b1) @ w2 + b2
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_on_batch_methods():
    x, y = regression(samples=8)
    model = mlp()
    model.compile(optimizer=optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    assert model.metrics_names == ["loss", "mae"]  # known at compile, as in Keras 2
    before = model.get_weights()
    predictions = model.predict_on_batch(x)
    np.testing.assert_allclose(predictions, model.predict(x, verbose=0), rtol=1e-6)
    loss, mae = model.test_on_batch(x, y)
    np.testing.assert_allclose(loss, np.mean((predictions - y) ** 2), rtol=1e-5)
    np.testing.assert_allclose(mae, np.mean(np.abs(predictions - y)), rtol=1e-5)
    for b, a in zip(before, model.get_weights()):
        np.testing.assert_array_equal(b, a)  # test_on_batch does not train
    assert model.metrics_names == ["loss", "mae"]
    trained_loss, _ = model.train_on_batch(x, y)
    np.testing.assert_allclose(trained_loss, loss, rtol=1e-5)  # the loss before the update
    assert not np.allclose(before[0], model.get_weights()[0])
    assert model.test_on_batch(x, y)[0] < loss
    as_dict = model.train_on_batch(x, y, return_dict=True)
    assert set(as_dict) == {"loss", "mae"}


def test_history_keys_with_validation_split():
    x, _, onehot = classification(samples=30)
    model = mlp(outputs=3, activation="softmax")
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, onehot, epochs=2, batch_size=8, validation_split=0.2, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 2 for values in history.history.values())
    # The validation samples are the last 20 %, never trained on (Keras's split).
    val_loss, val_accuracy = model.evaluate(x[24:], onehot[24:], verbose=0)
    np.testing.assert_allclose(history.history["val_loss"][-1], val_loss, rtol=1e-5)
    np.testing.assert_allclose(history.history["val_accuracy"][-1], val_accuracy, rtol=1e-5)


def test_history_keys_with_validation_data():
    x, _, onehot = classification(samples=24)
    x_val, _, onehot_val = classification(samples=10, seed=1)
    model = mlp(outputs=3, activation="softmax")
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["acc"])
    history = model.fit(
        x, onehot, epochs=2, batch_size=8, validation_data=(x_val, onehot_val), verbose=0
    )
    assert set(history.history) == {"loss", "acc", "val_loss", "val_acc"}
    val_loss = model.evaluate(x_val, onehot_val, verbose=0)[0]
    np.testing.assert_allclose(history.history["val_loss"][-1], val_loss, rtol=1e-5)


def test_user_metric_mean_pred():
    def mean_pred(y_true, y_pred):
        return K.mean(y_pred)

    x, y = regression(samples=21)
    model = mlp()
    model.compile(optimizer="sgd", loss="mse", metrics=["accuracy", mean_pred])
    history = model.fit(x, y, epochs=1, batch_size=8, validation_split=0.25, verbose=0)
    assert "mean_pred" in history.history
    assert "val_mean_pred" in history.history
    assert model.metrics_names == ["loss", "accuracy", "mean_pred"]
    results = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    np.testing.assert_allclose(
        results["mean_pred"], np.mean(model.predict(x, verbose=0)), rtol=1e-5, atol=1e-7
    )


def test_metric_objects_and_functions():
    x, y = regression()
    model = mlp()
    model.compile(
        optimizer="sgd",
        loss="mse",
        metrics=[keras.metrics.MeanSquaredError(name="my_mse"), "mean_absolute_error"],
    )
    results = model.evaluate(x, y, batch_size=6, verbose=0, return_dict=True)
    predictions = model.predict(x, verbose=0)
    np.testing.assert_allclose(results["my_mse"], np.mean((predictions - y) ** 2), rtol=1e-5)
    np.testing.assert_allclose(
        results["mean_absolute_error"], np.mean(np.abs(predictions - y)), rtol=1e-5
    )


# ---- accuracy chosen from the loss -------------------------------------------------------


def test_accuracy_for_sigmoid_and_binary_crossentropy():
    x, labels, _ = classification(samples=32, classes=2)
    y = labels.reshape(-1, 1).astype("float32")
    model = mlp(outputs=1, activation="sigmoid")
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    _, accuracy = model.evaluate(x, y, verbose=0)
    predictions = model.predict(x, verbose=0)
    np.testing.assert_allclose(accuracy, np.mean((predictions > 0.5) == y), rtol=1e-6)


def test_accuracy_for_one_hot_targets():
    x, _, onehot = classification(samples=32)
    model = mlp(outputs=3, activation="softmax")
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    _, accuracy = model.evaluate(x, onehot, verbose=0)
    predictions = model.predict(x, verbose=0)
    expected = np.mean(predictions.argmax(-1) == onehot.argmax(-1))
    np.testing.assert_allclose(accuracy, expected, rtol=1e-6)


@pytest.mark.parametrize("label_shape", ["flat", "column"])
def test_accuracy_for_integer_labels(label_shape):
    x, labels, _ = classification(samples=32)
    y = labels if label_shape == "flat" else labels.reshape(-1, 1)
    model = mlp(outputs=3, activation="softmax")
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    _, accuracy = model.evaluate(x, y, verbose=0)
    predictions = model.predict(x, verbose=0)
    np.testing.assert_allclose(accuracy, np.mean(predictions.argmax(-1) == labels), rtol=1e-6)


# ---- loss values -------------------------------------------------------------------------


def _clip(p):
    return np.clip(p, EPSILON, 1 - EPSILON)


def _reference_loss(name, y, p):
    p = p.astype("float64")
    if name == "mse":
        return np.mean(np.mean((p - y) ** 2, axis=-1))
    if name == "mae":
        return np.mean(np.mean(np.abs(p - y), axis=-1))
    if name == "binary_crossentropy":
        q = _clip(p)
        return np.mean(np.mean(-(y * np.log(q) + (1 - y) * np.log(1 - q)), axis=-1))
    q = _clip(p / p.sum(axis=-1, keepdims=True))
    if name == "categorical_crossentropy":
        return np.mean(-np.sum(y * np.log(q), axis=-1))
    if name == "sparse_categorical_crossentropy":
        return np.mean(-np.log(q[np.arange(len(y)), y.reshape(-1).astype(int)]))
    raise AssertionError(name)


LOSS_CASES = {
    "mse": (2, None),
    "mae": (2, None),
    "binary_crossentropy": (2, "sigmoid"),
    "categorical_crossentropy": (3, "softmax"),
    "sparse_categorical_crossentropy": (3, "softmax"),
}


@pytest.mark.parametrize("loss", sorted(LOSS_CASES))
def test_evaluate_loss_matches_numpy(loss):
    units, activation = LOSS_CASES[loss]
    x, labels, onehot = classification(samples=21, classes=units)
    y = {
        "mse": onehot,
        "mae": onehot,
        "binary_crossentropy": onehot,  # two independent binary targets per sample
        "categorical_crossentropy": onehot,
        "sparse_categorical_crossentropy": labels,
    }[loss]
    model = mlp(outputs=units, activation=activation)
    model.compile(optimizer="sgd", loss=loss)
    value = model.evaluate(x, y, batch_size=8, verbose=0)
    expected = _reference_loss(loss, y, model.predict(x, verbose=0))
    np.testing.assert_allclose(value, expected, rtol=1e-5)


def test_user_loss_function():
    def half_squared(y_true, y_pred):
        return 0.5 * K.mean(K.square(y_pred - y_true), axis=-1)

    x, y = regression()
    model = mlp()
    model.compile(optimizer="sgd", loss=half_squared)
    value = model.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(
        value, 0.5 * np.mean((model.predict(x, verbose=0) - y) ** 2), rtol=1e-5
    )


def test_loss_weights():
    inputs = keras.Input(shape=(4,))
    first = layers.Dense(1, name="first")(inputs)
    second = layers.Dense(1, name="second")(inputs)
    model = keras.Model(inputs, [first, second])
    model.compile(optimizer="sgd", loss=["mse", "mae"], loss_weights=[0.25, 3.0])
    x, y = regression()
    results = model.evaluate(x, [y, -y], verbose=0, return_dict=True)
    p_first, p_second = model.predict(x, verbose=0)
    np.testing.assert_allclose(results["first_loss"], np.mean((p_first - y) ** 2), rtol=1e-5)
    np.testing.assert_allclose(results["second_loss"], np.mean(np.abs(p_second + y)), rtol=1e-5)
    np.testing.assert_allclose(
        results["loss"], 0.25 * results["first_loss"] + 3.0 * results["second_loss"], rtol=1e-5
    )


# ---- sample and class weights ------------------------------------------------------------


def test_sample_weight_weighs_the_loss():
    x, y = regression(samples=12)
    weights = np.linspace(0.0, 2.0, 12).astype("float32")
    model = mlp()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"], weighted_metrics=["mae"])
    results = model.evaluate(x, y, sample_weight=weights, batch_size=5, verbose=0, return_dict=True)
    per_sample = np.mean((model.predict(x, verbose=0) - y) ** 2, axis=-1)
    absolute = np.mean(np.abs(model.predict(x, verbose=0) - y), axis=-1)
    # Keras: the weighted per-sample losses are averaged over the samples.
    np.testing.assert_allclose(results["loss"], np.mean(per_sample * weights), rtol=1e-5)
    # Plain metrics ignore the weights; weighted metrics are weighted means.
    np.testing.assert_allclose(results["mae"], np.mean(absolute), rtol=1e-5)
    np.testing.assert_allclose(
        results["weighted_mae"], np.sum(absolute * weights) / np.sum(weights), rtol=1e-5
    )


def test_sample_weight_in_train_on_batch_and_fit():
    x, y = regression(samples=8)
    model = mlp()
    model.compile(optimizer=optimizers.SGD(0.0), loss="mse")
    weights = np.array([1, 0, 0, 0, 0, 0, 0, 3], dtype="float32")
    loss = model.train_on_batch(x, y, sample_weight=weights)
    per_sample = np.mean((model.predict(x, verbose=0) - y) ** 2, axis=-1)
    np.testing.assert_allclose(loss, np.mean(per_sample * weights), rtol=1e-5)
    history = model.fit(x, y, sample_weight=weights, batch_size=8, epochs=1, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], loss, rtol=1e-5)


def test_class_weight_weighs_the_loss():
    x, labels, onehot = classification(samples=15)
    class_weight = {0: 1.0, 1: 5.0, 2: 0.5}
    model = mlp(outputs=3, activation="softmax")
    model.compile(optimizer=optimizers.SGD(0.0), loss="categorical_crossentropy")
    loss = model.train_on_batch(x, onehot, class_weight=class_weight)
    p = _clip(model.predict(x, verbose=0).astype("float64"))
    per_sample = -np.log(p[np.arange(15), labels])
    weights = np.array([class_weight[label] for label in labels])
    np.testing.assert_allclose(loss, np.mean(per_sample * weights), rtol=1e-5)

    sparse = mlp(outputs=3, activation="softmax")
    sparse.set_weights(model.get_weights())
    sparse.compile(optimizer=optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    history = sparse.fit(x, labels, class_weight=class_weight, epochs=1, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], loss, rtol=1e-5)


def test_class_weight_and_sample_weight_multiply():
    x, labels, onehot = classification(samples=9)
    class_weight = {0: 2.0, 1: 1.0, 2: 0.0}
    sample_weight = np.linspace(0.5, 1.5, 9).astype("float32")
    model = mlp(outputs=3, activation="softmax")
    model.compile(optimizer=optimizers.SGD(0.0), loss="categorical_crossentropy")
    loss = model.train_on_batch(x, onehot, sample_weight=sample_weight, class_weight=class_weight)
    p = _clip(model.predict(x, verbose=0).astype("float64"))
    per_sample = -np.log(p[np.arange(9), labels])
    weights = sample_weight * np.array([class_weight[label] for label in labels])
    np.testing.assert_allclose(loss, np.mean(per_sample * weights), rtol=1e-5)


def test_class_weight_changes_training():
    x, labels, onehot = classification(samples=30)
    finals = []
    for class_weight in (None, {0: 10.0, 1: 0.1, 2: 0.1}):
        set_random_seed(3)
        model = mlp(outputs=3, activation="softmax")
        model.compile(optimizer=optimizers.SGD(0.1), loss="categorical_crossentropy")
        model.fit(x, onehot, class_weight=class_weight, epochs=3, shuffle=False, verbose=0)
        finals.append(model.predict(x, verbose=0)[:, 0].mean())
    assert finals[1] > finals[0]  # class 0 counts more, so it is predicted more


# ---- optimizers: one step against Keras 2's formulas -------------------------------------


def _mse_gradients(x, y, kernel, bias):
    prediction = x @ kernel + bias
    loss = np.mean((prediction - y) ** 2)
    d_prediction = 2.0 * (prediction - y) / prediction.size
    return loss, [x.T @ d_prediction, d_prediction.sum(axis=0)]


class NumpySGD:
    def __init__(self, lr, momentum=0.0, nesterov=False, decay=0.0):
        self.lr, self.momentum, self.nesterov, self.decay = lr, momentum, nesterov, decay
        self.iterations = 0
        self.velocities = None

    def step(self, params, grads):
        lr = self.lr / (1.0 + self.decay * self.iterations)
        if self.velocities is None:
            self.velocities = [np.zeros_like(p) for p in params]
        updated = []
        for index, (p, g) in enumerate(zip(params, grads)):
            v = self.momentum * self.velocities[index] - lr * g
            self.velocities[index] = v
            updated.append(p + self.momentum * v - lr * g if self.nesterov else p + v)
        self.iterations += 1
        return updated


class NumpyRMSprop:
    def __init__(self, lr, rho=0.9, epsilon=EPSILON, decay=0.0):
        self.lr, self.rho, self.epsilon, self.decay = lr, rho, epsilon, decay
        self.iterations = 0
        self.accumulators = None

    def step(self, params, grads):
        lr = self.lr / (1.0 + self.decay * self.iterations)
        if self.accumulators is None:
            self.accumulators = [np.zeros_like(p) for p in params]
        updated = []
        for index, (p, g) in enumerate(zip(params, grads)):
            a = self.rho * self.accumulators[index] + (1 - self.rho) * g**2
            self.accumulators[index] = a
            updated.append(p - lr * g / (np.sqrt(a) + self.epsilon))
        self.iterations += 1
        return updated


class NumpyAdam:
    def __init__(self, lr, beta_1=0.9, beta_2=0.999, epsilon=EPSILON, amsgrad=False, decay=0.0):
        self.lr, self.beta_1, self.beta_2 = lr, beta_1, beta_2
        self.epsilon, self.amsgrad, self.decay = epsilon, amsgrad, decay
        self.iterations = 0
        self.m = self.v = self.v_hat = None

    def step(self, params, grads):
        lr = self.lr / (1.0 + self.decay * self.iterations)
        t = self.iterations + 1
        lr_t = lr * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
            self.v_hat = [np.zeros_like(p) for p in params]
        updated = []
        for index, (p, g) in enumerate(zip(params, grads)):
            self.m[index] = self.beta_1 * self.m[index] + (1 - self.beta_1) * g
            self.v[index] = self.beta_2 * self.v[index] + (1 - self.beta_2) * g**2
            v = self.v[index]
            if self.amsgrad:
                self.v_hat[index] = np.maximum(self.v_hat[index], v)
                v = self.v_hat[index]
            updated.append(p - lr_t * self.m[index] / (np.sqrt(v) + self.epsilon))
        self.iterations += 1
        return updated


OPTIMIZER_CASES = {
    "sgd": (lambda: optimizers.SGD(learning_rate=0.1), lambda: NumpySGD(0.1)),
    "sgd_lr": (lambda: optimizers.SGD(lr=0.2), lambda: NumpySGD(0.2)),
    "sgd_momentum": (
        lambda: optimizers.SGD(learning_rate=0.1, momentum=0.9),
        lambda: NumpySGD(0.1, momentum=0.9),
    ),
    "sgd_nesterov": (
        lambda: optimizers.SGD(learning_rate=0.1, momentum=0.8, nesterov=True),
        lambda: NumpySGD(0.1, momentum=0.8, nesterov=True),
    ),
    "sgd_decay": (
        lambda: optimizers.SGD(lr=0.1, momentum=0.5, decay=0.5),
        lambda: NumpySGD(0.1, momentum=0.5, decay=0.5),
    ),
    "rmsprop": (lambda: optimizers.RMSprop(learning_rate=0.01), lambda: NumpyRMSprop(0.01)),
    "rmsprop_rho_decay": (
        lambda: optimizers.RMSprop(lr=0.01, rho=0.5, decay=0.1),
        lambda: NumpyRMSprop(0.01, rho=0.5, decay=0.1),
    ),
    "adam": (lambda: optimizers.Adam(learning_rate=0.01), lambda: NumpyAdam(0.01)),
    "adam_betas_decay": (
        lambda: optimizers.Adam(lr=0.02, beta_1=0.8, beta_2=0.99, decay=0.2),
        lambda: NumpyAdam(0.02, beta_1=0.8, beta_2=0.99, decay=0.2),
    ),
    "adam_amsgrad": (
        lambda: optimizers.Adam(learning_rate=0.01, amsgrad=True),
        lambda: NumpyAdam(0.01, amsgrad=True),
    ),
}


@pytest.mark.parametrize("case", sorted(OPTIMIZER_CASES))
def test_optimizer_steps_match_keras2_formulas(case):
    make_optimizer, make_reference = OPTIMIZER_CASES[case]
    rng = np.random.default_rng(5)
    x = rng.normal(size=(6, 3)).astype("float32")
    y = rng.normal(size=(6, 2)).astype("float32")
    kernel = rng.normal(size=(3, 2)).astype("float32")
    bias = np.array([0.1, -0.2], dtype="float32")

    model = keras.Sequential([layers.Dense(2, input_dim=3)])
    model.set_weights([kernel, bias])
    model.compile(optimizer=make_optimizer(), loss="mse")
    reference = make_reference()
    params = [kernel.astype("float64"), bias.astype("float64")]
    # Several steps, so that momentum, decay and the moment estimates all matter.
    for _ in range(3):
        expected_loss, grads = _mse_gradients(x, y, *params)
        loss = model.train_on_batch(x, y)
        params = reference.step(params, grads)
        np.testing.assert_allclose(loss, expected_loss, rtol=1e-5)
        for got, expected in zip(model.get_weights(), params):
            np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert int(K.get_value(model.optimizer.iterations)) == 3


def test_optimizer_by_name_has_keras_defaults():
    model = mlp()
    model.compile(optimizer="adam", loss="mse")
    assert isinstance(model.optimizer, optimizers.Adam)
    np.testing.assert_allclose(K.get_value(model.optimizer.lr), 0.001)
    model.compile(optimizer="sgd", loss="mse")
    np.testing.assert_allclose(K.get_value(model.optimizer.learning_rate), 0.01)
    model.compile(optimizer="rmsprop", loss="mse")
    np.testing.assert_allclose(K.get_value(model.optimizer.lr), 0.001)


def test_setting_the_learning_rate_between_steps():
    x, y = regression(samples=8)
    model = mlp()
    model.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    model.train_on_batch(x, y)
    K.set_value(model.optimizer.lr, 0.0)
    before = model.get_weights()
    model.train_on_batch(x, y)
    for b, a in zip(before, model.get_weights()):
        np.testing.assert_array_equal(b, a)


# ---- callbacks ---------------------------------------------------------------------------


class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(("batch_end", batch, dict(logs)))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch, dict(logs)))

    def on_train_end(self, logs=None):
        self.events.append(("train_end",))


def test_custom_callback_sees_batches_and_epochs():
    x, y = regression(samples=20)
    model = mlp()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    recorder = Recorder()
    history = model.fit(x, y, epochs=2, batch_size=8, callbacks=[recorder], verbose=0)
    kinds = [event[0] for event in recorder.events]
    assert kinds == [
        "train_begin",
        *(["epoch_begin", "batch_end", "batch_end", "batch_end", "epoch_end"] * 2),
        "train_end",
    ]
    batches = [event[1] for event in recorder.events if event[0] == "batch_end"]
    assert batches == [0, 1, 2, 0, 1, 2]
    epoch_logs = [event[2] for event in recorder.events if event[0] == "epoch_end"]
    assert [set(logs) for logs in epoch_logs] == [{"loss", "mae"}] * 2
    assert [logs["loss"] for logs in epoch_logs] == history.history["loss"]
    batch_logs = [event[2] for event in recorder.events if event[0] == "batch_end"]
    assert set(batch_logs[0]) == {"batch", "size", "loss", "mae"}  # Keras 2's batch keys
    assert [logs["size"] for logs in batch_logs[:3]] == [8, 8, 4]
    # Batch logs hold running averages over the epoch so far, ending at the epoch's value.
    np.testing.assert_allclose(batch_logs[2]["loss"], epoch_logs[0]["loss"], rtol=1e-6)
    assert recorder.model is model
    assert recorder.params["epochs"] == 2
    assert recorder.params["steps"] == 3


def test_keras2_on_batch_end_is_called():
    seen = []

    class Legacy(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append((batch, logs["loss"]))

    x, y = regression(samples=16)
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, batch_size=8, callbacks=[Legacy()], verbose=0)
    assert [batch for batch, _ in seen] == [0, 1]
    assert all(np.isfinite(loss) for _, loss in seen)


def test_early_stopping_stops():
    x, y = regression()
    model = mlp()
    # A zero learning rate: the loss never improves, so patience runs out. min_delta: on a
    # GPU the same loss may differ in its last bits from epoch to epoch (reduction order).
    model.compile(optimizer=optimizers.SGD(0.0), loss="mse")
    stopper = callbacks.EarlyStopping(monitor="loss", patience=2, min_delta=1e-4)
    history = model.fit(x, y, epochs=20, callbacks=[stopper], verbose=0)
    assert len(history.history["loss"]) == 3  # the first epoch, then `patience` more
    assert stopper.stopped_epoch == 2


def test_early_stopping_with_unknown_monitor_raises():
    x, y = regression()
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="val_loss"):
        model.fit(x, y, epochs=1, callbacks=[callbacks.EarlyStopping()], verbose=0)


def test_lambda_callback():
    epochs, batches = [], []
    callback = callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: epochs.append((epoch, logs["loss"])),
        on_batch_end=lambda batch, logs: batches.append(batch),
    )
    x, y = regression(samples=16)
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, epochs=2, batch_size=8, callbacks=[callback], verbose=0)
    assert [epoch for epoch, _ in epochs] == [0, 1]
    assert [loss for _, loss in epochs] == history.history["loss"]
    assert batches == [0, 1, 0, 1]


def test_learning_rate_scheduler():
    rates, kernels = [], []

    def record(epoch, logs):
        rates.append(float(K.get_value(model.optimizer.learning_rate)))
        kernels.append(model.get_weights()[0].copy())

    def schedule(epoch):
        return 0.1 if epoch == 0 else 0.0

    x, y = regression()
    model = mlp()
    model.compile(optimizer=optimizers.SGD(0.5), loss="mse")
    model.fit(
        x,
        y,
        epochs=3,
        callbacks=[
            callbacks.LearningRateScheduler(schedule),
            callbacks.LambdaCallback(on_epoch_end=record),
        ],
        verbose=0,
    )
    assert rates == pytest.approx([0.1, 0.0, 0.0])
    assert float(model.optimizer.learning_rate.numpy()) == 0.0
    # With a zero rate the weights stop moving: the compiled step reads the new value.
    np.testing.assert_array_equal(kernels[1], kernels[2])
    np.testing.assert_array_equal(kernels[0], kernels[1])


def test_learning_rate_scheduler_with_current_rate():
    x, y = regression()
    model = mlp()
    model.compile(optimizer=optimizers.SGD(0.1), loss="mse")
    halve = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    history = model.fit(x, y, epochs=3, callbacks=[halve], verbose=0)
    np.testing.assert_allclose(K.get_value(model.optimizer.lr), 0.1 / 8, rtol=1e-6)
    # History comes after the user's callbacks, so the rate they log is recorded.
    np.testing.assert_allclose(history.history["lr"], [0.05, 0.025, 0.0125], rtol=1e-6)


def test_a_users_progbar_logger_replaces_the_built_in_one(capsys):
    x, y = regression()
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, verbose=1, callbacks=[callbacks.ProgbarLogger(count_mode="steps")])
    assert capsys.readouterr().out.count("Epoch 1/1") == 1


def test_learning_rate_scheduler_refuses_an_optimizer_with_a_schedule():
    x, y = regression()
    model = mlp()
    schedule = optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    model.compile(optimizer=optimizers.SGD(learning_rate=schedule), loss="mse")
    halve = callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    with pytest.raises(TypeError, match="LearningRateScheduler cannot set the rate of SGD"):
        model.fit(x, y, epochs=1, callbacks=[halve], verbose=0)


# ---- progress output ---------------------------------------------------------------------


@pytest.mark.parametrize("verbose", [1, 2])
def test_verbose_output(capsys, verbose):
    x, y = regression()
    model = mlp()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.fit(x, y, epochs=2, batch_size=8, verbose=verbose)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out
    assert "Epoch 2/2" in out
    assert "loss:" in out
    assert "mae:" in out
    if verbose == 2:
        lines = [line for line in out.splitlines() if "loss:" in line]
        assert len(lines) == 2  # one summary line per epoch


def test_verbose_zero_prints_nothing(capsys):
    x, y = regression()
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


def test_evaluate_verbose_prints_loss(capsys):
    x, y = regression()
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    model.evaluate(x, y, verbose=1)
    assert "loss:" in capsys.readouterr().out


# ---- Sequence ----------------------------------------------------------------------------


class Batches(Sequence):
    def __init__(self, x, y, batch_size):
        self.x, self.y, self.batch_size = x, y, batch_size
        self.epochs_ended = 0

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_fit_with_a_sequence():
    x, y = regression(samples=20)
    batches = Batches(x, y, batch_size=8)
    model = mlp()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    history = model.fit(batches, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert batches.epochs_ended == 2
    from_sequence = model.evaluate(Batches(x, y, batch_size=8), verbose=0)
    from_arrays = model.evaluate(x, y, batch_size=8, verbose=0)
    np.testing.assert_allclose(from_sequence, from_arrays, rtol=1e-5)
    predictions = model.predict(Batches(x, y, batch_size=8), verbose=0)
    # atol: batches of other sizes may round differently on a GPU.
    np.testing.assert_allclose(predictions, model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_fit_with_a_sequence_and_validation_sequence():
    x, y = regression(samples=20)
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(
        Batches(x, y, 8), validation_data=Batches(x[:6], y[:6], 4), epochs=1, verbose=0
    )
    assert set(history.history) == {"loss", "val_loss"}


def test_sequence_training_matches_array_training():
    x, y = regression(samples=16)
    results = []
    for use_sequence in (False, True):
        set_random_seed(2)
        model = mlp()
        model.compile(optimizer=optimizers.SGD(0.1), loss="mse")
        if use_sequence:
            history = model.fit(Batches(x, y, 8), epochs=2, shuffle=False, verbose=0)
        else:
            history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
        results.append(history.history["loss"])
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5)


# ---- reproducibility ---------------------------------------------------------------------


def test_set_random_seed_makes_training_repeatable():
    x, y = regression(samples=24)

    def run():
        set_random_seed(0)
        model = keras.Sequential(
            [
                layers.Dense(8, activation="relu", input_dim=4),
                layers.Dropout(0.3),
                layers.Dense(1),
            ]
        )
        model.compile(optimizer="adam", loss="mse")
        history = model.fit(x, y, epochs=3, batch_size=8, shuffle=True, verbose=0)
        return history.history["loss"], model.get_weights()

    first_losses, first_weights = run()
    second_losses, second_weights = run()
    assert first_losses == second_losses
    for a, b in zip(first_weights, second_weights):
        np.testing.assert_array_equal(a, b)


def test_different_seeds_give_different_weights():
    set_random_seed(0)
    first = mlp().get_weights()[0]
    set_random_seed(1)
    second = mlp().get_weights()[0]
    assert not np.allclose(first, second)


# ---- data forms Keras 2 accepts ----------------------------------------------------------


def test_nested_lists_as_data():
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    x = [[0.0, 1.0, 2.0, 3.0], [1.0, 1.0, 1.0, 1.0], [0.5, 0.5, 0.5, 0.5]]
    history = model.fit(x, [0.0, 1.0, 2.0], epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert model.predict(x, verbose=0).shape == (3, 1)


def test_one_dimensional_inputs_and_targets():
    # (samples,) arrays stand for (samples, 1), as in Keras 2.
    x = np.linspace(-1, 1, 16).astype("float32")
    y = 3 * x + 1
    model = keras.Sequential([layers.Dense(1, input_shape=(1,))])
    model.compile(optimizer=optimizers.SGD(0.0), loss="mse")
    loss = model.evaluate(x, y, verbose=0)
    kernel, bias = model.get_weights()
    expected = np.mean((x[:, None] @ kernel + bias - y[:, None]) ** 2)
    np.testing.assert_allclose(loss, expected, rtol=1e-5)
    assert model.predict(x, verbose=0).shape == (16, 1)


def test_sequence_with_dict_targets_for_two_outputs():
    inputs = keras.Input(shape=(4,))
    first = layers.Dense(1, name="first")(inputs)
    second = layers.Dense(2, name="second")(inputs)
    model = keras.Model(inputs, [first, second])
    model.compile(optimizer=optimizers.SGD(0.0), loss={"first": "mse", "second": "mae"})

    class DictBatches(Sequence):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            x, y = regression(samples=8, outputs=3, seed=index)
            return x, {"second": y[:, 1:], "first": y[:, 0]}

    from_sequence = model.evaluate(DictBatches(), verbose=0, return_dict=True)
    x = np.concatenate([regression(samples=8, outputs=3, seed=i)[0] for i in range(2)])
    y = np.concatenate([regression(samples=8, outputs=3, seed=i)[1] for i in range(2)])
    from_arrays = model.evaluate(x, [y[:, :1], y[:, 1:]], verbose=0, return_dict=True)
    for key in ("loss", "first_loss", "second_loss"):
        np.testing.assert_allclose(from_sequence[key], from_arrays[key], rtol=1e-5)


# ---- what fit adds to the loss, and where it starts and stops ----------------------------


def test_weight_penalties_are_part_of_the_loss():
    x, y = regression(outputs=2)
    model = keras.Sequential(
        [layers.Dense(2, input_dim=4, kernel_regularizer=keras.regularizers.l2(0.1))]
    )
    model.compile(optimizer=optimizers.SGD(0.0), loss="mse")
    kernel, bias = model.get_weights()
    expected = np.mean((x @ kernel + bias - y) ** 2) + 0.1 * np.sum(kernel**2)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected, rtol=1e-5)
    history = model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], expected, rtol=1e-5)


def test_dropout_is_active_in_fit_only():
    x, y = regression(samples=32)
    model = keras.Sequential([layers.Dropout(0.5, input_shape=(4,)), layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(0.0), loss="mse")
    evaluated = model.evaluate(x, y, verbose=0)
    assert evaluated == model.evaluate(x, y, verbose=0)
    trained = model.fit(x, y, epochs=1, batch_size=32, verbose=0).history["loss"][0]
    assert not np.isclose(trained, evaluated, rtol=1e-3)


def test_initial_epoch_and_steps_per_epoch():
    x, y = regression(samples=24)
    model = mlp()
    model.compile(optimizer="sgd", loss="mse")
    recorder = Recorder()
    history = model.fit(
        x,
        y,
        epochs=3,
        initial_epoch=1,
        steps_per_epoch=2,
        batch_size=4,
        callbacks=[recorder],
        verbose=0,
    )
    assert history.epoch == [1, 2]
    batches = [event[1] for event in recorder.events if event[0] == "batch_end"]
    assert batches == [0, 1, 0, 1]
    assert int(K.get_value(model.optimizer.iterations)) == 4


def test_early_stopping_restores_best_weights():
    x, y = regression()
    model = mlp()
    model.compile(optimizer=optimizers.SGD(0.0), loss="mse")
    best = model.get_weights()

    def spoil(epoch, logs):
        # Runs after EarlyStopping has seen the epoch: every later epoch is worse.
        if not model.stop_training:
            model.set_weights([w + 10.0 for w in model.get_weights()])

    stopper = callbacks.EarlyStopping(monitor="loss", patience=1, restore_best_weights=True)
    history = model.fit(
        x,
        y,
        epochs=5,
        callbacks=[stopper, callbacks.LambdaCallback(on_epoch_end=spoil)],
        verbose=0,
    )
    assert len(history.history["loss"]) == 2
    for restored, expected in zip(model.get_weights(), best):
        np.testing.assert_allclose(restored, expected, rtol=1e-6)


def test_user_loss_may_take_targets_of_another_shape():
    # Only built-in losses have their targets checked against the output shape.
    def first_column_mse(y_true, y_pred):
        return K.mean(K.square(y_pred[:, 0] - y_true))

    rng = np.random.default_rng(3)
    x = rng.random((16, 4)).astype("float32")
    y = rng.random(16).astype("float32")
    model = keras.Sequential([layers.Dense(3, input_dim=4)])
    model.compile(optimizer="sgd", loss=first_column_mse)
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    predictions = model.predict(x)
    expected = np.mean((predictions[:, 0] - y) ** 2)
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=16, verbose=0), expected, rtol=1e-5)


@pytest.mark.parametrize("loss", ["binary_crossentropy", "mse", "categorical_crossentropy"])
def test_integer_targets_train_like_float_targets(loss):
    # The Keras docs' own example feeds np.random.randint labels to binary_crossentropy.
    rng = np.random.default_rng(5)
    x = rng.random((32, 6)).astype("float32")
    units, activation = (1, "sigmoid") if loss != "categorical_crossentropy" else (3, "softmax")
    labels = (
        rng.integers(0, 2, size=(32, 1))
        if units == 1
        else np.eye(3, dtype="int64")[rng.integers(0, 3, size=32)]
    )
    model = keras.Sequential([layers.Dense(units, activation=activation, input_dim=6)])
    model.compile(optimizer="sgd", loss=loss)
    model.fit(x, labels, batch_size=16, epochs=1, verbose=0)
    from_ints = model.evaluate(x, labels, verbose=0)
    from_floats = model.evaluate(x, labels.astype("float32"), verbose=0)
    np.testing.assert_allclose(from_ints, from_floats, rtol=1e-6)


def test_validation_steps_limits_the_validation_batches():
    rng = np.random.default_rng(9)
    x, y = rng.random((40, 3)).astype("float32"), rng.random((40, 1)).astype("float32")
    model = keras.Sequential([layers.Dense(1, input_dim=3)])
    model.compile(optimizer="sgd", loss="mse")
    val_x, val_y = x[:20], np.concatenate([y[:10], y[10:20] + 100.0])
    history = model.fit(
        x,
        y,
        batch_size=10,
        epochs=1,
        verbose=0,
        validation_data=(val_x, val_y),
        validation_batch_size=10,
        validation_steps=1,
    )
    # Only the first validation batch (the unshifted targets) was evaluated.
    expected = model.evaluate(val_x[:10], val_y[:10], verbose=0)
    np.testing.assert_allclose(history.history["val_loss"][0], expected, rtol=1e-5)
