"""One adapter per input kind behind one interface (see `base.DataAdapter`).

`get_adapter` is the only place that looks at what kind of data the user passed; `fit`,
`evaluate` and `predict` only ask the adapter it returns for batches.
"""

from __future__ import annotations

from kerasfront.models.data_adapters import (
    generator_adapter,
    pandas_adapter,
    sequence_adapter,
    tf_dataset_adapter,
    torch_adapter,
)
from kerasfront.models.data_adapters.array_adapter import ArrayAdapter
from kerasfront.models.data_adapters.base import DataAdapter, check_steps
from kerasfront.models.data_adapters.batch_format import BatchFormat
from kerasfront.models.data_adapters.generator_adapter import GeneratorAdapter
from kerasfront.models.data_adapters.pandas_adapter import PandasAdapter
from kerasfront.models.data_adapters.sequence_adapter import SequenceAdapter
from kerasfront.models.data_adapters.tf_dataset_adapter import TFDatasetAdapter
from kerasfront.models.data_adapters.torch_adapter import TorchDataAdapter

__all__ = [
    "ArrayAdapter",
    "BatchFormat",
    "DataAdapter",
    "GeneratorAdapter",
    "PandasAdapter",
    "SequenceAdapter",
    "TFDatasetAdapter",
    "TorchDataAdapter",
    "get_adapter",
    "get_validation_adapter",
]


def _batch_source(x):
    """The adapter class for a source that yields whole batches, or None for arrays."""
    if tf_dataset_adapter.matches(x):
        return TFDatasetAdapter
    if torch_adapter.matches(x):
        return TorchDataAdapter
    if sequence_adapter.matches(x):
        return SequenceAdapter
    if generator_adapter.matches(x):
        return GeneratorAdapter
    return None


def get_adapter(
    model,
    x,
    y=None,
    sample_weight=None,
    *,
    purpose: str,
    batch_size=None,
    steps=None,
    steps_name: str = "steps",
    shuffle=False,
    class_weight=None,
    max_queue_size: int = 10,
    workers: int = 1,
    use_multiprocessing: bool = False,
    whole: bool = False,
) -> DataAdapter:
    """The adapter for `x` (and `y`, `sample_weight`) as `model` takes them.

    Formats the data for the model and builds the model (and its metrics) from it, once.

    Args:
        model: the model the data is for.
        x, y, sample_weight: what the user passed.
        purpose: "fit", "evaluate" or "predict" (predict takes no targets).
        batch_size: samples per batch for arrays (a torch Dataset too); batch sources
            ignore it, as Keras 2 does.
        steps: batches per epoch (None: the whole data), named `steps_name` in errors.
        shuffle: True, False or "batch"; shuffles arrays, a Sequence's batch order, and a
            torch Dataset's samples. Datasets and loaders shuffle themselves.
        class_weight: `{class: weight}` applied to every batch's targets.
        max_queue_size, workers, use_multiprocessing: how Sequences and generators are
            read ahead (Keras 2's arguments).
        whole: all samples in one batch (the `*_on_batch` methods).
    """
    steps = check_steps(steps, steps_name)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
        raise ValueError(f"workers must be an integer >= 0, received {workers!r}.")
    format = BatchFormat(model, with_targets=purpose != "predict", class_weight=class_weight)
    source = None if whole else _batch_source(x)
    if source is None:
        adapter = PandasAdapter if pandas_adapter.matches(x, y, sample_weight) else ArrayAdapter
        return adapter.from_data(
            format, x, y, sample_weight, batch_size=batch_size, steps=steps, shuffle=shuffle,
            whole=whole,
        )  # fmt: skip
    for name, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None:
            raise ValueError(
                f"{name} must not be given when x is {source.kind}: its batches hold "
                "(inputs, targets, sample_weights) themselves."
            )
    if source is TFDatasetAdapter:
        return TFDatasetAdapter(format, x, steps=steps, steps_name=steps_name)
    if source is TorchDataAdapter:
        return TorchDataAdapter(format, x, steps=steps, batch_size=batch_size, shuffle=shuffle)
    feeding = {
        "max_queue_size": max_queue_size,
        "workers": workers,
        "use_multiprocessing": use_multiprocessing,
    }
    if source is SequenceAdapter:
        return SequenceAdapter(format, x, steps=steps, shuffle=shuffle, **feeding)
    return GeneratorAdapter(format, x, steps=steps, steps_name=steps_name, **feeding)


def get_validation_adapter(model, validation_data, batch_size, steps, **feeding) -> DataAdapter:
    """The adapter for `fit(validation_data=...)`: a tuple `(x_val, y_val)` or `(x_val, y_val,
    val_sample_weights)` of arrays, or any batch source `fit` takes as `x`."""
    if _batch_source(validation_data) is not None:
        x, y, sample_weight = validation_data, None, None
    elif isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
        x, y, sample_weight = (*validation_data, None)[:3]
    else:
        length = len(validation_data) if hasattr(validation_data, "__len__") else "?"
        raise ValueError(
            "validation_data must be a tuple (x_val, y_val) or (x_val, y_val, "
            "val_sample_weights), or a generator, Sequence or dataset; received a "
            f"{type(validation_data).__name__} of length {length}."
        )
    return get_adapter(
        model, x, y, sample_weight, purpose="evaluate", batch_size=batch_size, steps=steps,
        steps_name="validation_steps", **feeding,
    )  # fmt: skip
