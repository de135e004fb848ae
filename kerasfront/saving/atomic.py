"""Crash-safe file writes: write a temporary file next to the target, flush and fsync it,
rename it over the target, then fsync the directory.

A rename within one directory is atomic on POSIX and Windows (`os.replace`), so a reader
sees either the previous file or the complete new one, never a half-written file, even
when the process is killed mid-save. The temporary file lives in the target's directory
because a rename across file systems is a copy, which is not atomic. The fsync of the
file before the rename keeps a power loss from leaving a renamed but empty file; the
fsync of the directory makes the rename itself durable.

A process killed mid-save cannot remove its temporary file. Its name carries the host
and process id of the writer (`.model.h5.<host>-<pid>.<random>.tmp`), so the next save
to the same target removes the temporaries of writers on this host that have died, and
never those of a save still running in another process.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import stat
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


def _host() -> str:
    # Only characters that cannot be confused with the name's separators.
    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:32] or "host"


def temporary_prefix(filepath: str) -> str:
    """The start of the name of every temporary file written for `filepath`."""
    return f".{os.path.basename(filepath)}."


def _writer_is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's process), or cannot tell: keep the file
    return True


def remove_stale_temporaries(filepath: str | os.PathLike) -> list[str]:
    """Removes the temporary files of earlier saves to `filepath` whose writer, a
    process on this host, no longer exists (killed mid-save). Returns their paths."""
    filepath = os.fspath(filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    pattern = re.compile(
        re.escape(temporary_prefix(filepath)) + re.escape(_host()) + r"-(\d+)\.[^/]*\.tmp\Z"
    )
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    removed = []
    for name in names:
        match = pattern.match(name)
        if match is None or _writer_is_alive(int(match.group(1))):
            continue
        path = os.path.join(directory, name)
        with contextlib.suppress(OSError):
            os.remove(path)
            removed.append(path)
    return removed


def _mode_for(filepath: str) -> int:
    """The permission bits `open(filepath, "w")` would leave on `filepath`."""
    with contextlib.suppress(OSError):
        return stat.S_IMODE(os.stat(filepath).st_mode)
    return 0o666 & ~_umask()


def _umask() -> int:
    with contextlib.suppress(OSError, ValueError, IndexError):
        with open("/proc/self/status") as status:  # Linux: read without changing it
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)  # elsewhere the only way to read it is to set it
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(filepath: str | os.PathLike) -> Iterator[str]:
    """Yields a temporary path to write; on success it replaces `filepath` atomically.

    If the body raises, `filepath` is left as it was and the temporary file is removed;
    if the process dies, `filepath` is left as it was too, and the next save to it
    removes the temporary file.

    Example:
        >>> with atomic_path("model.h5") as temporary:
        ...     write_everything_to(temporary)
    """
    filepath = os.fspath(filepath)
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    remove_stale_temporaries(filepath)
    handle, temporary = tempfile.mkstemp(
        prefix=f"{temporary_prefix(filepath)}{_host()}-{os.getpid()}.", suffix=".tmp", dir=directory
    )
    os.close(handle)
    # mkstemp makes the file private (0600); the saved file gets the permissions a plain
    # write would give it: those of the file it replaces, else the umask's default.
    os.chmod(temporary, _mode_for(filepath))
    try:
        yield temporary
        # fsync works on any descriptor of the file: the writer's own is closed by now.
        with open(temporary, "rb+") as written:
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


__all__ = [
    "atomic_path",
    "may_write",
    "remove_stale_temporaries",
    "temporary_prefix",
    "write_bytes_atomically",
]
