"""Keras 2.2.4's training API surface: optimizers, callbacks, activations, initializers,
regularizers, constraints, losses, metrics, and the Model/Sequential methods and
`kerasfront.models` functions, as Keras 2 code calls them.

The tables below are facts of the Keras 2.2.4 API (names, argument order, defaults and
config keys, from its documentation); each test checks kerasfront against them. Numerical
checks compare with a NumPy reference (float32 against float64, rtol 1e-5, atol 1e-6).
"""

import inspect

import numpy as np
import pytest

from kerasfront import (
    activations,
    callbacks,
    constraints,
    initializers,
    layers,
    metrics,
    models,
    optimizers,
    regularizers,
)
from kerasfront import backend as K

RTOL, ATOL = 1e-5, 1e-6

# ---- optimizers ----------------------------------------------------------------------------

# Keras 2.2.4's constructor arguments, in positional order, with their defaults (`lr` is
# spelled `learning_rate` here and `lr` is accepted; see the next test).
KERAS2_OPTIMIZER_ARGUMENTS = {
    "SGD": [("lr", 0.01), ("momentum", 0.0), ("decay", 0.0), ("nesterov", False)],
    "RMSprop": [("lr", 0.001), ("rho", 0.9), ("epsilon", None), ("decay", 0.0)],
    "Adagrad": [("lr", 0.01), ("epsilon", None), ("decay", 0.0)],
    "Adadelta": [("lr", 1.0), ("rho", 0.95), ("epsilon", None), ("decay", 0.0)],
    "Adam": [
        ("lr", 0.001),
        ("beta_1", 0.9),
        ("beta_2", 0.999),
        ("epsilon", None),
        ("decay", 0.0),
        ("amsgrad", False),
    ],
    "Adamax": [
        ("lr", 0.002),
        ("beta_1", 0.9),
        ("beta_2", 0.999),
        ("epsilon", None),
        ("decay", 0.0),
    ],
    "Nadam": [
        ("lr", 0.002),
        ("beta_1", 0.9),
        ("beta_2", 0.999),
        ("epsilon", None),
        ("schedule_decay", 0.004),
    ],
}


@pytest.mark.parametrize("name", sorted(KERAS2_OPTIMIZER_ARGUMENTS))
def test_optimizer_positional_order_and_defaults_are_keras2s(name):
    expected = KERAS2_OPTIMIZER_ARGUMENTS[name]
    parameters = list(inspect.signature(getattr(optimizers, name)).parameters.values())
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)][
        : len(expected)
    ]
    names = ["lr" if p.name == "learning_rate" else p.name for p in positional]
    assert names == [argument for argument, _ in expected]
    assert [p.default for p in positional] == [default for _, default in expected]


def test_optimizers_called_positionally_as_in_keras2_code():
    sgd = optimizers.SGD(0.05, 0.9, 1e-4, True)
    assert (sgd.momentum, sgd.initial_decay, sgd.nesterov) == (0.9, 1e-4, True)
    rmsprop = optimizers.RMSprop(0.002, 0.8, 1e-6, 0.01)
    assert (rmsprop.rho, rmsprop.epsilon, rmsprop.initial_decay, rmsprop.momentum) == (
        0.8,
        1e-6,
        0.01,
        0.0,
    )
    adagrad = optimizers.Adagrad(0.1, 1e-5, 0.2)
    assert (adagrad.epsilon, adagrad.initial_decay, adagrad.initial_accumulator_value) == (
        1e-5,
        0.2,
        0.0,
    )
    adam = optimizers.Adam(0.01, 0.8, 0.99, 1e-6, 0.1, True)
    assert (adam.beta_1, adam.beta_2, adam.epsilon, adam.initial_decay, adam.amsgrad) == (
        0.8,
        0.99,
        1e-6,
        0.1,
        True,
    )
    assert optimizers.Adamax(0.01, 0.8, 0.9, 1e-6, 0.3).initial_decay == 0.3
    assert optimizers.Adadelta(1.0, 0.9, 1e-6, 0.3).initial_decay == 0.3
    assert optimizers.Nadam(0.01, 0.8, 0.9, 1e-6, 0.01).schedule_decay == 0.01
    # epsilon=None means K.epsilon(), as in Keras 2.
    assert optimizers.Adam().epsilon == K.epsilon()
    # Keras 2's keyword spelling.
    assert float(K.get_value(optimizers.SGD(lr=0.3).lr)) == pytest.approx(0.3)


# What Keras 2.2.4 wrote in a model file's training_config for each optimizer.
KERAS224_OPTIMIZER_CONFIGS = [
    ("SGD", {"lr": 0.02, "momentum": 0.9, "decay": 1e-6, "nesterov": True}),
    ("RMSprop", {"lr": 0.001, "rho": 0.9, "decay": 0.0, "epsilon": 1e-07}),
    ("Adagrad", {"lr": 0.01, "decay": 0.0, "epsilon": 1e-07}),
    ("Adadelta", {"lr": 1.0, "rho": 0.95, "decay": 0.0, "epsilon": 1e-07}),
    (
        "Adam",
        {
            "lr": 0.001,
            "beta_1": 0.9,
            "beta_2": 0.999,
            "decay": 0.0,
            "epsilon": 1e-07,
            "amsgrad": False,
        },
    ),
    ("Adamax", {"lr": 0.002, "beta_1": 0.9, "beta_2": 0.999, "decay": 0.0, "epsilon": 1e-07}),
    (
        "Nadam",
        {"lr": 0.002, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "schedule_decay": 0.004},
    ),
    ("SGD", {"lr": 0.1, "momentum": 0.0, "decay": 0.0, "nesterov": False, "clipnorm": 1.0}),
    ("Adam", {"lr": 0.1, "beta_1": 0.9, "beta_2": 0.999, "decay": 0.0, "clipvalue": 0.5}),
]


@pytest.mark.parametrize(("class_name", "config"), KERAS224_OPTIMIZER_CONFIGS)
def test_keras224_optimizer_configs_load(class_name, config):
    for loader in (optimizers.deserialize, optimizers.get):
        optimizer = loader({"class_name": class_name, "config": dict(config)})
        assert type(optimizer).__name__ == class_name
        assert float(K.get_value(optimizer.lr)) == pytest.approx(config["lr"])
        for key, value in config.items():
            if key not in ("lr", "decay"):
                assert getattr(optimizer, key) == pytest.approx(value), key
        assert float(K.get_value(optimizer.decay)) == pytest.approx(config.get("decay", 0.0))
    # Keras 2 spells the argument `config` (keyword use).
    assert isinstance(
        optimizers.deserialize(config={"class_name": "sgd", "config": {}}), optimizers.SGD
    )


def test_decay_is_a_variable_as_in_keras2():
    """Keras 2 code reads the decayed rate with K functions on `optimizer.decay`, and
    may change the decay during training."""
    optimizer = optimizers.SGD(lr=0.1, decay=0.5)
    model = models.Sequential([layers.Dense(1, input_shape=(1,), use_bias=False)])
    model.set_weights([np.ones((1, 1), "float32")])
    model.compile(optimizer, "mse")
    x, y = np.ones((1, 1), "float32"), np.zeros((1, 1), "float32")
    model.train_on_batch(x, y)
    K.set_value(optimizer.decay, 1.0)
    model.train_on_batch(x, y)
    w = 1.0
    for step, decay in ((0, 0.5), (1, 1.0)):  # d(w^2)/dw = 2w
        w -= 0.1 / (1.0 + decay * step) * 2 * w
    np.testing.assert_allclose(model.get_weights()[0], [[w]], rtol=RTOL, atol=ATOL)
    iterations = optimizer.iterations
    rate = optimizer.lr / (1.0 + optimizer.decay * K.cast(iterations, K.dtype(optimizer.decay)))
    assert float(K.eval(rate)) == pytest.approx(0.1 / 3.0)
    assert optimizer.get_config()["decay"] == 1.0 and optimizer.initial_decay == 0.5
    undecayed = optimizers.Adam()
    with pytest.raises(ValueError, match="created with decay=0"):
        K.set_value(undecayed.decay, 0.1)


def test_get_updates_trains_through_k_function():
    """Keras 2's custom training function: updates from `get_updates` on a graph loss,
    run by `K.function`, against SGD with momentum and clipnorm in NumPy."""
    inputs = layers.Input((3,))
    outputs = layers.Dense(2)(inputs)
    model = models.Model(inputs, outputs)
    rng = np.random.default_rng(3)
    kernel = rng.normal(size=(3, 2)).astype("float32")
    bias = np.array([0.1, -0.1], "float32")
    model.set_weights([kernel, bias])
    target = K.placeholder(shape=(None, 2))
    loss = K.mean(K.square(outputs - target))
    optimizer = optimizers.SGD(lr=0.1, momentum=0.5, clipnorm=0.3)
    updates = optimizer.get_updates(loss=loss, params=model.trainable_weights)
    train = K.function([inputs, target], [loss], updates=updates)
    x = rng.normal(size=(4, 3)).astype("float32")
    y = rng.normal(size=(4, 2)).astype("float32")

    w = [kernel.astype("float64"), bias.astype("float64")]
    velocity = [np.zeros_like(v) for v in w]
    losses = []
    for _ in range(2):
        error = x @ w[0] + w[1] - y
        losses.append((error**2).mean())
        d = 2 * error / error.size
        grads = [x.T @ d, d.sum(0)]
        norm = np.sqrt(sum((g**2).sum() for g in grads))
        grads = [g * 0.3 / max(norm, 0.3) for g in grads]
        velocity = [0.5 * v - 0.1 * g for v, g in zip(velocity, grads)]
        w = [p + v for p, v in zip(w, velocity)]

    got = [train([x, y])[0] for _ in range(2)]
    np.testing.assert_allclose(got, losses, rtol=RTOL, atol=ATOL)
    for value, expected in zip(model.get_weights(), w):
        np.testing.assert_allclose(value, expected, rtol=RTOL, atol=ATOL)
    assert int(K.get_value(optimizer.iterations)) == 2
    clipped = optimizer.get_gradients(loss, model.trainable_weights)
    assert len(clipped) == 2 and all(g is not None for g in clipped)


def test_clip_norm_and_tfoptimizer():
    gradient = np.array([3.0, 4.0], "float32")
    np.testing.assert_allclose(
        K.get_value(optimizers.clip_norm(K.constant(gradient), 1.0, 5.0)), gradient / 5.0
    )
    np.testing.assert_allclose(
        K.get_value(optimizers.clip_norm(K.constant(gradient), 10.0, 5.0)), gradient
    )
    with pytest.raises(TypeError, match="TFOptimizer"):
        optimizers.TFOptimizer(object())


# ---- Model and Sequential methods ----------------------------------------------------------

# Keras 2.2.4's leading arguments, in positional order, of the methods whose later
# additions must not shift them.
KERAS2_MODEL_METHOD_ARGUMENTS = {
    "fit": [
        "x",
        "y",
        "batch_size",
        "epochs",
        "verbose",
        "callbacks",
        "validation_split",
        "validation_data",
        "shuffle",
        "class_weight",
        "sample_weight",
        "initial_epoch",
        "steps_per_epoch",
        "validation_steps",
    ],
    "evaluate": ["x", "y", "batch_size", "verbose", "sample_weight", "steps"],
    "predict": ["x", "batch_size", "verbose", "steps"],
    "train_on_batch": ["x", "y", "sample_weight", "class_weight"],
    "test_on_batch": ["x", "y", "sample_weight"],
    "predict_on_batch": ["x"],
    "fit_generator": [
        "generator",
        "steps_per_epoch",
        "epochs",
        "verbose",
        "callbacks",
        "validation_data",
        "validation_steps",
        "class_weight",
        "max_queue_size",
        "workers",
        "use_multiprocessing",
        "shuffle",
        "initial_epoch",
    ],
    "evaluate_generator": [
        "generator",
        "steps",
        "max_queue_size",
        "workers",
        "use_multiprocessing",
        "verbose",
    ],
    "predict_generator": [
        "generator",
        "steps",
        "max_queue_size",
        "workers",
        "use_multiprocessing",
        "verbose",
    ],
    "get_layer": ["name", "index"],
    "summary": ["line_length", "positions", "print_fn"],
    "save": ["filepath", "overwrite", "include_optimizer"],
    "save_weights": ["filepath", "overwrite"],
    "load_weights": ["filepath", "by_name", "skip_mismatch", "reshape"],
}


@pytest.mark.parametrize("method", sorted(KERAS2_MODEL_METHOD_ARGUMENTS))
def test_model_method_positional_order_is_keras2s(method):
    expected = KERAS2_MODEL_METHOD_ARGUMENTS[method]
    parameters = list(inspect.signature(getattr(models.Model, method)).parameters)[1:]
    assert parameters[: len(expected)] == expected


def test_keras2_model_attributes():
    model = models.Sequential([layers.Dense(2, input_shape=(3,)), layers.Dropout(0.5)])
    assert model.stateful is False and model.uses_learning_phase is True
    assert model.updates == [] and model.state_updates == []
    assert model.metrics == []
    model.compile("sgd", "mse", metrics=["mae"], loss_weights=[0.5])
    assert model.metrics == ["mae"] and model.loss_weights == [0.5]
    assert model.sample_weight_mode is None and model.weighted_metrics is None
    assert model.metrics_names == ["loss", "mae"]
    with pytest.warns(DeprecationWarning, match="Sequential.model"):
        assert model.model is model

    inputs = layers.Input(batch_shape=(2, 3, 1))
    recurrent = models.Model(inputs, layers.LSTM(2, stateful=True)(inputs))
    outer_inputs = layers.Input(batch_shape=(2, 3, 1))
    nested = models.Model(outer_inputs, layers.Dense(1)(recurrent(outer_inputs)))
    assert recurrent.stateful and nested.stateful
    assert not nested.uses_learning_phase


def test_load_weights_reshape(tmp_path):
    """Keras 2's `reshape=True`: a saved kernel with the same number of values but
    another shape (a Dense kernel loaded into a width-1 Conv1D) is reshaped."""
    dense = models.Sequential([layers.Dense(3, input_shape=(4,))])
    rng = np.random.default_rng(5)
    kernel = rng.normal(size=(4, 3)).astype("float32")
    bias = rng.normal(size=(3,)).astype("float32")
    dense.set_weights([kernel, bias])
    path = str(tmp_path / "dense.h5")
    dense.save_weights(path)
    conv = models.Sequential([layers.Conv1D(3, 1, input_shape=(2, 4))])
    with pytest.raises(ValueError, match="shape"):
        conv.load_weights(path)
    conv.load_weights(path, reshape=True)
    x = rng.normal(size=(2, 2, 4)).astype("float32")
    np.testing.assert_allclose(conv.predict(x), x @ kernel + bias, rtol=RTOL, atol=1e-5)


# ---- kerasfront.models functions -----------------------------------------------------------


def test_clone_model_functional_and_sequential():
    first, second = layers.Input((4,), name="first"), layers.Input((4,), name="second")
    shared = layers.Dense(3, name="shared")
    merged = layers.concatenate([shared(first), shared(second)])
    model = models.Model([first, second], layers.Dense(2, name="out")(merged))
    clone = models.clone_model(model)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert clone.input_names == ["first", "second"] and clone.output_names == ["out"]
    assert len(clone.weights) == 4  # the shared layer stays one layer
    assert not any(a is b for a, b in zip(clone.weights, model.weights))

    rng = np.random.default_rng(11)
    weights = [rng.normal(size=w.shape).astype("float32") for w in model.get_weights()]
    clone.set_weights(weights)
    x = [rng.normal(size=(2, 4)).astype("float32") for _ in range(2)]
    hidden = np.concatenate([x[0] @ weights[0] + weights[1], x[1] @ weights[0] + weights[1]], -1)
    expected = hidden @ weights[2] + weights[3]
    np.testing.assert_allclose(clone.predict(x), expected, rtol=RTOL, atol=1e-5)

    new_inputs = [layers.Input((4,)), layers.Input((4,))]
    rebuilt = models.clone_model(model, input_tensors=new_inputs)
    assert rebuilt.inputs[0] is new_inputs[0]

    stack = models.Sequential([layers.Input((4,)), layers.Dense(3), layers.Dense(1)])
    assert models.clone_model(stack).input_shape == (None, 4)
    on_tensor = models.clone_model(stack, input_tensors=layers.Input((4,)))
    assert [type(layer).__name__ for layer in on_tensor.layers] == ["Dense", "Dense"]


def test_model_from_config_and_module_names():
    import json

    stack = models.Sequential([layers.Dense(3, input_shape=(4,))])
    document = json.loads(stack.to_json())
    rebuilt = models.model_from_config(document)
    assert isinstance(rebuilt, models.Sequential) and rebuilt.input_shape == (None, 4)
    with pytest.raises(TypeError, match="Sequential.from_config"):
        models.model_from_config([document["config"]])
    assert models.Input is layers.Input and models.InputLayer is layers.InputLayer


# ---- activations, initializers, regularizers, constraints, metrics -------------------------

# Keras 2.2.4's module-level aliases: {alias: the class it names}.
KERAS2_INITIALIZER_ALIASES = {
    "zero": "Zeros",
    "zeros": "Zeros",
    "one": "Ones",
    "ones": "Ones",
    "constant": "Constant",
    "uniform": "RandomUniform",
    "random_uniform": "RandomUniform",
    "normal": "RandomNormal",
    "random_normal": "RandomNormal",
    "truncated_normal": "TruncatedNormal",
    "identity": "Identity",
    "orthogonal": "Orthogonal",
}
KERAS2_CONSTRAINT_ALIASES = {
    "max_norm": "MaxNorm",
    "maxnorm": "MaxNorm",
    "non_neg": "NonNeg",
    "nonneg": "NonNeg",
    "unit_norm": "UnitNorm",
    "unitnorm": "UnitNorm",
    "min_max_norm": "MinMaxNorm",
}


def test_module_aliases_and_deserialize():
    for alias, class_name in KERAS2_INITIALIZER_ALIASES.items():
        assert getattr(initializers, alias) is getattr(initializers, class_name), alias
        assert type(initializers.get(alias)).__name__ == class_name
    for alias, class_name in KERAS2_CONSTRAINT_ALIASES.items():
        assert getattr(constraints, alias) is getattr(constraints, class_name), alias
    assert metrics.cosine is metrics.cosine_proximity

    # Keras 2 configs name module functions too, with their arguments.
    glorot = initializers.deserialize({"class_name": "glorot_uniform", "config": {"seed": 3}})
    assert glorot.get_config()["seed"] == 3
    normal = initializers.deserialize({"class_name": "normal", "config": {"stddev": 0.2}})
    assert isinstance(normal, initializers.RandomNormal) and normal.stddev == 0.2
    l2 = regularizers.deserialize({"class_name": "l2", "config": {"l": 0.1}})
    assert l2.get_config()["l2"] == pytest.approx(0.1) and l2.get_config()["l1"] == 0
    max_norm = constraints.deserialize({"class_name": "max_norm", "config": {"max_value": 3}})
    assert isinstance(max_norm, constraints.MaxNorm) and max_norm.max_value == 3
    assert activations.deserialize("relu") is activations.relu

    def swish(x):
        return x * K.sigmoid(x)

    assert activations.deserialize("swish_custom", {"swish_custom": swish}) is swish
    custom = {"Scaled": initializers.Constant}
    made = initializers.deserialize({"class_name": "Scaled", "config": {"value": 2.0}}, custom)
    assert isinstance(made, initializers.Constant) and made.value == 2.0


# ---- callbacks -----------------------------------------------------------------------------

# Keras 2.2.4's constructor arguments in positional order, with their defaults.
KERAS2_CALLBACK_ARGUMENTS = {
    "ModelCheckpoint": [
        ("filepath", inspect.Parameter.empty),
        ("monitor", "val_loss"),
        ("verbose", 0),
        ("save_best_only", False),
        ("save_weights_only", False),
        ("mode", "auto"),
        ("period", 1),
    ],
    "EarlyStopping": [
        ("monitor", "val_loss"),
        ("min_delta", 0),
        ("patience", 0),
        ("verbose", 0),
        ("mode", "auto"),
        ("baseline", None),
        ("restore_best_weights", False),
    ],
    "ReduceLROnPlateau": [
        ("monitor", "val_loss"),
        ("factor", 0.1),
        ("patience", 10),
        ("verbose", 0),
        ("mode", "auto"),
        ("min_delta", 1e-4),
        ("cooldown", 0),
        ("min_lr", 0),
    ],
    "TensorBoard": [
        ("log_dir", "./logs"),
        ("histogram_freq", 0),
        ("batch_size", 32),
        ("write_graph", True),
        ("write_grads", False),
        ("write_images", False),
        ("embeddings_freq", 0),
        ("embeddings_layer_names", None),
        ("embeddings_metadata", None),
        ("embeddings_data", None),
        ("update_freq", "epoch"),
    ],
    "CSVLogger": [("filename", inspect.Parameter.empty), ("separator", ","), ("append", False)],
    "LearningRateScheduler": [("schedule", inspect.Parameter.empty), ("verbose", 0)],
    "RemoteMonitor": [
        ("root", "http://localhost:9000"),
        ("path", "/publish/epoch/end/"),
        ("field", "data"),
        ("headers", None),
        ("send_as_json", False),
    ],
    "ProgbarLogger": [("count_mode", "samples"), ("stateful_metrics", None)],
    "BaseLogger": [("stateful_metrics", None)],
    "CallbackList": [("callbacks", None)],
}


@pytest.mark.parametrize("name", sorted(KERAS2_CALLBACK_ARGUMENTS))
def test_callback_positional_order_and_defaults_are_keras2s(name):
    expected = KERAS2_CALLBACK_ARGUMENTS[name]
    parameters = list(inspect.signature(getattr(callbacks, name)).parameters.values())
    assert [(p.name, p.default) for p in parameters[: len(expected)]] == expected
    for other in ("History", "TerminateOnNaN", "LambdaCallback", "Callback"):
        assert hasattr(callbacks, other)


def test_callbacks_get_keras2_validation_data_and_params():
    model = models.Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile("sgd", "mse")
    seen = {}

    class Recorder(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen["validation_data"] = self.validation_data
            seen["params"] = dict(self.params)

    rng = np.random.default_rng(2)
    x = rng.normal(size=(10, 3)).astype("float32")
    y = rng.normal(size=(10, 1)).astype("float32")
    weights = rng.uniform(size=(4,)).astype("float32")
    model.fit(x, y, batch_size=5, verbose=0, callbacks=[Recorder()], validation_data=(x[:4], y[:4]))
    x_val, y_val, w_val = seen["validation_data"]
    np.testing.assert_array_equal(x_val, x[:4])
    np.testing.assert_array_equal(y_val, y[:4])
    np.testing.assert_array_equal(w_val, np.ones(4))
    keys = {"batch_size", "epochs", "steps", "samples", "verbose", "do_validation", "metrics"}
    assert keys <= set(seen["params"])
    assert seen["params"]["do_validation"] and seen["params"]["metrics"] == ["loss", "val_loss"]
    # With validation weights, and with validation_split (the last samples).
    model.fit(x, y, verbose=0, callbacks=[Recorder()], validation_data=(x[:4], y[:4], weights))
    np.testing.assert_array_equal(seen["validation_data"][2], weights)
    model.fit(x, y, verbose=0, callbacks=[Recorder()], validation_split=0.2)
    np.testing.assert_array_equal(seen["validation_data"][1], y[8:])


def test_callback_list_in_a_loop_written_by_hand():
    """Keras 2 code driving callbacks itself: CallbackList(callbacks), set_model,
    set_params, then the hooks."""
    events = []
    recorder = callbacks.LambdaCallback(
        on_train_begin=lambda logs: events.append("train_begin"),
        on_epoch_begin=lambda epoch, logs: events.append(("epoch_begin", epoch)),
        on_batch_end=lambda batch, logs: events.append(("batch_end", batch, logs["loss"])),
        on_epoch_end=lambda epoch, logs: events.append(("epoch_end", epoch, logs["loss"])),
        on_train_end=lambda logs: events.append("train_end"),
    )
    history = callbacks.History()
    callback_list = callbacks.CallbackList([recorder], 10)  # Keras 2's queue_length
    callback_list.append(history)
    model = models.Sequential([layers.Dense(1, input_shape=(2,))])
    callback_list.set_model(model)
    callback_list.set_params({"epochs": 1, "steps": 1, "verbose": 0})
    assert recorder.model is model and history.params["epochs"] == 1
    callback_list.on_train_begin()
    callback_list.on_epoch_begin(0)
    callback_list.on_batch_begin(0, {})
    callback_list.on_batch_end(0, {"loss": 0.5})
    callback_list.on_epoch_end(0, {"loss": 0.25})
    callback_list.on_train_end()
    assert events == [
        "train_begin",
        ("epoch_begin", 0),
        ("batch_end", 0, 0.5),
        ("epoch_end", 0, 0.25),
        "train_end",
    ]
    assert history.history == {"loss": [0.25]}
    assert len(list(callback_list)) == 2


def test_keras22_metric_log_names_are_answered():
    """Keras 2.2 logged `metrics=["mae"]` under the function's name; code reading
    `history.history["val_mean_absolute_error"]` or monitoring it keeps working."""
    model = models.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile("sgd", "mse", metrics=["mae", "acc"])
    rng = np.random.default_rng(4)
    x = rng.normal(size=(6, 2)).astype("float32")
    y = rng.normal(size=(6, 1)).astype("float32")
    stopper = callbacks.EarlyStopping(monitor="val_mean_absolute_error", patience=5)
    history = model.fit(x, y, epochs=2, verbose=0, validation_split=0.5, callbacks=[stopper])
    assert history.history["mean_absolute_error"] == history.history["mae"]
    assert history.history["val_mean_absolute_error"] == history.history["val_mae"]
    assert history.history["val_accuracy"] == history.history["val_acc"]
    assert stopper.best == min(history.history["val_mae"])


def test_compile_takes_keras2_keywords():
    model = models.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(
        optimizer="sgd",
        loss="mse",
        metrics=None,
        loss_weights=None,
        sample_weight_mode=None,
        weighted_metrics=None,
        target_tensors=None,
    )
    assert model.metrics_names == ["loss"]
    with pytest.raises(TypeError, match="target_tensors"):
        model.compile("sgd", "mse", target_tensors=[K.placeholder(shape=(None, 1))])


def test_keras2_module_paths():
    import importlib

    from kerasfront import losses

    paths = {
        "kerasfront.engine.training": ["Model"],
        "kerasfront.engine.network": ["Network"],
        "kerasfront.engine.sequential": ["Sequential"],
        "kerasfront.engine.saving": [
            "load_model",
            "model_from_config",
            "model_from_json",
            "model_from_yaml",
            "save_model",
        ],
        "kerasfront.models": [
            "Input",
            "InputLayer",
            "Model",
            "Sequential",
            "clone_model",
            "load_model",
            "model_from_config",
            "model_from_json",
            "model_from_yaml",
            "save_model",
        ],
        "kerasfront.objectives": ["categorical_crossentropy", "mse", "get", "serialize"],
    }
    for path, names in paths.items():
        module = importlib.import_module(path)
        for name in names:
            assert hasattr(module, name), f"{path}.{name}"
    network = importlib.import_module("kerasfront.engine.network")
    assert network.Network is models.Model
    assert importlib.import_module("kerasfront.objectives").mse is losses.mse
