"""The one interface every input kind offers to `fit`, `evaluate` and `predict`.

The loops only ever ask an adapter for `steps` (batches per epoch, None when the source
does not say) and for `batches(epoch)`: tuples ready for the compiled steps, `(x, targets,
sample_weights)` when targets are expected, `(x,)` for `predict`. Everything that depends
on the kind of input (slicing arrays, reading a Sequence with workers, pulling from a
generator, iterating a `tf.data.Dataset`) stays inside the adapter.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator

from kerasfront import user_warnings


class DataAdapter:
    """Base class: a source of batches for one `fit`, `evaluate` or `predict` call.

    Attributes:
        kind: what the user passed, in words (used in error messages).
        steps: batches per epoch, or None when the source does not say (iterated until
            it is exhausted).
        size, batch_size: samples in one pass and per batch where known (arrays), else
            None (callbacks read them as Keras 2's `params["samples"]`/`["batch_size"]`).
        exhausted: set when a one-shot source (a generator) ran out of data before the
            batches asked for; `fit` then stops training, as Keras 2 does.
    """

    kind = "data"
    steps: int | None = None
    size: int | None = None
    batch_size: int | None = None
    exhausted = False

    def batches(self, epoch: int) -> Iterator[tuple]:
        """Yields the batches of one epoch in the form the compiled steps take."""
        raise NotImplementedError

    def on_epoch_end(self) -> None:
        """Called by the loops after every epoch (a `Sequence` reshuffles here)."""

    def close(self) -> None:
        """Releases worker threads or processes; the loops call it when they finish."""

    def split(self, fraction: float, batch_size: int | None):
        """Returns `(training, validation)` adapters for `validation_split`."""
        raise ValueError(
            f"validation_split is only supported when x and y are arrays (NumPy arrays, "
            f"lists or dicts of arrays, tensors, pandas objects); received {self.kind}. "
            "Pass validation_data=... instead."
        )


def check_steps(steps, name: str) -> int | None:
    """`steps` as a positive int (or None); raises naming the argument otherwise.

    A positive fraction counts up, as Keras 2's loops ran `while done < steps`: its docs
    pass `steps_per_epoch=len(x_train) / 32`, which then takes the last partial batch
    too. NumPy numbers are numbers here like Python's.
    """
    if steps is None:
        return None
    if (
        isinstance(steps, bool)
        or not isinstance(steps, numbers.Real)
        or not math.isfinite(steps)
        or steps <= 0
    ):
        raise ValueError(f"{name} must be a positive integer or None, received {steps!r}.")
    return math.ceil(steps)


def unpack(item, with_targets: bool, kind: str, lists_are_tuples: bool = False) -> tuple:
    """One element of a batch source -> `(x, y, sample_weight)` (y and weight may be None).

    As in Keras 2, a tuple is `(x,)`, `(x, y)` or `(x, y, sample_weight)`; anything else is
    `x` alone. Lists count as tuples only where the source turns tuples into lists (a torch
    DataLoader's collation), since elsewhere a list is the inputs of a multi-input model.
    """
    if isinstance(item, tuple) or (lists_are_tuples and isinstance(item, list)):
        if not 1 <= len(item) <= 3:
            raise ValueError(
                f"A batch from {kind} must be x, (x,), (x, y) or (x, y, sample_weight); "
                f"received a {type(item).__name__} of {len(item)} elements."
            )
        parts = (*item, None, None)[:3]
    else:
        parts = (item, None, None)
    if with_targets and parts[1] is None:
        raise ValueError(
            f"A batch from {kind} held no targets: training and evaluation need batches "
            "(inputs, targets) or (inputs, targets, sample_weights)."
        )
    return parts


def warn_exhausted(kind: str, produced: int, steps: int, steps_name: str) -> None:
    user_warnings.warn(
        f"{kind} ran out of data after {produced} of the {steps} batches asked for "
        f"({steps_name}); stopping. Make sure it can yield {steps_name} batches for every "
        "epoch (e.g. loop forever in the generator)."
    )
