"""Application weights: files in Keras 2's HDF5 layout loaded by name or in Keras 2's
layer order, the ImageNet cache, and the offline error (no network in tests: the origin
is made unreachable)."""

import os

import h5py
import numpy as np
import pytest

from kerasfront.applications import InceptionV3, MobileNet, Xception, mobilenet
from kerasfront.applications.weights import keras2_layer_order
from kerasfront.utils.data_utils import DownloadError

UNREACHABLE = "http://127.0.0.1:9/"  # the discard port: refused at once, no network needed


def small_mobilenet(weights=None, alpha=0.25, side=32):
    return MobileNet(weights=weights, alpha=alpha, include_top=False, input_shape=(side, side, 3))


def assert_same_weights(first_layers, second_layers):
    first = [w for layer in first_layers for w in layer.get_weights()]
    second = [w for layer in second_layers for w in layer.get_weights()]
    assert len(first) == len(second) and first
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_weights_path_by_name_round_trip(tmp_path):
    source = small_mobilenet()
    path = str(tmp_path / "mobilenet.h5")
    source.save_weights(path)
    with h5py.File(path, "r") as handle:  # Keras 2's layout: layer/layer/weight:0
        assert "conv1" in [name.decode() for name in handle.attrs["layer_names"]]
        assert handle["conv_dw_1"]["conv_dw_1/depthwise_kernel:0"].shape == (3, 3, 8, 1)
    loaded = small_mobilenet(weights=path)
    assert_same_weights(source.layers, loaded.layers)


def test_keras2_layer_order_of_xception():
    model = Xception(weights=None, include_top=False, input_shape=(71, 71, 3))
    weighted = [layer for layer in keras2_layer_order(model) if layer.weights]
    # Keras 2 lists layers deepest first: block 2's unnamed shortcut convolution and its
    # batch normalization come after the block's separable convolutions.
    names = [layer.name for layer in weighted[:14]]
    kinds = [type(layer).__name__ for layer in weighted[8:10]]
    assert names[:8] == [
        "block1_conv1", "block1_conv1_bn", "block1_conv2", "block1_conv2_bn",
        "block2_sepconv1", "block2_sepconv1_bn", "block2_sepconv2", "block2_sepconv2_bn",
    ]  # fmt: skip
    assert kinds == ["Conv2D", "BatchNormalization"]
    assert names[10:14] == [
        "block3_sepconv1",
        "block3_sepconv1_bn",
        "block3_sepconv2",
        "block3_sepconv2_bn",
    ]
    assert weighted[-1].name == "block14_sepconv2_bn"


def write_keras2_file(path, layers_in_order, rename):
    """A weights file as Keras 2 writes it, with the given layer names."""
    with h5py.File(path, "w") as handle:
        names = [rename(layer) for layer in layers_in_order]
        handle.attrs["layer_names"] = np.array([name.encode() for name in names])
        handle.attrs["backend"] = b"tensorflow"
        handle.attrs["keras_version"] = b"2.2.4"
        for layer, name in zip(layers_in_order, names):
            group = handle.create_group(name)
            weight_names = [f"{name}/{w.name.split('/')[-1]}:0" for w in layer.weights]
            group.attrs["weight_names"] = np.array([n.encode() for n in weight_names])
            for weight_name, value in zip(weight_names, layer.get_weights()):
                group.create_dataset(weight_name, data=value)


def test_keras_file_with_counter_names_loads_in_keras2_order(tmp_path):
    # Keras names the unnamed layers after a global counter (conv2d_1, ...), which a model
    # built here does not reproduce: such a file loads in Keras 2's layer order.
    source = Xception(weights=None, include_top=False, input_shape=(71, 71, 3))
    counters = {}

    def keras_name(layer):
        if not layer.name.startswith(("conv2d", "batch_normalization")):
            return layer.name
        kind = "conv2d" if type(layer).__name__ == "Conv2D" else "batch_normalization"
        counters[kind] = counters.get(kind, 0) + 1
        return f"{kind}_{counters[kind]}"

    path = str(tmp_path / "xception_notop.h5")
    write_keras2_file(path, keras2_layer_order(source), keras_name)
    assert counters == {"conv2d": 4, "batch_normalization": 4}
    loaded = Xception(weights=path, include_top=False, input_shape=(71, 71, 3))
    with h5py.File(path, "r") as handle:
        in_file = {name.decode() for name in handle.attrs["layer_names"]}
    assert any(layer.name not in in_file for layer in loaded.layers if layer.weights)
    assert_same_weights(keras2_layer_order(source), keras2_layer_order(loaded))


def test_own_file_of_a_branched_model_loads_after_the_names_moved_on(tmp_path):
    # The second InceptionV3 gets other counter names; our file lists model.layers.
    source = InceptionV3(weights=None, include_top=False, input_shape=(75, 75, 3))
    path = str(tmp_path / "inception.h5")
    source.save_weights(path)
    loaded = InceptionV3(weights=path, include_top=False, input_shape=(75, 75, 3))
    assert {layer.name for layer in loaded.layers} != {layer.name for layer in source.layers}
    assert_same_weights(source.layers, loaded.layers)


def test_weights_of_another_shape_are_refused(tmp_path):
    path = str(tmp_path / "quarter.h5")
    small_mobilenet(alpha=0.25).save_weights(path)
    with pytest.raises(ValueError, match="conv1"):
        small_mobilenet(weights=path, alpha=0.5)


def test_imagenet_weights_come_from_the_keras_cache(tmp_path, monkeypatch):
    # MobileNet's files carry no checksum, so a file placed in the cache under Keras's
    # name is used as is, without any download.
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(mobilenet, "BASE_WEIGHTS_URL", UNREACHABLE)
    source = small_mobilenet(side=128)
    os.makedirs(tmp_path / "models")
    source.save_weights(str(tmp_path / "models" / "mobilenet_2_5_128_tf_no_top.h5"))
    loaded = small_mobilenet(weights="imagenet", side=128)
    assert loaded.name == "mobilenet_0.25_128"
    assert_same_weights(source.layers, loaded.layers)


def test_imagenet_weights_offline_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(mobilenet, "BASE_WEIGHTS_URL", UNREACHABLE)
    with pytest.raises(DownloadError) as caught:
        small_mobilenet(weights="imagenet", side=128)
    message = str(caught.value)
    assert "mobilenet_2_5_128_tf_no_top.h5" in message
    assert UNREACHABLE in message and "weights=None" in message
    assert os.listdir(tmp_path / "models") == []  # no partial file left behind


def test_weights_path_of_a_keras_archive(tmp_path):
    source = small_mobilenet()
    path = str(tmp_path / "mobilenet.keras")
    source.save(path)
    loaded = small_mobilenet(weights=path)
    assert_same_weights(source.layers, loaded.layers)
