"""compile: per-output metrics (dict, list of lists, flat lists), Keras 2's History names,
loss_weights, weighted_metrics, "accuracy"/"crossentropy" resolution, sample_weight_mode
"temporal" against NumPy references, and the errors for anything compile cannot honour.

Tolerances: float32 losses and means, rtol 1e-5 / atol 1e-6.
"""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers, losses, metrics, ops, optimizers
from kerasfront.models.compile_metrics import CompiledMetrics, choose_function
from kerasfront.models.compile_utils import CompiledLoss

EPS = 1e-7
TOL = {"rtol": 1e-5, "atol": 1e-6}


def two_outputs():
    """Output 'value' (2 regression targets) and 'label' (3 classes, softmax)."""
    inputs = keras.Input(shape=(4,), name="features")
    hidden = layers.Dense(6, activation="tanh", name="hidden")(inputs)
    value = layers.Dense(2, name="value")(hidden)
    label = layers.Dense(3, activation="softmax", name="label")(hidden)
    return keras.Model(inputs, [value, label])


def data(samples, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, 4)).astype("float32")
    value = rng.normal(size=(samples, 2)).astype("float32")
    label = rng.integers(0, 3, samples)
    weights = rng.uniform(0.0, 2.0, samples).astype("float32")
    return x, value, label, weights


def sparse_ce(p, labels):
    return -np.log(np.clip(p[np.arange(len(labels)), labels], EPS, 1 - EPS))


def test_dict_metrics_history_names_loss_weights_and_weighted_metrics():
    x, value, label, w = data(22, seed=0)
    x_val, value_val, label_val, _ = data(9, seed=1)
    model = two_outputs()
    model.compile(
        optimizer=optimizers.SGD(0.0),  # frozen: the training logs are evaluate's values
        loss={"value": "mse", "label": "sparse_categorical_crossentropy"},
        loss_weights={"value": 0.5, "label": 2.0},
        metrics={
            "value": ["mae", metrics.RootMeanSquaredError(name="rmse")],
            "label": ["accuracy", metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")],
        },
        weighted_metrics={"label": ["accuracy"]},
    )
    history = model.fit(
        x,
        [value, label],
        sample_weight=w,
        batch_size=6,
        epochs=2,
        shuffle=False,
        validation_data=(x_val, [value_val, label_val]),
        verbose=0,
    )
    names = [
        "loss",
        "value_loss",
        "label_loss",
        "value_mae",
        "value_rmse",
        "label_accuracy",
        "label_top2",
        "label_weighted_accuracy",
    ]
    assert model.metrics_names == names
    assert set(history.history) == set(names) | {f"val_{name}" for name in names}
    pv, pl = model.predict(x, verbose=0)
    hit = pl.argmax(-1) == label
    higher = np.sum(pl > pl[np.arange(22), label][:, None], axis=-1)
    value_loss = np.mean(np.mean((pv - value) ** 2, -1) * w)
    label_loss = np.mean(sparse_ce(pl, label) * w)
    expected = {
        "value_loss": value_loss,
        "label_loss": label_loss,
        "loss": 0.5 * value_loss + 2.0 * label_loss,
        "value_mae": np.mean(np.abs(pv - value)),
        "value_rmse": np.sqrt(np.mean((pv - value) ** 2)),
        "label_accuracy": np.mean(hit),
        "label_top2": np.mean(higher < 2),
        "label_weighted_accuracy": np.sum(hit * w) / np.sum(w),
    }
    for name, reference in expected.items():
        np.testing.assert_allclose(history.history[name][-1], reference, err_msg=name, **TOL)
    # Validation data carries no weights: the weighted accuracy is the plain one.
    pv_val, pl_val = model.predict(x_val, verbose=0)
    val_accuracy = np.mean(pl_val.argmax(-1) == label_val)
    for name in ("val_label_accuracy", "val_label_weighted_accuracy"):
        np.testing.assert_allclose(history.history[name][-1], val_accuracy, err_msg=name, **TOL)
    np.testing.assert_allclose(
        history.history["val_value_loss"][-1], np.mean((pv_val - value_val) ** 2), **TOL
    )


def test_list_of_lists_flat_weighted_list_and_list_loss_weights():
    x, value, label, _ = data(17, seed=2)

    def mean_pred(y_true, y_pred):
        return ops.mean(y_pred, axis=-1)

    model = two_outputs()
    model.compile(
        optimizer="sgd",
        loss=["mse", "sparse_categorical_crossentropy"],
        loss_weights=[1.0, 0.25],
        metrics=[["mae"], ["acc", "crossentropy"]],
        # A flat list applies to every output; the Metric object is copied per output.
        weighted_metrics=[mean_pred, metrics.MeanMetricWrapper(mean_pred, name="mp")],
    )
    results = model.evaluate(x, [value, label], batch_size=5, verbose=0, return_dict=True)
    assert list(results) == [
        "loss",
        "value_loss",
        "label_loss",
        "value_mae",
        "value_mean_pred",
        "value_mp",
        "label_acc",
        "label_crossentropy",
        "label_mean_pred",
        "label_mp",
    ]
    pv, pl = model.predict(x, verbose=0)
    expected = {
        "value_loss": np.mean((pv - value) ** 2),
        "label_loss": np.mean(sparse_ce(pl, label)),
        "value_mae": np.mean(np.abs(pv - value)),
        "value_mean_pred": np.mean(pv),
        "value_mp": np.mean(pv),
        "label_acc": np.mean(pl.argmax(-1) == label),
        "label_crossentropy": np.mean(sparse_ce(pl, label)),
        "label_mean_pred": np.mean(pl),
        "label_mp": np.mean(pl),
    }
    expected["loss"] = expected["value_loss"] + 0.25 * expected["label_loss"]
    for name, reference in expected.items():
        np.testing.assert_allclose(results[name], reference, err_msg=name, **TOL)


def test_temporal_sample_weights_weigh_each_time_step():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(10, 5, 3)).astype("float32")
    labels = rng.integers(0, 4, size=(10, 5))
    weights = rng.uniform(0.0, 2.0, size=(10, 5)).astype("float32")
    weights[:, -1] = 0.0  # padded last steps count for nothing
    inputs = keras.Input(shape=(5, 3))
    outputs = layers.Dense(4, activation="softmax")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer="sgd",
        loss="sparse_categorical_crossentropy",
        sample_weight_mode="temporal",
        metrics=["accuracy"],
        weighted_metrics=["accuracy"],
    )
    results = model.evaluate(
        x, labels, sample_weight=weights, batch_size=4, verbose=0, return_dict=True
    )
    p = model.predict(x, verbose=0)
    picked = np.take_along_axis(p, labels[..., None], axis=-1)[..., 0]
    per_step = -np.log(np.clip(picked, EPS, 1 - EPS))
    hit = p.argmax(-1) == labels
    # Keras 2: the weighted per-step losses are averaged over every step of the batch.
    np.testing.assert_allclose(results["loss"], np.mean(per_step * weights), **TOL)
    np.testing.assert_allclose(results["accuracy"], np.mean(hit), **TOL)
    np.testing.assert_allclose(
        results["weighted_accuracy"], np.sum(hit * weights) / np.sum(weights), **TOL
    )


def test_compiled_loss_checks_sample_weights_against_the_mode():
    rng = np.random.default_rng(4)
    y = ops.convert_to_tensor(rng.normal(size=(2, 3, 4)).astype("float32"))
    p = ops.convert_to_tensor(rng.normal(size=(2, 3, 4)).astype("float32"))
    steps = rng.uniform(size=(2, 3)).astype("float32")
    temporal = CompiledLoss("mse", None, ["seq"], "temporal")
    total, _ = temporal([y], [p], [ops.convert_to_tensor(steps)])
    per_step = np.mean((np.asarray(ops.convert_to_numpy(p)) - ops.convert_to_numpy(y)) ** 2, -1)
    np.testing.assert_allclose(ops.convert_to_numpy(total), np.mean(per_step * steps), **TOL)
    per_sample = ops.convert_to_tensor(steps[:, 0])
    with pytest.raises(ValueError, match=r"'temporal', which expects .*\(2, 3\).*\(2,\)"):
        temporal([y], [p], [per_sample])
    with pytest.raises(ValueError, match="need compile\\(sample_weight_mode='temporal'\\)"):
        CompiledLoss("mse", None, ["seq"])([y], [p], [ops.convert_to_tensor(steps)])
    flat = ops.convert_to_tensor(np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match="is for outputs with a time axis"):
        temporal([flat], [flat], [per_sample])
    with pytest.raises(ValueError, match="sample_weight must have shape"):
        temporal.check_sample_weights([steps[:, 0]], [(None, 3, 4)])


def test_accuracy_and_crossentropy_follow_the_loss_then_the_shapes():
    cases = [
        ("binary_crossentropy", (8, 3), (None, 3), metrics.binary_accuracy),
        (losses.BinaryCrossentropy(), (8, 3), (None, 3), metrics.binary_accuracy),
        ("mse", (8, 1), (None, 1), metrics.binary_accuracy),
        ("sparse_categorical_crossentropy", (8, 1), (None, 3), metrics.sparse_categorical_accuracy),
        ("categorical_crossentropy", (8, 3), (None, 3), metrics.categorical_accuracy),
        ("mse", (8,), (None, 3), metrics.sparse_categorical_accuracy),
        ("mse", (8, 1), (None, 3), metrics.sparse_categorical_accuracy),
        ("mse", (8, 5), (None, 5, 3), metrics.sparse_categorical_accuracy),
        ("mse", (8, 3), (None, 3), metrics.categorical_accuracy),
    ]
    for loss, y_shape, output_shape, expected in cases:
        found = choose_function("accuracy", losses.get(loss), y_shape, output_shape)
        assert found is expected, (loss, y_shape, output_shape)
    assert choose_function("ce", None, (8, 1), (None, 1)) is metrics.binary_crossentropy
    assert choose_function("ce", None, (8,), (None, 4)) is metrics.sparse_categorical_crossentropy
    assert choose_function("ce", None, (8, 4), (None, 4)) is metrics.categorical_crossentropy


def test_names_on_recompile_and_weighted_duplicates():
    loss = CompiledLoss("mse", None, ["a", "b"])
    auc = metrics.AUC(name="auc")
    for _ in range(2):  # a second compile with the same objects keeps the names
        compiled = CompiledMetrics({"a": [auc, "mae"], "b": "mae"}, ["a", "b"], loss, ["mae"])
        compiled.build([(4, 1), (4, 1)], [(None, 1), (None, 1)])
        assert compiled.names == [
            "loss",
            "a_loss",
            "b_loss",
            "a_auc",
            "a_mae",
            "a_weighted_mae",
            "b_mae",
            "b_weighted_mae",
        ]
    single = CompiledMetrics(["mae", "acc"], ["out"], CompiledLoss("mse", None, ["out"]), ["mae"])
    single.build([(4, 1)], [(None, 1)])
    assert single.names == ["loss", "mae", "acc", "weighted_mae"]
    clash = CompiledMetrics(
        [metrics.Precision(name="p"), metrics.Recall(name="p")],
        ["out"],
        CompiledLoss("mse", None, ["out"]),
    )
    with pytest.raises(ValueError, match="two metrics are named 'p'"):
        clash.build([(4, 1)], [(None, 1)])


def test_compile_refuses_what_it_cannot_honour():
    model = two_outputs()

    def compile_with(**arguments):
        model.compile(**{"optimizer": "sgd", "loss": "mse", **arguments})

    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['target_tensors'\]"):
        compile_with(target_tensors=[None])
    with pytest.raises(ValueError, match="steps_per_execution=4 is not supported"):
        compile_with(steps_per_execution=4)
    with pytest.raises(ValueError, match="sample_weight_mode for output 'value' must be None"):
        compile_with(sample_weight_mode="element")
    with pytest.raises(ValueError, match=r"metrics names unknown outputs \['vale'\]"):
        compile_with(metrics={"vale": ["mae"]})
    with pytest.raises(ValueError, match="a list of lists\\) has 3 entries"):
        compile_with(metrics=[["mae"], ["mae"], ["mae"]])
    with pytest.raises(ValueError, match="loss_weights has 1 entries"):
        compile_with(loss_weights=[1.0])
    with pytest.raises(TypeError, match="loss_weights for output 'label' must be a number"):
        compile_with(loss_weights={"label": "heavy"})
    with pytest.raises(TypeError, match="each of metrics must be a name"):
        compile_with(metrics=[42])
    with pytest.raises(ValueError, match=r"Unknown metric 'acuracy'"):
        compile_with(metrics=["acuracy"])
    shared = metrics.AUC()
    with pytest.raises(ValueError, match="is given twice"):
        compile_with(metrics={"label": [shared]}, weighted_metrics={"label": [shared]})
    compile_with(sample_weight_mode={"value": None, "label": None}, steps_per_execution=1)


def test_metrics_names_are_known_at_compile_as_in_keras2():
    # Keras 2 lists the History names right after compile; the metric objects themselves
    # are built later, from the data. Both lists must agree.
    inputs = layers.Input((4,))
    first = layers.Dense(2, activation="softmax", name="first")(inputs)
    second = layers.Dense(2, name="second")(inputs)
    model = keras.Model(inputs, [first, second])
    model.compile(
        "sgd",
        ["categorical_crossentropy", "mse"],
        metrics={"first": ["accuracy", metrics.AUC(name="auc")], "second": ["mae"]},
        weighted_metrics=["mae"],
    )
    at_compile = model.metrics_names
    assert at_compile == [
        "loss", "first_loss", "second_loss", "first_accuracy", "first_auc", "first_mae",
        "second_mae", "second_weighted_mae",
    ]  # fmt: skip
    x = np.ones((3, 4), "float32")
    model.evaluate(x, [np.eye(2)[[0, 1, 0]], np.ones((3, 2))], verbose=0)
    assert model.metrics_names == at_compile
