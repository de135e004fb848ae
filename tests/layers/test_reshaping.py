"""Permute and RepeatVector against NumPy."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers, ops


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


@pytest.mark.parametrize("dims", [(2, 1), (1, 2)])
def test_permute_3d(dims):
    x = data(2, 3, 4)
    result = ops.convert_to_numpy(layers.Permute(dims)(x))
    np.testing.assert_array_equal(result, np.transpose(x, (0, *dims)))


def test_permute_4d_and_symbolic_shape():
    x = data(2, 3, 4, 5)
    layer = layers.Permute((3, 1, 2))
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x)), np.transpose(x, (0, 3, 1, 2)))
    assert layers.Permute((3, 1, 2))(keras.Input(shape=(3, None, 5))).shape == (None, 5, 3, None)
    assert layer.compute_output_shape((7, 3, 4, 5)) == (7, 5, 3, 4)


@pytest.mark.parametrize("dims", [(0, 1), (1, 1), (1, 3), (2,), "ab", 3, (1.0, 2.0)])
def test_permute_refuses_bad_dims(dims):
    with pytest.raises(ValueError, match=r"Permute 'bad_permute'.*permutation of 1\.\.n"):
        layers.Permute(dims, name="bad_permute")


def test_permute_checks_the_input_rank():
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.Permute((2, 1))(data(2, 3, 4, 5))


def test_permute_config_round_trip():
    layer = layers.Permute((2, 1))
    restored = layers.Permute.from_config(layer.get_config())
    assert restored.dims == (2, 1)
    assert restored.get_config() == layer.get_config()


def test_repeat_vector():
    x = data(3, 4)
    layer = layers.RepeatVector(5)
    result = ops.convert_to_numpy(layer(x))
    np.testing.assert_array_equal(result, np.repeat(x[:, None, :], 5, axis=1))
    assert layers.RepeatVector(5)(keras.Input(shape=(4,))).shape == (None, 5, 4)
    assert layer.compute_output_shape((None, 4)) == (None, 5, 4)


def test_repeat_vector_in_a_model():
    model = keras.Sequential([layers.RepeatVector(2, input_shape=(3,))])
    x = data(4, 3)
    np.testing.assert_array_equal(model.predict(x, verbose=0), np.stack([x, x], axis=1))


@pytest.mark.parametrize("n", [0, -1, 2.0, True, None])
def test_repeat_vector_refuses_bad_n(n):
    with pytest.raises(ValueError, match=r"RepeatVector 'rv'.*n must be a positive integer"):
        layers.RepeatVector(n, name="rv")


def test_repeat_vector_needs_2d_inputs_and_round_trips():
    layer = layers.RepeatVector(3)
    with pytest.raises(ValueError, match="expected ndim=2"):
        layer(data(2, 3, 4))
    assert layers.RepeatVector.from_config(layer.get_config()).n == 3
