"""`DirectoryIterator`: batches of images read from one sub-folder per class."""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np

from kerasfront.preprocessing.image_io import (
    img_to_array,
    load_img,
    resolve_data_format,
    resolve_dtype,
)
from kerasfront.preprocessing.image_iterators import (
    Iterator,
    check_subset,
    validation_split_of,
)


def _list_class_files(
    class_dir: str, formats: tuple[str, ...], split: tuple[float, float] | None, follow_links: bool
) -> list[str]:
    """Image files under `class_dir` in sorted walk order, relative to its parent folder."""
    found = []
    walk = sorted(os.walk(class_dir, followlinks=follow_links), key=lambda entry: entry[0])
    for root, _, files in walk:
        for name in sorted(files):
            if name.lower().endswith(formats):
                found.append(os.path.join(root, name))
    if split is not None:
        found = found[int(split[0] * len(found)) : int(split[1] * len(found))]
    parent_name = os.path.basename(class_dir)
    return [os.path.join(parent_name, os.path.relpath(path, class_dir)) for path in found]


class DirectoryIterator(Iterator):
    """Batches of augmented images read from one sub-folder per class.

    Files with the extensions in `white_list_formats` are listed in sorted order,
    class by class. `filenames` are relative to `directory`, `classes` holds each
    file's class index and `class_indices` maps folder names to indices.

    Args:
        directory: Folder holding one sub-folder per class.
        image_data_generator: The `ImageDataGenerator` that augments, or None.
        target_size: `(height, width)` every image is resized to.
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"` (1, 3 or 4 channels).
        classes: Sub-folder names to use, in class-index order; all sub-folders, sorted,
            when None.
        class_mode: Targets: `"categorical"` (one-hot), `"binary"` (0/1 floats), `"sparse"`
            (class indices), `"input"` (the images themselves) or None (images only).
        batch_size: Samples per batch.
        shuffle: Reshuffle at each epoch.
        seed: Seed for shuffling and augmentation.
        data_format: Layout of the batches; defaults to the configured one.
        save_to_dir: Folder to write every augmented image to, or None.
        save_prefix: File name prefix of saved images.
        save_format: File format of saved images.
        follow_links: Follow symbolic links inside class folders.
        subset: `"training"` or `"validation"` for one side of the generator's
            `validation_split` (validation is the first files of each class), or None.
        interpolation: Resampling filter used for resizing (see `load_img`).
        dtype: Type of the batches; defaults to the configured float type.
        keep_aspect_ratio: Crop to the target aspect ratio before resizing.
    """

    allowed_class_modes = ("categorical", "binary", "sparse", "input", None)

    def __init__(
        self,
        directory: str | os.PathLike,
        image_data_generator: Any,
        target_size: tuple[int, int] = (256, 256),
        color_mode: str = "rgb",
        classes: list[str] | None = None,
        class_mode: str | None = "categorical",
        batch_size: int = 32,
        shuffle: bool = True,
        seed: int | None = None,
        data_format: str | None = None,
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        follow_links: bool = False,
        subset: str | None = None,
        interpolation: str = "nearest",
        dtype: Any = None,
        keep_aspect_ratio: bool = False,
    ) -> None:
        self.data_format = resolve_data_format(data_format)
        self.dtype = resolve_dtype(dtype)
        if (
            not isinstance(target_size, (tuple, list))
            or len(target_size) != 2
            or not all(isinstance(v, (int, np.integer)) and v > 0 for v in target_size)
        ):
            raise ValueError(
                f"`target_size` must be (height, width) in pixels, received {target_size!r}."
            )
        self.target_size = tuple(int(v) for v in target_size)
        channels = {"grayscale": 1, "rgb": 3, "rgba": 4}
        if color_mode not in channels:
            raise ValueError(
                f"`color_mode` must be one of {tuple(channels)}, received {color_mode!r}."
            )
        if class_mode not in self.allowed_class_modes:
            raise ValueError(
                f"`class_mode` must be one of {self.allowed_class_modes}, received {class_mode!r}."
            )
        check_subset(subset)
        self.color_mode = color_mode
        self.class_mode = class_mode
        if self.data_format == "channels_last":
            self.image_shape = self.target_size + (channels[color_mode],)
        else:
            self.image_shape = (channels[color_mode],) + self.target_size
        self.image_data_generator = image_data_generator
        self.directory = os.fspath(directory)
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = interpolation
        self.keep_aspect_ratio = keep_aspect_ratio
        self.subset = subset
        self.split: tuple[float, float] | None = None
        if subset is not None:
            fraction = validation_split_of(image_data_generator, subset)
            self.split = (0.0, fraction) if subset == "validation" else (fraction, 1.0)
        if not os.path.isdir(self.directory):
            raise FileNotFoundError(
                f"`directory` must be an existing folder, received {self.directory!r}."
            )
        if not classes:
            classes = sorted(
                entry
                for entry in os.listdir(self.directory)
                if os.path.isdir(os.path.join(self.directory, entry))
            )
        missing = [c for c in classes if not os.path.isdir(os.path.join(self.directory, c))]
        if missing:
            raise ValueError(
                f"`classes` names folders that are not in {self.directory!r}: {missing}."
            )
        self.num_classes = len(classes)
        self.class_indices = {name: index for index, name in enumerate(classes)}
        if class_mode == "binary" and self.num_classes != 2:
            warnings.warn(
                f"class_mode='binary' expects 2 classes, found {self.num_classes}: {classes}.",
                stacklevel=2,
            )
        self.filenames: list[str] = []
        labels: list[int] = []
        for name in classes:
            found = _list_class_files(
                os.path.join(self.directory, name),
                self.white_list_formats,
                self.split,
                follow_links,
            )
            self.filenames += found
            labels += [self.class_indices[name]] * len(found)
        self.samples = len(self.filenames)
        self.classes = np.array(labels, dtype="int32")
        self._filepaths = [os.path.join(self.directory, name) for name in self.filenames]
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self) -> list[str]:
        """Full paths of the image files, in sample order."""
        return self._filepaths

    @property
    def labels(self) -> np.ndarray:
        """Class index of every sample (the same array as `classes`)."""
        return self.classes

    @property
    def sample_weight(self) -> None:
        """Folder iterators carry no sample weights."""
        return None

    def _get_batches_of_transformed_samples(self, index_array: np.ndarray) -> Any:
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        for position, index in enumerate(index_array):
            img = load_img(
                self._filepaths[index],
                color_mode=self.color_mode,
                target_size=self.target_size,
                interpolation=self.interpolation,
                keep_aspect_ratio=self.keep_aspect_ratio,
            )
            x = img_to_array(img, data_format=self.data_format, dtype=self.dtype)
            img.close()
            batch_x[position] = self._augment(x)
        if self.save_to_dir:
            self._save_batch(batch_x, index_array, 10_000_000)
        if self.class_mode is None:
            return batch_x
        if self.class_mode == "input":
            batch_y = batch_x.copy()
        elif self.class_mode in ("binary", "sparse"):
            batch_y = self.classes[index_array].astype(self.dtype)
        else:
            batch_y = np.zeros((len(index_array), self.num_classes), dtype=self.dtype)
            batch_y[np.arange(len(index_array)), self.classes[index_array]] = 1.0
        return batch_x, batch_y
