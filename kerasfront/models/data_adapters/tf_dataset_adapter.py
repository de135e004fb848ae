"""`tf.data.Dataset` on the TensorFlow backend. Recognized by the module of its type, so
TensorFlow is never imported here."""

from __future__ import annotations

from kerasfront.backend.registry import ADAPTER
from kerasfront.models.data_adapters.iterable_adapter import EpochIterableAdapter

_DATASET_MODULE = "tensorflow.python.data.ops.dataset_ops"
_INFINITE = -1  # tf.data.INFINITE_CARDINALITY; -2 means unknown


def matches(data) -> bool:
    return any(
        cls.__module__ == _DATASET_MODULE and cls.__name__ in ("DatasetV2", "DatasetV1")
        for cls in type(data).__mro__
    )


class TFDatasetAdapter(EpochIterableAdapter):
    """Each element of the dataset is one batch (`dataset.batch(...)` made it so)."""

    kind = "a tf.data.Dataset"

    def __init__(self, format, dataset, *, steps, steps_name: str):
        if ADAPTER.NAME != "tensorflow":
            raise ValueError(
                f"A tf.data.Dataset needs the TensorFlow backend; the active backend is "
                f"{ADAPTER.NAME!r}. Set KERAS_BACKEND=tensorflow, or pass NumPy arrays, a "
                "keras.utils.Sequence or a generator of NumPy batches instead (e.g. "
                "dataset.as_numpy_iterator() with steps_per_epoch)."
            )
        cardinality = int(dataset.cardinality())
        if cardinality == _INFINITE and steps is None:
            raise ValueError(
                f"The tf.data.Dataset repeats forever: pass {steps_name}=<batches per epoch>."
            )
        known = cardinality if cardinality >= 0 else None
        super().__init__(format, dataset, steps=steps, known_steps=known)
