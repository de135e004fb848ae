"""`DataFrameIterator`: batches of images whose file names (and labels) a pandas
DataFrame lists, read from one folder (Keras 2.2's `flow_from_dataframe`).

pandas is imported only when such an iterator is made.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from kerasfront.preprocessing.image_directory import DirectoryIterator
from kerasfront.preprocessing.image_io import resolve_data_format, resolve_dtype
from kerasfront.preprocessing.image_iterators import (
    Iterator,
    check_subset,
    validation_split_of,
)

_CHANNELS = {"grayscale": 1, "rgb": 3, "rgba": 4}


def _image_files(directory: str, formats: tuple[str, ...], follow_links: bool) -> list[str]:
    """Image files under `directory` (sub-folders too), in sorted walk order, relative
    to it."""
    found = []
    walk = sorted(os.walk(directory, followlinks=follow_links), key=lambda entry: entry[0])
    for root, _, files in walk:
        for name in sorted(files):
            if name.lower().endswith(formats):
                found.append(os.path.relpath(os.path.join(root, name), directory))
    return found


class DataFrameIterator(DirectoryIterator):
    """Batches of augmented images listed in `dataframe[x_col]`, from `directory`.

    The images are the files of `directory` (and its sub-folders, in sorted order) whose
    file name appears in `x_col`; rows naming no such file are left out. A `subset`
    takes its `validation_split` share of those files (validation the first ones).

    Args:
        dataframe: a pandas DataFrame.
        directory: the folder holding the images.
        image_data_generator: the `ImageDataGenerator` that augments, or None.
        x_col: the column of file names (with extensions when `has_ext`, else without).
        y_col: the column of labels (or a list of columns with `class_mode="other"`).
        has_ext: whether the names in `x_col` carry their file extension.
        target_size, color_mode, batch_size, shuffle, seed, data_format, save_to_dir,
            save_prefix, save_format, follow_links, subset, interpolation, dtype: as
            `DirectoryIterator`'s.
        classes: the class names in index order; default: `y_col`'s distinct values in
            order of appearance.
        class_mode: "categorical" (one-hot), "binary" (0/1 floats), "sparse" (class
            indices), "input" (the images), "other" (the `y_col` values as they are) or
            None (images only).
    """

    allowed_class_modes = ("categorical", "binary", "sparse", "input", "other", None)

    def __init__(
        self,
        dataframe,
        directory,
        image_data_generator,
        x_col="filenames",
        y_col="class",
        has_ext=True,
        target_size=(256, 256),
        color_mode="rgb",
        classes=None,
        class_mode="categorical",
        batch_size=32,
        shuffle=True,
        seed=None,
        data_format=None,
        save_to_dir=None,
        save_prefix="",
        save_format="png",
        follow_links=False,
        subset=None,
        interpolation="nearest",
        dtype=None,
    ) -> None:
        where = "flow_from_dataframe"
        if not hasattr(dataframe, "columns") or not hasattr(dataframe, "drop_duplicates"):
            raise TypeError(
                f"{where}: `dataframe` must be a pandas DataFrame, received "
                f"{type(dataframe).__name__}."
            )
        if not isinstance(x_col, str) or x_col not in dataframe.columns:
            raise ValueError(f"{where}: `x_col` must name a column, received {x_col!r}.")
        if not isinstance(has_ext, bool):
            raise ValueError(f"{where}: `has_ext` must be True or False, received {has_ext!r}.")
        if class_mode not in self.allowed_class_modes:
            raise ValueError(
                f"{where}: `class_mode` must be one of {self.allowed_class_modes}, received "
                f"{class_mode!r}."
            )
        if color_mode not in _CHANNELS:
            raise ValueError(
                f"{where}: `color_mode` must be one of {tuple(_CHANNELS)}, received {color_mode!r}."
            )
        if classes and class_mode in ("other", "input", None):
            raise ValueError(
                f"{where}: `classes` cannot be given with class_mode={class_mode!r}, which "
                "has no classes."
            )
        check_subset(subset)
        self.data_format = resolve_data_format(data_format)
        self.dtype = resolve_dtype(dtype)
        self.target_size = tuple(int(v) for v in target_size)
        self.color_mode, self.class_mode = color_mode, class_mode
        channels = (_CHANNELS[color_mode],)
        last = self.data_format == "channels_last"
        self.image_shape = self.target_size + channels if last else channels + self.target_size
        self.image_data_generator = image_data_generator
        self.directory = os.fspath(directory)
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        self.interpolation, self.keep_aspect_ratio, self.subset = interpolation, False, subset
        if not os.path.isdir(self.directory):
            raise FileNotFoundError(
                f"{where}: `directory` must be an existing folder, received {self.directory!r}."
            )
        frame = dataframe.drop_duplicates(x_col)
        names = [str(name) for name in frame[x_col]]
        if has_ext and names and not names[0].lower().endswith(self.white_list_formats):
            raise ValueError(
                f"{where}: has_ext=True but {names[0]!r} (the first of `{x_col}`) has no image "
                f"extension {self.white_list_formats}; pass has_ext=False."
            )
        rows = {name: position for position, name in enumerate(names)}
        files = _image_files(self.directory, self.white_list_formats, follow_links)
        if subset is not None:
            fraction = validation_split_of(image_data_generator, subset)
            low, high = (0.0, fraction) if subset == "validation" else (fraction, 1.0)
            files = files[int(low * len(files)) : int(high * len(files))]

        def key(path: str) -> str:
            name = os.path.basename(path)
            return name if has_ext else os.path.splitext(name)[0]

        self.filenames = [path for path in files if key(path) in rows]
        picked = [rows[key(path)] for path in self.filenames]
        if class_mode in ("categorical", "binary", "sparse"):
            labels = list(frame[y_col])
            if not classes:
                classes = list(dict.fromkeys(labels))
            self.class_indices = {name: index for index, name in enumerate(classes)}
            unknown = sorted(
                {str(labels[i]) for i in picked if labels[i] not in self.class_indices}
            )
            if unknown:
                raise ValueError(f"{where}: labels {unknown} are not among `classes` {classes}.")
            self.classes = np.array([self.class_indices[labels[i]] for i in picked], "int32")
        else:
            self.class_indices = {}
            self.classes = np.zeros((len(picked),), "int32")
        self.num_classes = len(self.class_indices)
        self.data = None
        if class_mode == "other":
            columns = [y_col] if isinstance(y_col, str) else list(y_col)
            values = frame[columns].to_numpy()
            if values.dtype == object:
                raise TypeError(f"{where}: with class_mode='other', `y_col` must be numeric.")
            self.data = values[picked] if isinstance(y_col, (list, tuple)) else values[picked, 0]
        self.samples = len(self.filenames)
        self._filepaths = [os.path.join(self.directory, name) for name in self.filenames]
        found = f" belonging to {self.num_classes} classes" if self.num_classes else ""
        print(f"Found {self.samples} images{found}.")
        Iterator.__init__(self, self.samples, batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array: np.ndarray) -> Any:
        if self.class_mode != "other":
            batch = super()._get_batches_of_transformed_samples(index_array)
            if self.class_mode == "sparse":  # class indices as integers, as Keras 2.2
                return batch[0], self.classes[index_array]
            return batch
        mode, self.class_mode = self.class_mode, None
        try:
            batch_x = super()._get_batches_of_transformed_samples(index_array)
        finally:
            self.class_mode = mode
        return batch_x, self.data[index_array]
