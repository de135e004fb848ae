"""Core layers against NumPy: Dense, Activation, Dropout, Flatten, Reshape, Lambda."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers, ops, regularizers

RTOL = 1e-5
ATOL = 1e-6


def as_numpy(x):
    return ops.convert_to_numpy(x)


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


# ---- Dense -------------------------------------------------------------------------------


def test_dense_kernel_has_keras_layout():
    layer = layers.Dense(3)
    layer(data(2, 5))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (5, 3)
    assert bias.shape == (3,)
    assert [w.shape for w in layer.weights] == [(5, 3), (3,)]


@pytest.mark.parametrize("activation", [None, "relu", "tanh", "sigmoid", "softmax"])
def test_dense_matches_numpy(activation):
    layer = layers.Dense(4, activation=activation, bias_initializer="glorot_uniform")
    x = data(6, 3)
    outputs = as_numpy(layer(x))
    kernel, bias = layer.get_weights()
    expected = x @ kernel + bias
    if activation is not None:
        expected = NUMPY_ACTIVATIONS[activation](expected)
    np.testing.assert_allclose(outputs, expected, rtol=RTOL, atol=ATOL)


def test_dense_without_bias():
    layer = layers.Dense(2, use_bias=False)
    x = data(3, 4)
    outputs = as_numpy(layer(x))
    assert len(layer.weights) == 1
    np.testing.assert_allclose(outputs, x @ layer.get_weights()[0], rtol=RTOL, atol=ATOL)


def test_dense_on_3d_inputs_acts_on_last_axis():
    layer = layers.Dense(5)
    x = data(2, 3, 4)
    outputs = as_numpy(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == (4, 5)
    assert outputs.shape == (2, 3, 5)
    np.testing.assert_allclose(outputs, x @ kernel + bias, rtol=RTOL, atol=ATOL)

    symbolic = layers.Dense(5)(keras.Input(shape=(7, 4)))
    assert symbolic.shape == (None, 7, 5)


@pytest.mark.parametrize(
    "shape_kwargs, expected",
    [
        ({"input_dim": 4}, (None, 4)),
        ({"input_shape": (4,)}, (None, 4)),
        ({"batch_input_shape": (8, 4)}, (8, 4)),
        ({"input_shape": (4,), "batch_size": 8}, (8, 4)),
    ],
)
def test_dense_first_layer_input_shape_arguments(shape_kwargs, expected):
    model = keras.Sequential([layers.Dense(2, **shape_kwargs)])
    assert model.built
    assert model.input_shape == expected
    assert model.output_shape == (expected[0], 2)
    assert model.layers[0].get_weights()[0].shape == (4, 2)


def test_dense_regularizers_appear_in_losses():
    layer = layers.Dense(
        3,
        kernel_regularizer=regularizers.l2(0.1),
        bias_regularizer=regularizers.l1(0.5),
        bias_initializer="ones",
    )
    layer(data(2, 4))
    kernel, bias = layer.get_weights()
    values = sorted(float(as_numpy(loss)) for loss in layer.losses)
    expected = sorted([0.1 * float(np.sum(kernel**2)), 0.5 * float(np.sum(np.abs(bias)))])
    assert len(values) == 2
    np.testing.assert_allclose(values, expected, rtol=RTOL)


def test_dense_weights_argument_sets_initial_weights():
    kernel = np.arange(6, dtype="float32").reshape(3, 2)
    bias = np.array([1.0, -1.0], dtype="float32")
    layer = layers.Dense(2, weights=[kernel, bias])
    x = data(4, 3)
    outputs = as_numpy(layer(x))
    np.testing.assert_array_equal(layer.get_weights()[0], kernel)
    np.testing.assert_array_equal(layer.get_weights()[1], bias)
    np.testing.assert_allclose(outputs, x @ kernel + bias, rtol=RTOL, atol=ATOL)

    model = keras.Sequential([layers.Dense(2, input_dim=3, weights=[kernel, bias])])
    np.testing.assert_array_equal(model.get_weights()[0], kernel)


def test_dense_symbolic_call_gives_output_shape():
    outputs = layers.Dense(6)(keras.Input(shape=(3,)))
    assert outputs.shape == (None, 6)


# ---- Activation --------------------------------------------------------------------------


def _np_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _np_elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * (np.exp(x) - 1))


NUMPY_ACTIVATIONS = {
    "softmax": _np_softmax,
    "elu": _np_elu,
    "selu": lambda x: 1.0507009873554805 * _np_elu(x, 1.6732632423543772),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softsign": lambda x: x / (np.abs(x) + 1),
    "relu": lambda x: np.maximum(x, 0),
    "tanh": np.tanh,
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "hard_sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0, 1),
    "exponential": np.exp,
    "linear": lambda x: x,
}


@pytest.mark.parametrize("name", sorted(NUMPY_ACTIVATIONS))
def test_activation_matches_numpy(name):
    # Values beyond +-2.5 reach the flat parts of hard_sigmoid; 0 is the relu kink.
    x = np.concatenate([data(3, 5) * 2, np.array([[-4.0, -2.5, 0.0, 2.5, 4.0]])]).astype("float32")
    outputs = as_numpy(layers.Activation(name)(x))
    expected = NUMPY_ACTIVATIONS[name](x.astype("float64"))
    np.testing.assert_allclose(outputs, expected, rtol=RTOL, atol=ATOL)


def test_activation_accepts_a_function():
    x = data(2, 3)
    outputs = as_numpy(layers.Activation(lambda t: t * 3.0)(x))
    np.testing.assert_allclose(outputs, x * 3.0, rtol=RTOL)


def test_activation_keeps_the_shape():
    assert layers.Activation("relu")(keras.Input(shape=(3, 4))).shape == (None, 3, 4)


# ---- Dropout -----------------------------------------------------------------------------


@pytest.mark.parametrize("training", [None, False])
def test_dropout_is_identity_at_inference(training):
    x = data(10, 20)
    outputs = as_numpy(layers.Dropout(0.5)(x, training=training))
    np.testing.assert_array_equal(outputs, x)


def test_dropout_in_predict_is_identity():
    model = keras.Sequential([layers.Dropout(0.9, input_shape=(50,))])
    x = data(8, 50)
    np.testing.assert_allclose(model.predict(x, verbose=0), x, rtol=RTOL)


def test_dropout_at_training_zeroes_rate_and_scales_survivors():
    rate = 0.3
    x = np.abs(data(200, 50)) + 0.1  # no zeros in the input
    outputs = as_numpy(layers.Dropout(rate, seed=3)(x, training=True))
    dropped = outputs == 0
    assert abs(dropped.mean() - rate) < 0.03
    np.testing.assert_allclose(outputs[~dropped], x[~dropped] / (1 - rate), rtol=RTOL)


def test_dropout_noise_shape_drops_whole_columns():
    x = np.ones((4, 6, 30), dtype="float32")
    outputs = as_numpy(layers.Dropout(0.5, noise_shape=(None, 1, None), seed=1)(x, training=True))
    # The mask is shared along axis 1.
    np.testing.assert_array_equal(outputs, np.broadcast_to(outputs[:, :1, :], outputs.shape))
    assert 0 < (outputs == 0).mean() < 1


def test_seeded_dropout_is_reproducible():
    x = np.ones((20, 20), dtype="float32")
    first = as_numpy(layers.Dropout(0.5, seed=42)(x, training=True))
    second = as_numpy(layers.Dropout(0.5, seed=42)(x, training=True))
    np.testing.assert_array_equal(first, second)
    other = as_numpy(layers.Dropout(0.5, seed=7)(x, training=True))
    assert not np.array_equal(first, other)


def test_dropout_rejects_bad_rate():
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(1.5)


# ---- Flatten -----------------------------------------------------------------------------


def test_flatten():
    x = data(2, 3, 4)
    outputs = as_numpy(layers.Flatten()(x))
    np.testing.assert_array_equal(outputs, x.reshape(2, 12))
    assert layers.Flatten()(keras.Input(shape=(3, 4, 5))).shape == (None, 60)


def test_flatten_channels_first_moves_channels_last():
    x = data(2, 3, 4, 5)  # (batch, channels, height, width)
    outputs = as_numpy(layers.Flatten(data_format="channels_first")(x))
    np.testing.assert_array_equal(outputs, np.transpose(x, (0, 2, 3, 1)).reshape(2, -1))
    symbolic = layers.Flatten(data_format="channels_first")(keras.Input(shape=(3, 4, 5)))
    assert symbolic.shape == (None, 60)


def test_flatten_of_unknown_axis_has_unknown_size():
    assert layers.Flatten()(keras.Input(shape=(None, 4))).shape == (None, None)


# ---- Reshape -----------------------------------------------------------------------------


def test_reshape():
    x = data(2, 12)
    layer = layers.Reshape((3, 4))
    np.testing.assert_array_equal(as_numpy(layer(x)), x.reshape(2, 3, 4))
    assert layers.Reshape((3, 4))(keras.Input(shape=(12,))).shape == (None, 3, 4)


def test_reshape_with_minus_one():
    x = data(2, 12)
    np.testing.assert_array_equal(as_numpy(layers.Reshape((-1, 2))(x)), x.reshape(2, 6, 2))
    assert layers.Reshape((2, -1))(keras.Input(shape=(3, 4))).shape == (None, 2, 6)


def test_reshape_to_incompatible_shape_names_the_layer():
    with pytest.raises(ValueError, match="bad_reshape"):
        layers.Reshape((5,), name="bad_reshape")(keras.Input(shape=(12,)))
    with pytest.raises(ValueError, match=r"bad_reshape2.*\(12,\)"):
        layers.Reshape((5, -1), name="bad_reshape2")(data(2, 12))


def test_reshape_rejects_two_unknowns():
    with pytest.raises(ValueError, match="-1"):
        layers.Reshape((-1, -1))


# ---- Lambda ------------------------------------------------------------------------------


def test_lambda_computes_and_traces_its_output_shape():
    layer = layers.Lambda(lambda t: t[:, :2] * 2.0)
    symbolic = layer(keras.Input(shape=(5,)))
    assert symbolic.shape == (None, 2)
    x = data(3, 5)
    np.testing.assert_allclose(as_numpy(layer(x)), x[:, :2] * 2.0, rtol=RTOL)


def test_lambda_arguments():
    layer = layers.Lambda(lambda t, factor: t * factor, arguments={"factor": 3.0})
    x = data(2, 2)
    np.testing.assert_allclose(as_numpy(layer(x)), 3 * x, rtol=RTOL)


def test_lambda_explicit_output_shape_tuple():
    layer = layers.Lambda(lambda t: ops.sum(t, axis=-1, keepdims=True), output_shape=(1,))
    assert layer(keras.Input(shape=(4,))).shape == (None, 1)


def test_lambda_output_shape_function():
    seen = []

    def shape_fn(input_shape):
        seen.append(tuple(input_shape))
        return (input_shape[0], input_shape[1] * 2)

    layer = layers.Lambda(lambda t: ops.concatenate([t, t], axis=-1), output_shape=shape_fn)
    assert layer(keras.Input(shape=(3,))).shape == (None, 6)
    assert seen == [(None, 3)]


def test_lambda_in_a_model():
    inputs = keras.Input(shape=(3,))
    outputs = layers.Lambda(lambda t: ops.square(t))(inputs)
    model = keras.Model(inputs, outputs)
    x = data(4, 3)
    np.testing.assert_allclose(model.predict(x, verbose=0), x**2, rtol=RTOL)


def test_lambda_needs_a_callable():
    with pytest.raises(TypeError, match="callable"):
        layers.Lambda(3)


def test_lambda_mask_function_and_fixed_mask():
    x = data(2, 3)
    incoming = ops.convert_to_tensor(np.array([True, False]))
    with_function = layers.Lambda(lambda t: t * 2.0, mask=lambda inputs, mask: mask)
    assert with_function.supports_masking
    np.testing.assert_array_equal(
        as_numpy(with_function.compute_mask(ops.convert_to_tensor(x), incoming)), [True, False]
    )
    fixed = layers.Lambda(lambda t: t, mask=np.array([False, True]))
    np.testing.assert_array_equal(fixed.compute_mask(x, incoming), [False, True])
    plain = layers.Lambda(lambda t: t)
    assert not plain.supports_masking
    assert plain.compute_mask(x, incoming) is None  # Keras 2: a Lambda drops the mask


def test_lambda_function_receives_the_mask_when_it_takes_one():
    seen = []

    def function(inputs, mask=None):
        seen.append(mask)
        return inputs

    layer = layers.Lambda(function, mask=lambda inputs, mask: mask)
    x = data(2, 3)
    layer(x, mask=ops.convert_to_tensor(np.array([True, False])))
    np.testing.assert_array_equal(as_numpy(seen[-1]), [True, False])
    layer(x)
    assert seen[-1] is None


def test_lambda_output_shape_list_and_multiple_inputs():
    layer = layers.Lambda(lambda ts: ts[0] + ts[1], output_shape=[4])
    first, second = keras.Input(shape=(4,)), keras.Input(shape=(4,))
    assert layer([first, second]).shape == (None, 4)
    assert layer.compute_output_shape([(7, 4), (7, 4)]) == (7, 4)


def test_lambda_bad_arguments():
    with pytest.raises(TypeError, match=r"Lambda 'lam'.*output_shape must be"):
        layers.Lambda(lambda t: t, output_shape="(3,)", name="lam")
    with pytest.raises(TypeError, match=r"Lambda 'lam2'.*arguments must be a dict"):
        layers.Lambda(lambda t: t, arguments=[1], name="lam2")
    with pytest.raises(ValueError, match=r"Lambda 'lam3'.*output_shape function must return"):
        layers.Lambda(lambda t: t, output_shape=lambda s: 3, name="lam3")(keras.Input((2,)))


def test_core_layers_support_masking_as_in_keras_2():
    assert layers.Dense(2).supports_masking
    assert layers.Activation("relu").supports_masking
    assert layers.Dropout(0.5).supports_masking


def test_dense_constraints_in_config():
    layer = layers.Dense(2, kernel_constraint="max_norm", bias_constraint="non_neg")
    config_ = layer.get_config()
    assert config_["kernel_constraint"] == {
        "class_name": "MaxNorm",
        "config": {"max_value": 2, "axis": 0},
    }
    restored = layers.Dense.from_config(config_)
    assert restored.get_config() == config_


def test_dropout_noise_shape_of_the_wrong_rank_is_refused():
    with pytest.raises(ValueError, match=r"Dropout 'drop'.*noise_shape \(None, 1\)"):
        layers.Dropout(0.5, noise_shape=(None, 1), name="drop")(data(2, 3, 4), training=True)
