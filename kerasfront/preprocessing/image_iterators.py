"""Batch sources for `ImageDataGenerator`: the `Iterator` base and in-memory arrays.

Randomness: an iterator built with a `seed` draws each batch's shuffle and
augmentations from its own `np.random.RandomState(seed + batches_seen)`, the
same stream Keras 2 gets by reseeding NumPy's global generator, so seeded runs
give Keras's arrays without touching the global state. Without a seed, NumPy's
global generator is used, as in Keras (so `np.random.seed` makes runs repeat).
"""

from __future__ import annotations

import os
import threading
import warnings
from typing import Any

import numpy as np

from kerasfront.preprocessing.image_io import resolve_data_format, resolve_dtype, save_img
from kerasfront.utils.sequence import Sequence


def check_subset(subset: str | None) -> None:
    if subset not in (None, "training", "validation"):
        raise ValueError(f"`subset` must be 'training', 'validation' or None, received {subset!r}.")


def validation_split_of(image_data_generator: Any, subset: str | None) -> float:
    split = float(getattr(image_data_generator, "_validation_split", 0.0) or 0.0)
    if subset is not None and split == 0:
        warnings.warn(
            f"subset={subset!r} was requested but the ImageDataGenerator has "
            "validation_split=0, so the validation subset is empty.",
            stacklevel=3,
        )
    return split


class Iterator(Sequence):
    """Base class of the image batch sources (a `kerasfront.utils.Sequence`).

    Iterating gives batches forever (`next(it)`); indexing gives batch `i` of the
    current epoch (`it[i]`, `len(it)` batches per epoch), the way `fit` consumes a
    `Sequence`. Subclasses implement `_get_batches_of_transformed_samples(index_array)`
    and draw random numbers from `self._random_state()`.

    Args:
        n: Number of samples.
        batch_size: Samples per batch.
        shuffle: Reshuffle the sample order at each epoch.
        seed: Seed for shuffling and augmentation; `None` uses NumPy's global generator.
    """

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

    def __init__(self, n: int, batch_size: int, shuffle: bool, seed: int | None) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise ValueError(f"`batch_size` must be a positive integer, received {batch_size!r}.")
        if batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive integer, received {batch_size}.")
        self.n = int(n)
        self.batch_size = int(batch_size)
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array: np.ndarray | None = None
        self._rng: Any = np.random
        self._local = threading.local()
        self.index_generator = self._flow_index()

    def _batch_rng(self) -> Any:
        """The generator for the next batch: reseeded per batch when a seed was given."""
        if self.seed is not None:
            self._rng = np.random.RandomState(self.seed + self.total_batches_seen)
        return self._rng

    def _random_state(self) -> Any:
        """The generator of the batch being built on this thread."""
        return getattr(self._local, "rng", None) or self._rng

    def _set_index_array(self, rng: Any = None) -> None:
        rng = rng if rng is not None else self._rng
        self.index_array = rng.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __len__(self) -> int:
        return (self.n + self.batch_size - 1) // self.batch_size

    def __getitem__(self, idx: int) -> Any:
        if not 0 <= idx < len(self):
            raise ValueError(
                f"Batch index {idx} is out of range: this iterator has {len(self)} batches."
            )
        rng = self._batch_rng()
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array(rng)
        index_array = self.index_array[self.batch_size * idx : self.batch_size * (idx + 1)]
        return self._build_batch(index_array, rng)

    def on_epoch_end(self) -> None:
        """Draws the sample order of the next epoch."""
        self._set_index_array()

    def reset(self) -> None:
        """Starts `next()` over at the first batch of an epoch."""
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            rng = self._batch_rng()
            if self.batch_index == 0:
                self._set_index_array(rng)
            start = (self.batch_index * self.batch_size) % self.n if self.n else 0
            # The last batch of an epoch may be short; the next call starts a new epoch.
            if self.n > start + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[start : start + self.batch_size], rng

    def __iter__(self) -> Iterator:
        return self

    def __next__(self) -> Any:
        with self.lock:
            index_array, rng = next(self.index_generator)
        # Loading and augmenting run outside the lock so threads can overlap.
        return self._build_batch(index_array, rng)

    def next(self) -> Any:
        """The next batch (the Keras 1 spelling of `next(iterator)`)."""
        return self.__next__()

    def _build_batch(self, index_array: np.ndarray, rng: Any) -> Any:
        self._local.rng = rng
        try:
            return self._get_batches_of_transformed_samples(index_array)
        finally:
            self._local.rng = None

    def _get_batches_of_transformed_samples(self, index_array: np.ndarray) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} must implement _get_batches_of_transformed_samples."
        )

    def _augment(self, x: np.ndarray) -> np.ndarray:
        generator = self.image_data_generator
        if generator is None:
            return x
        params = generator._draw_transform(x.shape, self._random_state())
        x = generator.apply_transform(x, params)
        return generator.standardize(x)

    def _save_batch(self, batch_x: np.ndarray, index_array: np.ndarray, hash_range: int) -> None:
        rng = self._random_state()
        for image, index in zip(batch_x, index_array):
            name = f"{self.save_prefix}_{index}_{rng.randint(hash_range)}.{self.save_format}"
            save_img(os.path.join(self.save_to_dir, name), image, data_format=self.data_format)


class NumpyArrayIterator(Iterator):
    """Batches of augmented images from an array, with optional labels and sample weights.

    Args:
        x: Images, rank 4. May also be a tuple `(images, extra)` where `extra` is an array
            or list of arrays passed through unchanged next to the images.
        y: Labels, one per image, or None.
        image_data_generator: The `ImageDataGenerator` that augments and standardizes.
        batch_size: Samples per batch.
        shuffle: Reshuffle at each epoch.
        sample_weight: One weight per image, or None.
        seed: Seed for shuffling and augmentation.
        data_format: `"channels_last"` or `"channels_first"`; defaults to the configured one.
        save_to_dir: Folder to write every augmented image to (for inspection), or None.
        save_prefix: File name prefix of saved images.
        save_format: File format of saved images.
        subset: `"training"` or `"validation"` to take one side of the generator's
            `validation_split` (validation is the first part of the array), or None.
        dtype: Type of the image batches; defaults to the configured float type.
        ignore_class_split: Allow the two subsets to hold different label sets.
    """

    def __init__(
        self,
        x: Any,
        y: Any,
        image_data_generator: Any,
        batch_size: int = 32,
        shuffle: bool = False,
        sample_weight: Any = None,
        seed: int | None = None,
        data_format: str | None = None,
        save_to_dir: str | None = None,
        save_prefix: str = "",
        save_format: str = "png",
        subset: str | None = None,
        dtype: Any = None,
        ignore_class_split: bool = False,
    ) -> None:
        self.data_format = resolve_data_format(data_format)
        self.dtype = resolve_dtype(dtype)
        check_subset(subset)
        if isinstance(x, (tuple, list)):
            if len(x) != 2:
                raise ValueError(
                    "`x` given as a tuple must be (images, extra_inputs), "
                    f"received {len(x)} elements."
                )
            extra = x[1] if isinstance(x[1], list) else [x[1]]
            x_misc = [np.asarray(item) for item in extra]
            x = x[0]
            for item in x_misc:
                if len(item) != len(x):
                    raise ValueError(
                        "Every array in `x` must have one entry per image: "
                        f"received {len(x)} images and an extra array of length {len(item)}."
                    )
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError(
                "`x` (images) and `y` (labels) must have the same length, received "
                f"x.shape={np.shape(x)} and y.shape={np.shape(y)}."
            )
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(
                "`x` (images) and `sample_weight` must have the same length, received "
                f"x.shape={np.shape(x)} and sample_weight.shape={np.shape(sample_weight)}."
            )
        if subset is not None:
            split = validation_split_of(image_data_generator, subset)
            cut = int(len(x) * split)
            if y is not None and not ignore_class_split:
                y_array = np.asarray(y)
                if not np.array_equal(np.unique(y_array[:cut]), np.unique(y_array[cut:])):
                    raise ValueError(
                        "The training and validation subsets hold different sets of labels "
                        "after the split. Shuffle arrays that are sorted by label, or pass "
                        "ignore_class_split=True."
                    )
            part = slice(None, cut) if subset == "validation" else slice(cut, None)
            x = x[part]
            x_misc = [item[part] for item in x_misc]
            y = None if y is None else y[part]
            sample_weight = None if sample_weight is None else sample_weight[part]
        self.x = np.asarray(x, dtype=self.dtype)
        if self.x.ndim != 4:
            raise ValueError(
                "`x` must be a batch of images of rank 4 (samples, rows, columns, channels "
                f"in {self.data_format}), received an array of shape {self.x.shape}."
            )
        channel_axis = 3 if self.data_format == "channels_last" else 1
        if self.x.shape[channel_axis] not in (1, 3, 4):
            warnings.warn(
                f"With data_format={self.data_format!r} the channels are axis {channel_axis} "
                "and are expected to number 1, 3 or 4; received an array of shape "
                f"{self.x.shape} ({self.x.shape[channel_axis]} channels).",
                stacklevel=2,
            )
        self.x_misc = x_misc
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array: np.ndarray) -> Any:
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for position, index in enumerate(index_array):
            batch_x[position] = self._augment(self.x[index].copy())
        if self.save_to_dir:
            self._save_batch(batch_x, index_array, 10_000)
        inputs = [batch_x] + [item[index_array] for item in self.x_misc] if self.x_misc else batch_x
        if self.y is None:
            return inputs
        output = (inputs, self.y[index_array])
        if self.sample_weight is not None:
            output += (self.sample_weight[index_array],)
        return output
