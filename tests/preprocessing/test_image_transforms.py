"""Affine, channel and brightness transforms against NumPy references."""

import numpy as np
import pytest

from kerasfront.preprocessing import image

LAST = {"row_axis": 0, "col_axis": 1, "channel_axis": 2}
FIRST = {"row_axis": 1, "col_axis": 2, "channel_axis": 0}


def _image(height=8, width=8, channels=3, seed=0):
    return np.random.RandomState(seed).rand(height, width, channels)


def _reference_affine_nearest(x, theta, tx, ty, shear, zx, zy):
    """Nearest-neighbour affine sampling, edges extended, written pixel by pixel (channels last).

    The source of output pixel (row, col) is the point M @ (col - cx, row - cy) + (cx, cy),
    M = rotation @ shift @ shear @ zoom in (x = column, y = row) coordinates.
    """
    height, width = x.shape[:2]
    t, s = np.deg2rad(theta), np.deg2rad(shear)
    rotation = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    shift = np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
    shearing = np.array([[1, -np.sin(s), 0], [0, np.cos(s), 0], [0, 0, 1]])
    zoom = np.diag([zx, zy, 1.0])
    matrix = rotation @ shift @ shearing @ zoom
    cx, cy = (width - 1) / 2, (height - 1) / 2
    out = np.empty(x.shape, dtype=float)
    for row in range(height):
        for col in range(width):
            sx, sy, _ = matrix @ np.array([col - cx, row - cy, 1.0])
            src_col = min(max(int(np.round(sx + cx)), 0), width - 1)
            src_row = min(max(int(np.round(sy + cy)), 0), height - 1)
            out[row, col] = x[src_row, src_col]
    return out


def test_flip_axis_matches_numpy_reversal():
    x = _image()
    np.testing.assert_array_equal(image.flip_axis(x, 1), x[:, ::-1])
    np.testing.assert_array_equal(image.flip_axis(x, 0), x[::-1])


@pytest.mark.parametrize("k", [1, 2, 3])
def test_rotation_by_right_angles_is_rot90(k):
    x = _image(7, 7)
    out = image.apply_affine_transform(x, theta=90 * k, **LAST, order=0)
    np.testing.assert_allclose(out, np.rot90(x, k, axes=(0, 1)), atol=1e-12)


def test_rotation_channels_first_matches_channels_last():
    x = _image(6, 6)
    last = image.apply_affine_transform(x, theta=90, **LAST, order=0)
    first = image.apply_affine_transform(x.transpose(2, 0, 1), theta=90, **FIRST, order=0)
    np.testing.assert_allclose(first.transpose(1, 2, 0), last, atol=1e-12)


def test_half_turn_of_non_square_image_stays_centred():
    x = _image(6, 10)
    out = image.apply_affine_transform(x, theta=180, **LAST, order=0, fill_mode="constant")
    np.testing.assert_allclose(out, x[::-1, ::-1], atol=1e-12)


def test_integer_shift_equals_roll_in_interior():
    x = _image(8, 10)
    across = image.apply_affine_transform(x, tx=3, **LAST, fill_mode="constant", cval=-1.0)
    np.testing.assert_allclose(across[:, :-3], np.roll(x, -3, axis=1)[:, :-3], atol=1e-12)
    np.testing.assert_array_equal(across[:, -3:], -1.0)
    down = image.apply_affine_transform(x, ty=-2, **LAST, fill_mode="constant")
    np.testing.assert_allclose(down[2:], np.roll(x, 2, axis=0)[2:], atol=1e-12)
    np.testing.assert_array_equal(down[:2], 0.0)


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("constant", [3, 4, 5, 6, 0, 0]),
        ("nearest", [3, 4, 5, 6, 6, 6]),
        ("reflect", [3, 4, 5, 6, 6, 5]),
    ],
)
def test_fill_modes(mode, expected):
    x = np.arange(1.0, 7.0).reshape(1, 6, 1)
    out = image.apply_affine_transform(x, tx=2, **LAST, fill_mode=mode, order=0)
    np.testing.assert_array_equal(out[0, :, 0], expected)


@pytest.mark.parametrize(
    "params",
    [
        {"theta": 27.0, "tx": 0, "ty": 0, "shear": 0, "zx": 1, "zy": 1},
        {"theta": 0, "tx": 0, "ty": 0, "shear": 17.0, "zx": 1, "zy": 1},
        {"theta": 0, "tx": 0, "ty": 0, "shear": 0, "zx": 0.73, "zy": 1.31},
        {"theta": -33.0, "tx": 1.3, "ty": -0.7, "shear": 11.0, "zx": 0.81, "zy": 1.17},
    ],
)
def test_affine_matches_pixelwise_reference_on_non_square_image(params):
    x = _image(7, 11, channels=2, seed=3)
    out = image.apply_affine_transform(x, **params, **LAST, fill_mode="nearest", order=0)
    expected = _reference_affine_nearest(x, **params)
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_zoom_with_linear_interpolation_at_exact_points():
    x = _image(5, 5)
    out = image.apply_affine_transform(x, zx=0.5, zy=0.5, **LAST, order=1)
    # Output pixel r reads input 2 + (r - 2) / 2; even rows/columns land on whole pixels.
    for row in (0, 2, 4):
        for col in (0, 2, 4):
            np.testing.assert_allclose(out[row, col], x[1 + row // 2, 1 + col // 2], atol=1e-12)


def test_identity_transform_returns_input():
    x = _image()
    assert image.apply_affine_transform(x, **LAST) is x


def test_affine_rejects_bad_inputs():
    with pytest.raises(ValueError, match="fill_mode"):
        image.apply_affine_transform(_image(), theta=10, **LAST, fill_mode="mirror")
    with pytest.raises(ValueError, match="rank 3"):
        image.apply_affine_transform(np.zeros((2, 4, 4, 3)), theta=10)
    with pytest.raises(ValueError, match="channel_axis"):
        image.apply_affine_transform(_image(), theta=10, row_axis=0, col_axis=2, channel_axis=1)


def test_channel_shift_adds_and_clips_to_image_range():
    x = _image()
    out = image.apply_channel_shift(x, 0.25, channel_axis=2)
    np.testing.assert_allclose(out, np.clip(x + 0.25, x.min(), x.max()))


def test_random_functions_follow_numpy_global_seed():
    x = _image(6, 6)
    np.random.seed(5)
    intensity = np.random.uniform(-0.3, 0.3)
    np.random.seed(5)
    shifted = image.random_channel_shift(x, 0.3, channel_axis=2)
    np.testing.assert_allclose(shifted, image.apply_channel_shift(x, intensity, 2))

    np.random.seed(1)
    theta = np.random.uniform(-40, 40)
    np.random.seed(1)
    rotated = image.random_rotation(x, 40, **LAST)
    np.testing.assert_allclose(rotated, image.apply_affine_transform(x, theta=theta, **LAST))

    np.random.seed(2)
    height_fraction, width_fraction = np.random.uniform(-0.2, 0.2), np.random.uniform(-0.3, 0.3)
    np.random.seed(2)
    moved = image.random_shift(x, 0.3, 0.2, **LAST)
    expected = image.apply_affine_transform(
        x, tx=width_fraction * 6, ty=height_fraction * 6, **LAST
    )
    np.testing.assert_allclose(moved, expected)

    np.random.seed(3)
    zx, zy = np.random.uniform(0.8, 1.2, 2)
    np.random.seed(3)
    zoomed = image.random_zoom(x, (0.8, 1.2), **LAST)
    np.testing.assert_allclose(zoomed, image.apply_affine_transform(x, zx=zx, zy=zy, **LAST))

    np.random.seed(4)
    shear = np.random.uniform(-15, 15)
    np.random.seed(4)
    sheared = image.random_shear(x, 15, **LAST)
    np.testing.assert_allclose(sheared, image.apply_affine_transform(x, shear=shear, **LAST))


def test_random_zoom_and_brightness_need_pairs():
    with pytest.raises(ValueError, match="zoom_range"):
        image.random_zoom(_image(), (0.5, 1.0, 2.0))
    with pytest.raises(ValueError, match="brightness_range"):
        image.random_brightness(_image() * 255, 0.5)


def test_brightness_factor_one_keeps_integer_image_and_zero_blackens():
    x = np.random.RandomState(0).randint(0, 256, size=(4, 5, 3)).astype("float32")
    np.testing.assert_array_equal(image.apply_brightness_shift(x, 1.0, scale=False), x)
    np.testing.assert_array_equal(image.apply_brightness_shift(x, 0.0, scale=False), 0 * x)


def test_brightness_scale_stretches_to_full_range():
    x = np.linspace(10, 20, 4 * 5 * 3).reshape(4, 5, 3)
    out = image.apply_brightness_shift(x, 1.0, scale=True)
    assert out.min() == 0 and out.max() == 255


def test_brightness_maps_out_of_range_values_back():
    x = np.linspace(-1.0, 1.0, 4 * 4 * 3).reshape(4, 4, 3)
    out = image.apply_brightness_shift(x, 1.0, scale=False)
    # The image went through 8 bits, so each value is recovered to within one level.
    np.testing.assert_allclose(out, x, atol=2.0 / 255)
