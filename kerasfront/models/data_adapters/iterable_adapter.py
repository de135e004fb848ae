"""Sources that can be iterated again and again (a `tf.data.Dataset`, a torch
`DataLoader`): each element is one batch. The engines' own loaders batch, shuffle and
prefetch; this adapter only formats their batches for the model."""

from __future__ import annotations

from kerasfront.models.data_adapters.base import DataAdapter


class EpochIterableAdapter(DataAdapter):
    """Batches from an iterable of `x`, `(x, y)` or `(x, y, sample_weight)` elements.

    Without `steps`, every epoch is one full pass (the length may be unknown: the pass
    ends when the source does). With `steps`, epochs take that many batches and go on
    where the previous epoch stopped, starting a new pass when one ends (as Keras 2 does
    for a dataset given `steps_per_epoch`).

    Args:
        format: the model's `BatchFormat`.
        source: the iterable.
        steps: batches per epoch asked for, or None.
        known_steps: the source's own number of batches when it knows it, else None.
        lists_are_tuples: the source turns a `(x, y)` sample into a list (torch).
    """

    kind = "an iterable"

    def __init__(self, format, source, *, steps, known_steps, lists_are_tuples=False):
        self.format = format
        self.source = source
        self.lists_are_tuples = lists_are_tuples
        self._continue = steps is not None
        self.steps = steps if steps is not None else known_steps
        self._iterator = iter(source)
        try:
            first = next(self._iterator)
        except StopIteration:
            raise ValueError(f"The data ({self.kind}) holds no batches.") from None
        # The first batch builds the model now; it is also the first batch of the epoch.
        self._pending = [self._format(first)]

    def _format(self, item) -> tuple:
        return self.format.stream_batch(item, self.kind, self.lists_are_tuples)

    def batches(self, epoch=0):
        iterator = self._iterator if self._iterator is not None else iter(self.source)
        self._iterator = None
        produced = 0
        if self._pending:
            produced = 1
            yield self._pending.pop()
        fresh = False  # whether `iterator` has yielded nothing yet
        while self.steps is None or produced < self.steps:
            try:
                item = next(iterator)
            except StopIteration:
                if not self._continue or fresh:
                    return  # the end of a pass (or an empty source) ends the epoch
                iterator, fresh = iter(self.source), True
                continue
            fresh = False
            produced += 1
            yield self._format(item)
        if self._continue:
            self._iterator = iterator  # the next epoch goes on from here
