"""Shared plumbing for the dataset loaders: where each file comes from, its pinned checksum,
safe readers for the file formats, and the word-index rules of the text datasets.

`ORIGINS` and `FILE_HASHES` are plain module-level tables so tests (or a local mirror) can
point them elsewhere; the values here are the ones Keras uses.
"""

from __future__ import annotations

import json
import os
import pickle
import warnings
import zipfile
from collections.abc import Sequence
from typing import Any

import numpy as np

from kerasfront.utils.data_utils import get_file

KERAS_DATASETS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
CIFAR_URL = "https://www.cs.toronto.edu/~kriz/"

FASHION_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)

ORIGINS: dict[str, str] = {
    name: KERAS_DATASETS_URL + name
    for name in (
        "mnist.npz",
        "imdb.npz",
        "imdb_word_index.json",
        "reuters.npz",
        "reuters_word_index.json",
        "boston_housing.npz",
        *FASHION_FILES,
    )
}
ORIGINS["cifar-10-python.tar.gz"] = CIFAR_URL + "cifar-10-python.tar.gz"
ORIGINS["cifar-100-python.tar.gz"] = CIFAR_URL + "cifar-100-python.tar.gz"

# sha256 (64 hex digits) or md5 (32). Keras pins no hash for the Fashion-MNIST files; the md5s
# used for those are the ones published by the dataset's authors (Zalando Research) for the
# same files.
FILE_HASHES: dict[str, str | None] = {
    "mnist.npz": "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
    "imdb.npz": "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
    "imdb_word_index.json": "bfafd718b763782e994055a2d397834f",
    "reuters.npz": "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916",
    "reuters_word_index.json": "4d44cc38712099c9e383dc6e5f11a921",
    "boston_housing.npz": "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
    "cifar-10-python.tar.gz": "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    "cifar-100-python.tar.gz": "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
}


def fetch(remote_name: str, fname: str | os.PathLike | None = None, **kwargs: Any) -> str:
    """`get_file` for one of the known dataset files, with its origin and pinned checksum."""
    return get_file(
        fname if fname is not None else remote_name,
        origin=ORIGINS[remote_name],
        file_hash=FILE_HASHES.get(remote_name),
        **kwargs,
    )


def corrupt_file_error(path: str, reason: Any, remedy: str | None = None) -> ValueError:
    """The error for an unreadable dataset file: names it and says how to get a good copy."""
    remedy = remedy or "Delete it and load the dataset again to download a fresh copy."
    return ValueError(f"The dataset file {path} is corrupt or truncated ({reason}). {remedy}")


def load_npz(path: str, keys: Sequence[str], allow_pickle: bool = False) -> list[np.ndarray]:
    """Reads `keys` from a `.npz` file, turning any read failure into an error naming the file."""
    # Checking for a zip first also keeps np.load from falling back to unpickling a stray file.
    if not zipfile.is_zipfile(path):
        raise corrupt_file_error(path, "it is not a .npz (zip) archive")
    try:
        with np.load(path, allow_pickle=allow_pickle) as archive:
            present = set(archive.files)
            arrays = {key: archive[key] for key in keys if key in present}
    except Exception as error:  # BadZipFile, EOFError, OSError, zlib.error, ValueError, ...
        raise corrupt_file_error(path, error) from error
    missing = [key for key in keys if key not in arrays]
    if missing:
        raise corrupt_file_error(path, f"arrays {missing} are missing")
    return [arrays[key] for key in keys]


# ---------------------------------------------------------------------------------------------
# CIFAR batches: Python pickles holding a dict of bytes keys, lists and one NumPy array.


def _numpy_reconstruct():
    try:  # NumPy 2 moved the module; importing the old name there only warns.
        from numpy._core.multiarray import _reconstruct
    except ImportError:  # pragma: no cover - NumPy 1.x
        from numpy.core.multiarray import _reconstruct
    return _reconstruct


_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _numpy_reconstruct,
    ("numpy", "ndarray"): lambda: np.ndarray,
    ("numpy", "dtype"): lambda: np.dtype,
}


class _BatchUnpickler(pickle.Unpickler):
    """Unpickles containers, numbers, bytes and NumPy arrays; refuses every other global.

    A pickle can name any importable callable; allowing only the three NumPy entry points needed
    to rebuild an array means a tampered batch file cannot run code.
    """

    def find_class(self, module: str, name: str) -> Any:
        factory = _ALLOWED_GLOBALS.get((module, name))
        if factory is None:
            raise pickle.UnpicklingError(
                f"refusing to load the global {module}.{name}; CIFAR batches hold only lists, "
                "bytes and NumPy arrays"
            )
        return factory()


def load_cifar_batch(path: str, label_key: str = "labels") -> tuple[np.ndarray, list]:
    """Reads one CIFAR batch file: returns `(images (n, 3, 32, 32) uint8, labels list)`."""
    # The batch sits in a folder extracted once from the checksummed archive; removing the
    # folder makes the next load extract it again.
    remedy = f"Delete the folder {os.path.dirname(path)} and load the dataset again."
    try:
        with open(path, "rb") as handle:
            # The batches were written by Python 2; "bytes" keeps its str objects as bytes.
            batch = _BatchUnpickler(handle, encoding="bytes").load()
    except FileNotFoundError as error:
        raise corrupt_file_error(
            path, "the file is missing from the extracted folder", remedy
        ) from error
    except Exception as error:  # UnpicklingError, EOFError, ...
        raise corrupt_file_error(path, error, remedy) from error
    if not isinstance(batch, dict):
        raise corrupt_file_error(path, f"expected a dict, found {type(batch).__name__}", remedy)
    batch = {key.decode("utf8") if isinstance(key, bytes) else key: v for key, v in batch.items()}
    data, labels = batch.get("data"), batch.get(label_key)
    if not isinstance(data, np.ndarray) or labels is None:
        raise corrupt_file_error(path, f"expected the entries 'data' and {label_key!r}", remedy)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != data.shape[0]:
        raise corrupt_file_error(
            path,
            f"data of shape {data.shape} does not match {len(labels)} labels of 32x32x3",
            remedy,
        )
    return data.reshape(data.shape[0], 3, 32, 32), list(labels)


# ---------------------------------------------------------------------------------------------
# Word-index sequences (IMDB, Reuters), following the Keras 2 rules.


def take_legacy_num_words(num_words: int | None, kwargs: dict) -> int | None:
    """Accepts the Keras 1 name `nb_words`; any other extra keyword is an error."""
    if "nb_words" in kwargs:
        warnings.warn("`nb_words` was renamed `num_words`.", DeprecationWarning, stacklevel=3)
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"load_data() got unexpected keyword arguments: {sorted(kwargs)}.")
    return num_words


def shift_indices(sequences: Sequence, start_char: int | None, index_from: int) -> list[list]:
    """Adds `index_from` to every word index and puts `start_char` in front, when given."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in seq] for seq in sequences]
    return [[w + index_from for w in seq] for seq in sequences]


def drop_long(maxlen: int, sequences: list, labels: Sequence) -> tuple[list, list]:
    """Keeps the pairs whose sequence is strictly shorter than `maxlen` (Keras 2 drops, it does
    not truncate, and a sequence of exactly `maxlen` items is dropped too)."""
    kept = [(seq, label) for seq, label in zip(sequences, labels) if len(seq) < maxlen]
    return [seq for seq, _ in kept], [label for _, label in kept]


def limit_vocabulary(
    sequences: list, num_words: int | None, skip_top: int, oov_char: int | None
) -> list[list]:
    """Replaces (or, with `oov_char=None`, removes) indices outside `[skip_top, num_words)`.

    As in Keras 2, a missing `num_words` becomes the largest index present, so that index itself
    falls outside the half-open range.
    """
    if not num_words:
        num_words = max((max(seq) for seq in sequences if len(seq)), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in seq] for seq in sequences]
    return [[w for w in seq if skip_top <= w < num_words] for seq in sequences]


def object_array(sequences: list) -> np.ndarray:
    """A 1-D object array of lists, even when all lists have the same length."""
    result = np.empty(len(sequences), dtype=object)
    for i, seq in enumerate(sequences):
        result[i] = seq
    return result


def read_word_index(path: str) -> dict:
    """Reads a word-index JSON file (word -> rank)."""
    try:
        with open(path, encoding="utf8") as handle:
            return json.load(handle)
    except (ValueError, UnicodeDecodeError) as error:
        raise corrupt_file_error(path, error) from error
