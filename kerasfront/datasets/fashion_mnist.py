"""Fashion-MNIST: 70,000 grayscale 28x28 images of 10 kinds of clothing.

Labels: 0 T-shirt/top, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt, 7 sneaker,
8 bag, 9 ankle boot.
"""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

from kerasfront.datasets import _common

_LABEL_MAGIC, _IMAGE_MAGIC = 2049, 2051  # IDX headers: unsigned bytes, 1 or 3 dimensions


def _read_idx(path: str, magic: int) -> np.ndarray:
    """Reads a gzip-compressed IDX file of unsigned bytes (labels or 28x28 images)."""
    try:
        with gzip.open(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError, zlib.error) as error:
        raise _common.corrupt_file_error(path, error) from error
    ndim = 1 if magic == _LABEL_MAGIC else 3
    header = 4 * (1 + ndim)
    if len(raw) < header or int.from_bytes(raw[:4], "big") != magic:
        raise _common.corrupt_file_error(path, f"expected an IDX header with magic number {magic}")
    shape = tuple(int.from_bytes(raw[4 * i : 4 * i + 4], "big") for i in range(1, ndim + 1))
    expected = int(np.prod(shape))
    if len(raw) - header != expected:
        raise _common.corrupt_file_error(
            path, f"header promises {expected} bytes of shape {shape}, found {len(raw) - header}"
        )
    # Copy so the caller gets a writable array rather than a view of the bytes object.
    return np.frombuffer(raw, np.uint8, offset=header).reshape(shape).copy()


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads Fashion-MNIST, downloading its four `.gz` files into
    `$KERAS_HOME/datasets/fashion-mnist` on first use.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape `(60000, 28, 28)` and
        `(10000, 28, 28)`, and uint8 labels 0-9 of shape `(60000,)` and `(10000,)`.
    """
    folder = os.path.join("datasets", "fashion-mnist")
    paths = {name: _common.fetch(name, cache_subdir=folder) for name in _common.FASHION_FILES}
    y_train = _read_idx(paths["train-labels-idx1-ubyte.gz"], _LABEL_MAGIC)
    x_train = _read_idx(paths["train-images-idx3-ubyte.gz"], _IMAGE_MAGIC)
    y_test = _read_idx(paths["t10k-labels-idx1-ubyte.gz"], _LABEL_MAGIC)
    x_test = _read_idx(paths["t10k-images-idx3-ubyte.gz"], _IMAGE_MAGIC)
    for images, labels, name in ((x_train, y_train, "train"), (x_test, y_test, "t10k")):
        if len(images) != len(labels):
            raise _common.corrupt_file_error(
                paths[f"{name}-images-idx3-ubyte.gz"],
                f"{len(images)} images but {len(labels)} labels",
            )
    return (x_train, y_train), (x_test, y_test)
