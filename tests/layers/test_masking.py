"""Masking against NumPy: the mask, the zeroed timesteps, the configuration."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers, ops


def padded_batch(mask_value):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 4)).astype("float32")
    x[0, 3:] = mask_value  # padded tail
    x[1, 0] = mask_value  # padded head
    x[2, 2, :2] = mask_value  # only some features equal the value: not masked
    return x


@pytest.mark.parametrize("mask_value", [0.0, -1.0])
def test_masking_mask_and_outputs(mask_value):
    x = padded_batch(mask_value)
    layer = layers.Masking(mask_value=mask_value)
    expected_mask = np.any(x != mask_value, axis=-1)
    assert expected_mask.sum() == 15 - 3  # the reference marks what the test set up

    outputs = ops.convert_to_numpy(layer(x))
    np.testing.assert_array_equal(outputs, x * expected_mask[..., None])
    mask = ops.convert_to_numpy(layer.compute_mask(ops.convert_to_tensor(x)))
    assert mask.dtype == bool
    np.testing.assert_array_equal(mask, expected_mask)


def test_masking_supports_masking_and_keeps_the_shape():
    layer = layers.Masking()
    assert layer.supports_masking
    assert layer.mask_value == 0.0
    assert layer(keras.Input(shape=(None, 4))).shape == (None, None, 4)


def test_masking_in_predict_zeroes_masked_steps():
    model = keras.Sequential([layers.Masking(mask_value=-1.0, input_shape=(5, 4))])
    x = padded_batch(-1.0)
    expected = x * np.any(x != -1.0, axis=-1, keepdims=True)
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected)


def test_masking_config_round_trip_and_bad_value():
    layer = layers.Masking(mask_value=2.5)
    assert layers.Masking.from_config(layer.get_config()).mask_value == 2.5
    with pytest.raises(TypeError, match=r"Masking 'bad_masking'.*mask_value must be a number"):
        layers.Masking(mask_value="pad", name="bad_masking")
