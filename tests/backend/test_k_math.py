"""The math/tensor family of K (`kerasfront/backend/math_functions.py` and the random
and crossentropy files it exports) against NumPy references written here, with Keras 2's
argument conventions. Float32 results: rtol 1e-5, atol 1e-5 (1e-4 for the logs of
clipped probabilities). Random functions: shapes, dtypes, seeds and statistics.
"""

from __future__ import annotations

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import layers, ops
from kerasfront.backend.random_functions import seed_source
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.variables import SeedGenerator, Variable

needs_training = pytest.mark.skipif(
    not ADAPTER.SUPPORTS_TRAINING, reason="this backend has no gradients"
)

RNG = np.random.default_rng(21)
X = RNG.normal(size=(2, 3, 4)).astype("float32")
M = RNG.normal(size=(3, 4)).astype("float32")
EPS = 1e-7  # K.epsilon()'s default


def close(actual, expected, atol=1e-5):
    actual = np.asarray(K.get_value(actual))
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=atol)


def same(actual, expected):
    actual = np.asarray(K.get_value(actual))
    assert actual.shape == np.shape(expected), f"shape {actual.shape} != {np.shape(expected)}"
    np.testing.assert_array_equal(actual, expected)


# Element-wise functions, comparisons, reductions.


def test_elementwise_and_comparisons():
    close(K.sin(X), np.sin(X))
    close(K.cos(K.variable(M)), np.cos(M))
    halves = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.6], "float32")
    close(K.round(halves), np.array([-2, -2, -0, 0, 2, 2, 3], "float32"))  # ties to even
    same(K.greater_equal(X, M), X >= M)
    same(K.less_equal(ops.convert_to_tensor(X), 0.0), X <= 0.0)
    same(K.not_equal(np.array([1, 2, 3]), 2), np.array([True, False, True]))


def test_all_any():
    data = np.array([[1.0, 0.0, 2.0], [3.0, 4.0, 5.0]], "float32")
    same(K.all(data), False)
    same(K.any(data), True)
    same(K.all(data, axis=1), [False, True])
    same(K.any(data == 0, axis=0, keepdims=True), [[False, True, False]])
    same(K.all(data, axis=[0, 1]), False)


@pytest.mark.parametrize(
    "kwargs", [{}, {"axis": 1}, {"axis": -1, "keepdims": True}, {"axis": [0, 2]}], ids=repr
)
def test_var_std(kwargs):
    axis = kwargs.get("axis")
    numpy_kwargs = {**kwargs, "axis": tuple(axis)} if isinstance(axis, list) else kwargs
    close(K.var(X, **kwargs), X.var(**numpy_kwargs))  # divided by n, as Keras 2
    close(K.std(X, **kwargs), X.std(**numpy_kwargs))


def test_var_of_booleans_is_float():
    flags = np.array([True, False, True, True])
    close(K.var(flags), np.float32(flags.astype("float64").var()))


def test_cumsum_cumprod_default_to_first_axis():
    close(K.cumsum(X), np.cumsum(X, axis=0))
    close(K.cumsum(X, axis=2), np.cumsum(X, axis=2))
    close(K.cumprod(M), np.cumprod(M, axis=0))
    close(K.cumprod(M, axis=-1), np.cumprod(M, axis=-1))


# Creation and shapes.


def test_arange():
    same(K.arange(5), np.arange(5, dtype="int32"))
    same(K.arange(2, 9, 3), np.arange(2, 9, 3, dtype="int32"))
    same(K.arange(-3), np.zeros((0,), "int32"))  # one negative bound: empty, as Theano
    value = K.get_value(K.arange(0, 3, dtype="float32"))
    assert value.dtype == np.float32
    np.testing.assert_array_equal(value, [0.0, 1.0, 2.0])
    # Keras 2: the default int32 does not truncate float bounds.
    close(K.arange(0.0, 1.0, 0.25), np.arange(0.0, 1.0, 0.25, dtype="float32"))


def test_shape_is_an_int32_tensor_usable_in_reshape():
    shape = K.shape(X)
    assert ops.is_tensor(shape)
    same(shape, np.array([2, 3, 4], "int32"))
    assert K.get_value(shape).dtype == np.int32
    close(K.reshape(X, (K.shape(X)[0], -1)), X.reshape(2, -1))
    close(K.reshape(X, K.shape(ops.convert_to_tensor(X.reshape(6, 4)))), X.reshape(6, 4))
    close(K.tile(M, [K.shape(X)[0], 1]), np.tile(M, (2, 1)))


def test_one_hot():
    indices = np.array([[0, 2], [1, 5]])  # 5 is outside [0, 3): a row of zeros
    expected = np.zeros((2, 2, 3), "float32")
    expected[0, 0, 0] = expected[0, 1, 2] = expected[1, 0, 1] = 1.0
    got = K.one_hot(indices, 3)
    assert K.get_value(got).dtype == np.float32
    same(got, expected)


def test_gather():
    same(K.gather(M, [2, 0]), M[[2, 0]])
    indices = np.array([[1, 1], [0, 2]], "int32")
    same(K.gather(K.variable(M), ops.convert_to_tensor(indices)), M[indices])
    with pytest.raises(TypeError, match="K.gather: indices must be integers"):
        K.gather(M, np.array([0.0, 1.0], "float32"))


def test_repeat_is_keras_repeat_vector():
    same(K.repeat(M, 2), np.stack([M, M], axis=1))
    with pytest.raises(ValueError, match="K.repeat takes a 2-D tensor"):
        K.repeat(X, 2)


def test_repeat_elements_reverse_tile():
    same(K.repeat_elements(X, 2, axis=1), np.repeat(X, 2, axis=1))
    same(K.repeat_elements(M, 3, -1), np.repeat(M, 3, axis=-1))
    same(K.reverse(X, 1), X[:, ::-1])
    same(K.reverse(X, [0, 2]), X[::-1, :, ::-1])
    same(K.tile(X, [1, 2, 3]), np.tile(X, (1, 2, 3)))
    same(K.tile(np.arange(3), 2), np.tile(np.arange(3), 2))
    with pytest.raises(ValueError, match="one entry per axis"):
        K.tile(M, [2])


# batch_dot, with a per-sample NumPy reference of Keras 2's rule.


def numpy_batch_dot(x, y, axes):
    x_axis, y_axis = axes
    result = np.stack([np.tensordot(a, b, axes=(x_axis - 1, y_axis - 1)) for a, b in zip(x, y)])
    return result[:, None] if result.ndim == 1 else result


@pytest.mark.parametrize(
    "x_shape, y_shape, axes, reference_axes",
    [
        ((2, 3), (2, 3), None, (1, 1)),  # 2-D inputs: (batch, 1)
        ((2, 3), (2, 3), 1, (1, 1)),
        ((2, 3, 4), (2, 4, 5), None, (2, 1)),
        ((2, 3, 4), (2, 5, 4), (2, 2), (2, 2)),
        ((2, 3, 4), (2, 4), None, (2, 1)),  # 2-D y: its last axis by default
        ((2, 4), (2, 4, 5), None, (1, 1)),
        ((2, 20, 1), (2, 30, 20), (1, 2), (1, 2)),  # the Keras docs' example: (2, 1, 30)
        ((2, 3, 4, 5), (2, 5, 2), None, (3, 1)),
        ((2, 3, 4), (2, 4, 3, 2), (-2, 2), (1, 2)),
    ],
)
def test_batch_dot(x_shape, y_shape, axes, reference_axes):
    x = RNG.normal(size=x_shape).astype("float32")
    y = RNG.normal(size=y_shape).astype("float32")
    close(K.batch_dot(x, y, axes=axes), numpy_batch_dot(x, y, reference_axes))


def test_batch_dot_errors():
    with pytest.raises(ValueError, match="rank 2 or more"):
        K.batch_dot(M[0], M[0])
    with pytest.raises(ValueError, match="batch axis 0"):
        K.batch_dot(M, M, axes=0)
    with pytest.raises(ValueError, match=r"x.shape\[2\] != y.shape\[1\]"):
        K.batch_dot(X, X[:, :2, :])
    with pytest.raises(ValueError, match="batch sizes differ"):
        K.batch_dot(X, X[:1])


# bias_add.


def test_bias_add_vector():
    images = RNG.normal(size=(2, 3, 4, 5)).astype("float32")
    bias = np.arange(5, dtype="float32")
    close(K.bias_add(images, bias), images + bias)
    close(K.bias_add(images, bias[:3], data_format="channels_first"), images + bias[:3, None, None])
    close(K.bias_add(M, bias[:4], "channels_first"), M + bias[:4])


def test_bias_add_full_rank_bias():
    images = RNG.normal(size=(2, 3, 4, 5)).astype("float32")
    bias = RNG.normal(size=(3, 4, 5)).astype("float32")  # (rows, columns, channels)
    close(K.bias_add(images, bias, "channels_last"), images + bias[None])
    # channels_first: Keras 2 reshapes the (rows, columns, channels) bias to
    # (channels, rows, columns), a reshape, not a transpose.
    bias = RNG.normal(size=(4, 5, 3)).astype("float32")
    close(K.bias_add(images, bias, "channels_first"), images + bias.reshape(1, 3, 4, 5))


def test_bias_add_errors():
    with pytest.raises(ValueError, match="data_format"):
        K.bias_add(M, np.ones(4, "float32"), data_format="channels_middle")
    with pytest.raises(ValueError, match="rank 1 or 2"):
        K.bias_add(X, np.ones((1, 3, 4), "float32"))
    with pytest.raises(ValueError, match="has 4 channels"):
        K.bias_add(X, np.ones(3, "float32"))


# Selection and normalisation.


def test_switch():
    negative = -X
    close(K.switch(ops.convert_to_tensor(True), X, negative), X)
    close(K.switch(False, lambda: X, lambda: negative), negative)
    per_sample = np.array([True, False])  # (batch,) against (batch, 3, 4)
    close(K.switch(per_sample, X, negative), np.where(per_sample[:, None, None], X, negative))
    per_row = X[..., 0] > 0  # (batch, 3) against (batch, 3, 4)
    close(K.switch(per_row, lambda: X, 0.0), np.where(per_row[..., None], X, 0.0))
    close(K.switch(X > 0, X, 0.0), np.where(X > 0, X, 0.0))
    with pytest.raises(ValueError, match="rank 3, more than"):
        K.switch(X > 0, M, M)


def test_l2_normalize():
    data = M.copy()
    data[1] = 0.0  # the 1e-12 floor keeps a zero row at zero instead of NaN
    norms = np.sqrt(np.maximum((data**2).sum(axis=-1, keepdims=True), 1e-12))
    close(K.l2_normalize(data, axis=-1), data / norms)
    close(K.l2_normalize(X), X / np.sqrt((X**2).sum()))
    close(K.l2_normalize(X, axis=[1, 2]), X / np.sqrt((X**2).sum(axis=(1, 2), keepdims=True)))


def test_in_top_k_counts_ties_at_the_boundary():
    predictions = np.array(
        [
            [0.1, 0.5, 0.5, 0.2],  # target 2 ties with class 1 at the top: in for k=1
            [0.4, 0.3, 0.3, 0.3],  # target 3 ties with 1 and 2 at rank 2: in for k=2
            [0.1, 0.2, 0.3, 0.4],  # target 0 is last
            [0.1, 0.2, 0.3, 0.4],  # target 7 does not exist
            [0.1, np.nan, 0.3, 0.4],  # a NaN in the row
        ],
        "float32",
    )
    targets = np.array([2, 3, 0, 7, 3])
    same(K.in_top_k(predictions, targets, 1), [True, False, False, False, False])
    same(K.in_top_k(predictions, targets, 2), [True, True, False, False, False])
    same(K.in_top_k(predictions, targets, 4), [True, True, True, False, False])


def numpy_batch_norm(x, mean, var, beta, gamma, epsilon):
    return (x - mean) / np.sqrt(var + epsilon) * gamma + beta


def test_batch_normalization():
    images = RNG.normal(size=(2, 3, 4, 5)).astype("float32")
    mean, var = RNG.normal(size=5).astype("float32"), RNG.uniform(0.5, 2, 5).astype("float32")
    beta, gamma = RNG.normal(size=5).astype("float32"), RNG.normal(size=5).astype("float32")
    close(
        K.batch_normalization(images, mean, var, beta, gamma),
        numpy_batch_norm(images, mean, var, beta, gamma, 1e-3),
    )
    # channels_first: vectors apply along axis 1.
    c = slice(0, 3)
    close(
        K.batch_normalization(images, mean[c], var[c], beta[c], gamma[c], axis=1, epsilon=0.1),
        numpy_batch_norm(
            images, *(v[c, None, None] for v in (mean, var, beta, gamma)), epsilon=0.1
        ),
    )
    full = [v.reshape(1, 1, 1, 5) for v in (mean, var)]
    close(
        K.batch_normalization(images, *full, None, None),
        numpy_batch_norm(images, *full, 0.0, 1.0, 1e-3),
    )


def test_normalize_batch_in_training():
    beta, gamma = RNG.normal(size=4).astype("float32"), RNG.normal(size=4).astype("float32")
    normed, mean, var = K.normalize_batch_in_training(X, gamma, beta, [0, 1])
    expected_mean, expected_var = X.mean(axis=(0, 1)), X.var(axis=(0, 1))
    close(mean, expected_mean)
    close(var, expected_var)
    close(normed, numpy_batch_norm(X, expected_mean, expected_var, beta, gamma, 1e-3))
    # Axes that leave the middle axis: gamma/beta have one entry per kept position.
    gamma_kept = RNG.normal(size=3).astype("float32")
    normed, mean, var = K.normalize_batch_in_training(X, gamma_kept, None, (0, 2), 0.01)
    expected_mean, expected_var = X.mean(axis=(0, 2)), X.var(axis=(0, 2))
    close(mean, expected_mean)
    close(var, expected_var)
    close(
        normed,
        numpy_batch_norm(
            X, expected_mean[:, None], expected_var[:, None], 0.0, gamma_kept[:, None], 0.01
        ),
    )


# Crossentropies: Keras 2's clipping to [eps, 1 - eps], no epsilon inside the log.

PROBABILITIES = np.array([[0.0, 0.3, 1.0], [0.9, 0.5, 1e-9]], "float32")
BINARY_TARGETS = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]], "float32")
LOGITS = np.array([[-30.0, 0.5, 2.0], [40.0, -1.0, 0.0]], "float32")


def numpy_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x.astype("float64")))


def numpy_binary_crossentropy(t, p):
    p = np.clip(p.astype("float64"), EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p))


def numpy_log_softmax(x, axis=-1):
    x = x.astype("float64")
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def test_binary_crossentropy():
    close(
        K.binary_crossentropy(BINARY_TARGETS, PROBABILITIES),
        numpy_binary_crossentropy(BINARY_TARGETS, PROBABILITIES),
        atol=1e-4,
    )
    t, x = BINARY_TARGETS, LOGITS.astype("float64")
    stable = np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))
    close(K.binary_crossentropy(t, LOGITS, from_logits=True), stable)


def test_categorical_crossentropy_normalises_then_clips():
    targets = np.array([[0.0, 1.0, 0.0], [0.2, 0.0, 0.8]], "float32")
    unnormalised = PROBABILITIES * 2.0 + np.array([[0.0], [0.1]], "float32")
    p = unnormalised / unnormalised.sum(axis=-1, keepdims=True)
    expected = -(targets * np.log(np.clip(p, EPS, 1 - EPS))).sum(axis=-1)
    close(K.categorical_crossentropy(targets, unnormalised), expected, atol=1e-4)
    close(
        K.categorical_crossentropy(targets, LOGITS, from_logits=True),
        -(targets * numpy_log_softmax(LOGITS)).sum(axis=-1),
    )
    # Class axis 1 (channels_first): (batch, classes, steps).
    logits = RNG.normal(size=(2, 3, 4)).astype("float32")
    one_hot = np.eye(3, dtype="float32")[RNG.integers(0, 3, size=(2, 4))].transpose(0, 2, 1)
    close(
        K.categorical_crossentropy(one_hot, logits, from_logits=True, axis=1),
        -(one_hot * numpy_log_softmax(logits, axis=1)).sum(axis=1),
    )
    with pytest.raises(ValueError, match="same shape"):
        K.categorical_crossentropy(targets[:, :2], unnormalised)


def test_sparse_categorical_crossentropy():
    logits = RNG.normal(size=(2, 4, 3)).astype("float32")  # (batch, steps, classes)
    labels = RNG.integers(0, 3, size=(2, 4))
    picked = np.take_along_axis(numpy_log_softmax(logits), labels[..., None], -1)[..., 0]
    close(K.sparse_categorical_crossentropy(labels, logits, from_logits=True), -picked)
    # Probabilities: clipped, their logs taken as logits: -log(p_t / sum(p)).
    p = np.clip(PROBABILITIES.astype("float64"), EPS, 1 - EPS)
    labels = np.array([[2], [0]])  # (batch, 1) targets, as Keras allows
    expected = -np.log(p[[0, 1], [2, 0]] / p.sum(axis=-1))
    close(K.sparse_categorical_crossentropy(labels, PROBABILITIES), expected, atol=1e-4)
    # Class axis 1, and an ignored class giving 0.
    channels_first = logits.transpose(0, 2, 1)
    labels = np.array([[0, 1, 2, 1], [2, 2, 0, 1]])
    picked = np.take_along_axis(numpy_log_softmax(logits), labels[..., None], -1)[..., 0]
    close(
        K.sparse_categorical_crossentropy(labels, channels_first, True, axis=1, ignore_class=1),
        np.where(labels == 1, 0.0, -picked),
    )


def test_binary_focal_crossentropy():
    t, p = BINARY_TARGETS, PROBABILITIES.astype("float64")
    p_t = t * p + (1 - t) * (1 - p)
    focal = (1 - p_t) ** 2.0 * numpy_binary_crossentropy(t, PROBABILITIES)
    close(K.binary_focal_crossentropy(t, PROBABILITIES), focal, atol=1e-4)
    balanced = (
        (t * 0.4 + (1 - t) * 0.6) * (1 - p_t) ** 1.5 * numpy_binary_crossentropy(t, PROBABILITIES)
    )
    close(
        K.binary_focal_crossentropy(t, PROBABILITIES, True, alpha=0.4, gamma=1.5),
        balanced,
        atol=1e-4,
    )
    logits = LOGITS[:, 1:]  # moderate logits: the sigmoid stays inside the clipping
    s = numpy_sigmoid(logits)
    t = t[:, 1:]
    p_t = t * s + (1 - t) * (1 - s)
    x = logits.astype("float64")
    bce = np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))
    close(K.binary_focal_crossentropy(t, logits, from_logits=True), (1 - p_t) ** 2 * bce)


def test_categorical_focal_crossentropy():
    targets = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], "float32")
    logits = LOGITS / 10.0
    p = np.exp(numpy_log_softmax(logits))
    p = np.clip(p / p.sum(axis=-1, keepdims=True), EPS, 1 - EPS)
    expected = (0.25 * (1 - p) ** 2.0 * -targets * np.log(p)).sum(axis=-1)
    close(K.categorical_focal_crossentropy(targets, logits, from_logits=True), expected)
    alpha = np.array([0.2, 0.3, 0.5], "float32")
    p = np.clip(PROBABILITIES / PROBABILITIES.sum(axis=-1, keepdims=True), EPS, 1 - EPS)
    expected = (alpha * (1 - p) ** 1.0 * -targets * np.log(p)).sum(axis=-1)
    close(
        K.categorical_focal_crossentropy(targets, PROBABILITIES, alpha=list(alpha), gamma=1.0),
        expected,
        atol=1e-4,
    )


# Random functions.


@pytest.mark.parametrize(
    "draw",
    [
        lambda seed: K.random_uniform((400,), -1.0, 2.0, seed=seed),
        lambda seed: K.random_normal((400,), 1.0, 0.5, seed=seed),
        lambda seed: K.truncated_normal((400,), seed=seed),
        lambda seed: K.random_bernoulli((400,), p=0.3, seed=seed),
        lambda seed: K.random_binomial((400,), p=0.3, seed=seed),
    ],
    ids=["uniform", "normal", "truncated_normal", "bernoulli", "binomial"],
)
def test_random_seeds_shapes_dtypes(draw):
    first = K.get_value(draw(5))
    assert first.shape == (400,) and first.dtype == np.float32
    np.testing.assert_array_equal(first, K.get_value(draw(5)))
    assert not np.array_equal(first, K.get_value(draw(6)))
    assert not np.array_equal(K.get_value(draw(None)), K.get_value(draw(None)))


def test_random_statistics():
    uniform = K.get_value(K.random_uniform((20_000,), -1.0, 3.0, seed=1))
    assert uniform.min() >= -1.0 and uniform.max() < 3.0 and abs(uniform.mean() - 1.0) < 0.05
    normal = K.get_value(K.random_normal((20_000,), 1.0, 0.5, seed=2))
    assert abs(normal.mean() - 1.0) < 0.02 and abs(normal.std() - 0.5) < 0.02
    cut = K.get_value(K.truncated_normal((20_000,), -1.0, 2.0, seed=3))
    assert cut.min() >= -5.0 and cut.max() <= 3.0  # within two standard deviations
    assert abs(cut.mean() + 1.0) < 0.05 and abs(cut.std() - 2.0 * 0.8796) < 0.05
    bits = K.get_value(K.random_bernoulli((20_000,), p=0.3, dtype="int32", seed=4))
    assert bits.dtype == np.int32 and set(np.unique(bits)) <= {0, 1}
    assert abs(bits.mean() - 0.3) < 0.02


def test_random_variables():
    uniform = K.random_uniform_variable((30, 20), -2.0, -1.0, name="u", seed=7)
    assert isinstance(uniform, Variable) and uniform.trainable and uniform.name == "u"
    values = K.get_value(uniform)
    assert values.shape == (30, 20) and values.dtype == np.float32
    assert values.min() >= -2.0 and values.max() < -1.0
    normal = K.random_normal_variable((400,), 3.0, 0.1, dtype="float32", seed=8)
    assert isinstance(normal, Variable)
    assert abs(K.get_value(normal).mean() - 3.0) < 0.03
    np.testing.assert_array_equal(
        K.get_value(normal), K.get_value(K.random_normal_variable((400,), 3.0, 0.1, seed=8))
    )


def test_dropout_scales_the_kept_entries():
    x = np.ones((200, 50), "float32")
    dropped = K.get_value(K.dropout(x, 0.4, seed=3))
    assert set(np.unique(dropped)) <= {0.0, np.float32(1 / 0.6)}
    assert abs((dropped == 0).mean() - 0.4) < 0.03
    np.testing.assert_array_equal(dropped, K.get_value(K.dropout(x, 0.4, seed=3)))
    close(K.dropout(x, 0.0), x)
    # noise_shape shares one draw along its size-1 axes (None takes x's size).
    shared = K.get_value(K.dropout(np.ones((4, 6, 8), "float32"), 0.5, noise_shape=(None, 1, 8)))
    assert (shared == shared[:, :1, :]).all()
    with pytest.raises(ValueError, match="level must be in"):
        K.dropout(x, 1.0)


def test_shape_inside_compiled_function():
    def pure(values, x):
        noise = K.truncated_normal(K.shape(x), stddev=0.1, seed=4)
        return K.reshape(x + noise, (K.shape(x)[0], -1))

    run = ADAPTER.compile_function(pure, [], jit_compile=None)
    got = K.get_value(run(ops.convert_to_tensor(X)))
    assert got.shape == (2, 12)
    assert np.abs(got - X.reshape(2, 12)).max() <= 0.2 + 1e-6  # within two stddevs


def test_seed_source_gives_fresh_draws_and_replays():
    x = np.ones((64,), "float32")

    def two_masks(generator):
        with seed_source(generator):
            return [K.get_value(K.dropout(x, 0.5)) for _ in range(2)]

    first, second = two_masks(SeedGenerator(11))
    assert not np.array_equal(first, second)
    replay = two_masks(SeedGenerator(11))
    np.testing.assert_array_equal(first, replay[0])
    np.testing.assert_array_equal(second, replay[1])


# One training run: a Lambda calling several K functions, a K crossentropy as the loss.


def _features(t):
    unit = K.l2_normalize(t, axis=-1)
    leaky = K.switch(K.greater_equal(t, 0.0), t, 0.1 * t)
    pairs = K.batch_dot(t, t, axes=1)  # (batch, 1)
    running = K.cumsum(t, axis=1)
    spread = K.std(t, axis=-1, keepdims=True)
    # K.shape inside the compiled step: its entries reshape; a seeded dropout mask.
    first_twice = K.reshape(K.repeat(t[:, :1], 2), (K.shape(t)[0], -1))
    return K.concatenate([unit, K.dropout(leaky, 0.1, seed=2), pairs, running, spread, first_twice])


@needs_training
def test_lambda_of_k_functions_trains():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = (x[:, :1] - x[:, 1:2] > 0).astype("float32")
    inputs = keras.Input(shape=(5,))
    hidden = layers.Dense(4)(inputs)
    features = layers.Lambda(_features)(hidden)
    assert features.shape == (None, 4 * 3 + 4)
    logits = layers.Dense(1)(features)
    model = keras.Model(inputs, logits)

    def loss(y_true, y_pred):
        return K.mean(K.binary_crossentropy(y_true, y_pred, from_logits=True), axis=-1)

    model.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss)
    losses = model.fit(x, y, epochs=10, batch_size=16, verbose=0).history["loss"]
    assert np.isfinite(losses).all()
    assert losses[-1] < 0.6 * losses[0]
