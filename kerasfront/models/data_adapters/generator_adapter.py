"""Python generators and other iterators: one stream of batches shared by all epochs.

As in Keras 2, a generator usually loops forever and `steps_per_epoch` (`steps`,
`validation_steps`) says how many of its batches make an epoch; each epoch goes on where
the previous one stopped. With `workers` > 0 one background thread reads ahead up to
`max_queue_size` batches.
"""

from __future__ import annotations

from kerasfront import user_warnings
from kerasfront.models.data_adapters.base import DataAdapter, warn_exhausted
from kerasfront.models.data_adapters.prefetch import BackgroundReader


def matches(data) -> bool:
    return hasattr(data, "__next__") and hasattr(data, "__iter__")


class GeneratorAdapter(DataAdapter):
    """Batches pulled from an iterator of `x`, `(x, y)` or `(x, y, sample_weight)`."""

    kind = "a Python generator"

    def __init__(
        self,
        format,
        generator,
        *,
        steps,
        steps_name: str,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
    ):
        if steps is None:
            raise ValueError(
                f"{steps_name} is required when the data is a Python generator: a generator "
                f"cannot tell how many batches it holds. Pass {steps_name}=<batches per "
                "epoch>, or use a keras.utils.Sequence, whose len() says it."
            )
        if use_multiprocessing:
            user_warnings.warn(
                "use_multiprocessing=True is ignored for a Python generator: copies in "
                "several processes would yield the same batches. One background thread "
                "reads it; use a keras.utils.Sequence to read in processes."
            )
        self.format = format
        self.steps = steps
        self.steps_name = steps_name
        self._stream = BackgroundReader(generator, max_queue_size) if workers > 0 else generator
        try:
            first = next(self._stream)
        except StopIteration:
            self.close()
            raise ValueError("The generator yielded no batches.") from None
        # The first batch builds the model now; it is also the first batch of the epoch.
        self._pending = [self.format.stream_batch(first, self.kind)]

    def batches(self, epoch=0):
        stream_batch, kind = self.format.stream_batch, self.kind
        produced = 0
        if self._pending:
            produced = 1
            yield self._pending.pop()
        while produced < self.steps:
            try:
                item = next(self._stream)
            except StopIteration:
                self.exhausted = True
                warn_exhausted(kind, produced, self.steps, self.steps_name)
                return
            produced += 1
            yield stream_batch(item, kind)

    def close(self) -> None:
        if isinstance(self._stream, BackgroundReader):
            self._stream.close()
