"""Activations by name and as functions, against NumPy formulas (float32, atol 1e-6)."""

from __future__ import annotations

import numpy as np
import pytest

from kerasfront import activations, ops

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805

_rng = np.random.default_rng(3)
X = np.concatenate(
    [_rng.normal(scale=3.0, size=40), [-20.0, -2.5, -1.0, 0.0, 1.0, 2.5, 20.0]]
).astype("float32")
X2 = _rng.normal(size=(3, 5)).astype("float32")


def numpy_softmax(x, axis=-1):
    exps = np.exp(x - x.max(axis=axis, keepdims=True))
    return exps / exps.sum(axis=axis, keepdims=True)


def numpy_elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0)) - 1))


REFERENCES = {
    "softmax": numpy_softmax,
    "elu": numpy_elu,
    "selu": lambda x: SELU_SCALE * numpy_elu(x, SELU_ALPHA),
    "softplus": lambda x: np.logaddexp(x, 0.0),
    "softsign": lambda x: x / (np.abs(x) + 1),
    "relu": lambda x: np.maximum(x, 0),
    "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "hard_sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0.0, 1.0),
    "linear": lambda x: x,
    "exponential": np.exp,
}


def check(actual, expected):
    actual = ops.convert_to_numpy(actual)
    expected = np.asarray(expected, dtype="float64")
    assert actual.shape == expected.shape
    assert actual.dtype == np.float32
    np.testing.assert_allclose(actual, expected, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_by_name_matches_numpy(name):
    function = activations.get(name)
    data = X if name != "exponential" else X / 4  # keep exp(x) where float32 is precise
    check(function(ops.convert_to_tensor(data)), REFERENCES[name](data.astype("float64")))


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_function_is_the_named_one(name):
    function = getattr(activations, name)
    assert activations.get(name) is function
    assert activations.get(function) is function
    assert activations.serialize(function) == name
    check(function(ops.convert_to_tensor(X2)), REFERENCES[name](X2.astype("float64")))


def test_softmax_axis():
    check(activations.softmax(ops.convert_to_tensor(X2), axis=0), numpy_softmax(X2, axis=0))


def test_elu_alpha():
    check(activations.elu(ops.convert_to_tensor(X), alpha=0.3), numpy_elu(X, 0.3))


def test_relu_options():
    expected = np.minimum(np.where(X > 0.5, X, 0.1 * (X - 0.5)), 2.0)
    tensor = ops.convert_to_tensor(X)
    check(activations.relu(tensor, alpha=0.1, max_value=2.0, threshold=0.5), expected)


def test_hard_sigmoid_is_keras2_not_keras3():
    value = ops.convert_to_numpy(activations.hard_sigmoid(ops.convert_to_tensor(np.float32([1.0]))))
    np.testing.assert_allclose(value, [0.7], atol=1e-6)  # Keras 3's x/6 + 0.5 would give 0.667


def test_none_is_linear():
    assert activations.get(None) is activations.linear


def test_custom_callable_is_returned():
    def custom(x):
        return x * 2

    assert activations.get(custom) is custom


def test_unknown_name_lists_options():
    with pytest.raises(ValueError, match="swishy") as raised:
        activations.get("swishy")
    message = str(raised.value)
    for name in REFERENCES:
        assert repr(name) in message


def test_non_callable_raises_type_error():
    with pytest.raises(TypeError):
        activations.get(3)
