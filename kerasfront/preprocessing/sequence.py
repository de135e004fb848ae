"""Sequence preprocessing: padding, skip-gram pairs, and sliding windows over time series.

Everything here is plain NumPy and Python, so it runs the same whatever backend is active.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence as AbcSequence
from typing import Any

import numpy as np

from kerasfront.utils.sequence import Sequence

__all__ = [
    "pad_sequences",
    "skipgrams",
    "make_sampling_table",
    "TimeseriesGenerator",
    "timeseries_generator_from_json",
]

_SIDES = ("pre", "post")
# Euler-Mascheroni constant rounded as in the Keras 2 sampling-table formula, so that tables match.
_GAMMA = 0.577


def _preview(obj: Any, limit: int = 80) -> str:
    text = repr(obj)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_side(name: str, side: str) -> None:
    if side not in _SIDES:
        raise ValueError(f"pad_sequences: `{name}` must be 'pre' or 'post'; received {side!r}.")


def _sequence_to_array(seq: Any, index: int, dtype: np.dtype) -> np.ndarray:
    """Converts one (already truncated) sequence, naming it if its elements do not fit `dtype`."""
    hint = (
        "Each sequence must hold numbers (or equally-shaped arrays of numbers); use "
        "`dtype=object` to pad sequences of other objects such as strings."
    )
    try:
        if dtype.kind == "O":
            return np.asarray(seq, dtype=object)
        raw = np.asarray(seq)
    except ValueError as error:
        # NumPy refuses nested elements of different lengths ("inhomogeneous shape").
        raise ValueError(
            f"pad_sequences: the sequence at index {index} has elements of different shapes and "
            f"cannot be converted to dtype {dtype}; received {_preview(seq)}. {hint}"
        ) from error
    if dtype.kind not in "USV" and raw.dtype.kind in "USV":
        # NumPy would parse '12' into 12; text reaching a numeric pad is almost always a bug.
        raise ValueError(
            f"pad_sequences: the sequence at index {index} holds strings, which cannot be padded "
            f"as dtype {dtype}; received {_preview(seq)}. {hint}"
        )
    try:
        return raw.astype(dtype, copy=False)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"pad_sequences: the sequence at index {index} cannot be converted to dtype {dtype}; "
            f"received {_preview(seq)}. {hint}"
        ) from error


def pad_sequences(
    sequences: Any,
    maxlen: int | None = None,
    dtype: Any = "int32",
    padding: str = "pre",
    truncating: str = "pre",
    value: Any = 0.0,
) -> np.ndarray:
    """Pads (or truncates) a list of sequences to one common length.

    Sequences shorter than `maxlen` are filled with `value`, at the start (`padding='pre'`) or at
    the end (`'post'`); longer ones lose values at the start (`truncating='pre'`) or the end
    (`'post'`). Elements may themselves be arrays: a list of `(length_i, d)` arrays pads to
    `(num_sequences, maxlen, d)`. Numbers are cast to `dtype` with NumPy's rules, so floats are
    truncated toward zero for the default integer dtype, as in Keras 2.

    Args:
        sequences: List of sequences (lists or arrays), possibly of different lengths.
        maxlen: Length of the output rows. If `None`, the length of the longest sequence.
        dtype: Data type of the output. Use `object` (or a string dtype) to pad strings.
        padding: `'pre'` or `'post'`: where to add padding.
        truncating: `'pre'` or `'post'`: where to drop values from sequences over `maxlen`.
        value: Fill value for the padding.

    Returns:
        An array of shape `(len(sequences), maxlen) + element_shape`.

    Raises:
        ValueError: If an argument is invalid, an entry of `sequences` is not a sequence, holds
            values that cannot be converted to `dtype`, or has elements of another shape than
            the others; or if `value` is a string while `dtype` is numeric.

    Example:
        >>> pad_sequences([[1, 2, 3], [4]], maxlen=2)
        array([[2, 3],
               [0, 4]], dtype=int32)
    """
    _check_side("padding", padding)
    _check_side("truncating", truncating)
    try:
        target = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(
            f"pad_sequences: `dtype` must be a NumPy data type; received {dtype!r}."
        ) from error
    if isinstance(value, str) and target.kind not in "OUS":
        raise ValueError(
            f"pad_sequences: `value` is the string {value!r} but `dtype` is {target}; use "
            "`dtype=object` (or a string dtype) to pad with strings."
        )
    if not hasattr(sequences, "__len__"):
        raise ValueError(
            "pad_sequences: `sequences` must be a list of sequences; received "
            f"{type(sequences).__name__}."
        )

    lengths = []
    for index, seq in enumerate(sequences):
        if isinstance(seq, str | bytes):
            # Padding a bare string would broadcast the whole string into every slot.
            raise ValueError(
                "pad_sequences: `sequences` must be a list of sequences; the entry at index "
                f"{index} is a string ({_preview(seq)}); split it into a list of tokens first."
            )
        if not hasattr(seq, "__len__"):
            raise ValueError(
                "pad_sequences: `sequences` must be a list of sequences; the entry at index "
                f"{index} is not a sequence: received {_preview(seq)}."
            )
        lengths.append(len(seq))
    if maxlen is None:
        maxlen = max(lengths, default=0)
    elif isinstance(maxlen, bool) or not isinstance(maxlen, int | np.integer) or maxlen < 0:
        raise ValueError(
            f"pad_sequences: `maxlen` must be None or an integer >= 0; received {maxlen!r}."
        )
    maxlen = int(maxlen)

    def truncate(seq: Any, length: int) -> Any:
        if length <= maxlen:
            return seq
        # Slice with explicit bounds: seq[-0:] would keep everything when maxlen is 0.
        return seq[length - maxlen :] if truncating == "pre" else seq[:maxlen]

    # Trailing element shape comes from the first non-empty sequence; all others must match it.
    element_shape: tuple[int, ...] = ()
    for index, seq in enumerate(sequences):
        if lengths[index]:
            element_shape = _sequence_to_array(truncate(seq, lengths[index]), index, target).shape[
                1:
            ]
            break

    padded = np.full((len(lengths), maxlen) + element_shape, value, dtype=target)
    if maxlen == 0:
        return padded
    for index, seq in enumerate(sequences):
        if not lengths[index]:
            continue
        kept = _sequence_to_array(truncate(seq, lengths[index]), index, target)
        if kept.shape[1:] != element_shape:
            raise ValueError(
                f"pad_sequences: the elements of the sequence at index {index} have shape "
                f"{kept.shape[1:]}, but earlier sequences have elements of shape {element_shape}."
            )
        if padding == "post":
            padded[index, : len(kept)] = kept
        else:
            padded[index, maxlen - len(kept) :] = kept
    return padded


def make_sampling_table(size: int, sampling_factor: float = 1e-5) -> np.ndarray:
    """Builds the word-sampling probabilities used by `skipgrams` to subsample frequent words.

    Entry `i` is the probability of keeping the i-th most common word (index 0 is treated as
    rank 1). Word frequencies are not counted but approximated with Zipf's law, and the
    word2vec keep-probability `min(1, sqrt(f / s) / (f / s))` is applied, with `f` the word
    frequency and `s` the `sampling_factor`. The Zipf approximation takes
    `1 / f(rank) = rank * (log(rank) + gamma) + 1/2 - 1 / (12 * rank)` with `gamma = 0.577`.

    Args:
        size: Number of entries, i.e. the vocabulary size.
        sampling_factor: The word2vec sampling factor `s`.

    Returns:
        A float array of shape `(size,)`.

    Example:
        >>> make_sampling_table(5, sampling_factor=0.1).round(3)  # frequent words kept less
        array([0.315, 0.315, 0.548, 0.742, 0.913])
    """
    rank = np.arange(size, dtype=np.float64)
    if size:
        rank[0] = 1.0
    inverse_frequency = rank * (np.log(rank) + _GAMMA) + 0.5 - 1.0 / (12.0 * rank)
    ratio = sampling_factor * inverse_frequency  # s / f
    return np.minimum(1.0, ratio / np.sqrt(ratio))


def skipgrams(
    sequence: AbcSequence[int],
    vocabulary_size: int,
    window_size: int = 4,
    negative_samples: float = 1.0,
    shuffle: bool = True,
    categorical: bool = False,
    sampling_table: Any = None,
    seed: int | None = None,
) -> tuple[list[list[int]], list[Any]]:
    """Generates word2vec skip-gram pairs from a sequence of word indices.

    Every word `wi` pairs with each word within `window_size` positions of it (label 1). Then
    `int(negative_samples * num_positive)` negative pairs (label 0) are made, each joining a
    word taken from the positive pairs with a random index in `[1, vocabulary_size - 1]`. Index 0
    is a non-word and is skipped. Randomness comes from Python's `random` module: with `shuffle`
    the module is re-seeded with `seed` (or a seed drawn from it), as Keras 2 does, so the same
    global seed gives the same pairs as Keras.

    Args:
        sequence: Word indices (ints). With a `sampling_table`, index `i` should be the word of
            frequency rank `i`.
        vocabulary_size: One more than the largest word index.
        window_size: Half-width of the context window.
        negative_samples: Number of negative pairs per positive pair (>= 0).
        shuffle: Whether to shuffle pairs (and labels alike) before returning them.
        categorical: If True, labels are `[0, 1]` (positive) / `[1, 0]` (negative) instead of
            `1` / `0`.
        sampling_table: Optional array where entry `i` is the probability of keeping word `i`
            as a target word (see `make_sampling_table`).
        seed: Seed for the shuffle.

    Returns:
        A tuple `(couples, labels)`: a list of `[target, context]` pairs and a list of labels.

    Example:
        >>> couples, labels = skipgrams([1, 2], vocabulary_size=3, negative_samples=0.0)
        >>> sorted(couples), labels
        ([[1, 2], [2, 1]], [1, 1])
    """
    if negative_samples < 0:
        raise ValueError(
            f"skipgrams: `negative_samples` must be >= 0; received {negative_samples}."
        )
    positive, negative = ([0, 1], [1, 0]) if categorical else (1, 0)
    couples: list[list[int]] = []
    labels: list[Any] = []
    length = len(sequence)
    for i, target in enumerate(sequence):
        if not target:
            continue
        # One random draw per candidate target word, in sequence order, as Keras 2 does.
        if sampling_table is not None and sampling_table[target] < random.random():
            continue
        for j in range(max(0, i - window_size), min(length, i + window_size + 1)):
            context = sequence[j]
            if j == i or not context:
                continue
            couples.append([target, context])
            labels.append(positive)

    if negative_samples > 0:
        num_negative = int(len(labels) * negative_samples)
        if num_negative and vocabulary_size < 2:
            raise ValueError(
                "skipgrams: `vocabulary_size` must be >= 2 to draw negative samples; received "
                f"{vocabulary_size}."
            )
        # Shuffle even when no negative pair results: it advances `random` exactly as Keras 2.
        targets = [pair[0] for pair in couples]
        random.shuffle(targets)
        for k in range(num_negative):
            couples.append([targets[k % len(targets)], random.randint(1, vocabulary_size - 1)])
        labels.extend([list(negative) if categorical else negative for _ in range(num_negative)])

    if shuffle:
        if seed is None:
            seed = random.randint(0, 10_000_000)
        # Same seed for both shuffles keeps each label with its pair.
        random.seed(seed)
        random.shuffle(couples)
        random.seed(seed)
        random.shuffle(labels)
    return couples, labels


class TimeseriesGenerator(Sequence):
    """Batches of sliding windows over a time series, with the target of each window's end.

    For an output row `row` (a time step), the sample is
    `data[row - length : row : sampling_rate]` and its target is `targets[row]`. Rows run from
    `start_index + length` to `end_index` (inclusive), `stride` apart, `batch_size` per batch.

    Args:
        data: Indexable data (list or array) whose first axis is time.
        targets: Targets, one per time step of `data` (same length).
        length: Number of time steps in the history window of each sample.
        sampling_rate: Keep every `sampling_rate`-th step inside the window.
        stride: Steps between the ends of two consecutive samples.
        start_index: Steps before this one are never used as window ends (nor before
            `start_index + length`).
        end_index: Last step used as a window end; defaults to `len(data) - 1`.
        shuffle: If True, each batch draws its rows at random (with `numpy.random`).
        reverse: If True, the time steps of every sample are in reverse order.
        batch_size: Number of samples per batch (the last batch may be smaller).

    Example:
        >>> gen = TimeseriesGenerator(np.arange(10), np.arange(10), length=3, batch_size=2)
        >>> x, y = gen[0]
        >>> x.tolist(), y.tolist(), len(gen)
        ([[0, 1, 2], [1, 2, 3]], [3, 4], 4)
    """

    def __init__(
        self,
        data: Any,
        targets: Any,
        length: int,
        sampling_rate: int = 1,
        stride: int = 1,
        start_index: int = 0,
        end_index: int | None = None,
        shuffle: bool = False,
        reverse: bool = False,
        batch_size: int = 128,
    ) -> None:
        if len(data) != len(targets):
            raise ValueError(
                "TimeseriesGenerator: `data` and `targets` must have the same length; received "
                f"len(data)={len(data)} and len(targets)={len(targets)}."
            )
        for name, number in (
            ("length", length),
            ("sampling_rate", sampling_rate),
            ("stride", stride),
            ("batch_size", batch_size),
        ):
            if number < 1:
                raise ValueError(f"TimeseriesGenerator: `{name}` must be >= 1; received {number}.")
        self.data = data
        self.targets = targets
        self.length = length
        self.sampling_rate = sampling_rate
        self.stride = stride
        # The first usable window end needs `length` steps of history before it.
        self.start_index = start_index + length
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle = shuffle
        self.reverse = reverse
        self.batch_size = batch_size
        if self.start_index > self.end_index:
            raise ValueError(
                f"TimeseriesGenerator: `start_index + length` ({self.start_index}) is greater than "
                f"`end_index` ({self.end_index}), so no window end is left; use a shorter "
                "`length` or more data."
            )

    def __len__(self) -> int:
        step = self.batch_size * self.stride
        return (self.end_index - self.start_index + step) // step

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        count = len(self)
        if not -count <= index < count:
            raise IndexError(
                f"TimeseriesGenerator: batch index {index} is out of range for {count} batches."
            )
        index %= count
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            first = self.start_index + self.batch_size * self.stride * index
            stop = min(first + self.batch_size * self.stride, self.end_index + 1)
            rows = np.arange(first, stop, self.stride)
        samples = np.array(
            [self.data[row - self.length : row : self.sampling_rate] for row in rows]
        )
        targets = np.array([self.targets[row] for row in rows])
        if self.reverse:
            samples = samples[:, ::-1, ...]
        return samples, targets

    def get_config(self) -> dict:
        """The constructor's arguments, with `data` and `targets` as JSON text (Keras 2's
        layout). `start_index` is the one given to the constructor, so the config makes
        the same generator again (Keras 2 saved it shifted by `length`)."""
        texts = {}
        for name in ("data", "targets"):
            value = getattr(self, name)
            try:
                texts[name] = json.dumps(value.tolist() if hasattr(value, "tolist") else value)
            except TypeError as error:
                raise TypeError(
                    f"TimeseriesGenerator.get_config: `{name}` is not JSON serializable "
                    f"({type(value).__name__}): {error}"
                ) from None
        names = "length sampling_rate stride end_index shuffle reverse batch_size".split()
        return {
            **texts,
            **{name: getattr(self, name) for name in names},
            "start_index": self.start_index - self.length,
        }

    def to_json(self, **kwargs) -> str:
        """`{"class_name": "TimeseriesGenerator", "config": get_config()}` as JSON text;
        `kwargs` go to `json.dumps`."""
        return json.dumps(
            {"class_name": type(self).__name__, "config": self.get_config()}, **kwargs
        )


def timeseries_generator_from_json(json_string: str) -> TimeseriesGenerator:
    """The generator `TimeseriesGenerator.to_json` described."""
    config = dict(json.loads(json_string).get("config", {}))
    config["data"] = np.array(json.loads(config["data"]))
    config["targets"] = np.array(json.loads(config["targets"]))
    return TimeseriesGenerator(**config)
