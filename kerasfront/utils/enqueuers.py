"""Keras 2's enqueuers (`keras.utils.OrderedEnqueuer`, `GeneratorEnqueuer`): read batches
ahead of a hand-written training loop, as `fit` does for its own input.

    enqueuer = OrderedEnqueuer(sequence, shuffle=True)
    enqueuer.start(workers=2, max_queue_size=10)
    batches = enqueuer.get()  # an endless generator: epoch after epoch
    for step in range(steps):
        x, y = next(batches)
        model.train_on_batch(x, y)
    enqueuer.stop()

They run on the readers `fit` uses (`kerasfront.models.data_adapters.prefetch`), so
batches arrive in order whatever worker read them first.
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["GeneratorEnqueuer", "OrderedEnqueuer", "SequenceEnqueuer"]


def _prefetch():
    # Imported when a reader starts: kerasfront.models is not needed to import utils.
    from kerasfront.models.data_adapters import prefetch

    return prefetch


class SequenceEnqueuer:
    """The base of the enqueuers: `start`, `get`, `stop` and `is_running`.

    Args:
        sequence: what is read (a `Sequence`, or for `GeneratorEnqueuer` a generator).
        use_multiprocessing: whether to read in worker processes instead of threads.
    """

    def __init__(self, sequence, use_multiprocessing=False):
        self.sequence = sequence
        self.use_multiprocessing = use_multiprocessing
        self.workers = 0
        self.max_queue_size = 10
        self._running = False

    def is_running(self) -> bool:
        return self._running

    def start(self, workers=1, max_queue_size=10) -> None:
        """Starts reading with `workers` threads (or processes), at most `max_queue_size`
        batches ahead of the consumer."""
        if self._running:
            raise RuntimeError(f"{type(self).__name__}.start: already running; stop() first.")
        self.workers, self.max_queue_size = int(workers), int(max_queue_size)
        self._running = True

    def stop(self, timeout=None) -> None:
        """Stops reading and releases the workers (`timeout` is accepted for Keras 2's
        signature; workers finish their current batch)."""
        self._running = False
        self._close()

    def _close(self) -> None:
        """Releases readers; subclasses that hold any override it."""

    def get(self):
        """An endless generator of batches; `start` must have been called."""
        raise NotImplementedError(f"{type(self).__name__} must implement get().")

    def _check_running(self) -> None:
        if not self._running:
            raise RuntimeError(
                f"{type(self).__name__}.get: call start(workers, max_queue_size) first."
            )


class OrderedEnqueuer(SequenceEnqueuer):
    """Reads a `Sequence` in index order (or shuffled per epoch), epoch after epoch,
    calling the sequence's `on_epoch_end()` between epochs.

    Args:
        sequence: a `kerasfront.utils.Sequence` (anything with `__len__` and
            `__getitem__`).
        use_multiprocessing: read in worker processes (each holds a copy of the sequence
            as it was when its epoch started; on Linux they fork) instead of threads.
        shuffle: whether to read each epoch's batches in a new random order.
    """

    def __init__(self, sequence, use_multiprocessing=False, shuffle=False):
        super().__init__(sequence, use_multiprocessing)
        self.shuffle = shuffle
        self._pool = None

    def _make_pool(self):
        prefetch = _prefetch()
        if self.use_multiprocessing:
            return prefetch.process_pool(self.sequence, max(self.workers, 1))
        return prefetch.futures.ThreadPoolExecutor(max(self.workers, 1))

    def _close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def get(self):
        self._check_running()
        prefetch = _prefetch()
        while self._running:
            count = len(self.sequence)
            order = np.random.permutation(count) if self.shuffle else np.arange(count)
            indices = [int(i) for i in order]
            if self.workers > 0:
                if self._pool is None:
                    self._pool = self._make_pool()
                items = prefetch.in_order(
                    self.sequence.__getitem__, indices, self._pool, self.max_queue_size
                )
            else:
                items = (self.sequence[index] for index in indices)
            try:
                for item in items:
                    yield item
                    if not self._running:
                        return
            finally:
                if hasattr(items, "close"):
                    items.close()
            if self.use_multiprocessing:
                self._close()  # the next epoch's processes copy the sequence as it is then
            self.sequence.on_epoch_end()


class GeneratorEnqueuer(SequenceEnqueuer):
    """Reads a Python generator ahead of the consumer in one background thread.

    Args:
        sequence: the generator (Keras 2.2's argument name).
        use_multiprocessing: accepted for Keras 2's signature; a generator is always read
            by one thread, since copies in several processes would yield the same batches
            (a warning says so). Use a `Sequence` and `OrderedEnqueuer` for processes.
        wait_time: accepted for Keras 2's signature; unused (Keras 2.2 no longer used it).
        random_seed: seeds NumPy's global generator before reading starts, or None.
    """

    def __init__(self, sequence, use_multiprocessing=False, wait_time=None, random_seed=None):
        super().__init__(sequence, use_multiprocessing)
        self.wait_time = wait_time
        self.random_seed = random_seed
        self._reader = None
        if use_multiprocessing:
            warnings.warn(
                "GeneratorEnqueuer: use_multiprocessing=True is ignored; one background "
                "thread reads the generator, since copies in several processes would yield "
                "the same batches. Use a keras.utils.Sequence with OrderedEnqueuer to read "
                "in processes.",
                stacklevel=2,
            )

    def start(self, workers=1, max_queue_size=10) -> None:
        super().start(workers, max_queue_size)
        if self.random_seed is not None:
            np.random.seed(self.random_seed)
        self._reader = _prefetch().BackgroundReader(iter(self.sequence), self.max_queue_size)

    def _close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def get(self):
        self._check_running()
        reader = self._reader
        while self._running:
            try:
                item = next(reader)
            except StopIteration:
                return
            yield item
