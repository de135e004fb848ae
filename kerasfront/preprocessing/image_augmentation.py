"""Option checks, random parameter draws and dataset statistics for `ImageDataGenerator`.

The draws call the random generator in the same order and with the same
arguments as Keras 2, so a given seed yields the same transform parameters.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from kerasfront.preprocessing.image_transforms import check_fill_mode

EPSILON = 1e-6  # keeps divisions by a zero standard deviation finite, as in Keras


def is_number(value: Any) -> bool:
    """True for Python and NumPy ints and floats (bool excluded)."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _check_number(name: str, value: Any) -> None:
    if not is_number(value):
        raise ValueError(f"`{name}` must be a number, received {value!r}.")


def _is_number_pair(value: Any) -> bool:
    return (
        isinstance(value, (tuple, list, np.ndarray))
        and len(value) == 2
        and all(is_number(v) for v in value)
    )


def _check_shift_range(name: str, value: Any) -> None:
    if is_number(value):
        return
    if isinstance(value, (list, tuple, np.ndarray)) and len(value) > 0:
        if all(is_number(v) for v in value):
            return
    raise ValueError(
        f"`{name}` must be a float (fraction of the size), an int (pixels) or a list of "
        f"possible shifts, received {value!r}."
    )


def check_options(options: dict[str, Any]) -> list[float]:
    """Validates the `ImageDataGenerator` arguments; returns the zoom range as `[lower, upper]`.

    Args:
        options: The constructor's arguments by name.

    Returns:
        `[1 - z, 1 + z]` for a float `zoom_range` `z`, else the given pair as a list.
    """
    for name in ("rotation_range", "shear_range", "channel_shift_range", "cval", "zca_epsilon"):
        _check_number(name, options[name])
    _check_shift_range("width_shift_range", options["width_shift_range"])
    _check_shift_range("height_shift_range", options["height_shift_range"])
    check_fill_mode(options["fill_mode"])
    if options["rescale"] is not None:
        _check_number("rescale", options["rescale"])
    function = options["preprocessing_function"]
    if function is not None and not callable(function):
        raise ValueError(
            "`preprocessing_function` must be callable or None, "
            f"received {type(function).__name__}."
        )
    order = options["interpolation_order"]
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or not 0 <= order <= 5:
        raise ValueError(f"`interpolation_order` must be an int from 0 to 5, received {order!r}.")
    split = options["validation_split"]
    _check_number("validation_split", split)
    if split and not 0 < split < 1:
        raise ValueError(
            f"`validation_split` must be in [0, 1) (0 for no split), received {split}."
        )
    brightness_range = options["brightness_range"]
    if brightness_range is not None and not _is_number_pair(brightness_range):
        raise ValueError(
            "`brightness_range` must be a pair (lower, upper) of floats or None, "
            f"received {brightness_range!r}."
        )
    zoom_range = options["zoom_range"]
    if is_number(zoom_range):
        return [1 - zoom_range, 1 + zoom_range]
    if _is_number_pair(zoom_range):
        return [zoom_range[0], zoom_range[1]]
    raise ValueError(
        f"`zoom_range` must be a float or a pair (lower, upper) of floats, received {zoom_range!r}."
    )


def draw_shift(shift_range: Any, size: int, rng: Any) -> float:
    """One shift in pixels along an axis of `size` pixels.

    A float range draws uniformly from `[-range, range]`; an int `n` picks from
    `0..n-1` and a list from its values, each with a random sign. Ranges below 1
    are fractions of `size`.
    """
    if isinstance(shift_range, np.ndarray):
        shift_range = shift_range.tolist()
    if not shift_range:
        return 0
    if isinstance(shift_range, (float, np.floating)):
        shift = rng.uniform(-shift_range, shift_range)
    else:
        shift = rng.choice(shift_range) * rng.choice([-1, 1])
    if np.max(shift_range) < 1:
        shift = shift * size
    return shift


def draw_transform(generator: Any, img_shape: Sequence[int], rng: Any) -> dict:
    """Random transform parameters for one image, as `ImageDataGenerator` describes them.

    Args:
        generator: The `ImageDataGenerator` whose ranges are used.
        img_shape: Shape of the image (rank 3, in the generator's data format).
        rng: `np.random` or a `np.random.RandomState`.

    Returns:
        The parameter dict of `ImageDataGenerator.get_random_transform`.
    """
    if len(img_shape) != 3:
        raise ValueError(
            f"`img_shape` must be the shape of one image (rank 3), received {tuple(img_shape)}."
        )
    rows = img_shape[generator.row_axis - 1]
    cols = img_shape[generator.col_axis - 1]
    theta = 0
    if generator.rotation_range:
        theta = rng.uniform(-generator.rotation_range, generator.rotation_range)
    # Keras draws the height shift first; the order is kept so seeds give the same numbers.
    ty = draw_shift(generator.height_shift_range, rows, rng)
    tx = draw_shift(generator.width_shift_range, cols, rng)
    shear = 0
    if generator.shear_range:
        shear = rng.uniform(-generator.shear_range, generator.shear_range)
    low, high = generator.zoom_range
    zx, zy = (1, 1) if low == 1 and high == 1 else rng.uniform(low, high, 2)
    # Both coins are tossed even when flipping is off, so the random stream stays aligned.
    flip_horizontal = bool(rng.random_sample() < 0.5) and bool(generator.horizontal_flip)
    flip_vertical = bool(rng.random_sample() < 0.5) and bool(generator.vertical_flip)
    channel_shift = None
    if generator.channel_shift_range != 0:
        bound = generator.channel_shift_range
        channel_shift = rng.uniform(-bound, bound)
    brightness = None
    if generator.brightness_range is not None:
        brightness = rng.uniform(generator.brightness_range[0], generator.brightness_range[1])
    return {
        "theta": theta,
        "tx": tx,
        "ty": ty,
        "shear": shear,
        "zx": zx,
        "zy": zy,
        "flip_horizontal": flip_horizontal,
        "flip_vertical": flip_vertical,
        "channel_shift_intensity": channel_shift,
        "brightness": brightness,
    }


def zca_whitening_matrix(flat: np.ndarray, epsilon: float) -> np.ndarray:
    """The ZCA whitening matrix of centred samples `flat` (one row per sample).

    With `flat.T = U S V^T`, the matrix is `U diag(sqrt(n) / (S + epsilon)) U^T`, so
    `flat @ W` has (nearly) identity covariance when there are more samples than features.
    """
    count = len(flat)
    u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
    return (u * (np.sqrt(count) / (s + epsilon))) @ u.T


def resolve_implied_options(generator: Any) -> None:
    """Switches on the options that others need, warning about each change (as Keras does).

    Whitening and std normalization are defined on centred data, so they turn centering
    on; whitening already rescales, so it replaces feature-wise std normalization.
    """
    changes = []
    if generator.zca_whitening:
        if not generator.featurewise_center:
            generator.featurewise_center = True
            changes.append("zca_whitening=True turns featurewise_center on.")
        if generator.featurewise_std_normalization:
            generator.featurewise_std_normalization = False
            changes.append("zca_whitening=True turns featurewise_std_normalization off.")
    if generator.featurewise_std_normalization and not generator.featurewise_center:
        generator.featurewise_center = True
        changes.append("featurewise_std_normalization=True turns featurewise_center on.")
    if generator.samplewise_std_normalization and not generator.samplewise_center:
        generator.samplewise_center = True
        changes.append("samplewise_std_normalization=True turns samplewise_center on.")
    for message in changes:
        # 1: here, 2: ImageDataGenerator.__init__, 3: the line that built the generator.
        warnings.warn(message, stacklevel=3)


def fit_statistics(generator: Any, x: np.ndarray) -> None:
    """Stores the per-channel mean and std and the ZCA matrix of `x` on `generator`.

    Only the statistics its options use are computed; `x` (rank 4, float) is modified
    in place, each statistic being taken after the previous ones are applied.
    """
    stats_shape = [1, 1, 1]
    stats_shape[generator.channel_axis - 1] = x.shape[generator.channel_axis]
    over = (0, generator.row_axis, generator.col_axis)
    if generator.featurewise_center:
        generator.mean = np.mean(x, axis=over).reshape(stats_shape)
        x -= generator.mean
    if generator.featurewise_std_normalization:
        generator.std = np.std(x, axis=over).reshape(stats_shape)
        x /= generator.std + EPSILON
    if generator.zca_whitening:
        flat = x.reshape(len(x), -1)
        generator.zca_whitening_matrix = zca_whitening_matrix(flat, generator.zca_epsilon)
