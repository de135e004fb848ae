"""Reading, writing and converting images with Pillow.

Pillow is imported only when one of these functions runs, so that importing
`kerasfront.preprocessing.image` works on machines without it.
"""

from __future__ import annotations

import io
import os
import warnings
from typing import Any

import numpy as np

from kerasfront import config

COLOR_MODES = ("grayscale", "rgb", "rgba")
INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def require_pil() -> Any:
    """Returns the `PIL.Image` module, or explains how to install Pillow."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "Image loading and conversion need Pillow, which is not installed. "
            "Install it with `pip install pillow`."
        ) from None
    return Image


def resolve_data_format(data_format: str | None, argument: str = "data_format") -> str:
    """Returns `data_format`, or the configured default when it is None; rejects anything else."""
    if data_format is None:
        return config.image_data_format()
    if data_format not in config.IMAGE_DATA_FORMATS:
        raise ValueError(
            f"`{argument}` must be 'channels_last' (channels after rows and columns) or "
            f"'channels_first' (channels before rows and columns), received {data_format!r}."
        )
    return data_format


def resolve_dtype(dtype: Any) -> Any:
    """Returns `dtype`, or the configured float type when it is None."""
    return config.floatx() if dtype is None else dtype


def _resample_filter(image_module: Any, interpolation: str) -> Any:
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"`interpolation` must be one of {INTERPOLATIONS}, received {interpolation!r}."
        )
    # Pillow 9.1 moved the filters into an enum; older releases keep them on the module.
    holder = getattr(image_module, "Resampling", image_module)
    return getattr(holder, interpolation.upper())


def _open_image(path: Any) -> Any:
    image_module = require_pil()
    if hasattr(path, "read"):
        return image_module.open(path)
    if isinstance(path, (str, bytes, os.PathLike)):
        # Reading the bytes first closes the file at once, instead of leaving
        # a handle open until Pillow decodes the image lazily.
        with open(path, "rb") as handle:
            return image_module.open(io.BytesIO(handle.read()))
    raise TypeError(
        "`path` must be a file path (str or pathlib.Path) or a binary file object, "
        f"received {type(path).__name__}."
    )


def _center_crop_box(size: tuple[int, int], target: tuple[int, int]) -> tuple[int, int, int, int]:
    """The largest centred box of `size` (width, height) with the aspect ratio of `target`."""
    width, height = size
    target_width, target_height = target
    crop_height = min(height, (width * target_height) // target_width)
    crop_width = min(width, (height * target_width) // target_height)
    left = (width - crop_width) // 2
    top = (height - crop_height) // 2
    return left, top, left + crop_width, top + crop_height


def load_img(
    path: Any,
    grayscale: bool = False,
    color_mode: str = "rgb",
    target_size: tuple[int, int] | None = None,
    interpolation: str = "nearest",
    keep_aspect_ratio: bool = False,
) -> Any:
    """Loads an image file as a PIL image.

    Args:
        path: Path to the file, or a binary file object.
        grayscale: Deprecated; use `color_mode="grayscale"`.
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"`: the mode the image is converted to.
            Grayscale images already stored as 16- or 32-bit integers keep that depth.
        target_size: `None` to keep the stored size, else `(height, width)` to resize to.
        interpolation: Resampling filter used when resizing: `"nearest"`, `"bilinear"`,
            `"bicubic"`, `"hamming"`, `"box"` or `"lanczos"`.
        keep_aspect_ratio: When resizing, first crop the largest centred region that has the
            aspect ratio of `target_size`, so the picture is not stretched.

    Returns:
        A `PIL.Image.Image`.

    Example:
        >>> img = load_img("cat.png", target_size=(64, 64))  # doctest: +SKIP
        >>> img_to_array(img).shape  # doctest: +SKIP
        (64, 64, 3)
    """
    if grayscale:
        warnings.warn(
            '`grayscale` is deprecated; pass `color_mode="grayscale"` instead.', stacklevel=2
        )
        color_mode = "grayscale"
    if color_mode not in COLOR_MODES:
        raise ValueError(f"`color_mode` must be one of {COLOR_MODES}, received {color_mode!r}.")
    image_module = require_pil()
    resample = _resample_filter(image_module, interpolation)
    img = _open_image(path)
    if color_mode == "grayscale":
        # Integer grayscale modes are kept so that 16-bit scans do not lose precision.
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif img.mode != "RGB":
        img = img.convert("RGB")
    if target_size is not None:
        if len(target_size) != 2:
            raise ValueError(
                f"`target_size` must be (height, width) or None, received {target_size!r}."
            )
        width_height = (int(target_size[1]), int(target_size[0]))
        if img.size != width_height:
            box = _center_crop_box(img.size, width_height) if keep_aspect_ratio else None
            img = img.resize(width_height, resample=resample, box=box)
    return img


def img_to_array(img: Any, data_format: str | None = None, dtype: Any = None) -> np.ndarray:
    """Converts a PIL image to a rank-3 NumPy array.

    Args:
        img: A PIL image (or anything `np.asarray` turns into a rank-2 or rank-3 array).
        data_format: `"channels_last"` gives `(height, width, channels)`, `"channels_first"`
            gives `(channels, height, width)`. Defaults to the configured image data format.
        dtype: Type of the array; defaults to the configured float type (`float32`).

    Returns:
        The image as an array; a single-channel image gets a channel axis of size 1.
    """
    data_format = resolve_data_format(data_format)
    array = np.asarray(img, dtype=resolve_dtype(dtype))
    if array.ndim == 3:
        if data_format == "channels_first":
            array = array.transpose(2, 0, 1)
    elif array.ndim == 2:
        if data_format == "channels_first":
            array = array.reshape((1,) + array.shape)
        else:
            array = array.reshape(array.shape + (1,))
    else:
        raise ValueError(
            f"`img` must convert to an array of rank 2 or 3, received shape {array.shape}."
        )
    return array


def array_to_img(
    x: Any, data_format: str | None = None, scale: bool = True, dtype: Any = None
) -> Any:
    """Converts a rank-3 array to a PIL image.

    Args:
        x: Array of shape `(height, width, channels)` (or channels first) with 1, 3 or 4
            channels.
        data_format: Layout of `x`; defaults to the configured image data format.
        scale: Stretch the values linearly so the smallest becomes 0 and the largest 255.
            Without scaling the values are cast to 8 bits as they are (fractions truncated).
        dtype: Type `x` is converted to before scaling; defaults to the configured float type.

    Returns:
        A PIL image in mode `"L"` (one channel; `"I"` when values exceed 255), `"RGB"` or
        `"RGBA"`.
    """
    image_module = require_pil()
    data_format = resolve_data_format(data_format)
    array = np.array(x, dtype=resolve_dtype(dtype))
    if array.ndim != 3:
        raise ValueError(
            "`x` must be a rank-3 image array (height, width, channels) or "
            f"(channels, height, width), received shape {array.shape}."
        )
    if data_format == "channels_first":
        array = array.transpose(1, 2, 0)
    if scale:
        array = array - np.min(array)
        largest = np.max(array)
        if largest != 0:
            array = array / largest
        array = array * 255
    channels = array.shape[2]
    if channels in (3, 4):
        return image_module.fromarray(array.astype("uint8"))
    if channels == 1:
        plane = array[:, :, 0]
        # Values above 255 only fit a 32-bit integer image.
        if np.max(plane) > 255:
            return image_module.fromarray(plane.astype("int32"))
        return image_module.fromarray(plane.astype("uint8"))
    raise ValueError(
        f"`x` must have 1, 3 or 4 channels ({data_format}), received shape {np.shape(x)} "
        f"with {channels} channels."
    )


def save_img(
    path: Any,
    x: Any,
    data_format: str | None = None,
    file_format: str | None = None,
    scale: bool = True,
    **kwargs: Any,
) -> None:
    """Saves an image array to a file path or binary file object.

    Args:
        path: Destination path or binary file object.
        x: Image array, as accepted by `array_to_img`.
        data_format: Layout of `x`; defaults to the configured image data format.
        file_format: Image format such as `"png"` or `"jpeg"`; taken from the file extension
            when omitted (it is required for file objects).
        scale: Stretch values to 0..255 first, as in `array_to_img`.
        **kwargs: Passed on to `PIL.Image.Image.save` (e.g. `quality=95`).
    """
    img = array_to_img(x, data_format=data_format, scale=scale)
    file_format = _normalize_format(file_format)
    effective = file_format
    if effective is None and isinstance(path, (str, os.PathLike)):
        effective = _normalize_format(os.path.splitext(os.fspath(path))[1].lstrip(".") or None)
    if img.mode == "RGBA" and effective == "jpeg":
        warnings.warn(
            "JPEG cannot store an alpha channel; the image is saved without it.", stacklevel=2
        )
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def _normalize_format(file_format: str | None) -> str | None:
    # Pillow knows JPEG only by that name, while users (and file names) often say "jpg".
    if file_format is None:
        return None
    lowered = file_format.lower()
    return "jpeg" if lowered == "jpg" else lowered
