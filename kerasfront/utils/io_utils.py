"""`HDF5Matrix`: a read-only, array-like view of part of a dataset in an HDF5 file.

h5py is imported only when an `HDF5Matrix` is created, so importing this module needs no h5py.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import numpy as np

from kerasfront.utils.hdf5_dict import H5Dict, h5dict  # noqa: F401 (Keras 2 path)

__all__ = ["H5Dict", "HDF5Matrix", "ask_to_proceed_with_overwrite", "h5dict"]

# Soft links may point at other soft links; a bound stops a cycle from recursing forever.
_MAX_LINK_HOPS = 32


def _import_h5py() -> Any:
    try:
        import h5py
    except ImportError as error:
        raise ImportError(
            "HDF5Matrix needs h5py, which is not installed. Install it with `pip install h5py`."
        ) from error
    return h5py


def _open_dataset(h5py: Any, handle: Any, path: str, hops: int = 0) -> Any:
    """Follows `path` link by link from the root, refusing links that leave the file."""
    if hops > _MAX_LINK_HOPS:
        raise ValueError(f"HDF5Matrix: `dataset` {path!r} goes through too many soft links.")
    node = handle["/"]
    parts = [part for part in path.split("/") if part]
    for name in parts:
        if not isinstance(node, h5py.Group):
            raise ValueError(
                f"HDF5Matrix: `dataset` path {path!r} continues below {node.name!r}, which is "
                "not a group."
            )
        link = node.get(name, getlink=True)
        if link is None:
            raise KeyError(
                f"HDF5Matrix: `dataset` {path!r} was not found in {handle.filename!r} (no "
                f"{name!r} under {node.name!r}). Available: {sorted(node.keys())}."
            )
        if isinstance(link, h5py.ExternalLink):
            # Following it would open a file the caller never named.
            raise ValueError(
                f"HDF5Matrix: `dataset` {path!r} goes through an external link to "
                f"{link.filename!r}:{link.path!r}; external links are refused for safety. Open "
                "that file directly instead."
            )
        if isinstance(link, h5py.SoftLink):
            target = link.path
            if not target.startswith("/"):
                target = node.name.rstrip("/") + "/" + target
            node = _open_dataset(h5py, handle, target, hops + 1)
        else:
            node = node[name]
    if not isinstance(node, h5py.Dataset):
        raise ValueError(
            f"HDF5Matrix: `dataset` must name a dataset; {path!r} in {handle.filename!r} is a "
            f"{type(node).__name__}."
        )
    if node.is_virtual:
        raise ValueError(
            f"HDF5Matrix: `dataset` {path!r} is a virtual dataset, whose data lives in other "
            "files; virtual datasets are refused for safety."
        )
    if node.external:
        raise ValueError(
            f"HDF5Matrix: `dataset` {path!r} stores its data in external raw files; external "
            "storage is refused for safety."
        )
    return node


class HDF5Matrix:
    """An array-like view of rows `start` to `end` of a dataset in an HDF5 file.

    Indexing reads from disk on demand, so datasets larger than memory can be used as model
    inputs (give `fit` `shuffle='batch'`, since HDF5 reads work best in increasing order).
    Indices are relative to `start`: `matrix[0]` is row `start` of the dataset. Integers,
    slices, lists and integer or boolean NumPy arrays are accepted, with NumPy's meaning
    (negative indices count from the end of the view, and list indices may be in any order).
    Files are opened read-only and shared between views of the same path.

    Args:
        datapath: Path of the HDF5 file.
        dataset: Path of the dataset inside the file, e.g. `'features'` or `'/group/data'`.
        start: First row of the view.
        end: One past the last row of the view; defaults to the dataset length.
        normalizer: Optional function applied to every array read (e.g. `lambda x: x / 255`).

    Raises:
        KeyError: If `dataset` does not exist in the file.
        ValueError: If `dataset` is not a dataset, goes through an external link, is a virtual
            dataset or uses external storage, or if `start`/`end` are out of range.

    Example:
        >>> x = HDF5Matrix("data.h5", "features", start=0, end=1000)  # doctest: +SKIP
        >>> x.shape, x[10:12].shape  # doctest: +SKIP
        ((1000, 32), (2, 32))
    """

    # Open files, keyed by absolute path, shared by every view of the same file.
    refs: ClassVar[dict[str, Any]] = {}

    def __init__(
        self,
        datapath: str | os.PathLike,
        dataset: str,
        start: int = 0,
        end: int | None = None,
        normalizer: Any = None,
    ) -> None:
        h5py = _import_h5py()
        key = os.path.abspath(os.fspath(datapath))
        handle = self.refs.get(key)
        if handle is None or not handle.id.valid:
            handle = h5py.File(key, "r")
            self.refs[key] = handle
        self.data = _open_dataset(h5py, handle, dataset)
        if self.data.ndim == 0:
            raise ValueError(f"HDF5Matrix: `dataset` {dataset!r} is a scalar; it has no rows.")
        rows = self.data.shape[0]
        end = rows if end is None else end
        if not 0 <= start <= end <= rows:
            raise ValueError(
                f"HDF5Matrix: need 0 <= start <= end <= {rows} (the length of {dataset!r}); "
                f"received start={start}, end={end}."
            )
        self.start = int(start)
        self.end = int(end)
        self.normalizer = normalizer
        # One row tells the shape and dtype after normalization without reading everything.
        first = self._finish(self.data[0:1])
        self._base_shape = first.shape[1:]
        self._base_dtype = first.dtype

    def _finish(self, values: np.ndarray) -> np.ndarray:
        return values if self.normalizer is None else self.normalizer(values)

    def __len__(self) -> int:
        return self.end - self.start

    def _read_rows(self, indices: np.ndarray) -> np.ndarray:
        """Reads rows at view-relative `indices` (validated, non-negative) in the given order."""
        if indices.size == 0:
            return self.data[self.start : self.start]
        # h5py point selections need strictly increasing indices: read each row once, in order,
        # then put them back in the order asked for.
        unique, inverse = np.unique(indices, return_inverse=True)
        rows = self.data[(unique + self.start).tolist()]
        return rows[inverse.reshape(-1)]

    def _read_slice(self, key: slice) -> np.ndarray:
        span = range(len(self))[key]
        if len(span) == 0:
            return self.data[self.start : self.start]
        ascending = span if span.step > 0 else span[::-1]
        stop = ascending[-1] + 1
        values = self.data[self.start + ascending.start : self.start + stop : ascending.step]
        return values if span.step > 0 else values[::-1]

    def __getitem__(self, key: Any) -> np.ndarray:
        length = len(self)
        if isinstance(key, slice):
            return self._finish(self._read_slice(key))
        if isinstance(key, int | np.integer) and not isinstance(key, bool | np.bool_):
            if not -length <= key < length:
                raise IndexError(f"HDF5Matrix: index {key} is out of range for {length} rows.")
            return self._finish(self.data[self.start + int(key) % length])
        if isinstance(key, tuple | str | bytes) or not hasattr(key, "__len__"):
            raise TypeError(
                "HDF5Matrix indices must be an int, a slice, a list or a 1-D array of ints or "
                f"bools; received {type(key).__name__}."
            )
        indices = np.asarray(key)
        if indices.dtype == np.bool_:
            if indices.shape != (length,):
                raise IndexError(
                    f"HDF5Matrix: a boolean index must have shape ({length},); received "
                    f"{indices.shape}."
                )
            indices = np.flatnonzero(indices)
        if indices.size == 0:
            indices = indices.astype(np.int64)
        if indices.ndim != 1 or not np.issubdtype(indices.dtype, np.integer):
            raise TypeError(
                "HDF5Matrix indices must be a list or a 1-D array of ints; received an array of "
                f"dtype {indices.dtype} and shape {indices.shape}."
            )
        bad = (indices < -length) | (indices >= length)
        if np.any(bad):
            raise IndexError(
                f"HDF5Matrix: index {indices[bad][0]} is out of range for {length} rows."
            )
        return self._finish(self._read_rows(np.where(indices < 0, indices + length, indices)))

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the view: `(end - start,)` followed by the (normalized) row shape."""
        return (len(self),) + tuple(self._base_shape)

    @property
    def dtype(self) -> np.dtype:
        """Data type of the (normalized) values."""
        return self._base_dtype

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self.shape)

    @property
    def size(self) -> int:
        """Total number of elements in the view."""
        return int(np.prod(self.shape))


def ask_to_proceed_with_overwrite(filepath) -> bool:
    """Asks on the terminal whether to overwrite `filepath`; True for "y", False for "n"
    (asked again until one of them is given)."""
    answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n] ").strip().lower()
    while answer not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel). ').strip().lower()
    return answer == "y"
