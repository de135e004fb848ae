"""Tests for kerasfront.preprocessing.text against hand-computed and plain-Python references."""

import hashlib
import json
import math
from collections import OrderedDict

import numpy as np
import pytest

from kerasfront.preprocessing.text import (
    Tokenizer,
    hashing_trick,
    one_hot,
    text_to_word_sequence,
    tokenizer_from_json,
)

TEXTS = [
    "The cat sat on the mat.",
    "The dog ate my homework!",
    "Dog, cat; bird\tfish\nthe end",
]


def test_text_to_word_sequence():
    assert text_to_word_sequence("Hello, World! It's me.") == ["hello", "world", "it's", "me"]
    assert text_to_word_sequence("A-B  c", lower=False) == ["A", "B", "c"]
    assert text_to_word_sequence("a,b;c", filters=";", split=",") == ["a", "b", "c"]
    assert text_to_word_sequence("...") == []


def test_hashing_trick_md5_and_callable():
    words = text_to_word_sequence(TEXTS[0])
    expected = [int(hashlib.md5(w.encode()).hexdigest(), 16) % 9 + 1 for w in words]
    assert hashing_trick(TEXTS[0], 10, hash_function="md5") == expected
    assert hashing_trick("aa b ccc", 10, hash_function=len) == [3, 2, 4]
    assert hashing_trick("aa b", 10, hash_function=len, analyzer=str.split) == [3, 2]


def test_hashing_trick_default_and_one_hot_use_python_hash():
    words = text_to_word_sequence(TEXTS[1])
    expected = [hash(w) % 6 + 1 for w in words]
    assert hashing_trick(TEXTS[1], 7) == expected
    assert one_hot(TEXTS[1], 7) == expected
    assert all(1 <= i <= 6 for i in one_hot(" ".join(TEXTS), 7))


def test_hashing_trick_bad_arguments():
    with pytest.raises(ValueError, match="`n`"):
        hashing_trick("a b", 1)
    with pytest.raises(ValueError, match="`hash_function`.*'sha1'"):
        hashing_trick("a b", 5, hash_function="sha1")


def fitted(**kwargs):
    tokenizer = Tokenizer(**kwargs)
    tokenizer.fit_on_texts(TEXTS)
    return tokenizer


def test_word_index_order_counts_and_docs():
    tokenizer = fitted()
    # Counts: the 4, cat 2, dog 2, then every other word once, in first-seen order.
    order = [
        "the",
        "cat",
        "dog",
        "sat",
        "on",
        "mat",
        "ate",
        "my",
        "homework",
        "bird",
        "fish",
        "end",
    ]
    assert tokenizer.word_index == {w: i for i, w in enumerate(order, start=1)}
    assert tokenizer.index_word == {i: w for i, w in enumerate(order, start=1)}
    assert isinstance(tokenizer.word_counts, OrderedDict)
    assert list(tokenizer.word_counts)[:4] == ["the", "cat", "sat", "on"]
    assert tokenizer.word_counts["the"] == 4 and tokenizer.word_counts["dog"] == 2
    assert tokenizer.word_docs["the"] == 3 and tokenizer.word_docs["cat"] == 2
    assert tokenizer.index_docs[1] == 3 and tokenizer.index_docs[2] == 2
    assert tokenizer.document_count == 3


def test_texts_to_sequences_oov_and_num_words():
    probe = ["the cat and the unknown dog"]
    assert fitted().texts_to_sequences(probe) == [[1, 2, 1, 3]]
    with_oov = fitted(oov_token="<unk>")
    assert with_oov.word_index["<unk>"] == 1 and with_oov.word_index["the"] == 2
    assert with_oov.texts_to_sequences(probe) == [[2, 3, 1, 2, 1, 4]]
    # num_words=3 keeps indices 1 and 2 only.
    assert fitted(num_words=3).texts_to_sequences(probe) == [[1, 2, 1]]
    assert fitted(num_words=3, oov_token="<unk>").texts_to_sequences(probe) == [[2, 1, 1, 2, 1, 1]]
    assert list(fitted().texts_to_sequences_generator(probe)) == [[1, 2, 1, 3]]


def test_sequences_to_texts():
    assert fitted().sequences_to_texts([[1, 2, 0, 99, 3]]) == ["the cat dog"]
    assert fitted(num_words=3, oov_token="<unk>").sequences_to_texts([[2, 3, 50]]) == [
        "the <unk> <unk>"
    ]
    assert list(fitted().sequences_to_texts_generator([[4, 5]])) == ["sat on"]


def test_char_level_and_pretokenized_texts():
    tokenizer = Tokenizer(char_level=True)
    tokenizer.fit_on_texts(["abca", "Bd"])
    assert tokenizer.word_index == {"a": 1, "b": 2, "c": 3, "d": 4}
    assert tokenizer.texts_to_sequences(["dab"]) == [[4, 1, 2]]
    tokenizer = Tokenizer()
    tokenizer.fit_on_texts([["New", "York"], ["new", "home"]])
    assert tokenizer.word_index == {"new": 1, "york": 2, "home": 3}


def reference_matrix(sequences, width, mode, document_count, index_docs):
    matrix = np.zeros((len(sequences), width))
    for row, seq in enumerate(sequences):
        counts = np.bincount([j for j in seq if j < width], minlength=width)
        for j in np.flatnonzero(counts):
            c = counts[j]
            if mode == "binary":
                matrix[row, j] = 1.0
            elif mode == "count":
                matrix[row, j] = c
            elif mode == "freq":
                matrix[row, j] = c / len(seq)
            else:
                tf = 1.0 + math.log(c)
                idf = math.log(1.0 + document_count / (1.0 + index_docs.get(j, 0)))
                matrix[row, j] = tf * idf
    return matrix


@pytest.mark.parametrize("mode", ["binary", "count", "freq", "tfidf"])
@pytest.mark.parametrize("num_words", [None, 5])
def test_matrices_match_reference(mode, num_words):
    tokenizer = fitted(num_words=num_words)
    probe = TEXTS + ["the the the cat zebra", ""]
    out = tokenizer.texts_to_matrix(probe, mode=mode)
    width = num_words or len(tokenizer.word_index) + 1
    seqs = tokenizer.texts_to_sequences(probe)
    expected = reference_matrix(seqs, width, mode, tokenizer.document_count, tokenizer.index_docs)
    assert out.shape == (len(probe), width) and out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=0)
    raw = [[1, 1, 2, 40], [3]]
    np.testing.assert_allclose(
        tokenizer.sequences_to_matrix(raw, mode=mode),
        reference_matrix(raw, width, mode, tokenizer.document_count, tokenizer.index_docs),
        rtol=1e-12,
    )


def test_fit_on_sequences_feeds_tfidf():
    tokenizer = Tokenizer(num_words=4)
    tokenizer.fit_on_sequences([[1, 2, 2], [2, 3]])
    assert tokenizer.document_count == 2 and dict(tokenizer.index_docs) == {1: 1, 2: 2, 3: 1}
    out = tokenizer.sequences_to_matrix([[2, 2]], mode="tfidf")
    np.testing.assert_allclose(out[0, 2], (1 + math.log(2)) * math.log(1 + 2 / 3), rtol=1e-12)


def test_matrix_errors():
    tokenizer = fitted()
    with pytest.raises(ValueError, match="'binary'.*'count'.*'tfidf'.*'freq'.*'onehot'"):
        tokenizer.texts_to_matrix(TEXTS, mode="onehot")
    with pytest.raises(ValueError, match="num_words"):
        Tokenizer().sequences_to_matrix([[1]])
    with pytest.raises(ValueError, match="tfidf"):
        Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="tfidf")
    with pytest.raises(ValueError, match="-1"):
        tokenizer.sequences_to_matrix([[1, -1]])


def test_constructor_arguments():
    with pytest.warns(DeprecationWarning, match="nb_words"):
        tokenizer = Tokenizer(nb_words=7)
    assert tokenizer.num_words == 7
    with pytest.raises(TypeError, match="bogus"):
        Tokenizer(bogus=1)
    with pytest.raises(TypeError, match="num_words"):
        Tokenizer(num_words="10")
    assert Tokenizer(document_count=5).document_count == 5


def test_json_round_trip():
    tokenizer = fitted(num_words=6, oov_token="<unk>")
    config = tokenizer.get_config()
    assert set(config) == {
        "num_words", "filters", "lower", "split", "char_level", "oov_token", "document_count",
        "word_counts", "word_docs", "index_docs", "index_word", "word_index",
    }  # fmt: skip
    assert json.loads(config["word_index"]) == tokenizer.word_index
    payload = json.loads(tokenizer.to_json(indent=2))
    assert payload["class_name"] == "Tokenizer"
    restored = tokenizer_from_json(tokenizer.to_json())
    assert restored.word_index == tokenizer.word_index
    assert restored.index_word == tokenizer.index_word
    assert list(restored.word_counts.items()) == list(tokenizer.word_counts.items())
    assert dict(restored.index_docs) == dict(tokenizer.index_docs)
    assert (
        restored.num_words == 6 and restored.oov_token == "<unk>" and restored.document_count == 3
    )
    probe = ["the zebra ate the cat"]
    assert restored.texts_to_sequences(probe) == tokenizer.texts_to_sequences(probe)
    np.testing.assert_array_equal(
        restored.texts_to_matrix(probe, mode="tfidf"),
        tokenizer.texts_to_matrix(probe, mode="tfidf"),
    )
    restored.fit_on_texts(["more text"])  # a restored tokenizer can keep fitting
    assert restored.document_count == 4


def test_tokenizer_from_handwritten_json():
    tables = dict(
        word_counts={"b": 1, "a": 2}, word_docs={"a": 1, "b": 1}, index_docs={"1": 1, "2": 1}
    )
    config = {key: json.dumps(value) for key, value in tables.items()}
    config["index_word"] = json.dumps({"1": "a", "2": "b"})
    config["word_index"] = json.dumps({"a": 1, "b": 2})
    config.update(
        num_words=None,
        filters="",
        lower=True,
        split=" ",
        char_level=False,
        oov_token=None,
        document_count=1,
    )
    tokenizer = tokenizer_from_json(json.dumps({"class_name": "Tokenizer", "config": config}))
    assert tokenizer.index_word == {1: "a", 2: "b"}
    assert tokenizer.texts_to_sequences(["b a"]) == [[2, 1]]
    with pytest.raises(ValueError, match="'config'"):
        tokenizer_from_json("[1, 2]")
