"""Reading batches ahead of the training loop: a pool of threads or processes for a
`Sequence` (any index can be read at any time), one background thread for a generator
(which can only be read in turn).

Order is always kept: batch i reaches the loop before batch i + 1, whatever worker read
it first, so results do not depend on `workers`.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import queue
import sys
import threading
import warnings
from concurrent import futures

# The Sequence a worker process reads from (set once per process by `_set_sequence`).
_PROCESS_SEQUENCE = None


def _set_sequence(sequence) -> None:
    global _PROCESS_SEQUENCE
    _PROCESS_SEQUENCE = sequence


def _read_in_process(index: int):
    return _PROCESS_SEQUENCE[index]


def process_pool(sequence, workers: int) -> futures.ProcessPoolExecutor:
    """Worker processes holding a copy of `sequence` as it is now.

    Linux forks (the workers inherit the sequence, nothing is pickled or re-imported);
    elsewhere processes are spawned, so the Sequence must be picklable and its class
    importable (defined at module level).
    """
    method = "fork" if sys.platform.startswith("linux") else "spawn"
    return futures.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context(method),
        initializer=_set_sequence,
        initargs=(sequence,),
    )


@contextlib.contextmanager
def _forking_quietly():
    """The pool forks its workers on a submit. JAX (and CPython 3.12+) warn at every fork
    of a multithreaded process, as a child that used the engine could deadlock; our
    workers only run the Sequence's `__getitem__` on NumPy data, never the engine (a
    Sequence that calls the engine must be read with threads: use_multiprocessing=False)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*os\.fork\(\)", category=RuntimeWarning)
        warnings.filterwarnings(
            "ignore", message=r".*multi-threaded.*fork", category=DeprecationWarning
        )
        yield


def in_order(read, indices, pool, depth: int):
    """Yields `read(index)` for each index, in order, keeping up to `depth` reads ahead
    in `pool` (a process pool's `read` is ignored: it reads its own copy)."""
    is_processes = isinstance(pool, futures.ProcessPoolExecutor)
    pending: collections.deque = collections.deque()
    remaining = iter(indices)

    def submit_next() -> None:
        index = next(remaining, None)
        if index is not None:
            if is_processes:
                with _forking_quietly():
                    pending.append(pool.submit(_read_in_process, index))
            else:
                pending.append(pool.submit(read, index))

    try:
        for _ in range(max(depth, 1)):
            submit_next()
        while pending:
            result = pending.popleft().result()
            submit_next()
            yield result
    finally:  # the loop stopped early (stop_training, steps reached): drop the rest
        for future in pending:
            future.cancel()


_END = object()


class BackgroundReader:
    """Pulls items from an iterator in a daemon thread into a queue of `depth` items.

    One thread only: a generator may not be entered from two threads at once. An error
    raised by the iterator is raised again in the loop, at the item where it happened.
    """

    def __init__(self, iterator, depth: int):
        self._queue: queue.Queue = queue.Queue(maxsize=max(depth, 1))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(iterator,), daemon=True)
        self._thread.start()

    def _run(self, iterator) -> None:
        try:
            for item in iterator:
                if not self._put((item, None)):
                    return
            self._put((_END, None))
        except BaseException as error:  # handed to the consumer, raised there
            self._put((_END, error))

    def _put(self, entry) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self):
        return self

    def __next__(self):
        item, error = self._queue.get()
        if item is _END:
            self._queue.put((_END, error))  # later calls end (or fail) the same way
            if error is not None:
                raise error
            raise StopIteration
        return item

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1.0)
