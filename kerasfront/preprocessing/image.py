"""Real-time image augmentation and loading: the Keras 2 `keras.preprocessing.image` API.

Pure NumPy, SciPy and Pillow; no engine is imported. `ImageDataGenerator` lives
here; the transforms, file helpers and iterators live in sibling modules and are
re-exported.

One deliberate difference from Keras 2: there, `width_shift_range` moved images
vertically and `height_shift_range` horizontally (a known Keras bug); here each
moves the image along the axis it names. The random numbers are drawn in the
Keras order, so a seeded run shifts by the same amounts.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from kerasfront.preprocessing.image_augmentation import (
    EPSILON,
    check_options,
    draw_transform,
    fit_statistics,
    resolve_implied_options,
)
from kerasfront.preprocessing.image_directory import DirectoryIterator
from kerasfront.preprocessing.image_io import (
    array_to_img,
    img_to_array,
    load_img,
    resolve_data_format,
    resolve_dtype,
    save_img,
)
from kerasfront.preprocessing.image_iterators import Iterator, NumpyArrayIterator
from kerasfront.preprocessing.image_transforms import (
    apply_affine_transform,
    apply_brightness_shift,
    apply_channel_shift,
    brightness_shift,
    flip_axis,
    random_brightness,
    random_channel_shift,
    random_rotation,
    random_shear,
    random_shift,
    random_zoom,
)

__all__ = [
    "DirectoryIterator",
    "ImageDataGenerator",
    "Iterator",
    "NumpyArrayIterator",
    "apply_affine_transform",
    "apply_brightness_shift",
    "apply_channel_shift",
    "array_to_img",
    "flip_axis",
    "img_to_array",
    "load_img",
    "random_brightness",
    "random_channel_shift",
    "random_rotation",
    "random_shear",
    "random_shift",
    "random_zoom",
    "save_img",
]


class ImageDataGenerator:
    """Generates batches of images with random augmentation and normalization.

    Each image drawn by `flow` or `flow_from_directory` is transformed at random
    (rotation, shifts, shear, zoom, channel shift, flips, brightness) and then
    standardized (`preprocessing_function`, `rescale`, sample-wise and feature-wise
    normalization, ZCA whitening, in that order). Feature-wise statistics come from `fit`.

    Args:
        featurewise_center: Subtract the per-channel dataset mean (from `fit`).
        samplewise_center: Subtract each image's mean.
        featurewise_std_normalization: Divide by the per-channel dataset std (from `fit`).
        samplewise_std_normalization: Divide each image by its std.
        zca_whitening: Apply ZCA whitening (from `fit`); implies feature-wise centering.
        zca_epsilon: Added to the singular values when building the whitening matrix.
        rotation_range: Largest random rotation, in degrees.
        width_shift_range: Horizontal shift: a float below 1 is a fraction of the width
            drawn from `[-f, f]`; an int `n` is a whole number of pixels from `-(n-1)..n-1`;
            a list gives the possible shifts (each with a random sign).
        height_shift_range: Vertical shift, same forms as `width_shift_range`.
        brightness_range: `(lower, upper)` brightness factors, or None.
        shear_range: Largest shear angle, in degrees.
        zoom_range: A float `z` for `[1 - z, 1 + z]` or a pair `(lower, upper)`.
        channel_shift_range: Largest value added to all channels.
        fill_mode: How points outside the image are filled: `"constant"`, `"nearest"`,
            `"reflect"` or `"wrap"`.
        cval: Fill value for `fill_mode="constant"`.
        horizontal_flip: Flip half of the images left to right.
        vertical_flip: Flip half of the images upside down.
        rescale: Factor the images are multiplied by (e.g. `1 / 255`), or None.
        preprocessing_function: Function applied to each image (rank 3) after augmentation.
        data_format: `"channels_last"` or `"channels_first"`; defaults to the configured one.
        validation_split: Fraction of the data `subset="validation"` takes, in `[0, 1)`.
        dtype: Type of the generated arrays; defaults to the configured float type.
        interpolation_order: Spline order used by the affine transforms (0 to 5).

    Example:
        >>> gen = ImageDataGenerator(rescale=1 / 255, horizontal_flip=True)
        >>> x = np.random.randint(0, 256, size=(4, 8, 8, 3))
        >>> next(gen.flow(x, batch_size=2, seed=0)).shape
        (2, 8, 8, 3)
    """

    def __init__(
        self,
        featurewise_center: bool = False,
        samplewise_center: bool = False,
        featurewise_std_normalization: bool = False,
        samplewise_std_normalization: bool = False,
        zca_whitening: bool = False,
        zca_epsilon: float = 1e-6,
        rotation_range: float = 0,
        width_shift_range: float | int | Sequence[float] = 0.0,
        height_shift_range: float | int | Sequence[float] = 0.0,
        brightness_range: Sequence[float] | None = None,
        shear_range: float = 0.0,
        zoom_range: float | Sequence[float] = 0.0,
        channel_shift_range: float = 0.0,
        fill_mode: str = "nearest",
        cval: float = 0.0,
        horizontal_flip: bool = False,
        vertical_flip: bool = False,
        rescale: float | None = None,
        preprocessing_function: Callable[[np.ndarray], np.ndarray] | None = None,
        data_format: str | None = None,
        validation_split: float = 0.0,
        dtype: Any = None,
        interpolation_order: int = 1,
    ) -> None:
        options = {name: value for name, value in locals().items() if name != "self"}
        zoom_range = check_options(options)
        # Every argument stays readable under its Keras name (gen.rotation_range, ...).
        for name, value in options.items():
            setattr(self, name, value)
        self.data_format = resolve_data_format(data_format)
        self.dtype = resolve_dtype(dtype)
        self.zoom_range = zoom_range
        self.interpolation_order = int(interpolation_order)
        self._validation_split = validation_split
        if self.data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None
        self.zca_whitening_matrix: np.ndarray | None = None
        resolve_implied_options(self)

    @property
    def principal_components(self) -> np.ndarray | None:
        """The ZCA whitening matrix (its name in keras-preprocessing)."""
        return self.zca_whitening_matrix

    def flow(
        self,
        x: Any,
        y: Any = None,
        batch_size: int = 32,
        shuffle: bool = True,
        sample_weight: Any = None,
        seed: int | None = None,
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        subset: str | None = None,
        ignore_class_split: bool = False,
    ) -> NumpyArrayIterator:
        """Batches of augmented images (and labels) from arrays.

        Args:
            x: Images of rank 4, or a tuple `(images, extra arrays)`.
            y: Labels, or None to yield images only.
            batch_size: Samples per batch.
            shuffle: Reshuffle at each epoch.
            sample_weight: One weight per image, or None.
            seed: Seed for shuffling and augmentation (same seed, same batches).
            save_to_dir: Folder to save augmented images to, or None.
            save_prefix: File name prefix of saved images.
            save_format: File format of saved images.
            subset: `"training"` or `"validation"` with `validation_split`, or None.
            ignore_class_split: Allow the subsets to hold different label sets.

        Returns:
            A `NumpyArrayIterator` yielding `x`, `(x, y)` or `(x, y, sample_weight)`.
        """
        return NumpyArrayIterator(
            x,
            y,
            self,
            batch_size=batch_size,
            shuffle=shuffle,
            sample_weight=sample_weight,
            seed=seed,
            data_format=self.data_format,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            subset=subset,
            ignore_class_split=ignore_class_split,
            dtype=self.dtype,
        )

    def flow_from_directory(
        self,
        directory: Any,
        target_size: tuple[int, int] = (256, 256),
        color_mode: str = "rgb",
        classes: list[str] | None = None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        follow_links: bool = False,
        subset: str | None = None,
        interpolation: str = "nearest",
        keep_aspect_ratio: bool = False,
    ) -> DirectoryIterator:
        """Batches of augmented images read from class sub-folders of `directory`.

        Args:
            directory: Folder with one sub-folder of images per class.
            target_size: `(height, width)` the images are resized to.
            color_mode: `"grayscale"`, `"rgb"` or `"rgba"`.
            classes: Class folder names in index order; all sub-folders (sorted) if None.
            class_mode: `"categorical"`, `"binary"`, `"sparse"`, `"input"` or None.
            batch_size: Samples per batch.
            shuffle: Reshuffle at each epoch.
            seed: Seed for shuffling and augmentation.
            save_to_dir: Folder to save augmented images to, or None.
            save_prefix: File name prefix of saved images.
            save_format: File format of saved images.
            follow_links: Follow symbolic links inside class folders.
            subset: `"training"` or `"validation"` with `validation_split`, or None.
            interpolation: Resampling filter for resizing (see `load_img`).
            keep_aspect_ratio: Crop to the target aspect ratio before resizing.

        Returns:
            A `DirectoryIterator` yielding `(x, y)` (or `x` when `class_mode` is None).
        """
        return DirectoryIterator(
            directory,
            self,
            target_size=target_size,
            color_mode=color_mode,
            classes=classes,
            class_mode=class_mode,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            data_format=self.data_format,
            save_to_dir=save_to_dir,
            save_prefix=save_prefix,
            save_format=save_format,
            follow_links=follow_links,
            subset=subset,
            interpolation=interpolation,
            keep_aspect_ratio=keep_aspect_ratio,
            dtype=self.dtype,
        )

    def flow_from_dataframe(
        self,
        dataframe: Any,
        directory: Any,
        x_col: str = "filename",
        y_col: Any = "class",
        has_ext: bool = True,
        target_size: tuple[int, int] = (256, 256),
        color_mode: str = "rgb",
        classes: list | None = None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        subset: str | None = None,
        interpolation: str = "nearest",
    ) -> Any:
        """Batches of augmented images whose file names (and labels) a pandas DataFrame
        lists, read from `directory` (needs pandas).

        The arguments are `DataFrameIterator`'s (kerasfront/preprocessing/image_dataframe.py):
        `x_col` names the files (with extensions when `has_ext`), `y_col` the labels;
        `class_mode` also takes "other" (the `y_col` values as targets).
        """
        from kerasfront.preprocessing.image_dataframe import DataFrameIterator

        arguments = {k: v for k, v in locals().items() if k not in ("self", "DataFrameIterator")}
        return DataFrameIterator(
            image_data_generator=self, data_format=self.data_format, dtype=self.dtype, **arguments
        )

    def standardize(self, x: np.ndarray) -> np.ndarray:
        """Normalizes an image or a batch, in place when `x` is a float array.

        Applies `preprocessing_function`, `rescale`, sample-wise centering and std
        normalization, then the feature-wise statistics and ZCA matrix from `fit`
        (with a warning, and skipped, when `fit` was not called).

        Args:
            x: One image (rank 3) or a batch (rank 4).

        Returns:
            The normalized array.
        """
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if not np.issubdtype(np.asarray(x).dtype, np.floating):
            x = np.asarray(x, dtype=self.dtype)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + EPSILON
        if self.featurewise_center:
            if self.mean is None:
                self._warn_not_fit("featurewise_center")
            else:
                x -= self.mean
        if self.featurewise_std_normalization:
            if self.std is None:
                self._warn_not_fit("featurewise_std_normalization")
            else:
                x /= self.std + EPSILON
        if self.zca_whitening:
            if self.zca_whitening_matrix is None:
                self._warn_not_fit("zca_whitening")
            else:
                flat = x.reshape(-1, math.prod(x.shape[-3:]))
                x = (flat @ self.zca_whitening_matrix).reshape(x.shape)
        return x

    @staticmethod
    def _warn_not_fit(option: str) -> None:
        warnings.warn(
            f"This ImageDataGenerator has {option}=True but was not fit on any data, so that "
            "step is skipped. Call `.fit(x_train)` first.",
            stacklevel=3,
        )

    def get_random_transform(self, img_shape: Sequence[int], seed: int | None = None) -> dict:
        """Draws the parameters of one random transform.

        Args:
            img_shape: Shape of the image (rank 3) the transform is for.
            seed: Seed of a private generator; NumPy's global generator when None.

        Returns:
            A dict for `apply_transform`: `theta` (degrees), `tx` (horizontal shift, pixels),
            `ty` (vertical shift, pixels), `shear` (degrees), `zx`, `zy`, `flip_horizontal`,
            `flip_vertical`, `channel_shift_intensity` and `brightness` (None when unused).
        """
        rng = np.random if seed is None else np.random.RandomState(seed)
        return self._draw_transform(img_shape, rng)

    def _draw_transform(self, img_shape: Sequence[int], rng: Any) -> dict:
        return draw_transform(self, img_shape, rng)

    def apply_transform(self, x: np.ndarray, transform_parameters: dict) -> np.ndarray:
        """Applies a transform described by a dict such as `get_random_transform` returns.

        Missing keys mean "no change". Order: affine transform, channel shift, horizontal
        flip, vertical flip, brightness.

        Args:
            x: One image of rank 3.
            transform_parameters: The parameters (see `get_random_transform`).

        Returns:
            The transformed image.
        """
        channel_axis = self.channel_axis - 1
        row_axis, col_axis = self.row_axis - 1, self.col_axis - 1
        params = transform_parameters
        affine_keys = ("theta", "tx", "ty", "shear", "zx", "zy")
        x = apply_affine_transform(
            x,
            **{key: params[key] for key in affine_keys if key in params},
            row_axis=row_axis,
            col_axis=col_axis,
            channel_axis=channel_axis,
            fill_mode=self.fill_mode,
            cval=self.cval,
            order=self.interpolation_order,
        )
        if params.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, params["channel_shift_intensity"], channel_axis)
        if params.get("flip_horizontal", False):
            x = flip_axis(x, col_axis)
        if params.get("flip_vertical", False):
            x = flip_axis(x, row_axis)
        if params.get("brightness") is not None:
            x = brightness_shift(x, params["brightness"], False, self.data_format)
        return x

    def random_transform(self, x: np.ndarray, seed: int | None = None) -> np.ndarray:
        """Applies a freshly drawn random transform to one image (rank 3)."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    def fit(self, x: Any, augment: bool = False, rounds: int = 1, seed: int | None = None) -> None:
        """Computes the dataset statistics used by the feature-wise options and ZCA.

        `rescale` is applied before the statistics are taken; `preprocessing_function`
        and the sample-wise options are not.

        Args:
            x: Sample images of rank 4.
            augment: Fit on randomly augmented copies of `x`.
            rounds: Number of augmented passes over `x` when `augment` is True.
            seed: Seed for the augmentation.
        """
        x = np.array(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(
                f"`x` passed to fit() must be a batch of images of rank 4, received shape {x.shape}."
            )
        if x.shape[self.channel_axis] not in (1, 3, 4):
            warnings.warn(
                f"With data_format={self.data_format!r} the channels are axis "
                f"{self.channel_axis} and are expected to number 1, 3 or 4; received an array "
                f"of shape {x.shape} ({x.shape[self.channel_axis]} channels).",
                stacklevel=2,
            )
        if self.rescale:
            x *= self.rescale
        if augment:
            rng = np.random if seed is None else np.random.RandomState(seed)
            augmented = np.zeros((rounds * len(x),) + x.shape[1:], dtype=self.dtype)
            for round_index in range(rounds):
                for i, image in enumerate(x):
                    params = self._draw_transform(image.shape, rng)
                    augmented[round_index * len(x) + i] = self.apply_transform(image, params)
            x = augmented
        fit_statistics(self, x)
