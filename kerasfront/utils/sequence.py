"""The `Sequence` base class: an indexable source of batches.

Subclass it when the data does not fit in memory or needs per-batch work (reading files, augmenting).
Unlike a Python generator, a `Sequence` knows its length and can be indexed in any order, so a
training loop can shuffle batch order and several workers can read different batches safely.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["Sequence"]


class Sequence:
    """Base class for a batch source that `fit`, `evaluate` and `predict` accept as `x`.

    A subclass implements `__getitem__(index)`, returning one whole batch — usually a tuple
    `(inputs, targets)` or `(inputs, targets, sample_weights)` — and `__len__()`, returning the
    number of batches in one epoch. `on_epoch_end()` is called by the training loop after every
    epoch; override it to reshuffle or to regenerate data.

    `fit`, `evaluate` and `predict` take a `Sequence` in place of arrays (with `batch_size` left
    unset, since the sequence already batches) and ask for every index in `range(len(seq))` each
    epoch.

    Example:
        >>> import numpy as np
        >>> class Batches(Sequence):
        ...     def __init__(self, x, y, batch_size):
        ...         self.x, self.y, self.batch_size = x, y, batch_size
        ...     def __len__(self):
        ...         return -(-len(self.x) // self.batch_size)
        ...     def __getitem__(self, index):
        ...         part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        ...         return self.x[part], self.y[part]
        >>> batches = Batches(np.arange(10), np.arange(10), batch_size=4)
        >>> len(batches), [len(x) for x, _ in batches]
        (3, [4, 4, 2])
    """

    # Lets loaders recognise a batch source by duck typing as well as by isinstance.
    use_sequence_api = True

    def __getitem__(self, index: int) -> Any:
        """Returns the batch at position `index` (0 <= index < len(self))."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__getitem__(self, index)` returning one batch."
        )

    def __len__(self) -> int:
        """Returns the number of batches in one epoch."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__len__(self)` returning the number of batches."
        )

    def on_epoch_end(self) -> None:
        """Called after every epoch; does nothing unless a subclass overrides it."""

    def __iter__(self) -> Iterator[Any]:
        """Yields every batch once, in index order."""
        # Re-read len() once up front: a subclass may compute it, and a stable count per pass
        # is what the loop expects.
        for index in range(len(self)):
            yield self[index]
