"""Tests for kerasfront.preprocessing.sequence against plain-Python references."""

import math
import random

import numpy as np
import pytest

from kerasfront.preprocessing.sequence import (
    TimeseriesGenerator,
    make_sampling_table,
    pad_sequences,
    skipgrams,
)
from kerasfront.utils.sequence import Sequence


def reference_pad(sequences, maxlen, padding, truncating, value):
    """Row-by-row padding written with lists only."""
    if maxlen is None:
        maxlen = max((len(s) for s in sequences), default=0)
    rows = []
    for seq in sequences:
        seq = list(seq)
        if len(seq) > maxlen:
            seq = seq[len(seq) - maxlen :] if truncating == "pre" else seq[:maxlen]
        fill = [value] * (maxlen - len(seq))
        rows.append(fill + seq if padding == "pre" else seq + fill)
    return rows


SEQUENCES = [[1, 2, 3, 4, 5], [6], [], [7, 8, 9], [10, 11, 12, 13, 14, 15, 16]]


@pytest.mark.parametrize("maxlen", [None, 1, 3, 5, 10])
@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
def test_pad_sequences_matches_reference(maxlen, padding, truncating):
    out = pad_sequences(SEQUENCES, maxlen, padding=padding, truncating=truncating, value=-1)
    expected = np.array(reference_pad(SEQUENCES, maxlen, padding, truncating, -1), dtype="int32")
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, expected)


def test_pad_sequences_small_hand_example():
    np.testing.assert_array_equal(pad_sequences([[1, 2, 3], [4]], maxlen=2), [[2, 3], [0, 4]])
    np.testing.assert_array_equal(
        pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post", truncating="post"),
        [[1, 2], [4, 0]],
    )


def test_pad_sequences_dtype_value_and_float_cast():
    out = pad_sequences([[0.5, 1.5], [2.5]], dtype="float32", value=9.0)
    np.testing.assert_array_equal(out, np.array([[0.5, 1.5], [9.0, 2.5]], dtype="float32"))
    assert out.dtype == np.float32
    # Like Keras 2, floats into the default int32 are cast with NumPy's rules (toward zero).
    np.testing.assert_array_equal(pad_sequences([[1.7, 2.2]], maxlen=3), [[0, 1, 2]])


def test_pad_sequences_trailing_dimensions():
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=(n, 2, 3)) for n in (4, 0, 1, 6)]
    for padding in ("pre", "post"):
        out = pad_sequences(arrays, maxlen=5, dtype="float64", padding=padding, value=-2.0)
        assert out.shape == (4, 5, 2, 3)
        for row, arr in zip(out, arrays):
            kept = arr[-5:]
            pad = np.full((5 - len(kept), 2, 3), -2.0)
            expected = np.concatenate([pad, kept] if padding == "pre" else [kept, pad])
            np.testing.assert_array_equal(row, expected)


def test_pad_sequences_strings_with_object_dtype():
    out = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert out.tolist() == [["a", "b"], ["<pad>", "c"]]


def test_pad_sequences_edge_sizes():
    assert pad_sequences([[1, 2], [3]], maxlen=0).shape == (2, 0)
    assert pad_sequences([]).shape == (0, 0)
    np.testing.assert_array_equal(pad_sequences([[], []], maxlen=2), [[0, 0], [0, 0]])
    np.testing.assert_array_equal(
        pad_sequences(np.array([[1, 2], [3, 4]]), maxlen=3), [[0, 1, 2], [0, 3, 4]]
    )


@pytest.mark.parametrize(
    "sequences, fragment",
    [
        ([[1, 2], ["a", "b", "c"]], "index 1"),
        ([[1], [2, None]], "index 1"),
        ([[1], [[1, 2], [3]]], "index 1"),
        ([[1, 2], [3], ["x"]], "index 2"),
        ([[[1, 2]], [[1, 2, 3]]], "index 1"),
        ([[1], 5], "index 1"),
        ([[1], "abc"], "index 1"),
    ],
)
def test_pad_sequences_bad_entries_name_the_index(sequences, fragment):
    with pytest.raises(ValueError, match=fragment):
        pad_sequences(sequences)


def test_pad_sequences_error_shows_received_value():
    with pytest.raises(ValueError, match=r"received \['a', 'b'\]"):
        pad_sequences([[1], ["a", "b"]])


def test_pad_sequences_bad_arguments():
    with pytest.raises(ValueError, match="`value`"):
        pad_sequences([[1]], value="x")
    with pytest.raises(ValueError, match="`padding`.*'middle'"):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="`truncating`"):
        pad_sequences([[1]], truncating="both")
    with pytest.raises(ValueError, match="`maxlen`"):
        pad_sequences([[1]], maxlen=-1)
    with pytest.raises(ValueError, match="`sequences`"):
        pad_sequences(5)


def reference_sampling_probability(rank, factor):
    rank = max(rank, 1)
    inverse_frequency = rank * (math.log(rank) + 0.577) + 0.5 - 1.0 / (12.0 * rank)
    word_frequency = 1.0 / inverse_frequency
    ratio = word_frequency / factor
    return min(1.0, math.sqrt(ratio) / ratio)


@pytest.mark.parametrize("factor", [1e-5, 1e-2, 0.5])
def test_make_sampling_table_matches_formula(factor):
    table = make_sampling_table(50, sampling_factor=factor)
    expected = [reference_sampling_probability(r, factor) for r in range(50)]
    assert table.shape == (50,)
    np.testing.assert_allclose(table, expected, rtol=1e-12)


def reference_positive_pairs(sequence, window_size):
    pairs = []
    for i, wi in enumerate(sequence):
        for j, wj in enumerate(sequence):
            if wi and wj and i != j and abs(i - j) <= window_size:
                pairs.append([wi, wj])
    return pairs


SENTENCE = [3, 0, 1, 4, 2, 5, 0, 7, 6]


@pytest.mark.parametrize("window_size", [1, 2, 4])
def test_skipgrams_positive_pairs(window_size):
    couples, labels = skipgrams(
        SENTENCE, vocabulary_size=8, window_size=window_size, negative_samples=0.0, shuffle=False
    )
    assert couples == reference_positive_pairs(SENTENCE, window_size)
    assert labels == [1] * len(couples)


def test_skipgrams_negative_samples():
    random.seed(0)
    couples, labels = skipgrams(
        SENTENCE, vocabulary_size=8, window_size=2, negative_samples=1.5, shuffle=False
    )
    positives = reference_positive_pairs(SENTENCE, 2)
    num_negative = int(len(positives) * 1.5)
    assert couples[: len(positives)] == positives
    assert labels == [1] * len(positives) + [0] * num_negative
    targets = {pair[0] for pair in positives}
    for target, context in couples[len(positives) :]:
        assert target in targets and 1 <= context <= 7


def test_skipgrams_shuffle_keeps_labels_with_pairs_and_seed_repeats():
    # `seed` fixes the shuffle; negative pairs come from the global `random` state before it.
    first = skipgrams(SENTENCE, vocabulary_size=8, negative_samples=0.0, seed=7)
    assert first == skipgrams(SENTENCE, vocabulary_size=8, negative_samples=0.0, seed=7)
    random.seed(5)
    first = skipgrams(SENTENCE, vocabulary_size=8, seed=7)
    random.seed(5)
    assert first == skipgrams(SENTENCE, vocabulary_size=8, seed=7)
    random.seed(1)
    plain_couples, plain_labels = skipgrams(SENTENCE, vocabulary_size=8, shuffle=False)
    random.seed(1)
    couples, labels = skipgrams(SENTENCE, vocabulary_size=8, seed=3)
    assert sorted(zip(map(tuple, couples), labels)) == sorted(
        zip(map(tuple, plain_couples), plain_labels)
    )


def test_skipgrams_categorical_and_sampling_table():
    couples, labels = skipgrams(
        [1, 2], vocabulary_size=3, negative_samples=1.0, categorical=True, shuffle=False
    )
    assert couples[:2] == [[1, 2], [2, 1]]
    assert labels == [[0, 1], [0, 1], [1, 0], [1, 0]]
    never = np.zeros(10)
    assert skipgrams(SENTENCE, 10, sampling_table=never) == ([], [])
    always = np.ones(10)
    couples, _ = skipgrams(SENTENCE, 10, negative_samples=0.0, shuffle=False, sampling_table=always)
    assert couples == reference_positive_pairs(SENTENCE, 4)
    with pytest.raises(ValueError, match="negative_samples"):
        skipgrams(SENTENCE, 10, negative_samples=-1)


def reference_windows(data, targets, length, rate, stride, start, end, batch_size):
    """All (sample, target) batches, built with explicit loops."""
    rows = list(range(start + length, end + 1, stride))
    batches = []
    for b in range(0, len(rows), batch_size):
        chunk = rows[b : b + batch_size]
        batches.append(
            (
                np.array([data[r - length : r : rate] for r in chunk]),
                np.array([targets[r] for r in chunk]),
            )
        )
    return batches


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(length=3),
        dict(length=3, batch_size=2),
        dict(length=5, sampling_rate=2, stride=3, batch_size=4),
        dict(length=2, start_index=4, end_index=20, batch_size=3),
    ],
)
def test_timeseries_generator_matches_reference(kwargs):
    data = np.arange(50, dtype="float32").reshape(25, 2)
    targets = np.arange(25) * 10
    gen = TimeseriesGenerator(data, targets, **kwargs)
    expected = reference_windows(
        data,
        targets,
        kwargs["length"],
        kwargs.get("sampling_rate", 1),
        kwargs.get("stride", 1),
        kwargs.get("start_index", 0),
        kwargs.get("end_index", 24),
        kwargs.get("batch_size", 128),
    )
    assert isinstance(gen, Sequence)
    assert len(gen) == len(expected)
    for (x, y), (ex, ey) in zip(gen, expected):
        np.testing.assert_array_equal(x, ex)
        np.testing.assert_array_equal(y, ey)


def test_timeseries_generator_hand_example_reverse_and_shuffle():
    gen = TimeseriesGenerator(np.arange(10), np.arange(10), length=3, batch_size=2)
    x, y = gen[0]
    assert x.tolist() == [[0, 1, 2], [1, 2, 3]] and y.tolist() == [3, 4]
    assert len(gen) == 4
    x, y = gen[-1]
    assert x.tolist() == [[6, 7, 8]] and y.tolist() == [9]
    x, _ = TimeseriesGenerator(np.arange(10), np.arange(10), length=3, reverse=True)[0]
    assert x[0].tolist() == [2, 1, 0]
    np.random.seed(0)
    x, y = TimeseriesGenerator(np.arange(10), np.arange(10), length=3, shuffle=True, batch_size=6)[
        0
    ]
    assert x.shape == (6, 3)
    for window, target in zip(x, y):
        assert 3 <= target <= 9 and window.tolist() == list(range(target - 3, target))


def test_timeseries_generator_errors():
    with pytest.raises(ValueError, match="len\\(data\\)=5 and len\\(targets\\)=4"):
        TimeseriesGenerator(np.zeros(5), np.zeros(4), length=2)
    with pytest.raises(ValueError, match="end_index"):
        TimeseriesGenerator(np.zeros(5), np.zeros(5), length=5)
    with pytest.raises(ValueError, match="`length`"):
        TimeseriesGenerator(np.zeros(5), np.zeros(5), length=0)
    with pytest.raises(IndexError):
        TimeseriesGenerator(np.zeros(5), np.zeros(5), length=2)[1]
