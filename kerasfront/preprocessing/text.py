"""Text preprocessing: splitting text into words, hashing words, and the `Tokenizer` vocabulary.

Plain Python and NumPy; results follow Keras 2 (`keras.preprocessing.text`) token for token.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

__all__ = [
    "text_to_word_sequence",
    "one_hot",
    "hashing_trick",
    "Tokenizer",
    "tokenizer_from_json",
]

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
MATRIX_MODES = ("binary", "count", "tfidf", "freq")
# Vocabulary tables that get_config stores as JSON strings.
_TABLES = ("word_counts", "word_docs", "index_docs", "index_word", "word_index")


def text_to_word_sequence(
    text: str, filters: str = DEFAULT_FILTERS, lower: bool = True, split: str = " "
) -> list[str]:
    """Splits a text into a list of words.

    Every character of `filters` is replaced by `split` first, then the text is split on
    `split` and empty words are dropped.

    Args:
        text: The text.
        filters: Characters to remove (all punctuation except `'`, plus tab and newline).
        lower: Whether to lower-case the text first.
        split: Word separator.

    Returns:
        The list of words.

    Example:
        >>> text_to_word_sequence("Hello, World! It's me.")
        ['hello', 'world', "it's", 'me']
    """
    if lower:
        text = text.lower()
    if filters:
        text = text.translate(str.maketrans(dict.fromkeys(filters, split)))
    return [word for word in text.split(split) if word]


def _md5_hash(word: str) -> int:
    # Stable across processes, unlike the built-in hash() of strings (salted per process).
    return int(hashlib.md5(word.encode()).hexdigest(), 16)


def hashing_trick(
    text: str,
    n: int,
    hash_function: Callable[[str], int] | str | None = None,
    filters: str = DEFAULT_FILTERS,
    lower: bool = True,
    split: str = " ",
    analyzer: Callable[[str], list[str]] | None = None,
) -> list[int]:
    """Maps every word of a text to an index in `[1, n - 1]` by hashing.

    The index of a word is `hash_function(word) % (n - 1) + 1`; 0 is never used, so it stays
    free for padding. Different words may collide on the same index.

    Args:
        text: The text.
        n: Size of the hashing space; indices go up to `n - 1`.
        hash_function: `None` for Python's `hash` (which changes between processes unless
            `PYTHONHASHSEED` is set), `'md5'` for a stable hash, or any callable from a string
            to an int.
        filters: Characters to remove, as for `text_to_word_sequence`.
        lower: Whether to lower-case the text first.
        split: Word separator.
        analyzer: Optional callable turning the text into words, used instead of
            `text_to_word_sequence`.

    Returns:
        The list of word indices.

    Example:
        >>> hashing_trick("the cat the", 10, hash_function="md5")
        [6, 3, 6]
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
        raise ValueError(f"hashing_trick: `n` must be an integer >= 2; received {n!r}.")
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        hash_function = _md5_hash
    elif not callable(hash_function):
        raise ValueError(
            "hashing_trick: `hash_function` must be None, 'md5' or a callable; received "
            f"{hash_function!r}."
        )
    words = (
        analyzer(text)
        if analyzer is not None
        else text_to_word_sequence(text, filters, lower, split)
    )
    return [hash_function(word) % (n - 1) + 1 for word in words]


def one_hot(
    text: str,
    n: int,
    filters: str = DEFAULT_FILTERS,
    lower: bool = True,
    split: str = " ",
    analyzer: Callable[[str], list[str]] | None = None,
) -> list[int]:
    """Encodes a text as a list of word indices in `[1, n - 1]` using Python's `hash`.

    Despite the name, the result is a list of integers, not one-hot vectors: this is
    `hashing_trick(text, n, hash_function=hash, ...)`. Indices are only reproducible across
    processes when `PYTHONHASHSEED` is fixed.

    Args:
        text: The text.
        n: Size of the hashing space.
        filters: Characters to remove.
        lower: Whether to lower-case the text first.
        split: Word separator.
        analyzer: Optional callable turning the text into words.

    Returns:
        The list of word indices.
    """
    return hashing_trick(text, n, hash, filters, lower, split, analyzer)


class Tokenizer:
    """Builds a word vocabulary from texts and turns texts into index sequences or matrices.

    After `fit_on_texts`, the most frequent word has index 1 (index 2 if `oov_token` is set: the
    out-of-vocabulary token always takes index 1); words of equal count keep the order in which
    they were first seen. Index 0 is never assigned. With `num_words`, only indices below
    `num_words` are used when converting.

    Args:
        num_words: Keep only words with index < `num_words` when converting; `None` keeps all.
            `nb_words` is accepted as its Keras 1 name.
        filters: Characters removed from the texts (default: punctuation except `'`, tab,
            newline).
        lower: Whether to lower-case the texts.
        split: Word separator.
        char_level: If True, every character is a token.
        oov_token: If given, it gets index 1 and replaces unknown words in `texts_to_sequences`.
        document_count: Starting number of documents seen (used when restoring a tokenizer).
        analyzer: Optional callable turning one text into its list of words, used instead of
            `text_to_word_sequence`.

    Attributes:
        word_counts: `OrderedDict` word -> number of occurrences, in first-seen order.
        word_docs: word -> number of documents containing it.
        word_index: word -> index.
        index_word: index -> word.
        index_docs: index -> number of documents containing it.
        document_count: Number of documents seen by `fit_on_texts` / `fit_on_sequences`.

    Example:
        >>> tokenizer = Tokenizer()
        >>> tokenizer.fit_on_texts(["the cat", "the dog"])
        >>> tokenizer.word_index
        {'the': 1, 'cat': 2, 'dog': 3}
        >>> tokenizer.texts_to_sequences(["dog the"])
        [[3, 1]]
    """

    def __init__(
        self,
        num_words: int | None = None,
        filters: str = DEFAULT_FILTERS,
        lower: bool = True,
        split: str = " ",
        char_level: bool = False,
        oov_token: str | None = None,
        document_count: int = 0,
        *,
        analyzer: Callable[[str], list[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        if "nb_words" in kwargs:
            warnings.warn(
                "Tokenizer: `nb_words` has been renamed `num_words`; use `num_words`.",
                DeprecationWarning,
                stacklevel=2,
            )
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError(f"Tokenizer got unexpected keyword arguments: {sorted(kwargs)}.")
        if num_words is not None and (
            isinstance(num_words, bool) or not isinstance(num_words, int | np.integer)
        ):
            raise TypeError(
                f"Tokenizer: `num_words` must be None or an int; received {num_words!r}."
            )
        self.num_words = num_words
        self.filters = filters
        self.lower = lower
        self.split = split
        self.char_level = char_level
        self.oov_token = oov_token
        self.document_count = document_count
        self.analyzer = analyzer
        self.word_counts: OrderedDict[str, int] = OrderedDict()
        self.word_docs: defaultdict[str, int] = defaultdict(int)
        self.index_docs: defaultdict[int, int] = defaultdict(int)
        self.word_index: dict[str, int] = {}
        self.index_word: dict[int, str] = {}

    def _tokens(self, text: str | list[str]) -> list[str] | str:
        """Splits one text the way every method of this tokenizer must agree on."""
        # A text given as a list is taken as already tokenized; char_level iterates characters.
        if self.char_level or isinstance(text, list):
            if not self.lower:
                return text
            return [token.lower() for token in text] if isinstance(text, list) else text.lower()
        if self.analyzer is not None:
            return self.analyzer(text)
        if not isinstance(text, str):
            # Numbers (e.g. already-encoded sequences) would fail deep inside str methods.
            raise TypeError(
                f"Tokenizer: each text must be a string or a list of tokens, received "
                f"{type(text).__name__}: {text!r:.60}. Pass texts as strings; sequences of "
                f"word indices go to sequences_to_matrix / sequences_to_texts instead."
            )
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts: Iterable[str | list[str]]) -> None:
        """Updates the vocabulary from a list of texts (strings, or lists of tokens).

        Args:
            texts: The texts. A single string would be read as a list of one-character texts.
        """
        for text in texts:
            self.document_count += 1
            tokens = self._tokens(text)
            for token in tokens:
                self.word_counts[token] = self.word_counts.get(token, 0) + 1
            for token in set(tokens):
                self.word_docs[token] += 1

        # sorted() is stable, so words of equal count stay in first-seen order.
        by_count = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = [] if self.oov_token is None else [self.oov_token]
        vocabulary.extend(word for word, _ in by_count)
        self.word_index = {word: index for index, word in enumerate(vocabulary, start=1)}
        self.index_word = {index: word for word, index in self.word_index.items()}
        for word, count in self.word_docs.items():
            self.index_docs[self.word_index[word]] = count

    def fit_on_sequences(self, sequences: Iterable[Iterable[int]]) -> None:
        """Updates document counts from index sequences (needed for `tfidf` without texts).

        Args:
            sequences: Lists of word indices.
        """
        sequences = list(sequences)
        self.document_count += len(sequences)
        for sequence in sequences:
            for index in set(sequence):
                self.index_docs[index] += 1

    def texts_to_sequences(self, texts: Iterable[str | list[str]]) -> list[list[int]]:
        """Converts texts to lists of word indices (unknown words dropped, or mapped to OOV).

        Args:
            texts: The texts.

        Returns:
            One list of indices per text.
        """
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts: Iterable[str | list[str]]) -> Iterator[list[int]]:
        """Yields, for each text, its list of word indices; see `texts_to_sequences`."""
        oov_index = self.word_index.get(self.oov_token)
        for text in texts:
            indices = []
            for token in self._tokens(text):
                index = self.word_index.get(token)
                if index is None or (self.num_words and index >= self.num_words):
                    if oov_index is not None:
                        indices.append(oov_index)
                else:
                    indices.append(index)
            yield indices

    def sequences_to_texts(self, sequences: Iterable[Iterable[int]]) -> list[str]:
        """Converts lists of word indices back to space-joined texts.

        Args:
            sequences: Lists of word indices.

        Returns:
            One string per sequence.
        """
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences: Iterable[Iterable[int]]) -> Iterator[str]:
        """Yields, for each index sequence, its text; see `sequences_to_texts`."""
        oov_index = self.word_index.get(self.oov_token)
        oov_word = None if oov_index is None else self.index_word.get(oov_index)
        for sequence in sequences:
            words = []
            for index in sequence:
                word = self.index_word.get(index)
                if word is None or (self.num_words and index >= self.num_words):
                    if oov_word is not None:
                        words.append(oov_word)
                else:
                    words.append(word)
            yield " ".join(words)

    def texts_to_matrix(self, texts: Iterable[str | list[str]], mode: str = "binary") -> np.ndarray:
        """Converts texts to a `(len(texts), num_words)` matrix; see `sequences_to_matrix`."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(
        self, sequences: Iterable[Iterable[int]], mode: str = "binary"
    ) -> np.ndarray:
        """Converts index sequences to a `(len(sequences), num_words)` float matrix.

        Column `j` of row `i` holds, for the index `j` in sequence `i`: 1 (`'binary'`), its count
        (`'count'`), count / len(sequence) (`'freq'`), or
        `(1 + log(count)) * log(1 + document_count / (1 + index_docs[j]))` (`'tfidf'`).
        Indices >= `num_words` are ignored. Without `num_words` the width is
        `len(word_index) + 1`.

        Args:
            sequences: Lists of word indices.
            mode: One of `'binary'`, `'count'`, `'tfidf'`, `'freq'`.

        Returns:
            A float64 array.
        """
        if mode not in MATRIX_MODES:
            raise ValueError(
                f"Tokenizer: `mode` must be one of {list(MATRIX_MODES)}; received {mode!r}."
            )
        if self.num_words:
            width = self.num_words
        elif self.word_index:
            width = len(self.word_index) + 1
        else:
            raise ValueError(
                "Tokenizer: the matrix width is unknown; pass `num_words` to the Tokenizer or "
                "call `fit_on_texts` first."
            )
        if mode == "tfidf" and not self.document_count:
            raise ValueError(
                "Tokenizer: mode 'tfidf' needs document counts; call `fit_on_texts` or "
                "`fit_on_sequences` first."
            )
        sequences = [list(sequence) for sequence in sequences]
        matrix = np.zeros((len(sequences), width))
        for row, sequence in enumerate(sequences):
            counts: dict[int, int] = {}
            for index in sequence:
                if index < 0:
                    raise ValueError(
                        f"Tokenizer: word indices must be >= 0; sequence {row} contains {index}."
                    )
                if index < width:
                    counts[index] = counts.get(index, 0) + 1
            for index, count in counts.items():
                if mode == "binary":
                    matrix[row, index] = 1
                elif mode == "count":
                    matrix[row, index] = count
                elif mode == "freq":
                    matrix[row, index] = count / len(sequence)
                else:
                    # np.log rather than math.log keeps results bit-identical to Keras 2.
                    term = 1 + np.log(count)
                    rarity = np.log(1 + self.document_count / (1 + self.index_docs.get(index, 0)))
                    matrix[row, index] = term * rarity
        return matrix

    def get_config(self) -> dict[str, Any]:
        """Returns the settings and vocabulary, with dictionaries JSON-encoded as in Keras 2."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs: Any) -> str:
        """Returns a JSON string `{"class_name": "Tokenizer", "config": ...}`.

        The `analyzer` callable, if any, is not saved. Keyword arguments go to `json.dumps`.
        Load it back with `tokenizer_from_json`.
        """
        return json.dumps(
            {"class_name": type(self).__name__, "config": self.get_config()}, **kwargs
        )


def tokenizer_from_json(json_string: str) -> Tokenizer:
    """Rebuilds a `Tokenizer` from the output of `Tokenizer.to_json` (ours or Keras 2's).

    Args:
        json_string: The JSON text.

    Returns:
        The restored tokenizer.
    """
    payload = json.loads(json_string)
    if not isinstance(payload, dict) or not isinstance(payload.get("config"), dict):
        raise ValueError(
            "tokenizer_from_json: expected a JSON object with a 'config' object, as written by "
            f"Tokenizer.to_json; received {json_string[:80]!r}."
        )
    config = dict(payload["config"])
    # These are stored as JSON strings inside the JSON; integer keys came back as strings.
    tables = {name: json.loads(config.pop(name, "{}")) for name in _TABLES}
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = OrderedDict(tables["word_counts"])
    tokenizer.word_docs = defaultdict(int, tables["word_docs"])
    tokenizer.index_docs = defaultdict(int, {int(k): v for k, v in tables["index_docs"].items()})
    tokenizer.index_word = {int(k): v for k, v in tables["index_word"].items()}
    tokenizer.word_index = dict(tables["word_index"])
    return tokenizer
