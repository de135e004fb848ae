"""Boston housing prices: 506 samples of 13 attributes, with the median home value in k$.

The data set includes an attribute ("B") built on an assumption about race; it is kept only for
compatibility with existing examples and is not recommended for new work.
"""

from __future__ import annotations

import numpy as np

from kerasfront.datasets import _common


def load_data(
    path: str = "boston_housing.npz", test_split: float = 0.2, seed: int = 113
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads the Boston housing regression data, shuffled and split.

    Args:
        path: File name in `$KERAS_HOME/datasets` (an absolute path is used as is).
        test_split: Fraction of the samples held out as the test set, in `[0, 1)`.
        seed: Seed of the shuffle done before splitting.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: float64 attributes of shape `(n, 13)` and float64
        targets of shape `(n,)`; the first `int(506 * (1 - test_split))` shuffled samples train.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"test_split must be in [0, 1), received {test_split!r}.")
    fpath = _common.fetch("boston_housing.npz", path)
    x, y = _common.load_npz(fpath, ("x", "y"))
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    split = int(len(x) * (1 - test_split))
    return (x[:split], y[:split]), (x[split:], y[split:])
