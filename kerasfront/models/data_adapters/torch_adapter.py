"""torch `DataLoader`s, and torch `Dataset`s (batched here with a `DataLoader`), on the
PyTorch backend. Recognized by the module of their type, so torch is imported only when
the user already passed a torch object."""

from __future__ import annotations

import importlib

from kerasfront.backend.registry import ADAPTER
from kerasfront.models.data_adapters.iterable_adapter import EpochIterableAdapter

_LOADER = ("torch.utils.data.dataloader", "DataLoader")
_DATASETS = {("torch.utils.data.dataset", name) for name in ("Dataset", "IterableDataset")}


def _mro_names(data) -> set:
    return {(cls.__module__, cls.__name__) for cls in type(data).__mro__}


def is_loader(data) -> bool:
    return _LOADER in _mro_names(data)


def matches(data) -> bool:
    names = _mro_names(data)
    return _LOADER in names or bool(names & _DATASETS)


class TorchDataAdapter(EpochIterableAdapter):
    """Batches from a `DataLoader`; a `Dataset` of samples is first wrapped in one, with
    `batch_size` (default 32) and, for map-style datasets, `shuffle`."""

    kind = "a torch DataLoader"

    def __init__(self, format, data, *, steps, batch_size=None, shuffle=False):
        if ADAPTER.NAME != "torch":
            raise ValueError(
                f"A torch DataLoader or Dataset needs the torch backend; the active backend "
                f"is {ADAPTER.NAME!r}. Set KERAS_BACKEND=torch, or pass NumPy arrays, a "
                "keras.utils.Sequence or a generator of NumPy batches instead."
            )
        if not is_loader(data):
            torch_data = importlib.import_module("torch.utils.data")
            iterable = isinstance(data, torch_data.IterableDataset)
            data = torch_data.DataLoader(
                data, batch_size=batch_size or 32, shuffle=bool(shuffle) and not iterable
            )
        try:
            known = len(data)
        except TypeError:  # an IterableDataset without a length
            known = None
        super().__init__(format, data, steps=steps, known_steps=known, lists_are_tuples=True)
