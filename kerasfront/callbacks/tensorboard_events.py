"""TensorBoard event files written without TensorFlow: TFRecord framing and the few
protocol-buffer messages TensorBoard reads (`Event`, `Summary`, `HistogramProto`,
`TensorProto` for a string).

A file is a sequence of records; each record is
`length (uint64 LE) | masked CRC32C of those 8 bytes (uint32 LE) | data | masked CRC32C
of data (uint32 LE)`, and each record's data is one serialized `Event`. The first event
carries only `file_version = "brain.Event:2"`.
"""

from __future__ import annotations

import os
import socket
import struct
import time

import numpy as np

# ---- CRC32C (Castagnoli), reflected polynomial 0x82F63B78 --------------------------------


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc_table()


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TFRecord's mask: rotate right by 15 bits, add a constant (mod 2**32). It keeps a CRC
    stored inside CRC-checked data from being a weak spot."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def tfrecord(data: bytes) -> bytes:
    length = struct.pack("<Q", len(data))
    return (
        length
        + struct.pack("<I", masked_crc32c(length))
        + data
        + struct.pack("<I", masked_crc32c(data))
    )


# ---- protocol-buffer wire format ---------------------------------------------------------

_VARINT, _FIXED64, _BYTES, _FIXED32 = 0, 1, 2, 5


def _varint(value: int) -> bytes:
    if value < 0:  # int64 negatives are ten-byte two's complement varints
        value += 1 << 64
    out = bytearray()
    while True:
        bits = value & 0x7F
        value >>= 7
        if value:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _varint(field << 3 | wire_type)


def field_varint(field: int, value: int) -> bytes:
    return _key(field, _VARINT) + _varint(int(value))


def field_double(field: int, value: float) -> bytes:
    return _key(field, _FIXED64) + struct.pack("<d", float(value))


def field_float(field: int, value: float) -> bytes:
    return _key(field, _FIXED32) + struct.pack("<f", float(value))


def field_bytes(field: int, value: bytes | str) -> bytes:
    if isinstance(value, str):
        value = value.encode("utf-8")
    return _key(field, _BYTES) + _varint(len(value)) + value


def field_packed_doubles(field: int, values) -> bytes:
    return field_bytes(field, np.asarray(values, dtype="<f8").tobytes())


# ---- messages (field numbers from TensorFlow's event.proto, summary.proto, tensor.proto) --


def event(
    wall_time: float, step: int, summary: bytes | None = None, file_version: str | None = None
) -> bytes:
    """`Event`: wall_time (1, double), step (2, int64), file_version (3, string),
    summary (5, Summary)."""
    out = field_double(1, wall_time) + field_varint(2, step)
    if file_version is not None:
        out += field_bytes(3, file_version)
    if summary is not None:
        out += field_bytes(5, summary)
    return out


def summary(*values: bytes) -> bytes:
    """`Summary`: repeated Value value (1)."""
    return b"".join(field_bytes(1, value) for value in values)


def scalar_value(tag: str, value: float) -> bytes:
    """`Summary.Value`: tag (1), simple_value (2, float)."""
    return field_bytes(1, tag) + field_float(2, value)


def histogram_value(tag: str, values, bucket_count: int = 30) -> bytes:
    """`Summary.Value` with histo (5): a `HistogramProto` of `values` in equal-width
    buckets: min (1), max (2), num (3), sum (4), sum_squares (5), bucket_limit (6, the
    right edges), bucket (7, the counts)."""
    values = np.asarray(values, dtype="float64").ravel()
    if values.size == 0:
        low = high = 0.0
        limits, counts = np.array([0.0]), np.array([0.0])
    else:
        low, high = float(values.min()), float(values.max())
        if low == high:
            limits, counts = np.array([high]), np.array([float(values.size)])
        else:
            counts, edges = np.histogram(values, bins=bucket_count, range=(low, high))
            limits = edges[1:]
    histogram = (
        field_double(1, low)
        + field_double(2, high)
        + field_double(3, values.size)
        + field_double(4, values.sum())
        + field_double(5, np.square(values).sum())
        + field_packed_doubles(6, limits)
        + field_packed_doubles(7, counts)
    )
    return field_bytes(1, tag) + field_bytes(5, histogram)


def string_tensor_value(tag: str, text: str, plugin_name: str, content: bytes) -> bytes:
    """`Summary.Value` with metadata (9) naming a plugin and tensor (8), a scalar
    `TensorProto` of dtype DT_STRING (7) holding `text` in string_val (8)."""
    plugin_data = field_bytes(1, plugin_name) + field_bytes(2, content)
    metadata = field_bytes(1, plugin_data)
    tensor = field_varint(1, 7) + field_bytes(2, b"") + field_bytes(8, text)
    return field_bytes(1, tag) + field_bytes(9, metadata) + field_bytes(8, tensor)


# ---- the writer --------------------------------------------------------------------------


class EventFileWriter:
    """Appends events to a new `events.out.tfevents.<time>.<host>.<pid>.<n>` file in
    `log_dir` (made if needed). Records are written straight to the file and flushed on
    `flush()`/`close()`."""

    _count = 0

    def __init__(self, log_dir: str):
        os.makedirs(log_dir, exist_ok=True)
        EventFileWriter._count += 1
        name = (
            f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}."
            f"{os.getpid()}.{EventFileWriter._count}"
        )
        self.path = os.path.join(log_dir, name)
        self._file = open(self.path, "wb")  # noqa: SIM115 - open for the writer's lifetime
        self._write(event(time.time(), 0, file_version="brain.Event:2"))

    def _write(self, data: bytes) -> None:
        self._file.write(tfrecord(data))

    def add_summary(self, values: list[bytes], step: int) -> None:
        if values:
            self._write(event(time.time(), step, summary(*values)))

    def add_scalars(self, scalars: dict, step: int, prefix: str = "") -> None:
        self.add_summary(
            [scalar_value(prefix + name, float(value)) for name, value in scalars.items()], step
        )

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
