"""IMDB movie reviews: 50,000 reviews labelled positive (1) or negative (0), as word indices.

Words are numbered by frequency in the training set (1 is the most frequent word of the raw
data); by default the loader shifts them by `index_from=3` so that 0 stays the padding value,
1 marks the start of a review and 2 stands for a word cut from the vocabulary.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kerasfront.datasets import _common


def load_data(
    path: str = "imdb.npz",
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
    **kwargs: Any,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads the IMDB reviews with the Keras 2 shuffling and index rules.

    `imdb.npz` stores the reviews as object arrays of Python lists, so it is read with
    `allow_pickle=True`; that is safe only because the file is checked against a pinned sha256
    before it is opened.

    Args:
        path: File name in `$KERAS_HOME/datasets` (an absolute path is used as is).
        num_words: Keep indices below this value (after shifting); others become `oov_char`.
            None (or 0) means the largest index present, which, as in Keras 2, itself falls out.
        skip_top: Indices below this value (after shifting, `start_char` included) become
            `oov_char`.
        maxlen: Drop reviews whose length (with `start_char`) is `maxlen` or more; Keras 2 drops
            them rather than truncating.
        seed: Seed of the shuffle; the train and then the test set are shuffled by one
            `np.random.RandomState(seed)`.
        start_char: Index put in front of every review; None for none.
        oov_char: Index replacing cut words; None removes them instead.
        index_from: Added to every word index.
        **kwargs: Only the Keras 1 name `nb_words` (for `num_words`) is accepted.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: 1-D object arrays of lists of ints, and the
        integer labels (0 or 1).

    Raises:
        ValueError: `maxlen` leaves no training or no test review.
    """
    num_words = _common.take_legacy_num_words(num_words, kwargs)
    fpath = _common.fetch("imdb.npz", path)
    x_train, labels_train, x_test, labels_test = _common.load_npz(
        fpath, ("x_train", "y_train", "x_test", "y_test"), allow_pickle=True
    )
    rng = np.random.RandomState(seed)
    order = np.arange(len(x_train))
    rng.shuffle(order)
    x_train, labels_train = x_train[order], labels_train[order]
    order = np.arange(len(x_test))
    rng.shuffle(order)
    x_test, labels_test = x_test[order], labels_test[order]

    x_train = _common.shift_indices(x_train, start_char, index_from)
    x_test = _common.shift_indices(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = _common.drop_long(maxlen, x_train, labels_train)
        x_test, labels_test = _common.drop_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(
                f"maxlen={maxlen} keeps no {'training' if not x_train else 'test'} review "
                "(reviews of maxlen words or more are dropped); increase maxlen."
            )
    sequences = _common.limit_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    split = len(x_train)
    labels = np.concatenate([np.asarray(labels_train), np.asarray(labels_test)])
    return (
        (_common.object_array(sequences[:split]), labels[:split]),
        (_common.object_array(sequences[split:]), labels[split:]),
    )


def get_word_index(path: str = "imdb_word_index.json") -> dict[str, int]:
    """Returns the mapping from word to its rank (1 = most frequent) in the IMDB data.

    Add `index_from` to a rank to find the word in sequences from `load_data`.

    Args:
        path: File name in `$KERAS_HOME/datasets` (an absolute path is used as is).
    """
    return _common.read_word_index(_common.fetch("imdb_word_index.json", path))
