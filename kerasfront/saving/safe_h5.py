"""Reading HDF5 files that may come from anyone.

HDF5 can make a file read other files (external links, external datasets, virtual
datasets), declare a huge array that is stored in a few bytes (a compressed or never
written dataset), or link groups into loops. A weights file needs none of that, so every
object is reached link by link from a known group, and anything but plain hard links and
plain datasets of numbers is refused with an error that names the file part and why.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

# A dataset may declare at most this many times the bytes it stores (compression of
# weights is rare and modest; a larger ratio is a decompression bomb)...
MAX_EXPANSION = 100
# ...unless it is small anyway.
SMALL_DATASET_BYTES = 1 << 20
# Checksum of a weight array, written by kerasfront and checked when present.
CHECKSUM_ATTRIBUTE = "kerasfront_crc32"


# What h5py raises when the file's structure is damaged (HDF5's own checksums of its
# metadata fail, an object header is garbage): reported as a corrupt file.
H5_READ_ERRORS = (OSError, KeyError, RuntimeError, TypeError, ValueError)


class UnsafeFileError(ValueError):
    """A file part that loading refuses (a link out of the file, a virtual dataset...)."""


class ChecksumError(ValueError):
    """A weight array whose bytes differ from the checksum written with them."""


def import_h5py() -> Any:
    try:
        import h5py
    except ImportError as error:
        raise ImportError(
            "Saving and loading HDF5 files (.h5, .keras) needs h5py, which is not installed. "
            "Install it with `pip install h5py`."
        ) from error
    return h5py


def open_file(source, description: str):
    """Opens `source` (a path or a binary file object) for reading, with a clear error
    for what is not an HDF5 file."""
    h5py = import_h5py()
    try:
        return h5py.File(source, "r")
    except (OSError, ValueError) as error:
        raise ValueError(
            f"{description} is not a readable HDF5 file (truncated, corrupt, or another "
            f"format): {error}"
        ) from None


def child(group, path: str, where: str, scope: str | None = None):
    """`group[path]`, reached one link at a time.

    External links are refused. A soft link is followed only when it points to a dataset
    inside `scope` (a group name such as "/model_weights"; default: `group` itself), so
    it can neither leave the part of the file being read nor form a loop through groups.
    """
    h5py = import_h5py()
    scope = scope or group.name
    node = group
    for part in [p for p in path.split("/") if p]:
        here = f"{where}: '{node.name.rstrip('/')}/{part}'"
        try:
            link = node.get(part, getlink=True)
        except H5_READ_ERRORS as error:
            raise ValueError(f"{here} cannot be read (corrupt file): {error}") from None
        if link is None:
            raise ValueError(f"{here} does not exist in the file.")
        if isinstance(link, h5py.ExternalLink):
            raise UnsafeFileError(
                f"{here} is an external link to {link.filename!r}:{link.path!r}; links to "
                "other files are refused."
            )
        if isinstance(link, h5py.SoftLink):
            node = _follow_soft_link(h5py, node, part, link, here, scope)
            continue
        try:
            node = node[part]
        except H5_READ_ERRORS as error:
            raise ValueError(f"{here} cannot be read (corrupt file?): {error}") from None
    return node


def _follow_soft_link(h5py, node, part, link, here: str, scope: str):
    target = link.path if link.path.startswith("/") else f"{node.name.rstrip('/')}/{link.path}"
    inside = target == scope or target.startswith(scope.rstrip("/") + "/")
    if not inside:
        raise UnsafeFileError(
            f"{here} is a soft link to {link.path!r}, outside {scope!r}; refused."
        )
    # Each hop of a chain must be another plain soft link inside the scope; a chain
    # longer than the file can hold is a loop.
    try:
        resolved = node.get(part)
    except (RuntimeError, OSError, KeyError) as error:  # HDF5 reports loops this way
        raise UnsafeFileError(f"{here} is a soft link that cannot be resolved: {error}") from None
    if resolved is None:
        raise UnsafeFileError(f"{here} is a dangling soft link to {link.path!r}.")
    if not isinstance(resolved, h5py.Dataset):
        raise UnsafeFileError(
            f"{here} is a soft link to the group {link.path!r}; only soft links to datasets "
            "are followed (group links can form loops)."
        )
    return resolved


def check_dataset(dataset, where: str) -> None:
    """Refuses datasets whose data is elsewhere or far smaller than they declare."""
    here = f"{where}: dataset '{dataset.name}'"
    if dataset.is_virtual:
        raise UnsafeFileError(f"{here} is a virtual dataset (reads other files); refused.")
    if dataset.external:
        raise UnsafeFileError(
            f"{here} stores its data in external files {dataset.external!r}; refused."
        )
    if dataset.dtype.kind not in "biuf":
        raise UnsafeFileError(
            f"{here} holds {dataset.dtype} values; weights are arrays of numbers."
        )
    declared = int(np.prod(dataset.shape, dtype=np.float64)) * dataset.dtype.itemsize
    stored = dataset.id.get_storage_size()
    if declared > SMALL_DATASET_BYTES and declared > MAX_EXPANSION * stored:
        raise UnsafeFileError(
            f"{here} declares shape {dataset.shape} ({declared} bytes) but stores only "
            f"{stored} bytes; refused (more than {MAX_EXPANSION}x expansion)."
        )


def read_array(dataset, where: str) -> np.ndarray:
    """The dataset's values after `check_dataset`, its checksum verified when present."""
    try:
        check_dataset(dataset, where)
    except UnsafeFileError:
        raise
    except H5_READ_ERRORS as error:
        raise ValueError(
            f"{where}: dataset '{dataset.name}' cannot be read (corrupt file): {error}"
        ) from None
    try:
        value = np.asarray(dataset[()])
    except (OSError, ValueError, RuntimeError) as error:
        raise ValueError(
            f"{where}: dataset '{dataset.name}' cannot be read (truncated or corrupt file): {error}"
        ) from None
    try:
        expected = dataset.attrs.get(CHECKSUM_ATTRIBUTE)
    except H5_READ_ERRORS as error:
        raise ValueError(
            f"{where}: the checksum of dataset '{dataset.name}' cannot be read (corrupt "
            f"file): {error}"
        ) from None
    if expected is not None:
        computed = checksum(value)
        if int(expected) != computed:
            raise ChecksumError(
                f"{where}: dataset '{dataset.name}' fails its checksum (CRC32 stored "
                f"{int(expected):#010x}, computed {computed:#010x}): the file is corrupt (a "
                "changed byte); no weight was loaded from it."
            )
    return value


def checksum(array: np.ndarray) -> int:
    """CRC32 of the array's bytes in C order (what `write_array` stores)."""
    return zlib.crc32(np.ascontiguousarray(array).tobytes()) & 0xFFFFFFFF


def write_array(group, name: str, value: np.ndarray):
    """Writes a dataset with its checksum (intermediate groups made for names with '/')."""
    value = np.asarray(value)
    dataset = group.create_dataset(name, data=value)
    dataset.attrs[CHECKSUM_ATTRIBUTE] = np.uint32(checksum(value))
    return dataset


def _decode(value) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf8")
    if isinstance(value, np.ndarray):
        return [_decode(item) for item in value.tolist()]
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def read_attribute(group, name: str, where: str, default=None):
    """An attribute, decoded from bytes; Keras 2 splits long lists into `name0`,
    `name1`, ... (an attribute holds at most 64 KiB), which are joined back."""
    try:
        if name in group.attrs:
            return _decode(group.attrs[name])
        if f"{name}0" in group.attrs:
            joined, index = [], 0
            while f"{name}{index}" in group.attrs:
                joined.extend(_decode(group.attrs[f"{name}{index}"]))
                index += 1
            return joined
    except H5_READ_ERRORS as error:
        raise ValueError(f"{where}: attribute {name!r} cannot be read: {error}") from None
    return default


def write_string_list(group, name: str, values: list[str]) -> None:
    """A list of strings as Keras 2 stores it (bytes), split in chunks under 64 KiB."""
    encoded = np.array([v.encode("utf8") for v in values])
    if encoded.nbytes < 60_000:
        group.attrs[name] = encoded
        return
    chunks = int(np.ceil(encoded.nbytes / 60_000))
    for index, chunk in enumerate(np.array_split(encoded, chunks)):
        group.attrs[f"{name}{index}"] = chunk


__all__ = [
    "ChecksumError",
    "H5_READ_ERRORS",
    "UnsafeFileError",
    "check_dataset",
    "child",
    "import_h5py",
    "open_file",
    "read_array",
    "read_attribute",
    "write_array",
    "write_string_list",
]
