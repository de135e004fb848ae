"""Array helpers shared by the data adapters: from what users pass to NumPy arrays, and
from NumPy batches to what the compiled steps take.

Data stays in NumPy until a batch is taken, so batching is independent of the step
(and of any engine), and a batch costs one slice and one conversion per array.
"""

from __future__ import annotations

import numpy as np

from kerasfront import config
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


def count_samples(arrays: list, what: list[str]) -> int:
    """The common number of samples; raises when arrays disagree."""
    sizes = {name: len(array) for array, name in zip(arrays, what)}
    if len(set(sizes.values())) > 1:
        details = ", ".join(f"{name}: {size}" for name, size in sizes.items())
        raise ValueError(
            f"All input and target arrays must have the same number of samples; found {details}."
        )
    return next(iter(sizes.values()))


def check_class_weight(class_weight) -> dict | None:
    """`{class index: weight}` checked once, so batches need no checks of their own."""
    if class_weight is None:
        return None
    if not isinstance(class_weight, dict) or not class_weight:
        raise TypeError(
            "class_weight must be a non-empty dict {class index: weight}, received "
            f"{type(class_weight).__name__}: {class_weight!r:.80}."
        )
    bad = [
        key
        for key in class_weight
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer))
    ]
    if bad:
        raise TypeError(f"class_weight keys must be integer class indices, received {bad}.")
    # NumPy keys (dict(zip(np.unique(y), weights))) as plain ints.
    return {int(key): weight for key, weight in class_weight.items()}


def class_weights_to_sample_weights(y: np.ndarray, class_weight: dict) -> np.ndarray:
    """One weight per sample from `{class: weight}`: one-hot rows use their argmax."""
    labels = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y))
    labels = labels.astype(int)
    keys = np.array(sorted(class_weight))
    values = np.array([class_weight[key] for key in keys], dtype=config.floatx())
    positions = np.clip(np.searchsorted(keys, labels), 0, len(keys) - 1)
    unknown = labels != keys[positions]
    if unknown.any():
        raise ValueError(
            f"class_weight has no weight for classes {sorted(set(labels[unknown].tolist()))}; "
            f"received keys {sorted(class_weight)}."
        )
    return values[positions]


def sample_weight_array(weight, count: int, what: str = "sample_weight") -> np.ndarray:
    """A weight per sample (or per sample and timestep) in floatx; (samples, 1) -> (samples,)."""
    array = to_array(weight, what)
    if len(array) != count:
        raise ValueError(
            f"{what} has {len(array)} entries but the data has {count} samples; give one "
            "weight per sample."
        )
    if array.ndim == 2 and array.shape[1] == 1:
        array = array.reshape(count)
    return array.astype(config.floatx(), copy=False)


def times_class_weight(weight, class_weights: np.ndarray) -> np.ndarray:
    """Keras 2 multiplies sample and class weights; a per-timestep weight keeps its axes."""
    if weight is None:
        return class_weights
    extra_axes = (1,) * (weight.ndim - class_weights.ndim)
    return weight * class_weights.reshape(class_weights.shape + extra_axes)
