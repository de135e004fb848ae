"""`keras.utils.Sequence` (or anything indexable with a length that is not an array):
batches by index, optionally read ahead by a pool of threads or processes.

Keras 2's arguments are honoured: `workers` (0 reads in the training loop's thread),
`use_multiprocessing` (processes instead of threads), `max_queue_size` (batches read
ahead), `shuffle` (a new batch order each epoch) and `on_epoch_end` after every epoch.
Processes hold a copy of the Sequence made when each epoch starts, so what
`on_epoch_end` changed reaches them.
"""

from __future__ import annotations

import numpy as np

from kerasfront.backend.registry import ADAPTER
from kerasfront.models.data_adapters import prefetch
from kerasfront.models.data_adapters.base import DataAdapter


def matches(data) -> bool:
    if getattr(data, "use_sequence_api", False):
        return True
    return (
        hasattr(data, "__getitem__")
        and hasattr(data, "__len__")
        and not hasattr(data, "shape")  # arrays, tensors and array-likes are data, not batches
        and not isinstance(data, (list, tuple, dict, str, bytes))
        and not ADAPTER.is_tensor(data)
    )


class SequenceAdapter(DataAdapter):
    """Batches `sequence[i]` for i in (a shuffled) `range(len(sequence))`."""

    kind = "a Sequence"

    def __init__(
        self,
        format,
        sequence,
        *,
        steps=None,
        shuffle=False,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
    ):
        self.format = format
        self.sequence = sequence
        self.length = len(sequence)
        if self.length == 0:
            raise ValueError(f"The Sequence {type(sequence).__name__} has no batches (len 0).")
        self.steps = steps or self.length
        self.shuffle = bool(shuffle)
        self.depth = max_queue_size
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self._pool = None
        # Builds the model (and checks the targets) from the first batch.
        format.stream_batch(sequence[0], self.kind)

    def _indices(self) -> list[int]:
        indices: list[int] = []
        while len(indices) < self.steps:  # steps beyond len(sequence): another pass
            order = np.random.permutation(self.length) if self.shuffle else range(self.length)
            indices += [int(i) for i in order]
        return indices[: self.steps]

    def _get_pool(self):
        if self._pool is None:
            if self.use_multiprocessing:
                self._pool = prefetch.process_pool(self.sequence, self.workers)
            else:
                self._pool = prefetch.futures.ThreadPoolExecutor(self.workers)
        return self._pool

    def batches(self, epoch=0):
        stream_batch, kind = self.format.stream_batch, self.kind
        indices = self._indices()
        if self.workers > 0:
            items = prefetch.in_order(
                self.sequence.__getitem__, indices, self._get_pool(), self.depth
            )
        else:
            items = (self.sequence[index] for index in indices)
        try:
            for item in items:
                yield stream_batch(item, kind)
        finally:
            if hasattr(items, "close"):
                items.close()

    def on_epoch_end(self) -> None:
        if self.use_multiprocessing:
            self.close()  # the next epoch's processes copy the Sequence as it is then
        if hasattr(self.sequence, "on_epoch_end"):
            self.sequence.on_epoch_end()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
