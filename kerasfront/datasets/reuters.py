"""Reuters newswires: 11,228 short articles labelled with one of 46 topics, as word indices.

Index conventions match `imdb`: 0 is padding, 1 starts a sequence, 2 stands for a word cut from
the vocabulary, and word ranks are shifted by `index_from=3`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kerasfront.datasets import _common

_LABEL_NAMES = (
    "cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply",
    "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas",
    "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum", "oilseed", "gold", "tin",
    "strategic-metal", "livestock", "retail", "ipi", "iron-steel", "rubber", "heat", "jobs",
    "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas", "silver", "wpi", "hog", "lead",
)  # fmt: skip


def load_data(
    path: str = "reuters.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    test_split: float = 0.2,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    **kwargs: Any,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads the Reuters newswires with the Keras 2 shuffling, index and split rules.

    `reuters.npz` stores the wires as an object array of Python lists, so it is read with
    `allow_pickle=True`; that is safe only because the file is checked against a pinned sha256
    before it is opened.

    Args:
        path: File name in `$KERAS_HOME/datasets` (an absolute path is used as is).
        num_words: Keep indices below this value (after shifting); others become `oov_char`.
            None (or 0) means the largest index present, which, as in Keras 2, itself falls out.
        skip_top: Indices below this value (after shifting, `start_char` included) become
            `oov_char`.
        maxlen: Drop wires whose length (with `start_char`) is `maxlen` or more.
        test_split: Fraction of the (shuffled, filtered) wires used as the test set, in [0, 1].
        seed: Seed of the shuffle done before filtering and splitting.
        start_char: Index put in front of every wire; None for none.
        oov_char: Index replacing cut words; None removes them instead.
        index_from: Added to every word index.
        **kwargs: Only the Keras 1 name `nb_words` (for `num_words`) is accepted.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: 1-D object arrays of lists of ints, and integer
        topic labels 0-45; the first `int(n * (1 - test_split))` wires train.
    """
    num_words = _common.take_legacy_num_words(num_words, kwargs)
    if not 0 <= test_split <= 1:
        raise ValueError(f"test_split must be in [0, 1], received {test_split!r}.")
    fpath = _common.fetch("reuters.npz", path)
    xs, labels = _common.load_npz(fpath, ("x", "y"), allow_pickle=True)
    order = np.arange(len(xs))
    np.random.RandomState(seed).shuffle(order)
    xs, labels = xs[order], labels[order]

    sequences = _common.shift_indices(xs, start_char, index_from)
    if maxlen:
        sequences, labels = _common.drop_long(maxlen, sequences, labels)
    sequences = _common.limit_vocabulary(sequences, num_words, skip_top, oov_char)
    split = int(len(sequences) * (1 - test_split))
    return (
        (_common.object_array(sequences[:split]), np.array(labels[:split])),
        (_common.object_array(sequences[split:]), np.array(labels[split:])),
    )


def get_word_index(path: str = "reuters_word_index.json") -> dict[str, int]:
    """Returns the mapping from word to its rank (1 = most frequent) in the Reuters data.

    Add `index_from` (3 by default) to a rank to find the word in sequences from `load_data`.

    Args:
        path: File name in `$KERAS_HOME/datasets` (an absolute path is used as is).
    """
    return _common.read_word_index(_common.fetch("reuters_word_index.json", path))


def get_label_names() -> tuple[str, ...]:
    """The 46 topic names, in the order of the integer labels from `load_data`."""
    return _LABEL_NAMES
