"""UpSampling1D/2D/3D against NumPy: nearest by index arithmetic, bilinear by the
half-pixel formula; both data formats, unknown sizes, configs and errors."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers, ops

RTOL = 1e-5
ATOL = 1e-5


def as_numpy(x):
    return ops.convert_to_numpy(x)


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def to_channels_first(x):
    return np.moveaxis(x, -1, 1)


def nearest(x, factors):
    """Channels_last reference: output index i along an axis reads input i // factor."""
    for axis, factor in enumerate(factors, start=1):
        source = np.arange(x.shape[axis] * factor) // factor
        x = np.take(x, source, axis=axis)
    return x


def bilinear(x, factors):
    """Channels_last half-pixel bilinear: output i samples input coordinate
    (i + 0.5) / factor - 0.5, clamped to [0, n - 1], between its two neighbours."""
    for axis, factor in enumerate(factors, start=1):
        n = x.shape[axis]
        coordinate = np.clip((np.arange(n * factor) + 0.5) / factor - 0.5, 0, n - 1)
        low = np.floor(coordinate).astype(int)
        high = np.minimum(low + 1, n - 1)
        weight = (coordinate - low).reshape([-1 if a == axis else 1 for a in range(x.ndim)])
        x = np.take(x, low, axis=axis) * (1 - weight) + np.take(x, high, axis=axis) * weight
    return x.astype("float32")


@pytest.mark.parametrize(
    "cls, size, factors, spatial",
    [
        (layers.UpSampling1D, 3, (3,), (4,)),
        (layers.UpSampling2D, (2, 3), (2, 3), (3, 2)),
        (layers.UpSampling2D, 2, (2, 2), (2, 3)),
        (layers.UpSampling3D, (1, 2, 3), (1, 2, 3), (2, 3, 2)),
    ],
)
def test_nearest_matches_numpy(cls, size, factors, spatial):
    x = data(2, *spatial, 3)
    expected = nearest(x, factors)
    layer = cls(size)
    np.testing.assert_array_equal(as_numpy(layer(x)), expected)
    assert layer.compute_output_shape(x.shape) == expected.shape
    if cls is not layers.UpSampling1D:  # Keras's UpSampling1D has no data_format
        first = cls(size, data_format="channels_first")
        np.testing.assert_array_equal(
            as_numpy(first(to_channels_first(x))), to_channels_first(expected)
        )


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_bilinear_matches_the_half_pixel_formula(data_format):
    x = data(2, 3, 4, 2)
    expected = bilinear(x, (2, 3))
    layer = layers.UpSampling2D((2, 3), data_format=data_format, interpolation="bilinear")
    if data_format == "channels_last":
        outputs = as_numpy(layer(x))
    else:
        outputs = np.moveaxis(as_numpy(layer(to_channels_first(x))), 1, -1)
    np.testing.assert_allclose(outputs, expected, rtol=RTOL, atol=ATOL)


def test_defaults_follow_keras_2():
    assert layers.UpSampling1D().size == (2,)
    layer = layers.UpSampling2D()
    assert (layer.size, layer.interpolation) == ((2, 2), "nearest")
    assert layer.data_format == keras.backend.image_data_format()
    assert layers.UpSampling3D().size == (2, 2, 2)


def test_unknown_spatial_sizes_in_a_functional_model():
    inputs = keras.Input((None, 3, 2))
    upsampled = layers.UpSampling2D((2, 3), interpolation="bilinear")(inputs)
    assert upsampled.shape == (None, None, 9, 2)
    model = keras.Model(inputs, upsampled)
    for height in (2, 3):
        x = data(1, height, 3, 2, seed=height)
        np.testing.assert_allclose(
            model.predict(x, verbose=0), bilinear(x, (2, 3)), rtol=RTOL, atol=ATOL
        )
    assert layers.UpSampling3D(2)(keras.Input((None, 2, None, 1))).shape == (None, None, 4, None, 1)


def test_config_round_trip_with_keras_2_keys():
    for layer in [
        layers.UpSampling1D(3),
        layers.UpSampling2D((1, 2), data_format="channels_first", interpolation="bilinear"),
        layers.UpSampling3D(2),
    ]:
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
    config = layers.UpSampling1D(4).get_config()
    assert config["size"] == 4 and "data_format" not in config
    assert layers.UpSampling2D().get_config()["interpolation"] == "nearest"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.UpSampling1D(0), "size"),
        (lambda: layers.UpSampling2D((2, -1)), "size"),
        (lambda: layers.UpSampling3D((2, 2)), "size"),
        (lambda: layers.UpSampling2D(interpolation="bicubic"), "interpolation"),
        (lambda: layers.UpSampling2D(data_format="channels"), "data_format"),
    ],
)
def test_argument_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_wrong_rank_is_refused():
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.UpSampling2D()(data(2, 3, 3))
