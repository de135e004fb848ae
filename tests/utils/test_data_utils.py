"""Tests for `kerasfront.utils.data_utils`: hashing, caching, downloading and safe extraction.

Downloads use `file://` origins or a patched `urlopen`; nothing here touches the network.
"""

import hashlib
import io
import pathlib
import tarfile
import urllib.error
import zipfile

import pytest

from kerasfront.utils import data_utils
from kerasfront.utils.data_utils import DownloadError, get_file, hash_file, validate_file


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Lets `file://` URLs through and fails every other one as an offline machine would."""
    real_urlopen = data_utils.urlopen

    def offline_urlopen(url, *args, **kwargs):
        if not str(url).startswith("file://"):
            raise urllib.error.URLError("network disabled in tests")
        return real_urlopen(url, *args, **kwargs)

    monkeypatch.setattr(data_utils, "urlopen", offline_urlopen)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


def write(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# ---------------------------------------------------------------------------------------------
# hashes


def test_hash_file_and_validate_file_sha256_and_md5(tmp_path):
    path = write(tmp_path / "f.bin", b"hello world")
    sha = hashlib.sha256(b"hello world").hexdigest()
    md5 = hashlib.md5(b"hello world").hexdigest()
    assert hash_file(path) == sha
    assert hash_file(path, "md5") == md5
    assert hash_file(path, hashlib.sha256(), chunk_size=3) == sha
    assert validate_file(path, sha) and validate_file(path, md5)  # 'auto' picks by length
    assert validate_file(path, sha.upper(), algorithm="sha256")
    assert not validate_file(path, md5, algorithm="sha256")
    assert not validate_file(path, "0" * 64)
    with pytest.raises(ValueError, match="hash_algorithm.*'sha1'"):
        validate_file(path, md5, algorithm="sha1")


# ---------------------------------------------------------------------------------------------
# get_file: download, cache, checksum


def test_downloads_from_file_origin_into_keras_home(tmp_path, cache):
    source = write(tmp_path / "src" / "data.txt", b"payload")
    sha = hashlib.sha256(b"payload").hexdigest()
    path = get_file(origin=source.as_uri(), file_hash=sha)
    assert path == str(cache / "datasets" / "data.txt")
    assert pathlib.Path(path).read_bytes() == b"payload"
    assert listing(cache / "datasets") == ["data.txt"]  # no temporary file left behind


def test_cache_dir_and_subdir_arguments(tmp_path):
    source = write(tmp_path / "src" / "a.txt", b"x")
    path = get_file("b.txt", source.as_uri(), cache_dir=tmp_path / "c", cache_subdir="sub")
    assert path == str(tmp_path / "c" / "sub" / "b.txt")


def test_cached_file_with_matching_hash_is_reused(cache, monkeypatch):
    target = write(cache / "datasets" / "kept.bin", b"cached")

    def fail(*args, **kwargs):
        raise AssertionError("must not download")

    monkeypatch.setattr(data_utils, "urlopen", fail)
    md5 = hashlib.md5(b"cached").hexdigest()
    assert get_file("kept.bin", "https://example.invalid/kept.bin", md5_hash=md5) == str(target)
    # Without a hash, an existing file is trusted as is.
    assert get_file("kept.bin", "https://example.invalid/kept.bin") == str(target)


def test_stale_cached_file_is_downloaded_again(tmp_path, cache, capsys):
    stale = write(cache / "datasets" / "d.bin", b"old, truncated")
    source = write(tmp_path / "src" / "d.bin", b"fresh contents")
    sha = hashlib.sha256(b"fresh contents").hexdigest()
    get_file("d.bin", source.as_uri(), file_hash=sha)
    assert stale.read_bytes() == b"fresh contents"
    assert "downloaded again" in capsys.readouterr().out


def test_checksum_mismatch_names_file_and_both_hashes_and_keeps_nothing(tmp_path, cache):
    source = write(tmp_path / "src" / "e.bin", b"tampered")
    expected = hashlib.sha256(b"genuine").hexdigest()
    actual = hashlib.sha256(b"tampered").hexdigest()
    with pytest.raises(ValueError) as info:
        get_file("e.bin", source.as_uri(), file_hash=expected)
    message = str(info.value)
    assert "e.bin" in message and expected in message and actual in message
    assert listing(cache / "datasets") == []


def test_md5_checksum_mismatch(tmp_path, cache):
    source = write(tmp_path / "src" / "m.bin", b"abc")
    with pytest.raises(ValueError, match="md5"):
        get_file("m.bin", source.as_uri(), file_hash="0" * 32)
    assert listing(cache / "datasets") == []


def test_absent_file_without_network_names_url_and_cache_path(cache):
    url = "https://example.invalid/data/absent.npz"
    with pytest.raises(DownloadError) as info:
        get_file("absent.npz", url, file_hash="a" * 64)
    message = str(info.value)
    expected_path = str(cache / "datasets" / "absent.npz")
    assert url in message and expected_path in message and "by hand" in message
    assert "a" * 64 in message
    assert listing(cache / "datasets") == []


class _ShortResponse(io.BytesIO):
    """Declares more bytes than it sends, like a dropped connection."""

    headers = {"Content-Length": "100"}


def test_truncated_download_is_refused_and_removed(cache, monkeypatch):
    monkeypatch.setattr(data_utils, "urlopen", lambda url, timeout: _ShortResponse(b"12345"))
    with pytest.raises(DownloadError, match="received 5 of 100 bytes"):
        get_file("t.bin", "https://example.invalid/t.bin")
    assert listing(cache / "datasets") == []


def test_failed_redownload_keeps_old_file_untouched(cache):
    old = write(cache / "datasets" / "s.bin", b"old")
    with pytest.raises(DownloadError):
        get_file("s.bin", "https://example.invalid/s.bin", file_hash="1" * 64)
    assert old.read_bytes() == b"old"
    assert listing(cache / "datasets") == ["s.bin"]


def test_fname_defaults_to_origin_name_and_origin_is_required(tmp_path, cache):
    with pytest.raises(ValueError, match="origin"):
        get_file("x")
    with pytest.raises(ValueError, match="fname"):
        get_file(origin="https://example.invalid/")


def test_unwritable_cache_falls_back_to_temp(tmp_path, monkeypatch):
    source = write(tmp_path / "src" / "w.txt", b"w")
    blocker = write(tmp_path / "not_a_folder", b"")  # a file where the folder should go
    monkeypatch.setattr(data_utils.tempfile, "tempdir", str(tmp_path / "tmp"))
    with pytest.warns(UserWarning, match="not writable"):
        path = get_file("w.txt", source.as_uri(), cache_dir=blocker)
    assert path == str(tmp_path / "tmp" / ".keras" / "datasets" / "w.txt")


# ---------------------------------------------------------------------------------------------
# extraction


def make_tar(path, entries, mode="w:gz"):
    """entries: (name, bytes) for files, (name, TarInfo-kind, linkname) for special members."""
    with tarfile.open(path, mode) as archive:
        for entry in entries:
            info = tarfile.TarInfo(entry[0])
            if len(entry) == 2:
                info.size = len(entry[1])
                archive.addfile(info, io.BytesIO(entry[1]))
            else:
                info.type, info.linkname = entry[1], entry[2]
                archive.addfile(info)
    return path


def test_untar_extracts_once_and_returns_folder(tmp_path, cache):
    archive = make_tar(tmp_path / "pack.tar.gz", [("pack/a.txt", b"A"), ("pack/b/c.txt", b"C")])
    sha = hash_file(archive)
    folder = get_file("pack", archive.as_uri(), untar=True, file_hash=sha)
    assert folder == str(cache / "datasets" / "pack")
    assert pathlib.Path(folder, "b", "c.txt").read_bytes() == b"C"
    assert listing(cache / "datasets") == [
        "pack",
        "pack.tar.gz",
        "pack/a.txt",
        "pack/b",
        "pack/b/c.txt",
    ]


def test_extract_tar_and_zip(tmp_path, cache):
    tar_path = make_tar(tmp_path / "t.tar", [("t/one.txt", b"1")], mode="w")
    get_file("t.tar", tar_path.as_uri(), extract=True)
    assert (cache / "datasets" / "t" / "one.txt").read_bytes() == b"1"
    zip_path = tmp_path / "z.zip"
    with zipfile.ZipFile(zip_path, "w") as archive:
        archive.writestr("z/two.txt", b"2")
    path = get_file("z.zip", zip_path.as_uri(), extract=True, archive_format="zip")
    assert path == str(cache / "datasets" / "z.zip")
    assert (cache / "datasets" / "z" / "two.txt").read_bytes() == b"2"
    # archive_format=None: no extraction; a format that does not match: none either.
    get_file("z2.zip", zip_path.as_uri(), extract=True, archive_format=None)
    get_file("z3.zip", zip_path.as_uri(), extract=True, archive_format="tar")
    assert not (cache / "datasets" / "z2").exists()
    with pytest.raises(ValueError, match="archive_format.*'rar'"):
        get_file("z.zip", zip_path.as_uri(), extract=True, archive_format="rar")


@pytest.mark.parametrize(
    "entries",
    [
        [("ok.txt", b"ok"), ("../escape.txt", b"x")],
        [("ok/../../escape.txt", b"x")],
        [("/ABSOLUTE/escape.txt", b"x")],
        [("link", tarfile.SYMTYPE, "../.."), ("link/escape.txt", b"x")],
        [("link", tarfile.SYMTYPE, "/etc")],
        [("here", tarfile.SYMTYPE, "."), ("up", tarfile.SYMTYPE, "here/..")],
        [("here", tarfile.SYMTYPE, "."), ("here/up", tarfile.SYMTYPE, "..")],
        [("a", tarfile.SYMTYPE, "b"), ("b", tarfile.SYMTYPE, "a"), ("a/x", b"x")],
        [("hard", tarfile.LNKTYPE, "../outside.txt")],
        [("hard", tarfile.LNKTYPE, "/etc/passwd")],
        [("dev", tarfile.CHRTYPE, "")],
        [("fifo", tarfile.FIFOTYPE, "")],
    ],
    ids=[
        "dotdot", "nested-dotdot", "absolute", "symlink-out-then-write", "symlink-absolute",
        "symlink-chain", "symlink-through-symlink", "symlink-loop", "hardlink-out", "hardlink-absolute", "char-device", "fifo",
    ],
)  # fmt: skip
def test_escaping_tar_members_are_refused_and_nothing_is_written(tmp_path, entries):
    outside = tmp_path / "outside"
    outside.mkdir()
    archive = make_tar(tmp_path / "evil.tar.gz", entries)
    cache_dir = outside / "cache"
    with pytest.raises(ValueError, match="Refusing to extract.*evil"):
        get_file("evil.tar.gz", archive.as_uri(), extract=True, cache_dir=cache_dir)
    assert listing(outside) == ["cache", "cache/datasets", "cache/datasets/evil.tar.gz"]


def test_escaping_zip_member_is_refused(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("fine.txt", b"ok")
        handle.writestr("../escape.txt", b"x")
    cache_dir = tmp_path / "cache"
    with pytest.raises(ValueError, match="'../escape.txt'"):
        get_file("evil.zip", archive.as_uri(), extract=True, cache_dir=cache_dir)
    assert listing(cache_dir) == ["datasets", "datasets/evil.zip"]
    assert not (tmp_path / "escape.txt").exists()


def test_symlink_inside_the_folder_is_allowed(tmp_path):
    archive = make_tar(
        tmp_path / "links.tar.gz",
        [("d/real.txt", b"r"), ("d/alias.txt", tarfile.SYMTYPE, "real.txt")],
    )
    get_file("links.tar.gz", archive.as_uri(), extract=True, cache_dir=tmp_path / "c")
    assert (tmp_path / "c" / "datasets" / "d" / "alias.txt").read_bytes() == b"r"


def test_corrupt_archive_names_file_and_leaves_no_partial_folder(tmp_path, cache):
    good = make_tar(tmp_path / "g.tar.gz", [("g/a.txt", b"A" * 5000)]).read_bytes()
    bad = write(tmp_path / "bad.tar.gz", good[: len(good) // 2])
    with pytest.raises(ValueError, match="bad.tar.gz.*(corrupt|not a tar)"):
        get_file("bad", bad.as_uri(), untar=True)
    assert listing(cache / "datasets") == ["bad.tar.gz"]
