"""Real Keras 2 `.h5` files (written here with h5py exactly as Keras 2.2.4 and tf.keras 2.x
write them) load by default, compiled as they were saved, and predict what Keras's math
predicts from the file's weights (NumPy, float64, rtol 1e-5)."""

import json

import numpy as np
import pytest

from kerasfront import models
from tests.saving import keras2_files

CASES = [(name, flavor) for name in keras2_files.FILES for flavor in keras2_files.FLAVORS]


def _spec(name, flavor):
    seed = sorted(keras2_files.FILES).index(name) * 2 + keras2_files.FLAVORS.index(flavor)
    return keras2_files.FILES[name](flavor, np.random.default_rng(seed))


@pytest.mark.parametrize("name,flavor", CASES, ids=[f"{n}-{f}" for n, f in CASES])
def test_keras2_file_loads_compiled_and_predicts_like_keras(name, flavor, tmp_path):
    spec = _spec(name, flavor)
    path = tmp_path / f"{name}.h5"
    keras2_files.write(path, spec)
    model = models.load_model(path)
    # Every layer got the file's weights (by name), in Keras's order and shapes.
    by_layer = dict(spec.layer_weights)
    for layer in model.layers:
        expected = [array for _, array in by_layer.get(layer.name, [])]
        got = layer.get_weights()
        assert len(got) == len(expected), layer.name
        for value, array in zip(got, expected):
            np.testing.assert_array_equal(value, array)
    # Compiled as saved, with the saved optimizer (Keras 2's `lr` or `learning_rate`).
    assert model.compiled
    assert type(model.optimizer).__name__ == "Adam"
    assert model.optimizer.get_config()["learning_rate"] == pytest.approx(0.01)
    expected_state = [array for _, array in spec.optimizer_weights]
    if flavor == keras2_files.OLD and expected_state:  # v_hat placeholders are dropped
        expected_state = expected_state[: 1 + 2 * (len(expected_state) - 1) // 3]
    state = model.optimizer.get_weights()
    assert len(state) == len(expected_state)
    for value, array in zip(state, expected_state):
        np.testing.assert_array_equal(value, array)
    # One predict call against NumPy's Keras 2 math.
    predictions = model.predict(spec.inputs, verbose=0)
    predictions = predictions if isinstance(predictions, list) else [predictions]
    expected = spec.predict(spec.inputs)
    assert len(predictions) == len(expected)
    for value, reference in zip(predictions, expected):
        np.testing.assert_allclose(value, reference, rtol=1e-5, atol=1e-6)


# ---- quirks of the newest tf.keras writers ---------------------------------------------------
def _newest_tf_keras(spec):
    """The tf.keras 2.x MLP as tf.keras 2.11-2.15 writes it: a float32 dtype policy dict,
    the optimizer registered as "Custom>Adam" with its new config keys and its state in
    pairs (m1, v1, m2, v2...), the loss as a function object config."""
    config = json.loads(json.dumps(spec.model_config))
    for layer in config["config"]["layers"]:
        layer["config"]["dtype"] = {
            "module": "keras",
            "class_name": "Policy",
            "config": {"name": "float32"},
            "registered_name": None,
        }
    training = json.loads(json.dumps(spec.training_config))
    optimizer = training["optimizer_config"]
    optimizer["class_name"] = "Custom>Adam"
    optimizer["config"].update(
        weight_decay=None, clipnorm=None, global_clipnorm=None, clipvalue=None, use_ema=False,
        ema_momentum=0.99, ema_overwrite_frequency=None, jit_compile=True,
        is_legacy_optimizer=False,
    )  # fmt: skip
    training["loss"] = {
        "module": "keras.losses",
        "class_name": "function",
        "config": "categorical_crossentropy",
        "registered_name": "categorical_crossentropy",
    }
    state = spec.optimizer_weights
    count = (len(state) - 1) // 2
    paired = [state[0]] + [
        item for pair in zip(state[1:][:count], state[1:][count:]) for item in pair
    ]
    return keras2_files.Keras2File(
        spec.flavor, config, spec.layer_weights, spec.inputs, spec.predict, training, paired
    )


def test_tf_keras_2_11_policy_dicts_custom_adam_and_paired_state(tmp_path):
    spec = _spec("sequential_mlp", "tf.keras-2")
    path = tmp_path / "newest.h5"
    keras2_files.write(path, _newest_tf_keras(spec))
    model = models.load_model(path)
    assert type(model.optimizer).__name__ == "Adam"
    # Read back in kerasfront's (and legacy Keras's) order: iterations, the m's, the v's.
    for value, (_, array) in zip(
        model.optimizer.get_weights(), spec.optimizer_weights, strict=True
    ):
        np.testing.assert_array_equal(value, array)
    np.testing.assert_allclose(
        model.predict(spec.inputs, verbose=0), spec.predict(spec.inputs)[0], rtol=1e-5, atol=1e-6
    )


# ---- what cannot be honoured is refused, by name ---------------------------------------------
def _with_layer_config(spec, index, **changes):
    config = json.loads(json.dumps(spec.model_config))
    config["config"]["layers"][index]["config"].update(changes)
    return keras2_files.Keras2File(
        spec.flavor, config, spec.layer_weights, spec.inputs, spec.predict
    )


def test_values_that_cannot_be_honoured_are_refused_by_name(tmp_path):
    spec = _spec("lstm", "tf.keras-2")  # [InputLayer, Embedding, LSTM, Dense]
    cases = [
        (_with_layer_config(spec, 2, time_major=True), r"LSTM 'lstm'.*time_major=True"),
        (
            _with_layer_config(
                spec, 3, dtype={"class_name": "Policy", "config": {"name": "mixed_float16"}}
            ),
            r"layer 'dense'.*dtype policy 'mixed_float16' is not supported",
        ),
        # The `module` key of a nested object is never imported; the class name alone is
        # looked up, and "system" is no initializer.
        (
            _with_layer_config(
                spec, 3, kernel_initializer={"module": "os", "class_name": "system", "config": {}}
            ),
            "Unknown initializer class 'system'",
        ),
    ]
    for index, (case, message) in enumerate(cases):
        path = tmp_path / f"refused_{index}.h5"
        keras2_files.write(path, case)
        with pytest.raises(ValueError, match=message):
            models.load_model(path)


def test_keras_optimizer_state_that_does_not_fit_is_dropped_with_a_warning(tmp_path):
    spec = _spec("functional_mlp", "keras-2.2.4")
    spec.optimizer_weights = spec.optimizer_weights[:-2]  # two arrays short
    path = tmp_path / "short_state.h5"
    keras2_files.write(path, spec)
    with pytest.warns(UserWarning, match="saved optimizer state was not loaded"):
        model = models.load_model(path)
    state = model.optimizer.get_weights()
    assert int(state[0]) == 0 and all(not np.any(array) for array in state[1:])


# ---- truncated and corrupt files -------------------------------------------------------------
@pytest.fixture(scope="module")
def saved_files(tmp_path_factory):
    """A Keras 2 file, and the same model saved by kerasfront as .h5 and .keras."""
    folder = tmp_path_factory.mktemp("corrupt")
    spec = _spec("sequential_mlp", "keras-2.2.4")
    keras2_files.write(folder / "keras2.h5", spec)
    model = models.load_model(folder / "keras2.h5")
    model.save(folder / "ours.h5")
    model.save(folder / "ours.keras")
    return folder, spec


def _load_or_refuse(path, spec, checksummed: bool):
    """Loading a damaged file either refuses with a ValueError that names the file, or
    gives a model: for kerasfront's files (a checksum per weight) the model that was
    saved, damage having hit only bytes nothing reads. Keras's files carry no checksum,
    so a changed weight byte cannot be noticed there."""
    try:
        model = models.load_model(path, compile=False)
    except ValueError as error:
        assert str(path) in str(error)
        return "refused"
    if not checksummed:
        return "loaded"
    np.testing.assert_allclose(
        model.predict(spec.inputs, verbose=0), spec.predict(spec.inputs)[0], rtol=1e-5, atol=1e-6
    )
    return "loaded"


# What a damaged file is called: the whole file, or the part that cannot be read.
REFUSALS = {
    "h5": r"is not a readable HDF5 file|cannot be read \(truncated or corrupt",
    "keras": r"is not a readable \.keras file|member '[a-z.]+' (cannot be read|holds)",
}


@pytest.mark.parametrize("name", ["keras2.h5", "ours.h5", "ours.keras"])
def test_truncated_files_are_refused_clearly(saved_files, name):
    folder, spec = saved_files
    data = (folder / name).read_bytes()
    for cut in (0, 7, 100, len(data) // 3, len(data) // 2, len(data) - 10, len(data) - 1):
        path = folder / f"cut_{cut}_{name}"
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=REFUSALS[name.rsplit(".", 1)[1]]) as error:
            models.load_model(path)
        assert str(path) in str(error.value)


@pytest.mark.parametrize("name", ["keras2.h5", "ours.h5", "ours.keras"])
def test_garbage_bytes_are_refused_or_harmless(saved_files, name):
    folder, spec = saved_files
    data = (folder / name).read_bytes()
    rng = np.random.default_rng(7)
    garbage = folder / f"garbage_{name}"
    garbage.write_bytes(rng.integers(0, 256, len(data), dtype=np.uint8).tobytes())
    with pytest.raises(ValueError, match="not a readable"):
        models.load_model(garbage)
    outcomes = set()
    for offset in range(0, len(data) - 64, max(1, len(data) // 23)):
        damaged = bytearray(data)
        damaged[offset : offset + 64] = rng.integers(0, 256, 64, dtype=np.uint8).tobytes()
        path = folder / f"damaged_{offset}_{name}"
        path.write_bytes(bytes(damaged))
        outcomes.add(_load_or_refuse(path, spec, checksummed=name != "keras2.h5"))
    assert "refused" in outcomes


@pytest.mark.parametrize("flavor", keras2_files.FLAVORS)
def test_saved_losses_loss_weights_and_metrics_are_restored(flavor, tmp_path):
    """The two-output file's per-output losses, loss weights and metrics (names in
    2.2.4, MeanMetricWrapper configs in tf.keras) evaluate as Keras 2 computes them."""
    spec = _spec("two_in_two_out", flavor)
    path = tmp_path / "two.h5"
    keras2_files.write(path, spec)
    model = models.load_model(path)
    rng = np.random.default_rng(3)
    binary = rng.integers(0, 2, (4, 1)).astype("float32")
    classes = np.eye(2, dtype="float32")[rng.integers(0, 2, 4)]
    results = model.evaluate(spec.inputs, [binary, classes], verbose=0, return_dict=True)
    p1, p2 = (np.clip(p, 1e-7, 1 - 1e-7) for p in spec.predict(spec.inputs))
    bce = np.mean(-(binary * np.log(p1) + (1 - binary) * np.log(1 - p1)))
    cce = np.mean(-np.sum(classes * np.log(p2), axis=-1))
    np.testing.assert_allclose(results["loss"], bce + 0.5 * cce, rtol=1e-5)
    np.testing.assert_allclose(results["out_binary_loss"], bce, rtol=1e-5)
    accuracy = np.mean((spec.predict(spec.inputs)[0] > 0.5) == binary)
    np.testing.assert_allclose(results["out_binary_accuracy"], accuracy, rtol=1e-6)
    class_accuracy = np.mean(np.argmax(p2, -1) == np.argmax(classes, -1))
    np.testing.assert_allclose(results["out_classes_accuracy"], class_accuracy, rtol=1e-6)
    if flavor == keras2_files.OLD:  # "keras.metrics.categorical_crossentropy"
        np.testing.assert_allclose(results["out_classes_categorical_crossentropy"], cce, rtol=1e-5)
