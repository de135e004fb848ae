"""HDF5 files: Keras 2's layout as written, Keras 2 files written by hand loading and
predicting what NumPy predicts, and every refusal of a file that tries something."""

import json
import os

import h5py
import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers
from kerasfront.saving import UnsafeFileError, weights_h5
from tests.saving.helpers import outputs_of

RNG = np.random.default_rng(1)


@pytest.fixture(scope="module")
def mlp():
    """A compiled and trained two-input functional model (shared by the layout checks)."""
    a = keras.Input((3,), name="a")
    b = keras.Input((2,), name="b")
    hidden = layers.Dense(4, activation="tanh", name="hidden")(layers.Concatenate()([a, b]))
    model = keras.Model([a, b], layers.Dense(1, name="out")(layers.BatchNormalization()(hidden)))
    model.compile(keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    x = [RNG.normal(size=(8, 3)).astype("float32"), RNG.normal(size=(8, 2)).astype("float32")]
    model.fit(x, RNG.normal(size=(8, 1)).astype("float32"), batch_size=4, epochs=1, verbose=0)
    return model, x


def test_whole_model_file_has_keras2_layout(mlp, tmp_path):
    model, _ = mlp
    path = tmp_path / "model.h5"
    model.save(path)
    with h5py.File(path, "r") as handle:
        assert set(handle.attrs) >= {"keras_version", "backend", "model_config", "training_config"}
        config = json.loads(handle.attrs["model_config"])
        assert config["class_name"] == "Model"
        assert config["config"]["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
        training = json.loads(handle.attrs["training_config"])
        assert training["loss"] == "mse" and training["metrics"] == ["mae"]
        assert training["optimizer_config"]["class_name"] == "Adam"
        group = handle["model_weights"]
        names = [n.decode() for n in group.attrs["layer_names"]]
        assert names == [layer.name for layer in model.layers]
        for layer in model.layers:
            weight_names = [n.decode() for n in group[layer.name].attrs["weight_names"]]
            assert weight_names == [f"{w.name}:0" for w in layer.weights]
            for name, weight in zip(weight_names, layer.weights):
                # `<layer>/<weight>:0` inside the layer's group, as Keras 2 nests it.
                np.testing.assert_array_equal(group[layer.name][name][()], weight.numpy())
        assert "hidden/hidden/kernel:0" in group
        optimizer = handle["optimizer_weights"]
        optimizer_names = [n.decode() for n in optimizer.attrs["weight_names"]]
        arrays = [optimizer[name][()] for name in optimizer_names]
        expected = model.optimizer.get_weights()
        assert len(arrays) == len(expected) and int(arrays[0]) == 2  # two steps done
        for array, value in zip(arrays, expected):
            np.testing.assert_array_equal(array, value)


def test_save_weights_layout_and_load_by_name(mlp, tmp_path):
    model, x = mlp
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    with h5py.File(path, "r") as handle:
        assert [n.decode() for n in handle.attrs["layer_names"]] == [
            layer.name for layer in model.layers
        ]
    twin = keras.models.model_from_json(model.to_json())
    twin.load_weights(path)
    np.testing.assert_array_equal(outputs_of(twin, x)[0], outputs_of(model, x)[0])
    # by_name: only the layer of the same name takes weights; a mismatch can be skipped.
    other = keras.Sequential(
        [layers.Dense(4, input_shape=(5,), name="hidden"), layers.Dense(3, name="out")]
    )
    with pytest.raises(ValueError, match="layer 'out'.*expects shape \\(4, 3\\).*\\(4, 1\\)"):
        other.load_weights(path, by_name=True)
    with pytest.warns(UserWarning, match="Skipping the weights of layer 'out'"):
        other.load_weights(path, by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(
        other.get_layer("hidden").get_weights()[0], model.get_layer("hidden").get_weights()[0]
    )


def _keras2_dense(name, units, activation, input_dim=None):
    config = {
        "name": name,
        "trainable": True,
        "units": units,
        "activation": activation,
        "use_bias": True,
        "kernel_initializer": {
            "class_name": "VarianceScaling",
            "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None},
        },
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
    }
    if input_dim is not None:
        config.update(batch_input_shape=[None, input_dim], dtype="float32")
    return {"class_name": "Dense", "config": config}


def _write_keras2_file(path, model_config, layer_weights, training_config=None):
    """A whole-model file as Keras 2.2 wrote it: bytes attributes, nested weight paths."""
    with h5py.File(path, "w") as handle:
        handle.attrs["keras_version"] = b"2.2.4"
        handle.attrs["backend"] = b"tensorflow"
        handle.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        if training_config is not None:
            handle.attrs["training_config"] = json.dumps(training_config).encode("utf8")
        group = handle.create_group("model_weights")
        group.attrs["layer_names"] = np.array([name.encode() for name, _ in layer_weights])
        for name, weights in layer_weights:
            layer_group = group.create_group(name)
            layer_group.attrs["weight_names"] = np.array(
                [f"{name}/{w}:0".encode() for w, _ in weights]
            )
            for weight, value in weights:
                layer_group.create_dataset(f"{name}/{weight}:0", data=value)


def test_hand_written_keras2_sequential_cnn_loads_and_predicts(tmp_path):
    conv_kernel = RNG.normal(size=(3, 2, 2)).astype("float32")
    conv_bias = RNG.normal(size=(2,)).astype("float32")
    gamma, beta = RNG.uniform(0.5, 1.5, 2).astype("float32"), RNG.normal(size=2).astype("float32")
    mean, variance = RNG.normal(size=2).astype("float32"), RNG.uniform(0.5, 2, 2).astype("float32")
    dense_kernel = RNG.normal(size=(8, 1)).astype("float32")
    dense_bias = RNG.normal(size=(1,)).astype("float32")
    conv_config = {
        "name": "conv1d_1",
        "trainable": True,
        "batch_input_shape": [None, 6, 2],
        "dtype": "float32",
        "filters": 2,
        "kernel_size": [3],
        "strides": [1],
        "padding": "valid",
        "data_format": "channels_last",
        "dilation_rate": [1],
        "activation": "relu",
        "use_bias": True,
        "kernel_initializer": {"class_name": "Zeros", "config": {}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
    }
    bn_config = {
        "name": "batch_normalization_1",
        "trainable": True,
        "axis": -1,
        "momentum": 0.99,
        "epsilon": 0.001,
        "center": True,
        "scale": True,
        "beta_initializer": {"class_name": "Zeros", "config": {}},
        "gamma_initializer": {"class_name": "Ones", "config": {}},
        "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
        "moving_variance_initializer": {"class_name": "Ones", "config": {}},
        "beta_regularizer": None,
        "gamma_regularizer": None,
        "beta_constraint": None,
        "gamma_constraint": None,
    }
    model_config = {
        "class_name": "Sequential",
        "config": {
            "name": "sequential_1",
            "layers": [
                {"class_name": "Conv1D", "config": conv_config},
                {"class_name": "BatchNormalization", "config": bn_config},
                {
                    "class_name": "Flatten",
                    "config": {"name": "flatten_1", "trainable": True, "data_format": None},
                },
                _keras2_dense("dense_1", 1, "sigmoid"),
            ],
        },
    }
    training_config = {
        "optimizer_config": {
            "class_name": "SGD",
            "config": {"lr": 0.01, "momentum": 0.9, "decay": 0.0, "nesterov": False},
        },
        "loss": "binary_crossentropy",
        "metrics": ["accuracy"],
        "sample_weight_mode": None,
        "loss_weights": None,
    }
    path = tmp_path / "keras2_cnn.h5"
    _write_keras2_file(
        path,
        model_config,
        [
            ("conv1d_1", [("kernel", conv_kernel), ("bias", conv_bias)]),
            (
                "batch_normalization_1",
                [
                    ("gamma", gamma),
                    ("beta", beta),
                    ("moving_mean", mean),
                    ("moving_variance", variance),
                ],
            ),
            ("flatten_1", []),
            ("dense_1", [("kernel", dense_kernel), ("bias", dense_bias)]),
        ],
        training_config,
    )
    model = keras.models.load_model(path)
    assert model.compiled and model.optimizer.get_config()["learning_rate"] == pytest.approx(0.01)
    x = RNG.normal(size=(3, 6, 2)).astype("float32")
    # NumPy reference: valid conv, relu, inference batch norm, flatten, dense, sigmoid.
    windows = np.stack([x[:, t : t + 3, :] for t in range(4)], axis=1)
    conv = np.maximum(np.einsum("btkc,kcf->btf", windows, conv_kernel) + conv_bias, 0)
    normed = (conv - mean) / np.sqrt(variance + 0.001) * gamma + beta
    logits = normed.reshape(3, -1) @ dense_kernel + dense_bias
    expected = 1 / (1 + np.exp(-logits))
    np.testing.assert_allclose(outputs_of(model, x)[0], expected, rtol=1e-5, atol=1e-5)


def test_hand_written_keras2_functional_two_inputs_loads_and_predicts(tmp_path):
    w_a, b_a = RNG.normal(size=(3, 2)).astype("float32"), RNG.normal(size=2).astype("float32")
    w_o, b_o = RNG.normal(size=(4, 1)).astype("float32"), RNG.normal(size=1).astype("float32")
    w_b, b_b = RNG.normal(size=(2, 2)).astype("float32"), RNG.normal(size=2).astype("float32")

    def input_layer(name, dim):
        config = {"batch_input_shape": [None, dim], "dtype": "float32", "name": name}
        return {"class_name": "InputLayer", "config": config, "name": name, "inbound_nodes": []}

    def node(layer, *sources):
        return {
            **layer,
            "name": layer["config"]["name"],
            "inbound_nodes": [[[source, 0, 0, {}] for source in sources]],
        }

    model_config = {
        "class_name": "Functional",  # tf.keras 2.4+ spelling
        "config": {
            "name": "model_1",
            "layers": [
                input_layer("input_1", 3),
                input_layer("input_2", 2),
                node(_keras2_dense("dense_a", 2, "relu"), "input_1"),
                node(_keras2_dense("dense_b", 2, "tanh"), "input_2"),
                node(
                    {"class_name": "Concatenate", "config": {"name": "concat", "axis": -1}},
                    "dense_a",
                    "dense_b",
                ),
                node(_keras2_dense("out", 1, "linear"), "concat"),
            ],
            "input_layers": [["input_1", 0, 0], ["input_2", 0, 0]],
            "output_layers": [["out", 0, 0]],
        },
    }
    path = tmp_path / "keras2_functional.h5"
    _write_keras2_file(
        path,
        model_config,
        [
            ("input_1", []),
            ("input_2", []),
            ("dense_a", [("kernel", w_a), ("bias", b_a)]),
            ("dense_b", [("kernel", w_b), ("bias", b_b)]),
            ("concat", []),
            ("out", [("kernel", w_o), ("bias", b_o)]),
        ],
    )
    model = keras.models.load_model(path)
    assert not model.compiled
    x = [RNG.normal(size=(4, 3)).astype("float32"), RNG.normal(size=(4, 2)).astype("float32")]
    hidden = np.concatenate([np.maximum(x[0] @ w_a + b_a, 0), np.tanh(x[1] @ w_b + b_b)], -1)
    np.testing.assert_allclose(outputs_of(model, x)[0], hidden @ w_o + b_o, rtol=1e-5, atol=1e-5)


# ---- refusals --------------------------------------------------------------------------------
@pytest.fixture()
def small(tmp_path):
    model = keras.Sequential([layers.Dense(3, input_shape=(2,), name="d")])
    path = tmp_path / "small.h5"
    model.save_weights(path)
    return model, path


def _replace_kernel(path, make):
    with h5py.File(path, "a") as handle:
        group = handle["d"]["d"]
        del group["kernel:0"]
        make(handle, group)


def test_external_link_is_refused(small, tmp_path):
    model, path = small
    with h5py.File(tmp_path / "other.h5", "w") as other:
        other["x"] = np.zeros((2, 3), "float32")
    _replace_kernel(
        path, lambda h, g: g.__setitem__("kernel:0", h5py.ExternalLink("other.h5", "x"))
    )
    with pytest.raises(UnsafeFileError, match="external link to 'other.h5'"):
        model.load_weights(path)


def test_soft_links_out_of_scope_or_to_groups_are_refused(small, tmp_path):
    model, _ = small
    path = tmp_path / "whole.h5"
    model.save(path)
    with h5py.File(path, "a") as handle:
        handle["elsewhere"] = np.zeros((2, 3), "float32")
        group = handle["model_weights"]["d"]["d"]
        del group["kernel:0"]
        group["kernel:0"] = h5py.SoftLink("/elsewhere")
    with pytest.raises(
        UnsafeFileError, match="soft link to '/elsewhere', outside '/model_weights'"
    ):
        keras.models.load_model(path)
    with h5py.File(path, "a") as handle:
        group = handle["model_weights"]["d"]["d"]
        del group["kernel:0"]
        group["kernel:0"] = h5py.SoftLink("/model_weights/d")  # a group: could loop
    with pytest.raises(UnsafeFileError, match="soft link to the group"):
        keras.models.load_model(path)


def test_virtual_and_external_datasets_are_refused(small, tmp_path):
    model, path = small
    source = tmp_path / "source.h5"
    with h5py.File(source, "w") as handle:
        handle["x"] = np.ones((2, 3), "float32")

    def virtual(handle, group):
        layout = h5py.VirtualLayout(shape=(2, 3), dtype="float32")
        layout[:] = h5py.VirtualSource(str(source), "x", shape=(2, 3))
        group.create_virtual_dataset("kernel:0", layout)

    _replace_kernel(path, virtual)
    with pytest.raises(UnsafeFileError, match="virtual dataset"):
        model.load_weights(path)
    raw = tmp_path / "raw.bin"
    raw.write_bytes(np.ones((2, 3), "float32").tobytes())

    def external(handle, group):
        group.create_dataset("kernel:0", (2, 3), "float32", external=[(str(raw), 0, 24)])

    model.save_weights(path)
    _replace_kernel(path, external)
    with pytest.raises(UnsafeFileError, match="external files"):
        model.load_weights(path)


def test_declared_shapes_far_beyond_the_stored_bytes_are_refused(tmp_path):
    # A 1.4 MB kernel declared but never written: zero bytes stored.
    model = keras.Sequential([layers.Dense(600, input_shape=(600,), use_bias=False, name="d")])
    path = tmp_path / "bomb.h5"
    model.save_weights(path)
    _replace_kernel(
        path, lambda h, g: g.create_dataset("kernel:0", (600, 600), "float32", chunks=(60, 60))
    )
    with pytest.raises(UnsafeFileError, match=r"declares shape \(600, 600\).*stores only 0"):
        model.load_weights(path)
    # Optimizer state has no expected shapes: the declared size alone is refused.
    small_model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    small_model.compile("sgd", loss="mse")
    whole = tmp_path / "whole.h5"
    small_model.save(whole)
    with h5py.File(whole, "a") as handle:
        group = handle.create_group("optimizer_weights")
        group.attrs["weight_names"] = np.array([b"huge:0"])
        group.create_dataset("huge:0", (10**9,), "float32", chunks=(10**6,), compression="gzip")
    with pytest.raises(UnsafeFileError, match="declares shape"):
        keras.models.load_model(whole)


def test_wrong_weight_shape_names_layer_weight_and_shapes(small):
    model, path = small
    _replace_kernel(path, lambda h, g: g.create_dataset("kernel:0", data=np.zeros((5, 3), "f4")))
    before = model.get_weights()
    with pytest.raises(
        ValueError,
        match=r"layer 'd' \(Dense\), weight 'd/kernel' expects shape "
        r"\(2, 3\), the file's 'd/kernel:0' has shape \(5, 3\)",
    ):
        model.load_weights(path)
    for old, now in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, now)  # nothing was assigned


def test_flipped_byte_and_truncated_file_are_reported(small, tmp_path):
    model, path = small
    with h5py.File(path, "a") as handle:
        dataset = handle["d"]["d"]["kernel:0"]
        value = dataset[()]
        value[0, 0] += 1.0
        dataset[...] = value  # the checksum attribute still describes the old bytes
    with pytest.raises(ValueError, match="fails its checksum"):
        model.load_weights(path)
    truncated = tmp_path / "truncated.h5"
    truncated.write_bytes(path.read_bytes()[:600])
    with pytest.raises(ValueError, match="not a readable HDF5 file|cannot be read"):
        model.load_weights(truncated)


def test_failed_save_leaves_the_previous_file(small, tmp_path, monkeypatch):
    model, path = small
    before = path.read_bytes()

    def fail(group, layers_):
        group.create_group("half_written")
        raise RuntimeError("disk full")

    monkeypatch.setattr(weights_h5, "write_layer_weights", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        model.save_weights(path)
    with pytest.raises(RuntimeError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["small.h5"]  # no temporary file left
