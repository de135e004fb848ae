"""Whole-model files (.keras and .h5): round trips of recurrent and convolutional models,
compile settings and optimizer state that let training continue exactly, Lambda layers
under safe mode, and the zip archive's refusals."""

import json
import zipfile

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers
from kerasfront.saving import UnsafeFileError
from tests.saving.helpers import assert_same_outputs

RNG = np.random.default_rng(2)
FORMATS = ["model.keras", "model.h5"]


def _sequence_model():
    tokens = keras.Input((6,), dtype="int32", name="tokens")
    embedded = layers.Embedding(12, 4, mask_zero=True)(tokens)
    recurrent = layers.Bidirectional(layers.LSTM(3, return_sequences=True))(embedded)
    recurrent = layers.GRU(3, return_sequences=True)(recurrent)
    per_step = layers.TimeDistributed(layers.Dense(2))(recurrent)
    image = keras.Input((5, 5, 2), name="image")
    conv = layers.Conv2D(2, 3, activation="relu")(image)
    conv = layers.SeparableConv2D(2, 2)(layers.MaxPooling2D(1)(conv))
    merged = layers.Concatenate()(
        [layers.GlobalAveragePooling1D()(per_step), layers.Flatten()(conv)]
    )
    return keras.Model([tokens, image], [layers.Dense(1, name="score")(merged), per_step])


@pytest.mark.parametrize("filename", FORMATS)
def test_recurrent_and_convolutional_model_round_trip(filename, tmp_path):
    model = _sequence_model()
    path = tmp_path / filename
    model.save(path)
    loaded = keras.models.load_model(path)
    tokens = RNG.integers(0, 12, size=(2, 6)).astype("int32")
    tokens[:, -2:] = 0  # padding, masked
    x = [tokens, RNG.normal(size=(2, 5, 5, 2)).astype("float32")]
    assert_same_outputs(model, loaded, x)
    assert not loaded.compiled


def _train(model, x, y, epochs):
    model.fit(x, y, batch_size=4, epochs=epochs, shuffle=False, verbose=0)


@pytest.mark.parametrize("filename", FORMATS)
def test_training_continues_exactly_after_load(filename, tmp_path):
    keras.utils.set_random_seed(3)
    model = keras.Sequential(
        [layers.Dense(4, activation="tanh", input_shape=(3,)), layers.Dense(2, name="out")]
    )
    optimizer = keras.optimizers.Adam(learning_rate=0.05, decay=0.01, amsgrad=True)
    model.compile(optimizer, loss="mse", metrics=["mae"], loss_weights=[2.0])
    x = RNG.normal(size=(8, 3)).astype("float32")
    y = RNG.normal(size=(8, 2)).astype("float32")
    _train(model, x, y, epochs=2)
    path = tmp_path / filename
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.compiled
    saved = loaded.optimizer.get_config()
    # decay is a float32 variable, as in Keras 2 (whose config held its float32 value too).
    assert (type(loaded.optimizer), saved["decay"], saved["amsgrad"]) == (
        keras.optimizers.Adam,
        pytest.approx(0.01, rel=1e-7),
        True,
    )
    _train(model, x, y, epochs=2)
    _train(loaded, x, y, epochs=2)
    assert loaded.metrics_names == model.metrics_names == ["loss", "mae"]
    for continued, resumed in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(resumed, continued, rtol=1e-6, atol=1e-7)
    for continued, resumed in zip(model.optimizer.get_weights(), loaded.optimizer.get_weights()):
        np.testing.assert_allclose(resumed, continued, rtol=1e-6, atol=1e-7)


def test_compile_false_and_include_optimizer_false(tmp_path):
    model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile("rmsprop", loss="mae")
    path = tmp_path / "model.keras"
    model.save(path)
    assert not keras.models.load_model(path, compile=False).compiled
    model.save(path, include_optimizer=False)
    with zipfile.ZipFile(path) as archive:
        assert json.loads(archive.read("config.json"))["compile_config"] is None
    assert not keras.models.load_model(path).compiled


@pytest.mark.parametrize("filename", FORMATS)
def test_how_the_steps_run_is_restored(filename, tmp_path):
    # A loaded model runs its steps as the saved one did: eager and compiled steps may
    # round differently (scikit-learn's pickling check compares predictions exactly).
    path = tmp_path / filename
    for setting in ({"run_eagerly": True}, {"jit_compile": True}, {}):
        model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
        model.compile("sgd", loss="mse", **setting)
        model.save(path)
        loaded = keras.models.load_model(path)
        assert loaded._jit_compile == model._jit_compile, setting
        if filename.endswith(".keras"):  # written only when set
            with zipfile.ZipFile(path) as archive:
                saved = json.loads(archive.read("config.json"))["compile_config"]
            keys = ("run_eagerly", "jit_compile")
            assert {k: saved.get(k) for k in keys} == {k: setting.get(k) for k in keys}


def test_lambda_model_file_needs_safe_mode_off(tmp_path):
    model = keras.Sequential(
        [layers.Dense(2, input_shape=(3,)), layers.Lambda(lambda t: t * t, name="square")]
    )
    for filename in FORMATS:
        path = tmp_path / filename
        model.save(path)
        with pytest.raises(ValueError, match="Lambda 'square'.*safe_mode=False"):
            keras.models.load_model(path)
        loaded = keras.models.load_model(path, safe_mode=False)
        assert_same_outputs(model, loaded, RNG.normal(size=(2, 3)).astype("float32"))


def _archive(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members:
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)


def test_zip_tricks_are_refused(tmp_path):
    model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    good = tmp_path / "good.keras"
    model.save(good)
    with zipfile.ZipFile(good) as archive:
        members = [(name, archive.read(name)) for name in archive.namelist()]
    escaping = tmp_path / "escaping.keras"
    _archive(escaping, [*members, ("../../etc/passwd", b"x")])
    with pytest.raises(UnsafeFileError, match="escapes the archive"):
        keras.models.load_model(escaping)
    duplicated = tmp_path / "duplicated.keras"
    with pytest.warns(UserWarning):  # zipfile itself warns about the duplicate name
        _archive(duplicated, [*members, ("config.json", members[0][1])])
    with pytest.raises(UnsafeFileError, match="appears twice"):
        keras.models.load_model(duplicated)
    bomb = tmp_path / "bomb.keras"
    _archive(bomb, [("config.json", b" " * (8 << 20)), *members[1:]])
    with pytest.raises(UnsafeFileError, match="more than 100x"):
        keras.models.load_model(bomb)
    not_zip = tmp_path / "not_zip.keras"
    not_zip.write_bytes(good.read_bytes()[:50])
    with pytest.raises(ValueError, match="not a readable HDF5 file|not a readable .keras"):
        keras.models.load_model(not_zip)


@keras.utils.register_keras_serializable(package="FileTests")
class Shift(layers.Layer):
    def __init__(self, offset=1.0, **kwargs):
        super().__init__(**kwargs)
        self.offset = offset

    def call(self, inputs):
        return inputs + self.offset

    def get_config(self):
        return {**super().get_config(), "offset": self.offset}


def doubled_mse(y_true, y_pred):
    return 2.0 * keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)


def test_custom_layer_and_loss_in_a_file_and_weights_from_a_keras_file(tmp_path):
    model = keras.Sequential([layers.Dense(2, input_shape=(3,)), Shift(0.5)])
    model.compile("sgd", loss=doubled_mse)
    path = tmp_path / "custom.keras"
    model.save(path)
    with pytest.raises(ValueError, match="doubled_mse.*custom_objects"):
        keras.models.load_model(path)
    loaded = keras.models.load_model(path, custom_objects={"doubled_mse": doubled_mse})
    assert isinstance(loaded.layers[1], Shift) and loaded.layers[1].offset == 0.5
    x = RNG.normal(size=(2, 3)).astype("float32")
    assert_same_outputs(model, loaded, x)
    twin = keras.Sequential([layers.Dense(2, input_shape=(3,)), Shift(0.5)])
    twin.load_weights(path)
    assert_same_outputs(model, twin, x)
