"""Geometric and colour transforms of single images (rank-3 NumPy arrays).

The affine maths follows tf.keras's version of Keras 2's: rotation, shift, shear
and zoom matrices are multiplied in that order, in (x = column, y = row)
coordinates, and applied around the image centre with
`scipy.ndimage.affine_transform`, one channel at a time. Keras 2.2 itself
(keras-preprocessing) turned and zoomed around a point one pixel past the
centre on each axis, and applied `tx` and `zx` along the rows although its
docstring calls them the x direction; tf.keras fixed both, and so does this
module (the true centre, `tx`/`zx` along the columns). `ImageDataGenerator`'s
ranges (`width_shift_range` shifts horizontally, ...) mean the same in all of
them; a rotated or zoomed image can differ from Keras 2.2's by that centre.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kerasfront.preprocessing.image_io import array_to_img, img_to_array, require_pil

FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def check_fill_mode(fill_mode: str) -> str:
    """Returns `fill_mode` when SciPy knows it, else raises a ValueError naming the choices."""
    if fill_mode not in FILL_MODES:
        raise ValueError(f"`fill_mode` must be one of {FILL_MODES}, received {fill_mode!r}.")
    return fill_mode


def _require_ndimage():
    try:
        from scipy import ndimage
    except ImportError:
        raise ImportError(
            "Affine image transforms need SciPy, which is not installed. "
            "Install it with `pip install scipy`."
        ) from None
    return ndimage


def flip_axis(x: np.ndarray, axis: int) -> np.ndarray:
    """Reverses `x` along `axis` (a horizontal flip is the column axis)."""
    return np.flip(np.asarray(x), axis)


def transform_matrix_offset_center(matrix: np.ndarray, x: float, y: float) -> np.ndarray:
    """Moves the origin of a 3x3 homogeneous transform to the centre of an image.

    Args:
        matrix: Transform acting on (first, second) coordinates.
        x: Extent of the first coordinate, in pixels.
        y: Extent of the second coordinate, in pixels.

    Returns:
        `matrix` conjugated by a translation to the pixel centre `((x - 1) / 2, (y - 1) / 2)`.
    """
    center_x, center_y = float(x) / 2 - 0.5, float(y) / 2 - 0.5
    to_center = np.array([[1.0, 0.0, center_x], [0.0, 1.0, center_y], [0.0, 0.0, 1.0]])
    from_center = np.array([[1.0, 0.0, -center_x], [0.0, 1.0, -center_y], [0.0, 0.0, 1.0]])
    return to_center @ matrix @ from_center


def _check_axes(x: np.ndarray, row_axis: int, col_axis: int, channel_axis: int) -> None:
    if x.ndim != 3:
        raise ValueError(
            "`x` must be a single image of rank 3 (rows, columns and channels), "
            f"received shape {x.shape}."
        )
    if sorted((row_axis, col_axis, channel_axis)) != [0, 1, 2]:
        raise ValueError(
            "`row_axis`, `col_axis` and `channel_axis` must be 0, 1 and 2 in some order, "
            f"received {row_axis}, {col_axis} and {channel_axis}."
        )
    if channel_axis not in (0, 2):
        raise ValueError(
            f"`channel_axis` must be the first (0) or last (2) axis, received {channel_axis}."
        )


def _cos_sin(degrees: float) -> tuple[float, float]:
    # cos(pi / 2) is 6e-17, not 0: at right angles that noise puts edge pixels a hair
    # outside the image, where fill_mode="constant" would blank them.
    angle = np.deg2rad(degrees)
    values = np.array([np.cos(angle), np.sin(angle)])
    values[np.abs(values) < 1e-12] = 0.0
    return float(values[0]), float(values[1])


def _affine_matrix(theta: float, tx: float, ty: float, shear: float, zx: float, zy: float):
    """The product rotation @ shift @ shear @ zoom in (x, y) coordinates, or None for identity."""
    parts = []
    if theta != 0:
        cos, sin = _cos_sin(theta)
        parts.append(np.array([[cos, -sin, 0.0], [sin, cos, 0.0], [0.0, 0.0, 1.0]]))
    if tx != 0 or ty != 0:
        parts.append(np.array([[1.0, 0.0, tx], [0.0, 1.0, ty], [0.0, 0.0, 1.0]]))
    if shear != 0:
        cos, sin = _cos_sin(shear)
        parts.append(np.array([[1.0, -sin, 0.0], [0.0, cos, 0.0], [0.0, 0.0, 1.0]]))
    if zx != 1 or zy != 1:
        parts.append(np.array([[zx, 0.0, 0.0], [0.0, zy, 0.0], [0.0, 0.0, 1.0]]))
    if not parts:
        return None
    matrix = parts[0]
    for part in parts[1:]:
        matrix = matrix @ part
    return matrix


def apply_affine_transform(
    x: np.ndarray,
    theta: float = 0,
    tx: float = 0,
    ty: float = 0,
    shear: float = 0,
    zx: float = 1,
    zy: float = 1,
    row_axis: int = 0,
    col_axis: int = 1,
    channel_axis: int = 2,
    fill_mode: str = "nearest",
    cval: float = 0.0,
    order: int = 1,
) -> np.ndarray:
    """Rotates, shifts, shears and zooms one image.

    The axes default to a channels_last image `(rows, cols, channels)`, as Keras 2.2's
    `apply_affine_transform` (its `random_*` functions default to channels first).

    The matrix maps output pixels to the input pixels they are read from, so positive
    `tx` moves the picture left and positive `ty` moves it up.

    Args:
        x: Image of rank 3.
        theta: Rotation in degrees; positive turns the picture counter-clockwise.
        tx: Shift along the columns (width), in pixels.
        ty: Shift along the rows (height), in pixels.
        shear: Shear angle in degrees.
        zx: Zoom factor along the columns; below 1 enlarges the picture.
        zy: Zoom factor along the rows.
        row_axis: Axis of `x` holding the rows.
        col_axis: Axis of `x` holding the columns.
        channel_axis: Axis of `x` holding the channels (0 or 2).
        fill_mode: How points outside the input are filled: `"constant"`, `"nearest"`,
            `"reflect"` or `"wrap"`.
        cval: Fill value for `fill_mode="constant"`.
        order: Spline interpolation order (0 nearest, 1 linear, up to 5).

    Returns:
        The transformed image, same shape and dtype as `x`; `x` itself when nothing changes.

    Example:
        >>> img = np.arange(9.0).reshape(3, 3, 1)
        >>> apply_affine_transform(img, theta=90, row_axis=0, col_axis=1, channel_axis=2,
        ...                        order=0)[..., 0]
        array([[2., 5., 8.],
               [1., 4., 7.],
               [0., 3., 6.]])
    """
    x = np.asarray(x)
    _check_axes(x, row_axis, col_axis, channel_axis)
    check_fill_mode(fill_mode)
    matrix = _affine_matrix(theta, tx, ty, shear, zx, zy)
    if matrix is None:
        return x
    height, width = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(matrix, width, height)
    planes = np.moveaxis(x, channel_axis, 0)
    # SciPy indexes the planes in their own axis order; the matrix is written in
    # (column, row) order, so swap its coordinates whenever rows come first.
    if row_axis < col_axis:
        matrix = matrix[[1, 0, 2]][:, [1, 0, 2]]
    ndimage = _require_ndimage()
    transformed = [
        ndimage.affine_transform(
            plane, matrix[:2, :2], matrix[:2, 2], order=order, mode=fill_mode, cval=cval
        )
        for plane in planes
    ]
    return np.moveaxis(np.stack(transformed, axis=0), 0, channel_axis)


def random_rotation(
    x: np.ndarray,
    rg: float,
    row_axis: int = 1,
    col_axis: int = 2,
    channel_axis: int = 0,
    fill_mode: str = "nearest",
    cval: float = 0.0,
    interpolation_order: int = 1,
) -> np.ndarray:
    """Rotates `x` by an angle drawn uniformly from `[-rg, rg]` degrees (NumPy's global RNG).

    Other arguments are those of `apply_affine_transform`.
    """
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(
        x,
        theta=theta,
        row_axis=row_axis,
        col_axis=col_axis,
        channel_axis=channel_axis,
        fill_mode=fill_mode,
        cval=cval,
        order=interpolation_order,
    )


def random_shift(
    x: np.ndarray,
    wrg: float,
    hrg: float,
    row_axis: int = 1,
    col_axis: int = 2,
    channel_axis: int = 0,
    fill_mode: str = "nearest",
    cval: float = 0.0,
    interpolation_order: int = 1,
) -> np.ndarray:
    """Shifts `x` by random fractions of its size (NumPy's global RNG).

    Keras 2 moved the image across by `hrg` and down by `wrg`, the reverse of their
    names; here `wrg` bounds the horizontal and `hrg` the vertical shift. The two
    fractions are drawn in the Keras order (height first), so a seeded run draws
    the same numbers as Keras.

    Args:
        x: Image of rank 3.
        wrg: Largest shift along the width, as a fraction of the width.
        hrg: Largest shift along the height, as a fraction of the height.
        row_axis: Axis of the rows. Other arguments as in `apply_affine_transform`.
        col_axis: Axis of the columns.
        channel_axis: Axis of the channels.
        fill_mode: Fill mode for points outside the input.
        cval: Fill value for `fill_mode="constant"`.
        interpolation_order: Spline interpolation order.

    Returns:
        The shifted image.
    """
    height, width = x.shape[row_axis], x.shape[col_axis]
    ty = np.random.uniform(-hrg, hrg) * height
    tx = np.random.uniform(-wrg, wrg) * width
    return apply_affine_transform(
        x,
        tx=tx,
        ty=ty,
        row_axis=row_axis,
        col_axis=col_axis,
        channel_axis=channel_axis,
        fill_mode=fill_mode,
        cval=cval,
        order=interpolation_order,
    )


def random_shear(
    x: np.ndarray,
    intensity: float,
    row_axis: int = 1,
    col_axis: int = 2,
    channel_axis: int = 0,
    fill_mode: str = "nearest",
    cval: float = 0.0,
    interpolation_order: int = 1,
) -> np.ndarray:
    """Shears `x` by an angle drawn from `[-intensity, intensity]` degrees (NumPy's global RNG).

    Other arguments are those of `apply_affine_transform`.
    """
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(
        x,
        shear=shear,
        row_axis=row_axis,
        col_axis=col_axis,
        channel_axis=channel_axis,
        fill_mode=fill_mode,
        cval=cval,
        order=interpolation_order,
    )


def random_zoom(
    x: np.ndarray,
    zoom_range: Sequence[float],
    row_axis: int = 1,
    col_axis: int = 2,
    channel_axis: int = 0,
    fill_mode: str = "nearest",
    cval: float = 0.0,
    interpolation_order: int = 1,
) -> np.ndarray:
    """Zooms `x` by factors drawn independently per axis from `zoom_range` (NumPy's global RNG).

    Args:
        x: Image of rank 3.
        zoom_range: `(lower, upper)` zoom factors; `(1, 1)` leaves the image alone.
        row_axis: Axis of the rows. Other arguments as in `apply_affine_transform`.
        col_axis: Axis of the columns.
        channel_axis: Axis of the channels.
        fill_mode: Fill mode for points outside the input.
        cval: Fill value for `fill_mode="constant"`.
        interpolation_order: Spline interpolation order.

    Returns:
        The zoomed image.
    """
    if not isinstance(zoom_range, (tuple, list, np.ndarray)) or len(zoom_range) != 2:
        raise ValueError(f"`zoom_range` must be a pair (lower, upper), received {zoom_range!r}.")
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(
        x,
        zx=zx,
        zy=zy,
        row_axis=row_axis,
        col_axis=col_axis,
        channel_axis=channel_axis,
        fill_mode=fill_mode,
        cval=cval,
        order=interpolation_order,
    )


def apply_channel_shift(x: np.ndarray, intensity: float, channel_axis: int = 0) -> np.ndarray:
    """Adds `intensity` to every channel, clipped to the image's own value range.

    Args:
        x: Image of rank 3.
        intensity: Value added to every pixel.
        channel_axis: Axis of the channels (kept for Keras compatibility; the same
            shift is added to all channels).

    Returns:
        The shifted image, with values kept within `[x.min(), x.max()]`.
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"`x` must be a single image of rank 3, received shape {x.shape}.")
    return np.clip(x + intensity, np.min(x), np.max(x))


def random_channel_shift(
    x: np.ndarray, intensity_range: float, channel_axis: int = 0
) -> np.ndarray:
    """Channel shift by an intensity drawn from `[-intensity_range, intensity_range]`."""
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def brightness_shift(
    x: np.ndarray, brightness: float, scale: bool, data_format: str | None
) -> np.ndarray:
    """`apply_brightness_shift` for an image in an explicit data format."""
    image_enhance = _require_image_enhance()
    x = np.asarray(x)
    low, high = np.min(x), np.max(x)
    # Pillow works on 8-bit images: values outside 0..255 must be squeezed into
    # that range, and are stretched back afterwards when `scale` is False.
    out_of_range = low < 0 or high > 255
    img = array_to_img(x, data_format=data_format, scale=out_of_range or scale)
    img = image_enhance.Brightness(img).enhance(brightness)
    result = img_to_array(img, data_format=data_format)
    if out_of_range and not scale:
        result = result / 255 * (high - low) + low
    return result


def _require_image_enhance():
    require_pil()
    from PIL import ImageEnhance

    return ImageEnhance


def apply_brightness_shift(x: np.ndarray, brightness: float, scale: bool = True) -> np.ndarray:
    """Changes the brightness of an image with Pillow's `ImageEnhance.Brightness`.

    The image goes through an 8-bit PIL image, so values are rounded down to integers.

    Args:
        x: Image of rank 3 in the configured image data format.
        brightness: Enhancement factor: 0 gives black, 1 the original, above 1 brighter.
        scale: Stretch the image to 0..255 before enhancing (the result stays in that
            range). Without it, images already within 0..255 keep their values' scale;
            others are stretched and mapped back to their original range.

    Returns:
        The enhanced image as a float array.
    """
    return brightness_shift(x, brightness, scale, None)


def random_brightness(
    x: np.ndarray, brightness_range: Sequence[float], scale: bool = True
) -> np.ndarray:
    """Brightness shift by a factor drawn uniformly from `brightness_range` (a pair)."""
    if not isinstance(brightness_range, (tuple, list, np.ndarray)) or len(brightness_range) != 2:
        raise ValueError(
            f"`brightness_range` must be a pair (lower, upper), received {brightness_range!r}."
        )
    factor = np.random.uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, factor, scale)
