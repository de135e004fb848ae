"""From what users pass to fit/evaluate/predict to batches of engine tensors.

Data stays in NumPy until a batch is taken, so batching is independent of the step
(and of any engine), and a batch costs one slice and one conversion per array.
"""

from __future__ import annotations

import math

import numpy as np

from kerasfront import config, tree
from kerasfront.backend.registry import ADAPTER

# A NumPy batch as the compiled steps take it (see contract.OPTIONAL_NAMES).
to_step_input = getattr(ADAPTER, "as_step_input", ADAPTER.convert_to_tensor)


def to_array(data, what: str) -> np.ndarray:
    """A NumPy array from an array, a nested list or an engine tensor; floats -> floatx."""
    if isinstance(data, np.ndarray):
        array = data
    elif ADAPTER.is_tensor(data):
        array = ADAPTER.convert_to_numpy(data)
    else:
        try:
            array = np.asarray(data)
        except ValueError as error:
            raise ValueError(f"{what} could not be turned into an array: {error}") from None
    if array.dtype == object:
        raise TypeError(
            f"{what} must be numeric, received an array of Python objects (ragged lists?). "
            "Pad sequences to one length first (preprocessing.sequence.pad_sequences)."
        )
    if array.dtype.kind == "f" and array.dtype != np.dtype(config.floatx()):
        array = array.astype(config.floatx())
    if array.ndim == 0:
        raise ValueError(f"{what} must have a batch axis, received a scalar.")
    return array


def expand_1d(array: np.ndarray, rank: int) -> np.ndarray:
    """(samples,) -> (samples, 1) where rank-2 data is expected, as Keras 2 accepts."""
    return array.reshape(-1, 1) if array.ndim == 1 and rank == 2 else array


def select_by_name(data: dict, names: list, model_name: str, what: str) -> list:
    """`data[name]` for each name, in order; raises naming every missing key."""
    missing = [name for name in names if name not in data]
    if missing:
        raise ValueError(
            f"Model '{model_name}': missing {what} {missing}. Expected keys {names}, "
            f"received {sorted(data)}."
        )
    return [data[name] for name in names]


def flatten_targets(model, y) -> list | None:
    """Targets as a list aligned with the model's outputs (array, list or dict by name)."""
    if y is None:
        return None
    names = list(getattr(model, "output_names", None) or ["output"])
    if isinstance(y, dict):
        targets = select_by_name(y, names, model.name, "targets for output(s)")
        return [to_array(t, f"Target '{name}'") for t, name in zip(targets, names)]
    if isinstance(y, (list, tuple)) and len(names) > 1:
        if len(y) != len(names):
            raise ValueError(
                f"Model '{model.name}' has {len(names)} outputs {names}, received {len(y)} "
                "target arrays."
            )
        return [to_array(t, f"Target '{name}'") for t, name in zip(y, names)]
    return [to_array(y, f"Target '{names[0]}'")]


def count_samples(arrays: list[np.ndarray], what: list[str]) -> int:
    """The common number of samples; raises when arrays disagree."""
    sizes = {name: len(array) for array, name in zip(arrays, what)}
    if len(set(sizes.values())) > 1:
        details = ", ".join(f"{name}: {size}" for name, size in sizes.items())
        raise ValueError(
            f"All input and target arrays must have the same number of samples; found {details}."
        )
    return next(iter(sizes.values()))


def split_validation(x_arrays, y_arrays, weights, fraction: float):
    """Splits off the last `fraction` of the samples (before any shuffling, as Keras
    does). Returns `(x, y, weights)` for training and `(x, y, sample_weight)` in the
    form `fit(validation_data=...)` takes."""
    if not 0 < fraction < 1:
        raise ValueError(f"validation_split must be in (0, 1), received {fraction}.")
    total = len(x_arrays[0])
    split_at = int(total * (1 - fraction))
    if split_at == 0 or split_at == total:
        raise ValueError(
            f"validation_split={fraction} leaves an empty training or validation set with "
            f"{total} samples."
        )

    def head(arrays):
        return [None if a is None else a[:split_at] for a in arrays]

    def tail(arrays):
        return [None if a is None else a[split_at:] for a in arrays]

    val_x, val_y, val_w = tail(x_arrays), tail(y_arrays), tail(weights)
    validation = (
        val_x[0] if len(val_x) == 1 else val_x,
        val_y[0] if len(val_y) == 1 else val_y,
        next((w for w in val_w if w is not None), None),
    )
    return (head(x_arrays), head(y_arrays), head(weights)), validation


class ArrayBatches:
    """Batches of a list of same-length arrays; `None` entries stay `None`."""

    def __init__(self, arrays: list, batch_size: int, shuffle: bool = False):
        self.arrays = arrays
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.size = len(next(a for a in arrays if a is not None))

    def __len__(self) -> int:
        return math.ceil(self.size / self.batch_size)

    def epoch(self):
        """Yields lists of engine tensors, one list per batch."""
        order = np.random.permutation(self.size) if self.shuffle else None
        for start in range(0, self.size, self.batch_size):
            if order is None:
                index = slice(start, start + self.batch_size)
            else:
                index = order[start : start + self.batch_size]
            yield [None if a is None else to_step_input(a[index]) for a in self.arrays]

    def on_epoch_end(self):
        pass


class SequenceBatches:
    """Batches from a `kerasfront.utils.Sequence` (or anything with len and getitem)."""

    def __init__(self, sequence, shuffle: bool = False, with_targets: bool = True):
        self.sequence = sequence
        self.shuffle = shuffle
        self.with_targets = with_targets

    def __len__(self) -> int:
        return len(self.sequence)

    def epoch(self):
        order = (
            np.random.permutation(len(self.sequence)) if self.shuffle else range(len(self.sequence))
        )
        for index in order:
            item = self.sequence[int(index)]
            if not isinstance(item, tuple):
                item = (item,)
            if self.with_targets and len(item) < 2:
                raise ValueError(
                    f"The Sequence returned one element at index {index}; training and "
                    "evaluation need (inputs, targets) or (inputs, targets, sample_weights)."
                )
            yield [
                tree.map_structure(lambda a: to_step_input(to_array(a, "Batch")), part)
                if part is not None
                else None
                for part in item
            ]

    def on_epoch_end(self):
        if hasattr(self.sequence, "on_epoch_end"):
            self.sequence.on_epoch_end()


def is_sequence(data) -> bool:
    return (
        hasattr(data, "__getitem__")
        and hasattr(data, "__len__")
        and not isinstance(data, (np.ndarray, list, tuple, dict))
        and not ADAPTER.is_tensor(data)
    )


def class_weights_to_sample_weights(y: np.ndarray, class_weight: dict) -> np.ndarray:
    """One weight per sample from `{class: weight}`: one-hot rows use their argmax."""
    labels = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y))
    labels = labels.astype(int)
    unknown = set(np.unique(labels)) - set(class_weight)
    if unknown:
        raise ValueError(
            f"class_weight has no weight for classes {sorted(unknown)}; received keys "
            f"{sorted(class_weight)}."
        )
    return np.array([class_weight[label] for label in labels], dtype=config.floatx())
