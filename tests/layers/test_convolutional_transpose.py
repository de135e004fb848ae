"""Conv1DTranspose, Conv2DTranspose, Conv3DTranspose against a NumPy reference (each input
entry scattered through the kernel), checked to be the adjoint of a convolution."""

import numpy as np
import pytest
from conv_numpy_reference import (
    conv,
    conv_transpose,
    conv_transpose_kernel_gradient,
    set_random_weights,
    to_channels_first,
)
from gradient_check import needs_training

import kerasfront as keras
from kerasfront import layers, ops, optimizers

RTOL = 1e-5
ATOL = 1e-5  # float32 sums of a few dozen products


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


# (layer, channels_last input shape, expected spatial output shape by Keras's rule)
CASES = {
    "2d_valid_stride2": (layers.Conv2DTranspose(3, 3, strides=2), (2, 3, 4, 2), (7, 9)),
    "2d_same_stride2_even_kernel": (
        layers.Conv2DTranspose(2, 4, strides=2, padding="same", activation="relu"),
        (1, 3, 3, 3),
        (6, 6),
    ),
    "2d_stride_above_kernel": (layers.Conv2DTranspose(2, 2, strides=3), (1, 2, 3, 2), (6, 9)),
    "2d_output_padding_valid": (
        layers.Conv2DTranspose(2, 3, strides=(2, 3), output_padding=(1, 2)),
        (1, 3, 2, 2),
        (8, 8),
    ),
    "2d_output_padding_same": (
        layers.Conv2DTranspose(2, (3, 4), strides=2, padding="same", output_padding=(1, 0)),
        (2, 3, 3, 2),
        (6, 4),
    ),
    "2d_dilated": (layers.Conv2DTranspose(2, 2, dilation_rate=(2, 1)), (1, 3, 4, 3), (5, 5)),
    "2d_channels_first_no_bias": (
        layers.Conv2DTranspose(
            3, (2, 3), strides=2, padding="same", data_format="channels_first", use_bias=False
        ),
        (1, 3, 2, 2),
        (6, 4),
    ),
    "1d_same_stride2": (layers.Conv1DTranspose(2, 3, strides=2, padding="same"), (2, 4, 3), (8,)),
    "3d_valid_stride2": (
        layers.Conv3DTranspose(2, (2, 3, 2), strides=2),
        (1, 2, 3, 2, 2),
        (4, 7, 4),
    ),
    "3d_channels_first_same": (
        layers.Conv3DTranspose(2, 2, padding="same", data_format="channels_first"),
        (1, 2, 3, 2, 3),
        (2, 3, 2),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_numpy(case):
    layer, shape, spatial = CASES[case]
    x = data(*shape)
    channels_first = layer.data_format == "channels_first"
    inputs = to_channels_first(x) if channels_first else x
    layer.build(inputs.shape)
    weights = set_random_weights(layer)
    outputs = ops.convert_to_numpy(layer(inputs))

    expected = conv_transpose(
        x, weights[0], layer.strides, layer.padding, layer.output_padding, layer.dilation_rate
    )
    assert expected.shape[1:-1] == spatial
    if layer.use_bias:
        expected = expected + weights[1]
    if layer.get_config()["activation"] == "relu":
        expected = np.maximum(expected, 0)
    if channels_first:
        expected = to_channels_first(expected)
    assert layer.compute_output_shape(inputs.shape) == expected.shape
    np.testing.assert_allclose(outputs, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_is_the_adjoint_of_conv(padding):
    # <conv(z, K), x> == <z, conv_transpose(x, K)>: the (*k, filters, channels) kernel read
    # as a convolution kernel maps `filters` channels back to `channels`.
    layer = layers.Conv2DTranspose(
        2, 3, strides=2, padding=padding, output_padding=1, use_bias=False
    )
    x = data(1, 3, 4, 3, seed=7)
    layer(x)
    (kernel,) = set_random_weights(layer)
    transposed = ops.convert_to_numpy(layer(x))
    z = data(*transposed.shape, seed=8)
    forward = conv(z, kernel, (2, 2), padding)
    assert forward.shape == x.shape
    np.testing.assert_allclose(np.sum(forward * x), np.sum(z * transposed), rtol=1e-4)


def test_kernel_layout():
    layer = layers.Conv2DTranspose(5, (3, 2))
    layer.build((None, 4, 4, 3))
    assert [w.shape for w in layer.weights] == [(3, 2, 5, 3), (5,)]
    layer3d = layers.Conv3DTranspose(5, 2)
    layer3d.build((None, 2, 2, 2, 3))
    assert [w.shape for w in layer3d.weights] == [(2, 2, 2, 5, 3), (5,)]
    assert layer.output_padding is None and layer.strides == (1, 1)


@needs_training
def test_kernel_gradient_from_one_sgd_step():
    learning_rate = 0.5
    inputs = keras.Input((3, 2, 2))
    layer = layers.Conv2DTranspose(3, (3, 2), strides=2, padding="same", output_padding=(1, 1))
    model = keras.Model(inputs, layer(inputs))
    model.compile(optimizer=optimizers.SGD(learning_rate=learning_rate), loss="mse")
    x = data(2, 3, 2, 2, seed=3)
    y = data(2, *model.output_shape[1:], seed=4)
    kernel, bias = set_random_weights(layer)

    model.train_on_batch(x, y)

    outputs = conv_transpose(x, kernel, (2, 2), "same", (1, 1)) + bias
    output_gradient = 2.0 * (outputs - y) / outputs.size  # mse: mean over every entry
    kernel_gradient = conv_transpose_kernel_gradient(
        x, output_gradient, (3, 2), (2, 2), "same", (1, 1)
    )
    new_kernel, new_bias = layer.get_weights()
    np.testing.assert_allclose(
        new_kernel, kernel - learning_rate * kernel_gradient, rtol=1e-5, atol=1e-5
    )
    np.testing.assert_allclose(
        new_bias, bias - learning_rate * output_gradient.sum(axis=(0, 1, 2)), rtol=1e-5, atol=1e-5
    )


def test_unknown_spatial_sizes_and_two_input_sizes():
    inputs = keras.Input((None, None, 3))
    layer = layers.Conv2DTranspose(2, 3, strides=2, padding="same")
    outputs = layer(inputs)
    assert outputs.shape == (None, None, None, 2)
    assert layer.compute_output_shape((None, None, 5, 3)) == (None, None, 10, 2)
    model = keras.Model(inputs, outputs)
    kernel, bias = set_random_weights(layer)
    for shape in [(1, 3, 4, 3), (2, 2, 5, 3)]:
        x = data(*shape)
        np.testing.assert_allclose(
            model.predict(x, verbose=0),
            conv_transpose(x, kernel, (2, 2), "same") + bias,
            rtol=RTOL,
            atol=ATOL,
        )


def test_config_round_trip():
    layer = layers.Conv2DTranspose(
        4, (3, 2), strides=(2, 3), padding="same", output_padding=(1, 2), activation="relu"
    )
    config_ = layer.get_config()
    assert set(config_) == {
        "name",
        "trainable",
        "dtype",
        "filters",
        "kernel_size",
        "strides",
        "padding",
        "output_padding",
        "data_format",
        "dilation_rate",
        "activation",
        "use_bias",
        "kernel_initializer",
        "bias_initializer",
        "kernel_regularizer",
        "bias_regularizer",
        "activity_regularizer",
        "kernel_constraint",
        "bias_constraint",
    }
    assert config_["output_padding"] == (1, 2)
    for original in (layer, layers.Conv3DTranspose(2, 3), layers.Conv1DTranspose(2, 3)):
        config_ = original.get_config()
        assert type(original).from_config(config_).get_config() == config_


def test_aliases():
    assert layers.Deconvolution2D is layers.Conv2DTranspose
    assert layers.Deconv2D is layers.Conv2DTranspose
    assert layers.Convolution2DTranspose is layers.Conv2DTranspose
    assert layers.Deconvolution3D is layers.Conv3DTranspose
    assert layers.Deconv3D is layers.Conv3DTranspose


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=2), "output_padding"),
        (lambda: layers.Conv2DTranspose(2, 3, output_padding=(0, 1)), "output_padding"),
        (lambda: layers.Conv2DTranspose(2, 3, strides=2, output_padding=-1), "output_padding"),
        (lambda: layers.Conv3DTranspose(2, 3, strides=2, output_padding=(1, 1)), "output_padding"),
        (lambda: layers.Conv2DTranspose(2, 3, padding="causal"), "padding"),
        (lambda: layers.Conv2DTranspose(0, 3), "filters"),
        (lambda: layers.Conv2DTranspose(2, (3, 0)), "kernel_size"),
        (lambda: layers.Conv2DTranspose(2, 3, strides=(1, 0)), "strides"),
        (lambda: layers.Conv2DTranspose(2, 3, data_format="NHWC"), "data_format"),
        (lambda: layers.Conv2DTranspose(2, 3, groups=2), "groups"),
        (lambda: layers.Conv2DTranspose(2, 3, strides=2, dilation_rate=2), "dilation_rate"),
    ],
)
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_inputs_name_the_layer():
    layer = layers.Conv2DTranspose(2, 2, strides=2, padding="same", output_padding=0, name="up")
    with pytest.raises(ValueError, match=r"up.*\(None, 1, 3, 4\).*kernel of size \(2, 2\)"):
        layer(keras.Input((1, 3, 4)))  # (1 - 1) * 2 + 2 - 2 * 1 + 0 = 0 rows
    layer(data(1, 2, 3, 4))
    with pytest.raises(ValueError, match="up.*axis -1.*value 4"):
        layer(data(1, 2, 3, 5))
    with pytest.raises(ValueError, match="up.*ndim=4"):
        layer(data(1, 2, 3, 4, 4))
