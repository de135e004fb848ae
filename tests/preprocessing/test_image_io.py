"""Loading, saving and converting images with Pillow."""

import io
import sys

import numpy as np
import pytest

from kerasfront.preprocessing import image

PIL = pytest.importorskip("PIL.Image")


def _rgb(height=6, width=8, seed=0):
    return np.random.RandomState(seed).randint(0, 256, size=(height, width, 3)).astype("uint8")


def test_img_to_array_layouts_and_dtype():
    pixels = _rgb()
    img = PIL.fromarray(pixels)
    last = image.img_to_array(img, data_format="channels_last")
    assert last.dtype == np.float32 and last.shape == (6, 8, 3)
    np.testing.assert_array_equal(last, pixels)
    first = image.img_to_array(img, data_format="channels_first", dtype="float64")
    assert first.dtype == np.float64
    np.testing.assert_array_equal(first, pixels.transpose(2, 0, 1))
    gray = PIL.fromarray(pixels[:, :, 0])
    assert image.img_to_array(gray, data_format="channels_last").shape == (6, 8, 1)
    assert image.img_to_array(gray, data_format="channels_first").shape == (1, 6, 8)


def test_array_to_img_round_trip_without_scaling():
    pixels = _rgb().astype("float32")
    img = image.array_to_img(pixels, scale=False)
    assert img.mode == "RGB" and img.size == (8, 6)
    np.testing.assert_array_equal(np.asarray(img), pixels)
    first = image.array_to_img(pixels.transpose(2, 0, 1), data_format="channels_first", scale=False)
    np.testing.assert_array_equal(np.asarray(first), pixels)
    rgba = np.concatenate([pixels, np.full((6, 8, 1), 7.0)], axis=-1)
    assert image.array_to_img(rgba, scale=False).mode == "RGBA"


def test_array_to_img_scale_stretches_values():
    x = np.linspace(-1.0, 3.0, 6 * 8).reshape(6, 8, 1)
    pixels = np.asarray(image.array_to_img(x, scale=True))
    expected = ((x[:, :, 0] + 1.0) / 4.0 * 255).astype("uint8")
    np.testing.assert_array_equal(pixels, expected)
    assert pixels.min() == 0 and pixels.max() == 255


def test_single_channel_above_255_becomes_32_bit_image():
    x = np.full((3, 3, 1), 1000.0)
    img = image.array_to_img(x, scale=False)
    assert img.mode == "I"
    np.testing.assert_array_equal(np.asarray(img), 1000)


def test_array_to_img_rejects_bad_shapes_and_formats():
    with pytest.raises(ValueError, match="rank-3"):
        image.array_to_img(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="1, 3 or 4 channels"):
        image.array_to_img(np.zeros((4, 4, 2)))
    with pytest.raises(ValueError, match="data_format"):
        image.array_to_img(np.zeros((4, 4, 3)), data_format="channels_middle")
    with pytest.raises(ValueError, match="rank 2 or 3"):
        image.img_to_array(np.zeros((2, 2, 2, 2)))


def test_save_and_load_png_is_lossless(tmp_path):
    pixels = _rgb()
    path = tmp_path / "picture.png"
    image.save_img(path, pixels, scale=False)
    loaded = image.load_img(path)
    assert loaded.mode == "RGB" and loaded.size == (8, 6)
    np.testing.assert_array_equal(image.img_to_array(loaded), pixels)


def test_load_img_color_modes_and_resizing(tmp_path):
    path = tmp_path / "picture.png"
    PIL.fromarray(_rgb()).save(path)
    assert image.img_to_array(image.load_img(path, color_mode="grayscale")).shape == (6, 8, 1)
    assert image.img_to_array(image.load_img(path, color_mode="rgba")).shape == (6, 8, 4)
    resized = image.load_img(str(path), target_size=(3, 4), interpolation="bilinear")
    assert resized.size == (4, 3)
    with pytest.warns(UserWarning, match="deprecated"):
        assert image.load_img(path, grayscale=True).mode == "L"


def test_load_img_keep_aspect_ratio_crops_the_centre(tmp_path):
    pixels = _rgb(4, 8)
    path = tmp_path / "wide.png"
    PIL.fromarray(pixels).save(path)
    img = image.load_img(path, target_size=(4, 4), keep_aspect_ratio=True)
    np.testing.assert_array_equal(np.asarray(img), pixels[:, 2:6])


def test_load_img_from_file_object_and_jpeg_alias():
    buffer = io.BytesIO()
    image.save_img(buffer, _rgb(), file_format="jpg", scale=False)
    buffer.seek(0)
    img = image.load_img(buffer)
    assert img.size == (8, 6) and img.mode == "RGB"


def test_save_rgba_as_jpeg_drops_alpha_with_warning(tmp_path):
    rgba = np.concatenate([_rgb(), np.full((6, 8, 1), 255, "uint8")], axis=-1)
    path = tmp_path / "picture.jpg"
    with pytest.warns(UserWarning, match="alpha"):
        image.save_img(path, rgba, scale=False)
    assert image.load_img(path, color_mode="rgba").size == (8, 6)


def test_load_img_rejects_bad_arguments(tmp_path):
    path = tmp_path / "picture.png"
    PIL.fromarray(_rgb()).save(path)
    with pytest.raises(ValueError, match="color_mode"):
        image.load_img(path, color_mode="cmyk")
    with pytest.raises(ValueError, match="interpolation"):
        image.load_img(path, target_size=(2, 2), interpolation="spline")
    with pytest.raises(ValueError, match="target_size"):
        image.load_img(path, target_size=(2, 2, 2))
    with pytest.raises(TypeError, match="path"):
        image.load_img(42)


def test_missing_pillow_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="pip install pillow"):
        image.array_to_img(np.zeros((2, 2, 3)))
