"""pandas `DataFrame` and `Series`, as x, y or sample_weight (alone or in a list or dict).

They are turned into NumPy arrays once and batched like arrays (so `validation_split`,
`shuffle` and `sample_weight` work as for arrays). Recognized by the module of their
type: pandas is never imported here.
"""

from __future__ import annotations

from kerasfront.models.data_adapters.array_adapter import ArrayAdapter


def _is_pandas(data) -> bool:
    return any(
        cls.__module__.split(".")[0] == "pandas" and cls.__name__ in ("DataFrame", "Series")
        for cls in type(data).__mro__
    )


def _contains_pandas(data) -> bool:
    if isinstance(data, dict):
        return any(_is_pandas(value) for value in data.values())
    if isinstance(data, (list, tuple)):
        return any(_is_pandas(value) for value in data)
    return _is_pandas(data)


def matches(x, y=None, sample_weight=None) -> bool:
    return any(_contains_pandas(part) for part in (x, y, sample_weight))


def _to_numpy(data):
    if isinstance(data, dict):
        return {key: _to_numpy(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return type(data)(_to_numpy(value) for value in data)
    if not _is_pandas(data):
        return data
    array = data.to_numpy()
    # pandas may hand out a read-only view of its storage; engines that wrap NumPy memory
    # (torch.from_numpy) warn about those, so a copy is made then.
    return array if array.flags.writeable else array.copy()


class PandasAdapter(ArrayAdapter):
    kind = "pandas data"

    @classmethod
    def from_data(cls, format, x, y=None, sample_weight=None, **options) -> ArrayAdapter:
        return super().from_data(
            format, _to_numpy(x), _to_numpy(y), _to_numpy(sample_weight), **options
        )
