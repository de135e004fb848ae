"""CIFAR-10: 60,000 color 32x32 images in 10 classes.

Labels: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog, 7 horse, 8 ship,
9 truck.
"""

from __future__ import annotations

import os

import numpy as np

from kerasfront import config
from kerasfront.datasets import _common


def load_data() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads CIFAR-10, downloading and extracting `cifar-10-python.tar.gz` on first use.

    The batches inside are Python pickles; they are read with an unpickler that allows only
    the NumPy functions needed to rebuild an array, and the archive is checked against a pinned
    sha256 before it is extracted.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape `(50000, 32, 32, 3)` and
        `(10000, 32, 32, 3)` (`(n, 3, 32, 32)` when the image data format is
        `channels_first`), and uint8 labels 0-9 of shape `(50000, 1)` and `(10000, 1)`.
    """
    folder = _common.fetch("cifar-10-python.tar.gz", "cifar-10-batches-py", untar=True)
    parts = [_common.load_cifar_batch(os.path.join(folder, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([data for data, _ in parts]).astype("uint8", copy=False)
    y_train = np.concatenate([np.asarray(labels, "uint8") for _, labels in parts])
    x_test, test_labels = _common.load_cifar_batch(os.path.join(folder, "test_batch"))
    x_test = x_test.astype("uint8", copy=False)
    y_train = y_train.reshape(-1, 1)
    y_test = np.asarray(test_labels, "uint8").reshape(-1, 1)
    if config.image_data_format() == "channels_last":
        x_train, x_test = x_train.transpose(0, 2, 3, 1), x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
