"""Cropping1D/2D/3D and ZeroPadding1D/2D/3D against NumPy slicing and np.pad: every
spelling of the amounts, both data formats, unknown sizes, configs and errors."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers, ops


def as_numpy(x):
    return ops.convert_to_numpy(x)


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def to_channels_first(x):
    return np.moveaxis(x, -1, 1)


def crop(x, pairs):
    """Channels_last reference: plain slicing with explicit stops."""
    index = tuple(slice(before, n - after) for (before, after), n in zip(pairs, x.shape[1:-1]))
    return x[(slice(None), *index, slice(None))]


def zero_pad(x, pairs):
    out = np.zeros(
        (x.shape[0], *[n + b + a for (b, a), n in zip(pairs, x.shape[1:-1])], x.shape[-1]),
        x.dtype,
    )
    index = tuple(slice(b, b + n) for (b, _), n in zip(pairs, x.shape[1:-1]))
    out[(slice(None), *index, slice(None))] = x
    return out


# (class, argument, the pairs it means, spatial shape)
CROPPINGS = [
    (layers.Cropping1D, 2, ((2, 2),), (7,)),
    (layers.Cropping1D, (0, 3), ((0, 3),), (7,)),
    (layers.Cropping2D, 1, ((1, 1), (1, 1)), (4, 5)),
    (layers.Cropping2D, (1, 2), ((1, 1), (2, 2)), (4, 6)),
    (layers.Cropping2D, ((0, 1), (2, 0)), ((0, 1), (2, 0)), (4, 5)),
    (layers.Cropping3D, ((1, 0), 1, (0, 2)), ((1, 0), (1, 1), (0, 2)), (3, 4, 5)),
]
PADDINGS = [
    (layers.ZeroPadding1D, 2, ((2, 2),), (3,)),
    (layers.ZeroPadding1D, (0, 1), ((0, 1),), (3,)),
    (layers.ZeroPadding2D, 1, ((1, 1), (1, 1)), (2, 3)),
    (layers.ZeroPadding2D, (1, 2), ((1, 1), (2, 2)), (2, 3)),
    (layers.ZeroPadding2D, ((0, 1), (2, 0)), ((0, 1), (2, 0)), (2, 3)),
    (layers.ZeroPadding3D, (1, (0, 2), 0), ((1, 1), (0, 2), (0, 0)), (2, 2, 3)),
]


def _check(cls, argument, pairs, spatial, reference, amount_name):
    x = data(2, *spatial, 3)
    expected = reference(x, pairs)
    layer = cls(argument)
    assert getattr(layer, amount_name) == pairs
    np.testing.assert_array_equal(as_numpy(layer(x)), expected)
    assert layer.compute_output_shape(x.shape) == expected.shape
    if cls not in (layers.Cropping1D,):  # Cropping1D has no data_format (Keras 2 and 3)
        first = cls(argument, data_format="channels_first")
        outputs = as_numpy(first(to_channels_first(x)))
        np.testing.assert_array_equal(outputs, to_channels_first(expected))


@pytest.mark.parametrize("cls, argument, pairs, spatial", CROPPINGS)
def test_cropping_matches_numpy(cls, argument, pairs, spatial):
    _check(cls, argument, pairs, spatial, crop, "cropping")


@pytest.mark.parametrize("cls, argument, pairs, spatial", PADDINGS)
def test_zero_padding_matches_numpy(cls, argument, pairs, spatial):
    _check(cls, argument, pairs, spatial, zero_pad, "padding")


def test_defaults_follow_keras_2():
    assert layers.Cropping1D().cropping == ((1, 1),)
    assert layers.Cropping2D().cropping == ((0, 0), (0, 0))
    assert layers.Cropping3D().cropping == ((1, 1),) * 3
    assert layers.ZeroPadding1D().padding == ((1, 1),)
    assert layers.ZeroPadding2D().padding == ((1, 1),) * 2
    assert layers.ZeroPadding3D().padding == ((1, 1),) * 3
    assert layers.ZeroPadding1D().data_format == "channels_last"
    assert layers.Cropping2D().data_format == keras.backend.image_data_format()


def test_unknown_spatial_sizes_in_a_functional_model():
    inputs = keras.Input((None, 6, 2))
    padded = layers.ZeroPadding2D(((1, 2), (0, 1)))(inputs)
    cropped = layers.Cropping2D(((0, 1), (2, 3)))(padded)
    assert padded.shape == (None, None, 7, 2)
    assert cropped.shape == (None, None, 2, 2)
    model = keras.Model(inputs, cropped)
    for height in (2, 5):
        x = data(1, height, 6, 2, seed=height)
        expected = crop(zero_pad(x, ((1, 2), (0, 1))), ((0, 1), (2, 3)))
        np.testing.assert_array_equal(model.predict(x, verbose=0), expected)


def test_config_round_trip_with_keras_2_keys():
    for layer in [
        layers.Cropping1D((1, 2)),
        layers.Cropping2D(((1, 0), (2, 2)), data_format="channels_first"),
        layers.Cropping3D(1),
        layers.ZeroPadding1D(3),
        layers.ZeroPadding1D(data_format="channels_first"),
        layers.ZeroPadding2D((1, 2)),
        layers.ZeroPadding3D(((0, 1), (1, 0), 2)),
    ]:
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config
    config = layers.Cropping1D(2).get_config()
    assert config["cropping"] == (2, 2) and "data_format" not in config
    config = layers.ZeroPadding1D((0, 2)).get_config()
    assert config["padding"] == (0, 2) and "data_format" not in config
    assert layers.ZeroPadding2D(1).get_config()["padding"] == ((1, 1), (1, 1))


def test_cropping_everything_names_the_layer():
    layer = layers.Cropping2D(((2, 2), (0, 0)), name="greedy")
    with pytest.raises(ValueError, match=r"Cropping2D 'greedy'.*size 4"):
        layer(data(1, 4, 5, 1))
    with pytest.raises(ValueError, match="greedy"):
        layer(keras.Input((3, 5, 1)))
    with pytest.raises(ValueError, match="Cropping1D"):
        layers.Cropping1D((3, 3))(data(2, 5, 1))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.Cropping1D(-1), "cropping"),
        (lambda: layers.Cropping2D(((1, 2, 3), (0, 0))), "entry 0 of cropping"),
        (lambda: layers.Cropping3D((1, 1)), "tuple of 3"),
        (lambda: layers.ZeroPadding2D((1, -2)), "entry 1 of padding"),
        (lambda: layers.ZeroPadding1D(1.5), "padding"),
        (lambda: layers.ZeroPadding3D("same"), "padding"),
        (lambda: layers.ZeroPadding2D(data_format="nhwc"), "data_format"),
    ],
)
def test_argument_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_wrong_rank_is_refused():
    with pytest.raises(ValueError, match="expected ndim=5"):
        layers.ZeroPadding3D()(data(2, 3, 3, 1))
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.Cropping1D()(data(2, 5))
