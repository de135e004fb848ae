"""MNIST: 70,000 grayscale 28x28 images of handwritten digits 0-9."""

from __future__ import annotations

import numpy as np

from kerasfront.datasets import _common


def load_data(
    path: str = "mnist.npz",
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads MNIST, downloading `mnist.npz` into the cache on first use.

    Args:
        path: File name in `$KERAS_HOME/datasets` (an absolute path is used as is).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images of shape `(60000, 28, 28)` and
        `(10000, 28, 28)` with values 0-255, and uint8 digit labels of shape `(60000,)` and
        `(10000,)`.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
        >>> x_train.shape, y_train.dtype  # doctest: +SKIP
        ((60000, 28, 28), dtype('uint8'))
    """
    fpath = _common.fetch("mnist.npz", path)
    # Plain numeric arrays: no pickle is allowed when reading them.
    x_train, y_train, x_test, y_test = _common.load_npz(
        fpath, ("x_train", "y_train", "x_test", "y_test")
    )
    return (x_train, y_train), (x_test, y_test)
