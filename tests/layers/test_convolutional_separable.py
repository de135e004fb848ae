"""DepthwiseConv1D/2D and SeparableConv1D/2D against a NumPy reference."""

import numpy as np
import pytest
from conv_numpy_reference import conv, depthwise_conv, set_random_weights, to_channels_first

import kerasfront as keras
from kerasfront import constraints, layers, ops, regularizers

RTOL = 1e-5
ATOL = 1e-5  # float32 sums of a few dozen products


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


# (layer, channels_last input shape)
CASES = {
    "depthwise2d_same_stride": (
        layers.DepthwiseConv2D(3, strides=2, padding="same", depth_multiplier=2),
        (2, 5, 6, 3),
    ),
    "depthwise2d_channels_first_dilated": (
        layers.DepthwiseConv2D(
            (2, 3), dilation_rate=2, data_format="channels_first", activation="relu"
        ),
        (1, 6, 7, 2),
    ),
    "depthwise2d_no_bias": (layers.DepthwiseConv2D(2, use_bias=False), (1, 4, 4, 3)),
    "depthwise1d_same": (layers.DepthwiseConv1D(3, padding="same", depth_multiplier=3), (2, 6, 2)),
    "separable2d_same_stride": (
        layers.SeparableConv2D(4, 3, strides=2, padding="same", depth_multiplier=2),
        (2, 5, 6, 3),
    ),
    "separable2d_channels_first_dilated": (
        layers.SeparableConv2D(
            3, (3, 2), dilation_rate=(1, 2), data_format="channels_first", use_bias=False
        ),
        (1, 5, 6, 2),
    ),
    "separable1d_causal": (
        layers.SeparableConv1D(3, 2, padding="causal", dilation_rate=2, activation="relu"),
        (2, 7, 2),
    ),
    "separable1d_valid_stride": (
        layers.SeparableConv1D(2, 3, strides=2, depth_multiplier=2),
        (1, 9, 3),
    ),
}


def reference(layer, x, weights):
    depthwise = depthwise_conv(x, weights[0], layer.strides, layer.padding, layer.dilation_rate)
    rest = weights[1:]
    if isinstance(layer, layers.SeparableConv1D | layers.SeparableConv2D):
        depthwise = conv(depthwise, rest[0], (1,) * layer.rank, "valid")
        rest = rest[1:]
    if layer.use_bias:
        depthwise = depthwise + rest[0]
    if layer.get_config()["activation"] == "relu":
        depthwise = np.maximum(depthwise, 0)
    return depthwise


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_numpy(case):
    layer, shape = CASES[case]
    x = data(*shape)
    channels_first = layer.data_format == "channels_first"
    inputs = to_channels_first(x) if channels_first else x
    layer.build(inputs.shape)
    weights = set_random_weights(layer)
    outputs = ops.convert_to_numpy(layer(inputs))
    expected = reference(layer, x, weights)
    if channels_first:
        expected = to_channels_first(expected)
    assert layer.compute_output_shape(inputs.shape) == expected.shape
    np.testing.assert_allclose(outputs, expected, rtol=RTOL, atol=ATOL)


def test_weight_layouts_and_channel_order():
    depthwise = layers.DepthwiseConv2D((3, 2), depth_multiplier=2)
    depthwise.build((None, 5, 5, 3))
    assert [w.shape for w in depthwise.weights] == [(3, 2, 3, 2), (6,)]
    separable = layers.SeparableConv2D(4, 3, depth_multiplier=2)
    separable.build((None, 5, 5, 3))
    assert [w.shape for w in separable.weights] == [(3, 3, 3, 2), (1, 1, 6, 4), (4,)]
    separable1d = layers.SeparableConv1D(4, 3)
    separable1d.build((None, 5, 3))
    assert [w.shape for w in separable1d.weights] == [(3, 3, 1), (1, 3, 4), (4,)]

    # Output channel c * depth_multiplier + m is input channel c through filter m.
    kernel = np.zeros((1, 1, 3, 2), "float32")
    for c in range(3):
        for m in range(2):
            kernel[0, 0, c, m] = 10 * c + m + 1
    x = data(1, 2, 2, 3)
    one_by_one = layers.DepthwiseConv2D(1, depth_multiplier=2, use_bias=False)
    one_by_one(x)
    one_by_one.set_weights([kernel])
    outputs = ops.convert_to_numpy(one_by_one(x))
    for c in range(3):
        for m in range(2):
            np.testing.assert_allclose(
                outputs[..., c * 2 + m], x[..., c] * (10 * c + m + 1), rtol=RTOL, atol=ATOL
            )


def test_unknown_spatial_sizes():
    inputs = keras.Input((None, None, 3))
    assert layers.DepthwiseConv2D(3, depth_multiplier=2)(inputs).shape == (None, None, None, 6)
    separable = layers.SeparableConv2D(5, 3, strides=2, padding="same")
    assert separable(inputs).shape == (None, None, None, 5)
    assert separable.compute_output_shape((None, 7, None, 3)) == (None, 4, None, 5)


SHARED_KEYS = {
    "name",
    "trainable",
    "dtype",
    "kernel_size",
    "strides",
    "padding",
    "data_format",
    "dilation_rate",
    "depth_multiplier",
    "activation",
    "use_bias",
    "depthwise_initializer",
    "bias_initializer",
    "depthwise_regularizer",
    "bias_regularizer",
    "activity_regularizer",
    "depthwise_constraint",
    "bias_constraint",
}
POINTWISE_KEYS = {
    "filters",
    "pointwise_initializer",
    "pointwise_regularizer",
    "pointwise_constraint",
}


def test_config_round_trip():
    depthwise = layers.DepthwiseConv2D(
        (3, 2),
        strides=2,
        padding="same",
        depth_multiplier=3,
        depthwise_initializer="he_uniform",
        depthwise_regularizer=regularizers.l1(0.01),
        depthwise_constraint=constraints.get("non_neg"),
    )
    separable = layers.SeparableConv2D(
        8,
        3,
        dilation_rate=2,
        depth_multiplier=2,
        pointwise_initializer="zeros",
        pointwise_regularizer=regularizers.l2(0.1),
        pointwise_constraint=constraints.get("max_norm"),
    )
    separable1d = layers.SeparableConv1D(4, 3, padding="causal")
    assert set(depthwise.get_config()) == SHARED_KEYS
    assert set(separable.get_config()) == SHARED_KEYS | POINTWISE_KEYS
    for layer in (depthwise, separable, separable1d, layers.DepthwiseConv1D(2)):
        config_ = layer.get_config()
        assert type(layer).from_config(config_).get_config() == config_


def test_aliases():
    assert layers.SeparableConvolution1D is layers.SeparableConv1D
    assert layers.SeparableConvolution2D is layers.SeparableConv2D


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: layers.DepthwiseConv2D(3, depth_multiplier=0), "depth_multiplier"),
        (lambda: layers.DepthwiseConv2D(0), "kernel_size"),
        (lambda: layers.DepthwiseConv2D(3, padding="causal"), "padding"),
        (lambda: layers.SeparableConv2D(0, 3), "filters"),
        (lambda: layers.SeparableConv2D(2, 3, padding="causal"), "padding"),
        (lambda: layers.SeparableConv1D(2, 3, data_format="nwc"), "data_format"),
        (lambda: layers.SeparableConv2D(2, 3, strides=2, dilation_rate=2), "dilation_rate"),
    ],
)
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_inputs_name_the_layer():
    layer = layers.SeparableConv2D(2, 3, name="sep")
    layer(data(1, 4, 4, 2))
    with pytest.raises(ValueError, match="sep.*axis -1.*value 2"):
        layer(data(1, 4, 4, 3))
    with pytest.raises(ValueError, match="sep.*ndim=4"):
        layer(data(4, 4, 2))
    with pytest.raises(ValueError, match=r"sep.*\(1, 4, 2, 2\).*kernel of size \(3, 3\)"):
        layer(data(1, 4, 2, 2))
    depthwise = layers.DepthwiseConv2D(4, name="dw")
    with pytest.raises(ValueError, match=r"dw.*\(None, 3, 8, 1\).*kernel"):
        depthwise(keras.Input((3, 8, 1)))
