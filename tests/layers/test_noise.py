"""GaussianNoise, GaussianDropout and AlphaDropout: identity at inference, the right
values and statistics while training (large samples, loose tolerances)."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers, ops

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def run(layer, x, training):
    return ops.convert_to_numpy(layer(x, training=training))


NOISE_LAYERS = [
    lambda: layers.GaussianNoise(0.5),
    lambda: layers.GaussianDropout(0.3),
    lambda: layers.AlphaDropout(0.3),
]


@pytest.mark.parametrize("make", NOISE_LAYERS, ids=["gaussian_noise", "gaussian_dropout", "alpha"])
def test_identity_at_inference(make):
    layer = make()
    x = data(6, 5)
    np.testing.assert_array_equal(run(layer, x, None), x)
    np.testing.assert_array_equal(run(layer, x, False), x)
    assert layer.supports_masking
    assert layer(keras.Input(shape=(5,))).shape == (None, 5)
    model = keras.Sequential([make()])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


def test_gaussian_noise_statistics():
    x = np.full((400, 100), 2.0, dtype="float32")
    noise = run(layers.GaussianNoise(0.5, seed=1), x, True) - x
    assert abs(noise.mean()) < 0.01
    assert abs(noise.std() - 0.5) < 0.01


def test_gaussian_dropout_statistics():
    rate = 0.3
    x = np.full((400, 100), 3.0, dtype="float32")
    factor = run(layers.GaussianDropout(rate, seed=2), x, True) / 3.0
    assert abs(factor.mean() - 1.0) < 0.02
    assert abs(factor.std() - np.sqrt(rate / (1 - rate))) < 0.02


@pytest.mark.parametrize("rate", [0.1, 0.4])
def test_alpha_dropout_values_and_statistics(rate):
    saturation = -SELU_ALPHA * SELU_SCALE
    a = ((1 - rate) * (1 + rate * saturation**2)) ** -0.5
    b = -a * saturation * rate
    x = data(400, 100, seed=3)  # zero mean, unit variance
    outputs = run(layers.AlphaDropout(rate, seed=4), x, True)
    dropped = np.isclose(outputs, a * saturation + b, rtol=0, atol=1e-6)
    assert abs(dropped.mean() - rate) < 0.01
    np.testing.assert_allclose(outputs[~dropped], a * x[~dropped] + b, rtol=1e-5, atol=1e-6)
    # The affine correction keeps zero mean and unit variance.
    assert abs(outputs.mean()) < 0.02
    assert abs(outputs.var() - 1.0) < 0.03


def test_alpha_dropout_noise_shape_shares_the_mask():
    x = data(8, 6, 50, seed=5)
    layer = layers.AlphaDropout(0.5, noise_shape=(None, 1, None), seed=6)
    outputs = run(layer, x, True)
    rate, saturation = 0.5, -SELU_ALPHA * SELU_SCALE
    a = ((1 - rate) * (1 + rate * saturation**2)) ** -0.5
    dropped = np.isclose(outputs, a * saturation - a * saturation * rate, atol=1e-6)
    np.testing.assert_array_equal(dropped, np.broadcast_to(dropped[:, :1], dropped.shape))
    with pytest.raises(ValueError, match=r"AlphaDropout '.*noise_shape \(None, 1\)"):
        layers.AlphaDropout(0.5, noise_shape=(None, 1))(x, training=True)


@pytest.mark.parametrize("cls", [layers.GaussianNoise, layers.GaussianDropout, layers.AlphaDropout])
def test_seeded_noise_is_reproducible(cls):
    x = np.ones((20, 20), dtype="float32")
    first = run(cls(0.3, seed=42), x, True)
    second = run(cls(0.3, seed=42), x, True)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, run(cls(0.3, seed=7), x, True))


def test_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match=r"GaussianNoise 'gn'.*stddev must be a non-negative"):
        layers.GaussianNoise(-1.0, name="gn")
    for rate in (-0.5, 1.0, 2.0):
        with pytest.raises(ValueError, match=r"GaussianDropout 'gd'.*rate must be"):
            layers.GaussianDropout(rate, name="gd")
        with pytest.raises(ValueError, match=r"AlphaDropout 'ad'.*rate must be"):
            layers.AlphaDropout(rate, name="ad")


def test_config_round_trips():
    for layer in (
        layers.GaussianNoise(0.2, seed=1),
        layers.GaussianDropout(0.1),
        layers.AlphaDropout(0.2, noise_shape=(None, 1), seed=3),
    ):
        config_ = layer.get_config()
        restored = type(layer).from_config(config_)
        assert restored.get_config() == config_
