"""Tests for kerasfront.utils.np_utils against NumPy references."""

import numpy as np
import pytest

from kerasfront.utils.np_utils import normalize, to_categorical


def reference_one_hot(labels, num_classes):
    return np.eye(num_classes, dtype="float32")[np.asarray(labels)]


@pytest.mark.parametrize(
    "labels, num_classes, shape",
    [
        ([0, 2, 1, 2], None, (4, 3)),
        ([0, 2, 1, 2], 5, (4, 5)),
        ([[0], [3], [1]], None, (3, 4)),  # trailing axis of size 1 is dropped
        ([[0, 1], [2, 0]], 3, (2, 2, 3)),
        (np.array([[[1], [0]]]), 2, (1, 2, 2)),
    ],
)
def test_to_categorical_matches_eye(labels, num_classes, shape):
    out = to_categorical(labels, num_classes)
    flat = np.asarray(labels).reshape(-1)
    classes = shape[-1]
    expected = reference_one_hot(flat, classes).reshape(shape)
    assert out.shape == shape and out.dtype == np.float32
    np.testing.assert_array_equal(out, expected)


def test_to_categorical_scalar_dtype_and_float_labels():
    np.testing.assert_array_equal(to_categorical(2, 4), [0, 0, 1, 0])
    out = to_categorical(np.array([1.0, 0.0]), 2, dtype="int64")
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [[0, 1], [1, 0]])
    assert to_categorical([], num_classes=3).shape == (0, 3)


def test_to_categorical_bad_labels():
    with pytest.raises(ValueError, match=r"label 5.*num_classes=3|num_classes=3.*label 5"):
        to_categorical([0, 5, 1], num_classes=3)
    with pytest.raises(ValueError, match="-1"):
        to_categorical([0, -1], num_classes=3)
    with pytest.raises(ValueError, match="1.5"):
        to_categorical([0, 1.5])
    with pytest.raises(ValueError, match="num_classes"):
        to_categorical([])
    with pytest.raises(ValueError, match="dtype"):
        to_categorical(["a", "b"])


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("order", [1, 2, np.inf])
def test_normalize_matches_numpy(axis, order):
    x = np.random.default_rng(0).normal(size=(4, 5))
    norms = np.linalg.norm(x, ord=order, axis=axis, keepdims=True)
    np.testing.assert_allclose(normalize(x, axis=axis, order=order), x / norms, rtol=1e-12)


def test_normalize_zero_rows_and_1d():
    out = normalize([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]], rtol=1e-12)
    # Keras 2 returns a 1-D input as a single row.
    np.testing.assert_allclose(normalize(np.array([3, 4])), [[0.6, 0.8]], rtol=1e-12)
