"""`H5Dict` (Keras 2.2's `keras.utils.io_utils.H5Dict`, also `keras.utils.h5dict`): a
dict-like view of an HDF5 group, or of a plain dict, where arrays become datasets,
other values attributes and missing keys new groups.

Reading follows the safe rules of kerasfront's HDF5 readers: links to other files,
virtual datasets and datasets stored in external files are refused.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np


def _import_h5py() -> Any:
    try:
        import h5py
    except ImportError as error:
        raise ImportError(
            "H5Dict needs h5py, which is not installed. Install it with `pip install h5py`."
        ) from error
    return h5py


__all__ = ["H5Dict", "h5dict"]


class H5Dict:
    """A dict-like view of an HDF5 file or group (or of a dict).

    Args:
        path: a file path (opened with `mode`), an `h5py.Group` / `h5py.File`, or a dict
            (kept in memory, as Keras 2 allowed).
        mode: h5py's file mode: "r" (read only), "a", "w", ...

    Example:
        >>> with H5Dict("data.h5", mode="w") as store:
        ...     store["weights"] = np.zeros((2, 3))  # a dataset
        ...     store["name"] = "dense"  # an attribute
        ...     store["layer"]["bias"] = np.ones(3)  # a new group "layer", then a dataset
    """

    def __init__(self, path, mode="a"):
        self.read_only = mode == "r"
        self._is_file = False
        if isinstance(path, dict):
            if mode == "w":
                path.clear()
            self.data = path
            return
        h5py = _import_h5py()
        if isinstance(path, h5py.Group):
            self.data = path
        elif isinstance(path, (str, os.PathLike)):
            self.data = h5py.File(os.fspath(path), mode=mode)
            self._is_file = True
        else:
            raise TypeError(
                f"H5Dict: path must be a file path, an h5py Group or a dict, received "
                f"{type(path).__name__}."
            )

    def _in_memory(self) -> bool:
        return isinstance(self.data, dict)

    def __setitem__(self, key, value) -> None:
        if self.read_only:
            raise ValueError(f"H5Dict: cannot set {key!r}: opened read only (mode='r').")
        if self._in_memory():
            self.data[key] = value
            return
        if key in self.data:
            raise KeyError(f"H5Dict: cannot set {key!r}: a group or dataset of that name exists.")
        if isinstance(value, (np.ndarray, np.generic)):
            self.data.create_dataset(key, data=value)
        elif isinstance(value, (list, tuple)) and value and isinstance(value[0], str):
            self.data.attrs[key] = [item.encode("utf-8") for item in value]
        else:
            self.data.attrs[key] = value

    def _member(self, key):
        """The group or dataset `key`, checked as kerasfront's HDF5 readers check them."""
        h5py = _import_h5py()
        link = self.data.get(key, getlink=True)
        if isinstance(link, h5py.ExternalLink):
            raise ValueError(
                f"H5Dict: {key!r} is an external link to {link.filename!r}; links to other "
                "files are refused for safety."
            )
        member = self.data[key]
        if isinstance(member, h5py.Dataset):
            if member.is_virtual or member.external:
                raise ValueError(
                    f"H5Dict: dataset {key!r} keeps its data in other files; refused for safety."
                )
            return np.asarray(member)
        return H5Dict(member, mode="r" if self.read_only else "a")

    def __getitem__(self, key):
        if self._in_memory():
            if key not in self.data:
                if self.read_only:
                    raise KeyError(f"H5Dict: no {key!r} (read only, so no group is created).")
                self.data[key] = {}
            value = self.data[key]
            return H5Dict(value) if isinstance(value, dict) else value
        if key in self.data.attrs:
            value = self.data.attrs[key]
            if isinstance(value, np.ndarray) and value.dtype.kind in "SO":  # strings
                return [v.decode("utf-8") if isinstance(v, bytes) else v for v in value.tolist()]
            return value.decode("utf-8") if isinstance(value, bytes) else value
        if key in self.data:
            return self._member(key)
        if self.read_only:
            raise KeyError(f"H5Dict: no {key!r} (read only, so no group is created).")
        return H5Dict(self.data.create_group(key))

    def __contains__(self, key) -> bool:
        if self._in_memory():
            return key in self.data
        return key in self.data or key in self.data.attrs

    def get(self, key, default=None):
        return self[key] if key in self else default

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self):
        return iter(self.data)

    def iter(self):
        return iter(self.data)

    def close(self) -> None:
        """Flushes the file; closes it when this H5Dict opened it."""
        if self._in_memory():
            return
        self.data.file.flush()
        if self._is_file:
            self.data.close()

    def __enter__(self) -> H5Dict:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


h5dict = H5Dict
