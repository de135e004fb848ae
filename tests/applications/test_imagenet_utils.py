"""preprocess_input against NumPy references, decode_predictions with a small local
class index, and the error when the index is neither local nor downloadable."""

import hashlib
import json

import numpy as np
import pytest

from kerasfront import backend as K
from kerasfront import ops
from kerasfront.applications import (
    imagenet_utils,
    inception_resnet_v2,
    inception_v3,
    mobilenet,
    resnet50,
    vgg16,
    vgg19,
    xception,
)
from kerasfront.utils.data_utils import DownloadError

UNREACHABLE = "http://127.0.0.1:9/imagenet_class_index.json"
MEAN_BGR = np.array([103.939, 116.779, 123.68])
TORCH_MEAN = np.array([0.485, 0.456, 0.406])
TORCH_STD = np.array([0.229, 0.224, 0.225])


def reference(images, mode, channels_first=False):
    """Keras 2's formulas, on a float64 channels-last copy."""
    x = np.array(images, dtype="float64")
    if channels_first:
        x = np.moveaxis(x, -3, -1)
    if mode == "tf":
        out = x / 127.5 - 1.0
    elif mode == "torch":
        out = (x / 255.0 - TORCH_MEAN) / TORCH_STD
    else:
        out = x[..., ::-1] - MEAN_BGR
    return np.moveaxis(out, -1, -3) if channels_first else out


def images(shape, dtype="float32"):
    return np.random.default_rng(0).integers(0, 256, shape).astype(dtype)


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_modes_on_numpy_channels_last(mode):
    batch = images((2, 4, 5, 3))
    result = imagenet_utils.preprocess_input(batch.copy(), mode=mode)
    np.testing.assert_allclose(result, reference(batch, mode), rtol=1e-5, atol=1e-4)
    assert result.dtype == np.float32


@pytest.mark.parametrize("mode", ["caffe", "tf", "torch"])
def test_modes_on_numpy_channels_first_single_image(mode):
    image = images((3, 4, 5))
    result = imagenet_utils.preprocess_input(image.copy(), data_format="channels_first", mode=mode)
    expected = reference(image, mode, channels_first=True)
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-4)


def test_integer_arrays_become_floatx_and_float_arrays_change_in_place():
    pixels = images((1, 2, 2, 3), dtype="uint8")
    result = imagenet_utils.preprocess_input(pixels, mode="tf")
    assert result.dtype == np.float32 and pixels.dtype == np.uint8
    batch = images((1, 2, 2, 3))
    expected = reference(batch, "tf")
    imagenet_utils.preprocess_input(batch, mode="tf")  # Keras 2 writes over float input
    np.testing.assert_allclose(batch, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_engine_tensors(data_format):
    shape = (2, 4, 5, 3) if data_format == "channels_last" else (2, 3, 4, 5)
    batch = images(shape)
    for mode in ("caffe", "tf", "torch"):
        tensor = ops.convert_to_tensor(batch)
        result = imagenet_utils.preprocess_input(tensor, data_format=data_format, mode=mode)
        expected = reference(batch, mode, channels_first=data_format == "channels_first")
        np.testing.assert_allclose(K.eval(result), expected, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize(
    "module, mode",
    [
        (resnet50, "caffe"),
        (vgg16, "caffe"),
        (vgg19, "caffe"),
        (xception, "tf"),
        (inception_v3, "tf"),
        (inception_resnet_v2, "tf"),
        (mobilenet, "tf"),
    ],
)
def test_each_application_uses_keras_mode(module, mode):
    batch = images((1, 3, 3, 3))
    np.testing.assert_allclose(
        module.preprocess_input(batch.copy()), reference(batch, mode), rtol=1e-5, atol=1e-4
    )


def test_preprocess_errors():
    with pytest.raises(ValueError, match="mode"):
        imagenet_utils.preprocess_input(images((1, 2, 2, 3)), mode="keras")
    with pytest.raises(ValueError, match="data_format"):
        imagenet_utils.preprocess_input(images((1, 2, 2, 3)), data_format="nhwc")
    with pytest.raises(ValueError, match="3 color channels"):
        imagenet_utils.preprocess_input(images((1, 2, 2, 4)))
    with pytest.raises(ValueError, match="dimensions"):
        imagenet_utils.preprocess_input(images((2, 3)))


def write_class_index(path):
    index = {str(i): [f"n{i:08d}", f"class_{i}"] for i in range(1000)}
    path.write_text(json.dumps(index))
    return path


def test_decode_predictions_from_a_local_file(tmp_path):
    path = write_class_index(tmp_path / "index.json")
    scores = np.random.default_rng(3).random((2, 1000)).astype("float32")
    decoded = resnet50.decode_predictions(scores, top=3, class_index_path=path)
    for row, result in zip(scores, decoded):
        best = np.argsort(row)[::-1][:3]
        assert [entry[0] for entry in result] == [f"n{i:08d}" for i in best]
        assert [entry[1] for entry in result] == [f"class_{i}" for i in best]
        np.testing.assert_array_equal([entry[2] for entry in result], row[best])
    tensor = ops.convert_to_tensor(scores)
    assert imagenet_utils.decode_predictions(tensor, top=3, class_index_path=path) == decoded


def test_decode_predictions_from_the_keras_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "models").mkdir()
    path = write_class_index(tmp_path / "models" / "imagenet_class_index.json")
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_ORIGIN", UNREACHABLE)
    monkeypatch.setattr(
        imagenet_utils, "CLASS_INDEX_HASH", hashlib.md5(path.read_bytes()).hexdigest()
    )
    scores = np.zeros((1, 1000), "float32")
    scores[0, 7] = 1.0
    assert imagenet_utils.decode_predictions(scores, top=1)[0][0][:2] == ("n00000007", "class_7")


def test_decode_predictions_offline_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(imagenet_utils, "CLASS_INDEX_ORIGIN", UNREACHABLE)
    with pytest.raises(DownloadError, match="class_index_path") as caught:
        imagenet_utils.decode_predictions(np.zeros((1, 1000), "float32"))
    assert UNREACHABLE in str(caught.value)


def test_decode_predictions_errors(tmp_path):
    with pytest.raises(ValueError, match=r"\(samples, 1000\)"):
        imagenet_utils.decode_predictions(np.zeros((2, 10)))
    with pytest.raises(FileNotFoundError, match="class_index_path"):
        imagenet_utils.decode_predictions(np.zeros((1, 1000)), class_index_path=tmp_path / "x")
