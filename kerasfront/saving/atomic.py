"""Crash-safe file writes: write a temporary file next to the target, flush and fsync it,
then rename it over the target.

A rename within one directory is atomic on POSIX and Windows (`os.replace`), so a reader
sees either the previous file or the complete new one, never a half-written file, even
when the process is killed mid-save. The temporary file lives in the target's directory
because a rename across file systems is a copy, which is not atomic.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator


def _ask_to_overwrite(filepath: str) -> bool:
    """Keras 2 asks before overwriting when `overwrite=False`. Without a terminal to ask
    on, refusing is the only answer that cannot destroy data."""
    if not sys.stdin or not sys.stdin.isatty():
        raise FileExistsError(
            f"{filepath!r} exists and overwrite=False; pass overwrite=True to replace it, "
            "or choose another path."
        )
    answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n] ").strip().lower()
    while answer not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel). ').strip().lower()
    return answer == "y"


def may_write(filepath: str, overwrite: bool) -> bool:
    """Whether a save to `filepath` should go ahead (False when the user declined)."""
    if overwrite or not os.path.exists(filepath):
        return True
    return _ask_to_overwrite(filepath)


def _fsync_directory(directory: str) -> None:
    # Makes the rename itself durable; not every platform can open a directory.
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


@contextlib.contextmanager
def atomic_path(filepath: str | os.PathLike) -> Iterator[str]:
    """Yields a temporary path to write; on success it replaces `filepath` atomically.

    If the body raises (or the process dies), `filepath` is left as it was and the
    temporary file is removed (when the process survives to do so).

    Example:
        >>> with atomic_path("model.h5") as temporary:
        ...     write_everything_to(temporary)
    """
    filepath = os.fspath(filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        prefix=f".{os.path.basename(filepath)}.", suffix=".tmp", dir=directory
    )
    os.close(handle)
    try:
        yield temporary
        with open(temporary, "rb+") as written:
            written.flush()
            os.fsync(written.fileno())
        os.replace(temporary, filepath)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
    _fsync_directory(directory)


def write_bytes_atomically(filepath: str | os.PathLike, data: bytes) -> None:
    """Writes `data` to `filepath` through `atomic_path`."""
    with atomic_path(filepath) as temporary, open(temporary, "wb") as handle:
        handle.write(data)


__all__ = ["atomic_path", "may_write", "write_bytes_atomically"]
