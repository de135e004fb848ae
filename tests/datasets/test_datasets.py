"""Tests for the dataset loaders, on small files written here in each dataset's real format.

`KERAS_HOME` points at a temporary folder and the pinned checksums are swapped for those of the
small files; downloads use `file://` origins. Nothing here touches the network.
"""

import contextlib
import gzip
import hashlib
import io
import json
import pickle
import shutil
import struct
import tarfile
import urllib.error

import numpy as np
import pytest

from kerasfront import config
from kerasfront.datasets import (
    _common,
    boston_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)
from kerasfront.utils import data_utils


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    real_urlopen = data_utils.urlopen

    def offline_urlopen(url, *args, **kwargs):
        if not str(url).startswith("file://"):
            raise urllib.error.URLError("network disabled in tests")
        return real_urlopen(url, *args, **kwargs)

    monkeypatch.setattr(data_utils, "urlopen", offline_urlopen)


@pytest.fixture
def datasets_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    folder = tmp_path / "home" / "datasets"
    folder.mkdir(parents=True)
    return folder


def place(monkeypatch, folder, remote_name, data: bytes, fname=None):
    """Writes a cached dataset file and pins its sha256 in the loaders' checksum table."""
    path = folder / (fname or remote_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    monkeypatch.setitem(_common.FILE_HASHES, remote_name, hashlib.sha256(data).hexdigest())
    return path


def npz_bytes(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def ragged(sequences):
    array = np.empty(len(sequences), dtype=object)
    for i, seq in enumerate(sequences):
        array[i] = list(seq)
    return array


def test_real_checksums_are_the_defaults():
    assert _common.FILE_HASHES["mnist.npz"].startswith("731c5ac6")
    assert _common.ORIGINS["mnist.npz"] == (
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
    )
    assert _common.ORIGINS["cifar-10-python.tar.gz"].startswith("https://www.cs.toronto.edu/")
    assert all(len(h) in (32, 64) for h in _common.FILE_HASHES.values())


def test_mnist(datasets_dir, monkeypatch):
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, (6, 28, 28), dtype=np.uint8)
    y_train = rng.integers(0, 10, 6, dtype=np.uint8)
    x_test = rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)
    y_test = rng.integers(0, 10, 2, dtype=np.uint8)
    data = npz_bytes(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    place(monkeypatch, datasets_dir, "mnist.npz", data)
    (a, b), (c, d) = mnist.load_data()
    for got, want in ((a, x_train), (b, y_train), (c, x_test), (d, y_test)):
        assert got.dtype == np.uint8 and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def test_download_through_origin_then_stale_file_replaced(tmp_path, datasets_dir, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    x = np.arange(26, dtype=float).reshape(2, 13)
    good = npz_bytes(x=x, y=np.array([1.0, 2.0]))
    (mirror / "boston_housing.npz").write_bytes(good)
    monkeypatch.setitem(
        _common.ORIGINS, "boston_housing.npz", (mirror / "boston_housing.npz").as_uri()
    )
    monkeypatch.setitem(_common.FILE_HASHES, "boston_housing.npz", hashlib.sha256(good).hexdigest())
    stale = datasets_dir / "boston_housing.npz"
    stale.write_bytes(good[:40])  # an interrupted earlier download
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data(test_split=0.5, seed=1)
    assert stale.read_bytes() == good
    assert x_train.shape == (1, 13) and x_test.shape == (1, 13)
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == [1.0, 2.0]


def test_boston_housing_split_matches_seeded_shuffle(datasets_dir, monkeypatch):
    x = np.arange(10 * 13, dtype=float).reshape(10, 13)
    y = np.arange(10, dtype=float)
    place(monkeypatch, datasets_dir, "boston_housing.npz", npz_bytes(x=x, y=y))
    order = np.arange(10)
    np.random.RandomState(7).shuffle(order)
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data(test_split=0.3, seed=7)
    np.testing.assert_array_equal(y_train, y[order[:7]])
    np.testing.assert_array_equal(x_test, x[order[7:]])
    with pytest.raises(ValueError, match="test_split.*1.5"):
        boston_housing.load_data(test_split=1.5)


def test_absent_file_without_network_says_where_to_put_it(datasets_dir):
    with pytest.raises(data_utils.DownloadError) as info:
        mnist.load_data()
    message = str(info.value)
    assert _common.ORIGINS["mnist.npz"] in message
    assert str(datasets_dir / "mnist.npz") in message and "by hand" in message
    # A cached file with the wrong checksum is not trusted: a fresh copy is asked for again.
    (datasets_dir / "mnist.npz").write_bytes(b"not the real file")
    with pytest.raises(data_utils.DownloadError, match="731c5ac6"):
        mnist.load_data()


def test_truncated_npz_is_reported_with_its_path(datasets_dir, monkeypatch):
    data = npz_bytes(x_train=np.zeros((3, 28, 28), np.uint8), y_train=np.zeros(3, np.uint8))
    path = place(monkeypatch, datasets_dir, "mnist.npz", data[: len(data) // 2])
    with pytest.raises(ValueError, match=f"{path}.*corrupt or truncated.*Delete it"):
        mnist.load_data()
    # A well-formed file that lacks arrays is reported the same way.
    path = place(monkeypatch, datasets_dir, "mnist.npz", data)
    with pytest.raises(ValueError, match="x_test"):
        mnist.load_data()


def idx_gz(array, magic):
    header = magic.to_bytes(4, "big") + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def test_fashion_mnist(datasets_dir, monkeypatch):
    folder = datasets_dir / "fashion-mnist"
    rng = np.random.default_rng(1)
    arrays = {
        "train-labels-idx1-ubyte.gz": (rng.integers(0, 10, 5), 2049),
        "train-images-idx3-ubyte.gz": (rng.integers(0, 256, (5, 28, 28)), 2051),
        "t10k-labels-idx1-ubyte.gz": (rng.integers(0, 10, 3), 2049),
        "t10k-images-idx3-ubyte.gz": (rng.integers(0, 256, (3, 28, 28)), 2051),
    }
    for name, (array, magic) in arrays.items():
        place(monkeypatch, folder, name, idx_gz(array, magic))
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.dtype == np.uint8 and x_train.shape == (5, 28, 28) and y_test.shape == (3,)
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte.gz"][0])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte.gz"][0])
    x_train[0, 0, 0] = 1  # writable, not a view of the decompressed bytes

    truncated = idx_gz(*arrays["t10k-images-idx3-ubyte.gz"])[:-30]
    path = place(monkeypatch, folder, "t10k-images-idx3-ubyte.gz", truncated)
    with pytest.raises(ValueError, match=f"{path}.*corrupt or truncated"):
        fashion_mnist.load_data()


def cifar_batch(data, **labels):
    batch = {b"batch_label": b"test batch", b"data": data, b"filenames": [b"x.png"] * len(data)}
    batch.update({key.encode(): value for key, value in labels.items()})
    # Protocol 3 pickles an array through numpy's _reconstruct, as the real batches do.
    return pickle.dumps(batch, protocol=3)


def tar_gz(files):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_cifar10(datasets_dir, monkeypatch):
    rng = np.random.default_rng(2)
    batches = [rng.integers(0, 256, (2, 3072), dtype=np.uint8) for _ in range(6)]
    labels = [rng.integers(0, 10, 2).tolist() for _ in range(6)]
    files = {
        f"cifar-10-batches-py/data_batch_{i + 1}": cifar_batch(batches[i], labels=labels[i])
        for i in range(5)
    }
    files["cifar-10-batches-py/test_batch"] = cifar_batch(batches[5], labels=labels[5])
    # Keras caches the archive under the extracted folder's name plus ".tar.gz".
    archive = tar_gz(files)
    place(
        monkeypatch, datasets_dir, "cifar-10-python.tar.gz", archive, "cifar-10-batches-py.tar.gz"
    )

    (x_train, y_train), (x_test, y_test) = cifar10.load_data()
    expected = np.concatenate(batches[:5]).reshape(10, 3, 32, 32).transpose(0, 2, 3, 1)
    assert x_train.shape == (10, 32, 32, 3) and x_train.dtype == np.uint8
    np.testing.assert_array_equal(x_train, expected)
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8
    assert y_train[:, 0].tolist() == sum(labels[:5], [])
    assert x_test.shape == (2, 32, 32, 3) and y_test[:, 0].tolist() == labels[5]

    monkeypatch.setattr(config.SETTINGS, "image_data_format", "channels_first")
    (x_train, _), _ = cifar10.load_data()
    np.testing.assert_array_equal(x_train, np.concatenate(batches[:5]).reshape(10, 3, 32, 32))


@pytest.fixture
def cifar100_files(datasets_dir, monkeypatch):
    rng = np.random.default_rng(3)
    train = rng.integers(0, 256, (4, 3072), dtype=np.uint8)
    test = rng.integers(0, 256, (2, 3072), dtype=np.uint8)
    files = {
        "cifar-100-python/train": cifar_batch(train, fine_labels=[5, 99, 0, 42], coarse_labels=[1, 19, 0, 7]),
        "cifar-100-python/test": cifar_batch(test, fine_labels=[3, 4], coarse_labels=[2, 2]),
    }  # fmt: skip
    place(monkeypatch, datasets_dir, "cifar-100-python.tar.gz", tar_gz(files))
    cifar100.load_data()  # extracts the archive
    return datasets_dir / "cifar-100-python"


def test_cifar100_label_modes(cifar100_files):
    (x_train, y_fine), (_, y_test) = cifar100.load_data()
    assert x_train.shape == (4, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_fine.shape == (4, 1) and y_fine[:, 0].tolist() == [5, 99, 0, 42]
    assert y_test[:, 0].tolist() == [3, 4]
    (_, y_coarse), (_, y_test) = cifar100.load_data(label_mode="coarse")
    assert y_coarse[:, 0].tolist() == [1, 19, 0, 7] and y_test[:, 0].tolist() == [2, 2]
    with pytest.raises(ValueError, match="label_mode.*'medium'"):
        cifar100.load_data(label_mode="medium")


def test_cifar_pickle_with_foreign_global_is_refused(cifar100_files):
    class Sneaky:
        def __reduce__(self):
            return (print, ("this must never run",))

    (cifar100_files / "train").write_bytes(pickle.dumps({b"data": Sneaky()}, protocol=3))
    with pytest.raises(ValueError, match="train.*refusing to load the global builtins.print"):
        cifar100.load_data()


def test_cifar_batch_in_python2_pickle_format(tmp_path):
    """The real batches were pickled by Python 2: str opcodes and numpy.core global names."""

    def text(b):  # SHORT_BINSTRING, a Python 2 str
        return b"U" + bytes([len(b)]) + b

    def num(n):  # BININT
        return b"J" + struct.pack("<i", n)

    data = (np.arange(2 * 3072) % 251).astype(np.uint8).reshape(2, 3072)
    raw = data.tobytes()
    blob = (
        b"\x80\x02}(" + text(b"data") + b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n"
    )
    blob += num(0) + b"\x85" + text(b"b") + b"\x87R(" + num(1) + num(2) + num(3072) + b"\x86"
    blob += b"cnumpy\ndtype\n" + text(b"u1") + num(0) + num(1) + b"\x87R(" + num(3) + text(b"|")
    blob += b"NNN" + num(-1) + num(-1) + num(0) + b"tb\x89T" + struct.pack("<I", len(raw)) + raw
    blob += b"tb" + text(b"labels") + b"](" + num(7) + num(3) + b"eu."
    path = tmp_path / "data_batch_1"
    path.write_bytes(blob)
    images, labels = _common.load_cifar_batch(str(path))
    assert images.dtype == np.uint8 and labels == [7, 3]
    np.testing.assert_array_equal(images, data.reshape(2, 3, 32, 32))


def test_truncated_cifar_batch_is_reported(cifar100_files):
    path = cifar100_files / "test"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match=f"{path}.*corrupt or truncated.*Delete the folder"):
        cifar100.load_data()
    shutil.rmtree(cifar100_files)  # the remedy the message gives: extracted again, from the cache
    assert cifar100.load_data()[1][1].shape == (2, 1)


def reference_encode(sequences, num_words, skip_top, maxlen, start_char, oov_char, index_from):
    """Returns the kept (position, encoded sequence) pairs."""
    shifted = []
    for position, seq in enumerate(sequences):
        words = [w + index_from for w in seq]
        if start_char is not None:
            words = [start_char] + words
        if maxlen and len(words) >= maxlen:
            continue
        shifted.append((position, words))
    limit = num_words or max(max(words) for _, words in shifted)
    result = []
    for position, words in shifted:
        out = []
        for w in words:
            if skip_top <= w < limit:
                out.append(w)
            elif oov_char is not None:
                out.append(oov_char)
        result.append((position, out))
    return result


def keras2_rules(options):
    """The loader defaults overridden by `options`: (encoding rules, seed, test_split)."""
    rules = {"num_words": None, "skip_top": 0, "maxlen": None, "start_char": 1, "oov_char": 2}
    rules.update({"index_from": 3, "seed": 113, "test_split": 0.2}, **options)
    rules["num_words"] = rules.pop("nb_words", rules["num_words"])
    return rules, rules.pop("seed"), rules.pop("test_split")


TRAIN = [[1, 2, 3], [4, 5, 1, 1, 9], [2], [7, 8, 1, 2], [3, 3, 3, 3, 3, 3]]
TEST = [[9, 1], [1, 2, 3, 4, 5, 6, 7], [5, 5]]
OPTIONS = [
    {},
    {"num_words": 8},
    {"num_words": 10, "skip_top": 5},
    {"maxlen": 6},
    {"oov_char": None, "num_words": 7, "skip_top": 4},
    {"start_char": None, "index_from": 0},
    {"index_from": 1, "seed": 5},
    {"nb_words": 9},
]


@pytest.fixture
def imdb_file(datasets_dir, monkeypatch):
    data = npz_bytes(
        x_train=ragged(TRAIN),
        y_train=np.array([0, 1, 0, 1, 1]),
        x_test=ragged(TEST),
        y_test=np.array([1, 0, 0]),
    )
    return place(monkeypatch, datasets_dir, "imdb.npz", data)


@pytest.mark.parametrize("options", OPTIONS)
def test_imdb_matches_reference(imdb_file, options):
    rules, seed, _ = keras2_rules(options)
    rng = np.random.RandomState(seed)
    train_order, test_order = np.arange(5), np.arange(3)
    rng.shuffle(train_order)
    rng.shuffle(test_order)
    y_all = ([0, 1, 0, 1, 1], [1, 0, 0])
    kept_train = [(TRAIN[i], y_all[0][i]) for i in train_order]
    kept_test = [(TEST[i], y_all[1][i]) for i in test_order]
    # Keras 2 computes the default vocabulary limit over train and test together.
    encoded = reference_encode([s for s, _ in kept_train + kept_test], **rules)
    train_part = [(p, s) for p, s in encoded if p < 5]
    test_part = [(p, s) for p, s in encoded if p >= 5]

    with pytest.warns(DeprecationWarning) if "nb_words" in options else contextlib.nullcontext():
        (x_train, y_train), (x_test, y_test) = imdb.load_data(**options)
    assert x_train.dtype == object and x_train.ndim == 1
    assert [list(s) for s in x_train] == [s for _, s in train_part]
    assert y_train.tolist() == [kept_train[p][1] for p, _ in train_part]
    assert [list(s) for s in x_test] == [s for _, s in test_part]
    assert y_test.tolist() == [kept_test[p - 5][1] for p, _ in test_part]


def test_imdb_errors_and_word_index(imdb_file, datasets_dir, monkeypatch):
    with pytest.raises(ValueError, match="maxlen=2 keeps no"):
        imdb.load_data(maxlen=2)
    with pytest.raises(TypeError, match="bad_option"):
        imdb.load_data(bad_option=1)
    index = json.dumps({"the": 1, "film": 2}).encode()
    monkeypatch.setitem(_common.FILE_HASHES, "imdb_word_index.json", hashlib.md5(index).hexdigest())
    (datasets_dir / "imdb_word_index.json").write_bytes(index)
    assert imdb.get_word_index() == {"the": 1, "film": 2}


WIRES = TRAIN + TEST + [[2, 2, 2, 2]]
TOPICS = [3, 4, 3, 1, 0, 19, 3, 4, 45]


@pytest.fixture
def reuters_file(datasets_dir, monkeypatch):
    data = npz_bytes(x=ragged(WIRES), y=np.array(TOPICS))
    return place(monkeypatch, datasets_dir, "reuters.npz", data)


@pytest.mark.parametrize("options", OPTIONS + [{"test_split": 0.5, "maxlen": 6}])
def test_reuters_matches_reference(reuters_file, options):
    rules, seed, test_split = keras2_rules(options)
    order = np.arange(len(WIRES))
    np.random.RandomState(seed).shuffle(order)
    encoded = reference_encode([WIRES[i] for i in order], **rules)
    labels = [TOPICS[order[p]] for p, _ in encoded]
    split = int(len(encoded) * (1 - test_split))

    with pytest.warns(DeprecationWarning) if "nb_words" in options else contextlib.nullcontext():
        (x_train, y_train), (x_test, y_test) = reuters.load_data(**options)
    assert [list(s) for s in x_train] == [s for _, s in encoded[:split]]
    assert [list(s) for s in x_test] == [s for _, s in encoded[split:]]
    assert y_train.tolist() == labels[:split] and y_test.tolist() == labels[split:]
    assert x_train.dtype == object and x_train.ndim == 1


def test_reuters_word_index_and_label_names(datasets_dir, monkeypatch):
    index = json.dumps({"said": 1}).encode()
    place(monkeypatch, datasets_dir, "reuters_word_index.json", index)
    assert reuters.get_word_index() == {"said": 1}
    names = reuters.get_label_names()
    assert len(names) == 46 and names[3] == "earn"


def test_sequence_helpers_keras2_edge_rules():
    # Without num_words the largest index itself becomes oov (half-open range, as in Keras 2).
    assert _common.limit_vocabulary([[1, 5, 9]], None, 0, 2) == [[1, 5, 2]]
    assert _common.limit_vocabulary([[1, 5, 9]], 10, 2, None) == [[5, 9]]
    # maxlen drops sequences of maxlen items or more instead of truncating them.
    assert _common.drop_long(3, [[1, 2], [1, 2, 3]], ["a", "b"]) == ([[1, 2]], ["a"])
    array = _common.object_array([[1, 2], [3, 4]])
    assert array.shape == (2,) and array[1] == [3, 4]
