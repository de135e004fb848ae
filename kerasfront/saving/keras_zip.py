"""The `.keras` file: a zip holding `config.json` (`{"class_name", "config",
"compile_config"}`), `metadata.json` (versions, date) and `model.weights.h5` (the
`model_weights` and `optimizer_weights` groups in Keras 2's HDF5 layout).

A zip from anyone may hold members whose names climb out of a folder, the same name
twice, or a few bytes that inflate to gigabytes. Only the three expected members are
read, and each is checked before reading: no path tricks, no duplicates, at most
`MAX_EXPANSION` times its compressed size and `MAX_MEMBER_BYTES` in all.

Integrity: the zip keeps a CRC-32 of each member and every weight array inside
`model.weights.h5` has its own checksum. When the weights member fails the zip's check,
its bytes are read anyway (never loaded) to name the layer and weight that changed.
"""

from __future__ import annotations

import datetime
import io
import json
import struct
import zipfile
import zlib

from kerasfront import __version__
from kerasfront.saving import legacy_h5, safe_h5, weights_h5
from kerasfront.saving.atomic import atomic_path

CONFIG_MEMBER = "config.json"
METADATA_MEMBER = "metadata.json"
WEIGHTS_MEMBER = "model.weights.h5"
MAX_EXPANSION = 100
MAX_MEMBER_BYTES = {CONFIG_MEMBER: 256 << 20, METADATA_MEMBER: 1 << 20, WEIGHTS_MEMBER: 64 << 30}
# Members smaller than this are not held to the expansion ratio (a small JSON of
# repeated text compresses far better than 100x, harmlessly).
SMALL_MEMBER_BYTES = 1 << 20


def save(model, filepath: str, model_config: dict, compile_config, include_optimizer) -> None:
    """Writes the `.keras` zip atomically."""
    h5py = safe_h5.import_h5py()
    weights_buffer = io.BytesIO()
    with h5py.File(weights_buffer, "w", libver=weights_h5.LIBVER) as handle:
        legacy_h5.write_weights(handle, model, include_optimizer and compile_config is not None)
    config_document = {**model_config, "compile_config": compile_config}
    metadata = {
        "keras_version": weights_h5.KERAS_VERSION_ATTRIBUTE,
        "kerasfront_version": __version__,
        "backend": weights_h5._backend_name(),
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
    }
    with atomic_path(filepath) as temporary:
        with zipfile.ZipFile(temporary, "w") as archive:
            archive.writestr(
                CONFIG_MEMBER,
                legacy_h5.to_json_string(config_document, "model.save"),
                compress_type=zipfile.ZIP_DEFLATED,
            )
            archive.writestr(
                METADATA_MEMBER, json.dumps(metadata), compress_type=zipfile.ZIP_DEFLATED
            )
            archive.writestr(WEIGHTS_MEMBER, weights_buffer.getvalue())


def _check_members(archive: zipfile.ZipFile, where: str) -> dict:
    """Name -> ZipInfo for the expected members, after checking every member's name."""
    seen, expected = set(), {}
    for info in archive.infolist():
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
            raise safe_h5.UnsafeFileError(
                f"{where}: member {name!r} has a path that escapes the archive; refused."
            )
        if name in seen:
            raise safe_h5.UnsafeFileError(f"{where}: member {name!r} appears twice; refused.")
        seen.add(name)
        if name in MAX_MEMBER_BYTES:
            expected[name] = info
    return expected


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, filepath: str | None = None
) -> bytes:
    here = f"{where}: member {info.filename!r}"
    limit = MAX_MEMBER_BYTES[info.filename]
    if info.file_size > limit:
        raise safe_h5.UnsafeFileError(
            f"{here} declares {info.file_size} bytes, over the {limit}-byte limit; refused."
        )
    if info.file_size > SMALL_MEMBER_BYTES and info.file_size > MAX_EXPANSION * max(
        info.compress_size, 1
    ):
        raise safe_h5.UnsafeFileError(
            f"{here} expands from {info.compress_size} to {info.file_size} bytes (more than "
            f"{MAX_EXPANSION}x); refused."
        )
    try:
        with archive.open(info) as member:
            # Reads one byte past the declared size: a member that inflates beyond what
            # its header says is refused instead of read to the end.
            data = member.read(info.file_size + 1)
    except _ZIP_READ_ERRORS as error:
        if info.filename == WEIGHTS_MEMBER and filepath is not None:
            _locate_damaged_weight(filepath, info, where)
        raise ValueError(f"{here} cannot be read (truncated or corrupt file): {error}") from None
    if len(data) != info.file_size:
        raise ValueError(
            f"{here} holds {len(data)} bytes, its header says {info.file_size}; corrupt file."
        )
    return data


# What zipfile raises for a damaged archive (a changed version or method field gives
# NotImplementedError).
_ZIP_READ_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    struct.error,
    zlib.error,
)
_LOCAL_HEADER = struct.Struct("<4s5H3L2H")


def _raw_member_bytes(filepath: str, info: zipfile.ZipInfo) -> bytes | None:
    """The member's bytes without the zip's CRC check (None when they cannot be had)."""
    try:
        with open(filepath, "rb") as handle:
            handle.seek(info.header_offset)
            header = handle.read(_LOCAL_HEADER.size)
            if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
                return None
            fields = _LOCAL_HEADER.unpack(header)
            handle.seek(fields[-2] + fields[-1], 1)  # past the name and the extra field
            stored = handle.read(info.compress_size)
    except OSError:
        return None
    if info.compress_type == zipfile.ZIP_STORED:
        return stored
    if info.compress_type == zipfile.ZIP_DEFLATED:
        try:
            return zlib.decompressobj(-15).decompress(stored, info.file_size + 1)
        except zlib.error:
            return None
    return None


def _locate_damaged_weight(filepath: str, info: zipfile.ZipInfo, where: str) -> None:
    """Raises the error of the first weight array whose checksum fails, when the
    weights member's bytes can be read; returns when no array is found damaged."""
    data = _raw_member_bytes(filepath, info)
    if data is None:
        return
    weights_where = f"{where}, {WEIGHTS_MEMBER}"
    try:
        with safe_h5.import_h5py().File(io.BytesIO(data), "r") as handle:
            weights_group, optimizer_group = legacy_h5.weight_groups(handle, weights_where)
            weights_h5.verify_checksums(weights_group, optimizer_group, weights_where)
    except safe_h5.ChecksumError:
        raise
    except safe_h5.H5_READ_ERRORS:
        return  # the damage is in the HDF5 structure: the caller's error says enough


def read(filepath: str, where: str) -> dict:
    """`{"config": ..., "metadata": ..., "weights": bytes or None}` of a `.keras` file."""
    try:
        archive = zipfile.ZipFile(filepath, "r")
    except _ZIP_READ_ERRORS as error:
        raise ValueError(
            f"{where} is not a readable .keras file (a zip archive): {error}"
        ) from None
    with archive:
        members = _check_members(archive, where)
        if CONFIG_MEMBER not in members:
            raise ValueError(f"{where}: the archive has no {CONFIG_MEMBER!r}.")
        documents = {}
        for name in (CONFIG_MEMBER, METADATA_MEMBER):
            if name not in members:
                documents[name] = {}
                continue
            text = _read_member(archive, members[name], where)
            try:
                documents[name] = json.loads(text)
            except (UnicodeDecodeError, ValueError) as error:
                raise ValueError(f"{where}: member {name!r} is not valid JSON: {error}") from None
        weights = None
        if WEIGHTS_MEMBER in members:
            weights = _read_member(archive, members[WEIGHTS_MEMBER], where, filepath)
    return {
        "config": documents[CONFIG_MEMBER],
        "metadata": documents[METADATA_MEMBER],
        "weights": weights,
    }


def is_zip(filepath: str) -> bool:
    """Whether `filepath` is (or starts as) a zip archive: a truncated `.keras` file has
    lost its central directory but is still reported as a damaged zip, not as a file
    of another format."""
    try:
        with open(filepath, "rb") as handle:
            if handle.read(4) == b"PK\x03\x04":
                return True
        return zipfile.is_zipfile(filepath)
    except OSError:
        return False


__all__ = ["is_zip", "read", "save"]
