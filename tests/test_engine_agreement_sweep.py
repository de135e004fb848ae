"""K functions and activations on edge inputs give Keras 2's values and gradients on
every engine: ties (relu and elu at 0, maximum/minimum of equal values, clip at its
bounds, abs at 0) and NaN (sign). Keras 2 ran on TensorFlow, whose gradient rules are
the reference: relu' (0) = 0, elu' (0) = alpha, a tie of maximum/minimum goes wholly to
the first argument, clip passes the gradient at its bounds, abs' (0) = sign(0) = 0.

Found by a sweep comparing the engines with each other; each expectation here is
written from those definitions, in NumPy.
"""

import numpy as np
import pytest

from kerasfront import backend as K
from kerasfront import ops
from kerasfront.backend.registry import ADAPTER

needs_training = pytest.mark.skipif(
    not ADAPTER.SUPPORTS_TRAINING, reason="this backend has no gradients"
)

POINTS = np.asarray([-1.0, 0.0, 0.5, 1.0, 2.0], "float32")


def _gradient(function, x):
    """d sum(function(x)) / dx on the active engine, as NumPy."""

    def objective(values):
        return ops.sum(function(values[0])), None

    _, (grad,) = ADAPTER.value_and_grad(objective)([ops.convert_to_tensor(x)])
    return ops.convert_to_numpy(grad)


# (label, function, expected gradient at POINTS = [-1, 0, 0.5, 1, 2])
GRADIENT_CASES = [
    ("relu", lambda x: K.relu(x), [0, 0, 1, 1, 1]),
    ("elu_alpha", lambda x: K.elu(x, 0.5), [0.5 * np.exp(-1.0), 0.5, 1, 1, 1]),
    ("selu_activation", lambda x: _activation("selu")(x), [None, 1.0507009873554805 * 1.6732632423543772, None, 1.0507009873554805, 1.0507009873554805]),
    ("maximum_tie_to_first", lambda x: K.maximum(x, ops.zeros_like(x)), [0, 1, 1, 1, 1]),
    ("minimum_tie_to_first", lambda x: K.minimum(x, ops.zeros_like(x)), [1, 1, 0, 0, 0]),
    ("maximum_scalar_tie", lambda x: K.maximum(x, 1.0), [0, 0, 0, 1, 1]),
    ("clip_bounds_pass", lambda x: K.clip(x, -1.0, 1.0), [1, 1, 1, 1, 0]),
    ("relu_capped_at_bound", lambda x: K.relu(x, max_value=1.0), [0, 0, 1, 1, 0]),
    ("hard_sigmoid", lambda x: K.hard_sigmoid(x * 2.5), [0.5, 0.5, 0.5, 0.5, 0]),
    ("abs_zero", lambda x: K.abs(x), [-1, 0, 1, 1, 1]),
]  # fmt: skip


def _activation(name):
    from kerasfront import activations

    return activations.get(name)


@needs_training
@pytest.mark.parametrize("label", [case[0] for case in GRADIENT_CASES])
def test_gradient_at_ties_follows_keras2(label):
    _, function, expected = next(case for case in GRADIENT_CASES if case[0] == label)
    got = _gradient(function, POINTS)
    for index, value in enumerate(expected):
        if value is None:  # a point where only the value of the rule above matters
            continue
        np.testing.assert_allclose(got[index], value, rtol=1e-5, atol=1e-6, err_msg=label)


def test_values_at_ties_and_nan():
    nan = np.nan
    x = np.asarray([nan, -2.0, 0.0, 0.5, 3.0], "float32")
    other = np.asarray([0.0, nan, 0.0, 1.0, 1.0], "float32")
    values = {
        "maximum": (K.maximum(x, other), np.asarray([nan, nan, 0, 1, 3])),
        "minimum": (K.minimum(x, other), np.asarray([nan, nan, 0, 0.5, 1])),
        "clip": (K.clip(x, -1.0, 1.0), np.asarray([nan, -1, 0, 0.5, 1])),
        "abs": (K.abs(x), np.abs(x)),
        "sign": (K.sign(x), np.sign(x)),
        "relu": (K.relu(x), np.asarray([nan, 0, 0, 0.5, 3])),
        "elu": (K.elu(x, 0.5), np.asarray([nan, 0.5 * np.expm1(-2.0), 0, 0.5, 3])),
    }
    for name, (got, expected) in values.items():
        np.testing.assert_allclose(
            ops.convert_to_numpy(got), expected, rtol=1e-6, equal_nan=True, err_msg=name
        )
    integers = np.asarray([-3, 0, 4], "int32")
    assert ops.convert_to_numpy(K.abs(integers)).tolist() == [3, 0, 4]
    assert ops.convert_to_numpy(K.maximum(integers, 1)).tolist() == [1, 1, 4]


def test_layer_normalization_in_predict_matches_numpy():
    # TensorFlow's oneDNN rewrite of the compiled predict once refused a gamma of shape
    # (1, .., C) ("scale must be 1D tensor") for the default last-axis normalization.
    from kerasfront import layers, models

    rng = np.random.default_rng(3)
    x = (rng.normal(size=(4, 3, 5)) * 10).astype("float32")
    layer = layers.LayerNormalization()
    model = models.Sequential([layers.InputLayer(input_shape=(3, 5)), layer])
    gamma, beta = rng.normal(size=(2, 5)).astype("float32")
    layer.set_weights([gamma, beta])
    mean, variance = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    expected = (x - mean) / np.sqrt(variance + 1e-3) * gamma + beta
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)


@needs_training
def test_pooling_3d_gradient_outside_a_compiled_step():
    # An eager TensorFlow MaxPool3D recorded no data_format and its gradient failed.
    x = np.arange(2 * 4 * 4 * 4, dtype="float32").reshape(1, 4, 4, 4, 2)
    got = _gradient(lambda t: ops.max_pool(t, 2, None, "valid"), x)
    expected = np.zeros_like(x)
    expected[:, 1::2, 1::2, 1::2, :] = 1.0  # the largest of each 2x2x2 window: its last
    np.testing.assert_array_equal(got, expected)
    got = _gradient(lambda t: ops.average_pool(t, 2, None, "valid"), x)
    np.testing.assert_allclose(got, np.full_like(x, 1 / 8), rtol=1e-6)


def test_max_pooling_of_integers():
    # Keras 2 pools integer tensors (TensorFlow's kernel takes int32); torch's kernel
    # refused them and JAX could not start its window at -inf.
    from kerasfront import layers

    x = np.random.default_rng(4).integers(-50, 50, (2, 5, 3)).astype("int32")
    got = ops.convert_to_numpy(layers.MaxPooling1D(2, strides=2, padding="same")(x))
    padded = np.concatenate([x, np.full((2, 1, 3), np.iinfo("int32").min, "int32")], axis=1)
    expected = padded.reshape(2, 3, 2, 3).max(axis=2)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, expected)
