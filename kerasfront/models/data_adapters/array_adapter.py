"""NumPy arrays, nested lists, lists and dicts of arrays, engine tensors and array-likes
that read on demand (`HDF5Matrix`): formatted once, then sliced batch by batch."""

from __future__ import annotations

import math

import numpy as np

from kerasfront.models.data import count_samples, to_array, to_step_input
from kerasfront.models.data_adapters.base import DataAdapter
from kerasfront.models.data_adapters.batch_format import arrays_and_names

SHUFFLE_CHOICES = (True, False, "batch")


class _ReadOnDemand:
    """An array-like read batch by batch (an HDF5 dataset larger than memory)."""

    def __init__(self, source, what: str):
        self.source = source
        self.what = what

    def __getitem__(self, index):
        return to_array(self.source[index], self.what)

    def __len__(self) -> int:
        return len(self.source)


def _batch_plan(size: int, batch_size: int, shuffle) -> list:
    """The indices of one pass over the data, one entry per batch."""
    starts = range(0, size, batch_size)
    if shuffle == "batch":
        # Keras 2: whole batches of consecutive samples in random order, the last (partial)
        # batch last. Contiguous slices keep HDF5 reads sequential.
        full = size // batch_size
        order = [int(i) for i in np.random.permutation(full)] + list(range(full, len(starts)))
        return [slice(i * batch_size, (i + 1) * batch_size) for i in order]
    if shuffle:
        permutation = np.random.permutation(size)
        return [permutation[start : start + batch_size] for start in starts]
    return [slice(start, start + batch_size) for start in starts]


def _slots(arrays: list) -> list[int | None] | None:
    """For each output, the position of its array among the present ones (None where it
    has none); None when every output has one."""
    if all(a is not None for a in arrays):
        return None
    positions, count = [], 0
    for array in arrays:
        positions.append(None if array is None else count)
        count += array is not None
    return positions


def _placed(present: list, slots: list) -> list:
    """The per-output list the steps take: the present tensors at their slots, else None."""
    return [None if slot is None else present[slot] for slot in slots]


class ArrayAdapter(DataAdapter):
    """Batches of arrays already formatted for the model (see `from_data`).

    Args:
        format: the model's `BatchFormat`.
        x_arrays, targets, sample_weights: flat lists in the model's order; `sample_weights`
            holds the user's weights (None entries where unweighted) before class weights.
        batch_size: samples per batch (default 32); None with `whole=True`.
        steps: batches per epoch (default: one pass); more than one pass starts another.
        shuffle: True, False or "batch" (Keras 2's shuffling of whole batches).
    """

    kind = "arrays"

    def __init__(
        self,
        format,
        x_arrays,
        targets=None,
        sample_weights=None,
        *,
        batch_size=None,
        steps=None,
        shuffle=False,
        whole=False,
    ):
        if shuffle not in SHUFFLE_CHOICES:
            raise ValueError(f"shuffle must be True, False or 'batch', received {shuffle!r}.")
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
        ):
            raise ValueError(f"batch_size must be a positive integer, received {batch_size!r}.")
        self.format = format
        self.x_arrays, self.targets = x_arrays, targets
        self.sample_weights = sample_weights
        self.size = count_samples(*arrays_and_names(x_arrays, targets or []))
        if self.size == 0:
            raise ValueError("The data holds no samples (its arrays have length 0).")
        self.batch_size = self.size if whole else (batch_size or 32)
        self.shuffle = shuffle
        self.steps = steps or math.ceil(self.size / self.batch_size)
        self._steps_asked = steps
        readers = [
            _ReadOnDemand(a, f"x[{i}]") if not isinstance(a, np.ndarray) else a
            for i, a in enumerate(x_arrays)
        ]
        self._n_inputs = len(x_arrays)
        if not format.with_targets:
            self._arrays = readers
            return
        weights = format.with_class_weight(targets, sample_weights)
        # Only the arrays present are sliced. Weights are present for every output with a
        # loss or for none; outputs without a loss (compile(loss=None)) have neither.
        present_targets = [t for t in targets if t is not None]
        present_weights = [w for w in weights if w is not None]
        self._n_targets = len(present_targets)
        self._arrays = readers + present_targets + present_weights
        self._no_weights = [None] * len(targets)
        # Where the sliced targets and weights go in the per-output lists the steps take,
        # or None when every output has them (the usual case, placed as they come).
        self._target_slots = _slots(targets)
        self._weight_slots = _slots(weights) if present_weights else None

    @classmethod
    def from_data(cls, format, x, y=None, sample_weight=None, **options) -> ArrayAdapter:
        """Formats the user's data once (and builds the model from it)."""
        x_arrays = format.inputs(x, keep_array_likes=True)
        if not format.with_targets:
            return cls(format, x_arrays, **options)
        format.check_loss_to_optimize(x_arrays)
        targets = format.targets(y)
        count = count_samples(*arrays_and_names(x_arrays, targets))
        weights = format.sample_weights(sample_weight, targets, count)
        return cls(format, x_arrays, targets, weights, **options)

    def _plan(self) -> list:
        plan = _batch_plan(self.size, self.batch_size, self.shuffle)
        while len(plan) < self.steps:  # steps beyond one pass: further (reshuffled) passes
            plan += _batch_plan(self.size, self.batch_size, self.shuffle)
        return plan[: self.steps]

    def batches(self, epoch=0):
        # The hot path: one slice and one conversion per array, nothing else.
        arrays, n_inputs = self._arrays, self._n_inputs
        if not self.format.with_targets:
            for index in self._plan():
                tensors = [to_step_input(a[index]) for a in arrays]
                yield ((tensors[0] if n_inputs == 1 else tensors),)
            return
        n_known = n_inputs + self._n_targets
        no_weights = self._no_weights
        target_slots, weight_slots = self._target_slots, self._weight_slots
        if target_slots is not None:  # some outputs have no loss, hence no target
            for index in self._plan():
                tensors = [to_step_input(a[index]) for a in arrays]
                x = tensors[0] if n_inputs == 1 else tensors[:n_inputs]
                targets = _placed(tensors[n_inputs:n_known], target_slots)
                weights = _placed(tensors[n_known:], weight_slots) if weight_slots else no_weights
                yield x, targets, weights
            return
        for index in self._plan():
            tensors = [to_step_input(a[index]) for a in arrays]
            x = tensors[0] if n_inputs == 1 else tensors[:n_inputs]
            yield x, tensors[n_inputs:n_known], tensors[n_known:] or no_weights

    def keras2_validation_data(self) -> list:
        """Keras 2's `callback.validation_data` for these arrays: the inputs, the targets,
        then one sample-weight array per target (ones where none was given)."""
        targets = [t for t in self.targets or [] if t is not None]
        given = [w for t, w in zip(self.targets or [], self.sample_weights or []) if t is not None]
        given += [None] * (len(targets) - len(given))
        weights = [
            np.ones(len(t), "float32") if w is None else np.asarray(w)
            for t, w in zip(targets, given)
        ]
        return [*self.x_arrays, *targets, *weights]

    def split(self, fraction: float, batch_size: int | None):
        """Keras 2's validation_split: the last `fraction` of the samples, taken before any
        shuffling, validate; the validation part gets no class weights."""
        if not isinstance(fraction, (int, float)) or not 0 < fraction < 1:
            raise ValueError(f"validation_split must be in (0, 1), received {fraction!r}.")
        split_at = int(self.size * (1 - fraction))
        if split_at in (0, self.size):
            raise ValueError(
                f"validation_split={fraction} leaves an empty training or validation set with "
                f"{self.size} samples."
            )

        def part(arrays, rows):
            return None if arrays is None else [None if a is None else a[rows] for a in arrays]

        head, tail = slice(0, split_at), slice(split_at, None)
        training = ArrayAdapter(
            self.format,
            part(self.x_arrays, head),
            part(self.targets, head),
            part(self.sample_weights, head),
            batch_size=self.batch_size,
            steps=self._steps_asked,
            shuffle=self.shuffle,
        )
        validation = ArrayAdapter(
            self.format.without_class_weight(),
            part(self.x_arrays, tail),
            part(self.targets, tail),
            part(self.sample_weights, tail),
            batch_size=batch_size or self.batch_size,
        )
        return training, validation
