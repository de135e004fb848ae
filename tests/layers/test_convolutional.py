"""Conv1D, Conv2D, Conv3D against a NumPy reference written from the definition."""

import warnings

import numpy as np
import pytest
from conv_numpy_reference import (
    conv,
    conv_kernel_gradient,
    set_random_weights,
    to_channels_first,
)
from gradient_check import needs_training

import kerasfront as keras
from kerasfront import config, constraints, layers, ops, optimizers, regularizers

RTOL = 1e-5
ATOL = 1e-5  # float32 sums of a few dozen products


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def as_numpy(x):
    return ops.convert_to_numpy(x)


# (layer, channels_last input shape, reference keyword arguments)
FORWARD_CASES = {
    "1d_valid_stride": (layers.Conv1D(4, 3, strides=2), (2, 9, 3), {}),
    "1d_same_dilated": (layers.Conv1D(3, 3, padding="same", dilation_rate=2), (2, 8, 2), {}),
    "1d_causal_dilated": (
        layers.Conv1D(2, 2, padding="causal", dilation_rate=3, activation="tanh"),
        (2, 7, 3),
        {"activation": np.tanh},
    ),
    "1d_channels_first_same": (
        layers.Conv1D(3, 4, strides=3, padding="same", data_format="channels_first"),
        (1, 10, 2),
        {},
    ),
    "2d_valid_strides": (
        layers.Conv2D(4, (3, 2), strides=(2, 1), activation="relu"),
        (2, 7, 5, 3),
        {"activation": lambda v: np.maximum(v, 0)},
    ),
    "2d_same_stride2": (layers.Conv2D(3, 3, strides=2, padding="same"), (1, 6, 7, 2), {}),
    "2d_dilated": (layers.Conv2D(2, 2, dilation_rate=(2, 3)), (2, 6, 7, 3), {}),
    "2d_channels_first": (
        layers.Conv2D(3, (2, 3), strides=(1, 2), padding="same", data_format="channels_first"),
        (2, 5, 6, 2),
        {},
    ),
    "2d_no_bias": (layers.Conv2D(3, 2, use_bias=False), (1, 4, 4, 2), {}),
    "2d_groups": (layers.Conv2D(6, 2, groups=2, padding="same"), (2, 4, 5, 4), {"groups": 2}),
    "3d_valid_stride": (layers.Conv3D(2, (2, 3, 2), strides=2), (1, 5, 6, 4, 2), {}),
    "3d_channels_first_same": (
        layers.Conv3D(3, 2, padding="same", data_format="channels_first"),
        (1, 3, 4, 3, 2),
        {},
    ),
}


@pytest.mark.parametrize("case", sorted(FORWARD_CASES))
def test_conv_matches_numpy(case):
    layer, shape, reference = FORWARD_CASES[case]
    x = data(*shape)
    channels_first = layer.data_format == "channels_first"
    inputs = to_channels_first(x) if channels_first else x
    layer.build(inputs.shape)
    weights = set_random_weights(layer)
    outputs = as_numpy(layer(inputs))

    expected = conv(
        x,
        weights[0],
        layer.strides,
        layer.padding,
        layer.dilation_rate,
        groups=reference.get("groups", 1),
    )
    if layer.use_bias:
        expected = expected + weights[1]
    expected = reference.get("activation", lambda v: v)(expected)
    if channels_first:
        expected = to_channels_first(expected)
    assert layer.compute_output_shape(inputs.shape) == expected.shape
    np.testing.assert_allclose(outputs, expected, rtol=RTOL, atol=ATOL)


def test_causal_output_ignores_the_future():
    layer = FORWARD_CASES["1d_causal_dilated"][0]
    x = data(1, 7, 3, seed=5)
    later = x.copy()
    later[:, 4:] += 10.0
    before, after = as_numpy(layer(np.concatenate([x, later])))
    np.testing.assert_allclose(before[:4], after[:4], rtol=RTOL, atol=ATOL)
    assert not np.allclose(before[4:], after[4:])


def test_kernel_layouts_and_defaults():
    conv1d, conv2d, conv3d = layers.Conv1D(5, 3), layers.Conv2D(5, (3, 2)), layers.Conv3D(5, 2)
    grouped = layers.Conv2D(6, 3, groups=3)
    for layer, shape in [
        (conv1d, (None, 8, 4)),
        (conv2d, (None, 8, 8, 4)),
        (conv3d, (None, 4, 4, 4, 4)),
        (grouped, (None, 8, 8, 9)),
    ]:
        layer.build(shape)
    assert [w.shape for w in conv1d.weights] == [(3, 4, 5), (5,)]
    assert [w.shape for w in conv2d.weights] == [(3, 2, 4, 5), (5,)]
    assert [w.shape for w in conv3d.weights] == [(2, 2, 2, 4, 5), (5,)]
    assert [w.shape for w in grouped.weights] == [(3, 3, 3, 6), (6,)]
    assert conv2d.strides == (1, 1) and conv2d.dilation_rate == (1, 1)
    assert conv2d.padding == "valid" and conv2d.data_format == "channels_last"
    assert not conv2d.get_weights()[1].any()  # bias_initializer "zeros"
    assert conv2d.supports_masking is False


def test_conv1d_keeps_channels_last_when_images_are_channels_first():
    previous = config.image_data_format()
    config.set_image_data_format("channels_first")
    try:
        assert layers.Conv1D(2, 3).data_format == "channels_last"  # Keras 2's Conv1D default
        assert layers.Conv2D(2, 3).data_format == "channels_first"
        assert layers.Conv3D(2, 3).data_format == "channels_first"
    finally:
        config.set_image_data_format(previous)


@needs_training
def test_conv2d_kernel_gradient_from_one_sgd_step():
    learning_rate = 0.5
    inputs = keras.Input((6, 5, 2))
    layer = layers.Conv2D(3, (3, 2), strides=2, padding="same")
    model = keras.Model(inputs, layer(inputs))
    model.compile(optimizer=optimizers.SGD(learning_rate=learning_rate), loss="mse")
    x, y = data(2, 6, 5, 2, seed=3), data(2, 3, 3, 3, seed=4)
    kernel, bias = set_random_weights(layer)

    model.train_on_batch(x, y)

    outputs = conv(x, kernel, (2, 2), "same") + bias
    output_gradient = 2.0 * (outputs - y) / outputs.size  # mse: mean over every entry
    kernel_gradient = conv_kernel_gradient(x, output_gradient, (3, 2), (2, 2), "same", (1, 1))
    new_kernel, new_bias = layer.get_weights()
    np.testing.assert_allclose(
        new_kernel, kernel - learning_rate * kernel_gradient, rtol=1e-5, atol=1e-5
    )
    np.testing.assert_allclose(
        new_bias, bias - learning_rate * output_gradient.sum(axis=(0, 1, 2)), rtol=1e-5, atol=1e-5
    )


def test_unknown_spatial_sizes_and_two_input_sizes():
    inputs = keras.Input((None, None, 3))
    layer = layers.Conv2D(4, 3, strides=2, padding="same")
    outputs = layer(inputs)
    assert outputs.shape == (None, None, None, 4)
    assert layer.compute_output_shape((None, 7, None, 3)) == (None, 4, None, 4)
    assert layers.Conv2D(4, 3).compute_output_shape((None, None, 9, 3)) == (None, None, 7, 4)
    model = keras.Model(inputs, outputs)
    kernel, bias = set_random_weights(layer)
    for shape in [(1, 7, 9, 3), (2, 4, 5, 3)]:
        x = data(*shape)
        np.testing.assert_allclose(
            model.predict(x, verbose=0),
            conv(x, kernel, (2, 2), "same") + bias,
            rtol=RTOL,
            atol=ATOL,
        )


KERAS2_CONV_KEYS = {
    "name",
    "trainable",
    "dtype",
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "data_format",
    "dilation_rate",
    "groups",
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


def test_config_round_trip():
    layer = layers.Conv2D(
        4,
        (3, 2),
        strides=(2, 1),
        padding="same",
        data_format="channels_first",
        activation="relu",
        use_bias=False,
        kernel_initializer="he_normal",
        kernel_regularizer=regularizers.l2(0.01),
        kernel_constraint=constraints.get("max_norm"),
        bias_constraint=constraints.get("non_neg"),
        groups=2,
    )
    config_ = layer.get_config()
    assert set(config_) == KERAS2_CONV_KEYS
    assert config_["kernel_size"] == (3, 2) and config_["strides"] == (2, 1)
    clone = layers.Conv2D.from_config(config_)
    assert clone.get_config() == config_
    conv1d = layers.Conv1D(2, 3, padding="causal", dilation_rate=2)
    assert layers.Conv1D.from_config(conv1d.get_config()).get_config() == conv1d.get_config()
    conv3d = layers.Conv3D(2, 3)
    assert layers.Conv3D.from_config(conv3d.get_config()).get_config() == conv3d.get_config()


def test_regularizers_add_losses():
    layer = layers.Conv1D(
        2, 2, kernel_regularizer=regularizers.l2(0.1), bias_regularizer=regularizers.l1(0.2)
    )
    layer.build((None, 5, 3))
    kernel, bias = set_random_weights(layer)
    losses = [float(as_numpy(loss)) for loss in layer.losses]
    np.testing.assert_allclose(
        losses, [0.1 * np.sum(kernel**2), 0.2 * np.sum(np.abs(bias))], rtol=1e-5
    )


def test_aliases_and_atrous_layers():
    assert layers.Convolution1D is layers.Conv1D
    assert layers.Convolution2D is layers.Conv2D
    assert layers.Convolution3D is layers.Conv3D
    with pytest.warns(DeprecationWarning, match="dilation_rate"):
        atrous1d = layers.AtrousConvolution1D(4, 3, atrous_rate=2, padding="same")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        atrous2d = layers.AtrousConv2D(4, (3, 3), atrous_rate=(2, 1))
        plain = layers.AtrousConvolution2D(4, 3)
        with pytest.raises(TypeError, match="atrous_rate or dilation_rate"):
            layers.AtrousConvolution1D(4, 3, atrous_rate=2, dilation_rate=2)
    assert type(atrous1d) is layers.Conv1D and atrous1d.dilation_rate == (2,)
    assert type(atrous2d) is layers.Conv2D and atrous2d.dilation_rate == (2, 1)
    assert plain.dilation_rate == (1, 1)


# ---- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: layers.Conv2D(0, 3), "filters"),
        (lambda: layers.Conv2D(-2, 3), "filters"),
        (lambda: layers.Conv2D(2, 0), "kernel_size"),
        (lambda: layers.Conv2D(2, (3, -1)), "kernel_size"),
        (lambda: layers.Conv2D(2, (3, 3, 3)), "kernel_size"),
        (lambda: layers.Conv1D(2, 3, strides=0), "strides"),
        (lambda: layers.Conv3D(2, 3, dilation_rate=(1, 0, 1)), "dilation_rate"),
        (lambda: layers.Conv2D(2, 3, padding="full"), "padding"),
        (lambda: layers.Conv2D(2, 3, padding="causal"), "padding"),
        (lambda: layers.Conv2D(2, 3, data_format="channels_middle"), "data_format"),
        (lambda: layers.Conv2D(2, 3, strides=2, dilation_rate=2), "dilation_rate"),
        (lambda: layers.Conv2D(3, 3, groups=2), "groups"),
        (lambda: layers.Conv2D(4, 3, groups=0), "groups"),
    ],
)
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match) as error:
        make()
    assert "Conv" in str(error.value)


def test_bad_inputs_name_the_layer():
    layer = layers.Conv2D(2, 3, name="edge_detector")
    layer(data(1, 5, 5, 3))
    with pytest.raises(ValueError, match="edge_detector.*ndim=4"):
        layer(data(1, 5, 3))
    with pytest.raises(ValueError, match="edge_detector.*axis -1.*value 3"):
        layer(data(1, 5, 5, 4))
    with pytest.raises(ValueError, match=r"edge_detector.*\(1, 2, 5, 3\).*kernel of size \(3, 3\)"):
        layer(data(1, 2, 5, 3))
    with pytest.raises(ValueError, match=r"edge_detector.*\(None, 5, 2, 3\).*kernel"):
        layer(keras.Input((5, 2, 3)))

    unbuilt = layers.Conv1D(2, 4, dilation_rate=2, name="dilated")
    with pytest.raises(ValueError, match=r"dilated.*\(None, 6, 1\).*kernel of size \(4,\)"):
        unbuilt(keras.Input((6, 1)))
    with pytest.raises(ValueError, match="grouped.*multiple of groups=2"):
        layers.Conv2D(4, 1, groups=2, name="grouped").build((None, 3, 3, 3))
    with pytest.raises(ValueError, match="no_channels.*channel axis"):
        layers.Conv2D(4, 1, name="no_channels").build((None, 3, 3, None))
