"""CIFAR-100: 60,000 color 32x32 images in 100 fine classes grouped into 20 coarse ones."""

from __future__ import annotations

import os

import numpy as np

from kerasfront import config
from kerasfront.datasets import _common


def load_data(
    label_mode: str = "fine",
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads CIFAR-100, downloading and extracting `cifar-100-python.tar.gz` on first use.

    The batches inside are Python pickles; they are read with an unpickler that allows only
    the NumPy functions needed to rebuild an array, and the archive is checked against a pinned
    sha256 before it is extracted.

    Args:
        label_mode: `"fine"` for the 100 classes, `"coarse"` for the 20 superclasses.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape `(50000, 32, 32, 3)` and
        `(10000, 32, 32, 3)` (`(n, 3, 32, 32)` when the image data format is
        `channels_first`), and integer labels of shape `(50000, 1)` and `(10000, 1)`. As in
        Keras 2 the labels keep NumPy's default integer type (int64 on most platforms).
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'label_mode must be "fine" or "coarse", received {label_mode!r}.')
    folder = _common.fetch("cifar-100-python.tar.gz", "cifar-100-python", untar=True)
    key = f"{label_mode}_labels"
    x_train, train_labels = _common.load_cifar_batch(os.path.join(folder, "train"), key)
    x_test, test_labels = _common.load_cifar_batch(os.path.join(folder, "test"), key)
    y_train = np.reshape(np.asarray(train_labels), (len(train_labels), 1))
    y_test = np.reshape(np.asarray(test_labels), (len(test_labels), 1))
    if config.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
