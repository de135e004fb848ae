"""Downloading, caching, verifying and unpacking data files (`get_file`); engine-free.

A download goes to a hidden temporary file next to its final name, is checked against the
expected hash, and only then renamed, so a cut or corrupt download never sits under the name a
later call would trust.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile
import zlib
from typing import Any

from kerasfront import config
from kerasfront.utils.enqueuers import GeneratorEnqueuer, OrderedEnqueuer, SequenceEnqueuer  # noqa: F401
from kerasfront.utils.sequence import Sequence  # noqa: F401 (Keras 2's module path)

# The function that opens a URL. Module-level so that tests (and users behind unusual proxies)
# can swap it; `file://` origins work with the default one.
urlopen = urllib.request.urlopen

DOWNLOAD_TIMEOUT = 60.0  # seconds without data before a stalled connection is given up
_CHUNK_SIZE = 1 << 16
_DRIVE = re.compile(r"^[A-Za-z]:")
_MAX_LINK_HOPS = 256  # bounds symlink resolution in hostile archives (loops, blow-ups)


class DownloadError(OSError):
    """A file could not be fetched from its origin (no network, HTTP error, cut connection)."""


def _resolve_algorithm(algorithm: str, file_hash: str | None = None) -> str:
    if algorithm == "auto":
        # A sha256 digest is 64 hex characters; everything else is taken as legacy md5.
        return "sha256" if file_hash is not None and len(str(file_hash)) == 64 else "md5"
    if algorithm not in ("sha256", "md5"):
        raise ValueError(
            f"hash_algorithm must be one of 'auto', 'sha256', 'md5', received {algorithm!r}."
        )
    return algorithm


def hash_file(fpath: str | os.PathLike, algorithm: Any = "sha256", chunk_size: int = 65535) -> str:
    """Computes the hex digest of a file, reading it in chunks.

    Args:
        fpath: The file to hash.
        algorithm: `'sha256'` (default), `'md5'`, `'auto'` (taken as sha256 here), or a
            `hashlib` hash object to feed.
        chunk_size: Bytes read at a time, so large files are never held in memory whole.

    Returns:
        The lowercase hex digest.
    """
    if isinstance(algorithm, str):
        name = "sha256" if algorithm == "auto" else _resolve_algorithm(algorithm)
        hasher = hashlib.new(name)
    else:
        hasher = algorithm
    with open(fpath, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(
    fpath: str | os.PathLike, file_hash: str, algorithm: str = "auto", chunk_size: int = 65535
) -> bool:
    """Whether a file's sha256 or md5 digest equals `file_hash`.

    Args:
        fpath: The file to check.
        file_hash: The expected hex digest.
        algorithm: `'sha256'`, `'md5'` or `'auto'` (sha256 for a 64-character hash, else md5).
        chunk_size: Bytes read at a time.

    Returns:
        True when the digests match (case-insensitive), False otherwise.
    """
    name = _resolve_algorithm(algorithm, file_hash)
    return hash_file(fpath, name, chunk_size) == str(file_hash).strip().lower()


def _cache_folder(cache_dir: str | os.PathLike | None, cache_subdir: str | os.PathLike) -> str:
    base = os.path.expanduser(os.fspath(cache_dir)) if cache_dir else str(config.keras_home())
    folder = os.path.join(base, os.fspath(cache_subdir))
    try:
        os.makedirs(folder, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    fallback = os.path.join(tempfile.gettempdir(), ".keras", os.fspath(cache_subdir))
    warnings.warn(
        f"The cache folder {folder} is not writable; using {fallback} instead.", stacklevel=3
    )
    os.makedirs(fallback, exist_ok=True)
    return fallback


def _download_error(origin: str, fpath: str, reason: str, file_hash: str | None, algorithm: str):
    checksum = f" (its {algorithm} hash must be {file_hash})" if file_hash else ""
    return DownloadError(
        f"Could not download {origin} to {fpath}: {reason}. If this machine has no internet "
        f"access, fetch the file elsewhere and place it at {fpath} by hand{checksum}; it will "
        "be used from there."
    )


def _download(origin: str, fpath: str, file_hash: str | None, algorithm: str) -> None:
    """Fetches `origin` into `fpath` through a verified temporary file in the same folder."""
    folder, name = os.path.split(fpath)
    handle, partial = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            try:
                with urlopen(origin, timeout=DOWNLOAD_TIMEOUT) as response:
                    declared = response.headers.get("Content-Length")
                    received = 0
                    for chunk in iter(lambda: response.read(_CHUNK_SIZE), b""):
                        out.write(chunk)
                        received += len(chunk)
            except (OSError, ValueError, http.client.HTTPException) as error:
                # URLError/HTTPError/timeouts are OSErrors (so is a full disk, whose message
                # says so); ValueError is an unknown URL scheme.
                raise _download_error(origin, fpath, str(error), file_hash, algorithm) from error
            if declared is not None and declared.strip().isdigit() and received < int(declared):
                reason = f"received {received} of {int(declared)} bytes"
                raise _download_error(origin, fpath, reason, file_hash, algorithm)
            out.flush()
            os.fsync(out.fileno())
        if file_hash is not None:
            actual = hash_file(partial, algorithm)
            if actual != str(file_hash).strip().lower():
                raise ValueError(
                    f"The file downloaded from {origin} for {fpath} is incomplete or corrupted: "
                    f"expected {algorithm} hash {file_hash}, received {actual}. Nothing was "
                    "saved; try again, or check the `file_hash` argument."
                )
        os.replace(partial, fpath)
    except BaseException:
        # Never leave a partial file behind, whatever went wrong (Ctrl-C included).
        try:
            os.remove(partial)
        except FileNotFoundError:
            pass
        raise


def _resolve(parts: list[str], links: dict[str, str], budget: list[int]) -> list[str] | None:
    """Resolves archive-relative path parts, following the archive's own symlinks.

    Returns the resolved parts, or None when the path leaves the extraction root. Resolution is
    done on the archive's table of contents, not on disk, so it happens before anything is written.
    """
    done: list[str] = []
    for part in parts:
        if part in ("", "."):
            continue
        if part == "..":
            if not done:
                return None
            done.pop()
            continue
        done.append(part)
        target = links.get("/".join(done))
        if target is None:
            continue
        budget[0] -= 1
        if budget[0] < 0 or _is_absolute(target):
            return None
        resolved = _resolve(done[:-1] + target.split("/"), links, budget)
        if resolved is None:
            return None
        done = resolved
    return done


def _split(name: str) -> list[str]:
    return [part for part in name.replace("\\", "/").split("/") if part not in ("", ".")]


def _is_absolute(name: str) -> bool:
    return name.startswith(("/", "\\")) or bool(_DRIVE.match(name))


def _refuse(archive_path: str, member: str, why: str) -> ValueError:
    return ValueError(
        f"Refusing to extract {archive_path}: member {member!r} {why}. Nothing was extracted."
    )


def _check_tar(archive: tarfile.TarFile, archive_path: str) -> None:
    # Symlinks seen so far, keyed by where they really land, so that later members written
    # through them are resolved the way the file system will resolve them.
    links: dict[str, str] = {}
    budget = [_MAX_LINK_HOPS]
    outside = "would be written outside the target folder"
    for member in archive.getmembers():
        name, parts = member.name, _split(member.name)
        if _is_absolute(name) or ".." in parts:
            raise _refuse(archive_path, name, "has an absolute path or a '..' part")
        if not (member.isfile() or member.isdir() or member.issym() or member.islnk()):
            raise _refuse(archive_path, name, "is a device file or FIFO, not a file or folder")
        parent = _resolve(parts[:-1], links, budget)
        if parent is None:
            raise _refuse(archive_path, name, outside)
        if member.issym() or member.islnk():
            # A symlink's target is relative to its own folder, a hard link's to the root.
            target, base = member.linkname, parent if member.issym() else []
            if _is_absolute(target) or _resolve(base + target.split("/"), links, budget) is None:
                raise _refuse(archive_path, name, f"links to {target!r}, outside the target folder")
            if member.issym() and parts:
                links["/".join(parent + parts[-1:])] = target
        elif _resolve(parts, links, budget) is None:
            raise _refuse(archive_path, name, outside)


def _check_zip(archive: zipfile.ZipFile, archive_path: str) -> None:
    for name in archive.namelist():
        if _is_absolute(name) or _resolve(_split(name), {}, [0]) is None:
            raise _refuse(archive_path, name, "would be written outside the target folder")


def _archive_formats(archive_format: Any) -> list[str]:
    if archive_format is None:
        return []
    if archive_format == "auto":
        return ["tar", "zip"]
    formats = [archive_format] if isinstance(archive_format, str) else list(archive_format)
    for item in formats:
        if item not in ("tar", "zip"):
            raise ValueError(
                "archive_format must be 'auto', 'tar', 'zip', a list of those, or None; "
                f"received {archive_format!r}."
            )
    return formats


def _move_into(staging: str, target: str) -> None:
    for entry in os.listdir(staging):
        destination = os.path.join(target, entry)
        if os.path.isdir(destination) and not os.path.islink(destination):
            shutil.rmtree(destination)
        elif os.path.lexists(destination):
            os.remove(destination)
        os.replace(os.path.join(staging, entry), destination)


def _extract_archive(file_path: str, path: str, archive_format: Any = "auto") -> bool:
    """Extracts a tar (plain, gz, bz2, xz) or zip archive into `path`.

    Every member is checked before anything is written; extraction happens in a hidden staging
    folder inside `path` whose entries are moved into place only once all of it succeeded.

    Returns:
        True when the file matched one of the formats and was extracted, False otherwise.
    """
    for kind in _archive_formats(archive_format):
        opener, check = (
            (tarfile.open, _check_tar) if kind == "tar" else (zipfile.ZipFile, _check_zip)
        )
        staging = None
        try:
            # Probing can itself fail on a truncated compressed file: that is corruption too.
            if not (tarfile.is_tarfile if kind == "tar" else zipfile.is_zipfile)(file_path):
                continue
            with opener(file_path) as archive:
                check(archive, file_path)
                staging = tempfile.mkdtemp(dir=path, prefix=".extract-")
                if kind == "tar" and hasattr(tarfile, "data_filter"):
                    archive.extractall(staging, filter="data")  # the stdlib's guard, as a backup
                else:
                    archive.extractall(staging)
            _move_into(staging, path)
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, zlib.error) as error:
            raise ValueError(
                f"The archive {file_path} is corrupt or truncated ({error}). Delete it and call "
                "again to download a fresh copy."
            ) from error
        finally:
            if staging is not None and os.path.exists(staging):
                shutil.rmtree(staging, ignore_errors=True)
        return True
    return False


# ---------------------------------------------------------------------------------------------
# get_file


def get_file(
    fname: str | os.PathLike | None = None,
    origin: str | None = None,
    untar: bool = False,
    md5_hash: str | None = None,
    file_hash: str | None = None,
    cache_subdir: str | os.PathLike = "datasets",
    hash_algorithm: str = "auto",
    extract: bool = False,
    archive_format: Any = "auto",
    cache_dir: str | os.PathLike | None = None,
) -> str:
    """Returns the local path of a file, downloading it from `origin` unless a good copy is cached.

    The file is stored as `<cache_dir>/<cache_subdir>/<fname>`; `cache_dir` defaults to
    `$KERAS_HOME` (or `~/.keras`), and a temporary folder is used when that is not writable.
    With a `file_hash`, a cached file whose digest differs is downloaded again, and a download
    whose digest differs is discarded with a `ValueError`.

    Args:
        fname: File name in the cache; an absolute path is used as is. Defaults to the last
            part of the `origin` URL.
        origin: URL of the file (`https://`, `http://`, `ftp://` or `file://`).
        untar: Legacy: the file is a `.tar.gz`; store it as `<fname>.tar.gz`, extract it next
            to itself once, and return the path `<fname>` of the extracted folder.
        md5_hash: Legacy: an md5 digest to check, used when `file_hash` is not given.
        file_hash: Expected sha256 or md5 digest of the file.
        cache_subdir: Folder under `cache_dir`; an absolute path is used as is.
        hash_algorithm: `'sha256'`, `'md5'` or `'auto'` (sha256 for a 64-character hash).
        extract: Extract the file (tar or zip) into its folder on every call.
        archive_format: `'auto'` (tar then zip), `'tar'`, `'zip'`, a list of those, or None.
        cache_dir: Base cache folder instead of `$KERAS_HOME`.

    Returns:
        The path of the file (or of the extracted folder with `untar=True`).

    Raises:
        ValueError: No origin, a bad argument, a hash mismatch after download, or an archive
            that is corrupt or has members that would land outside the cache folder.
        DownloadError: The file is absent and could not be downloaded; the message names the
            URL and the path where the file can be placed by hand.

    Example:
        >>> path = get_file("data.csv", origin="file:///tmp/data.csv")  # doctest: +SKIP
    """
    if not origin:
        raise ValueError("get_file needs `origin`, the URL of the file to download; received None.")
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    algorithm = _resolve_algorithm(hash_algorithm, file_hash)
    if file_hash is not None:
        file_hash = str(file_hash).strip().lower()

    datadir = _cache_folder(cache_dir, cache_subdir)
    fname = os.fspath(fname) if fname is not None else ""
    if not fname:
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(
                f"Cannot tell a file name from origin={origin!r}; pass `fname` explicitly."
            )
    if untar:
        fname = fname[: -len(".tar.gz")] if fname.endswith(".tar.gz") else fname
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)

    download = not os.path.exists(fpath)
    if not download and file_hash is not None:
        actual = hash_file(fpath, algorithm)
        if actual != file_hash:
            print(
                f"The cached file {fpath} has {algorithm} hash {actual}, not the expected "
                f"{file_hash}; it looks incomplete or outdated, so it will be downloaded again."
            )
            download = True
    if download:
        os.makedirs(os.path.dirname(fpath) or ".", exist_ok=True)
        print(f"Downloading data from {origin}")
        _download(origin, fpath, file_hash, algorithm)

    if untar:
        # Re-extract after a fresh download so a stale folder is not paired with a new archive.
        if download or not os.path.exists(untar_fpath):
            if not _extract_archive(fpath, datadir, archive_format="tar"):
                raise ValueError(
                    f"{fpath} is not a tar archive (untar=True). Delete it and call again to "
                    "download a fresh copy."
                )
        return untar_fpath
    if extract:
        _extract_archive(fpath, datadir, archive_format)
    return fpath
