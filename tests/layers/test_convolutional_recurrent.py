"""ConvLSTM2D against a NumPy reference of Keras 2.2.4's equations (float64 reference,
float32 layer: rtol 1e-5, atol 1e-5), its gradients against directional differences of
that reference, and its shapes, states, masks, dropout and configuration."""

import numpy as np
import pytest
from conv_numpy_reference import conv
from gradient_check import layer_gradients, needs_training

import kerasfront as keras
from kerasfront import ops
from kerasfront.layers.convolutional_recurrent import ConvLSTM2D, ConvLSTM2DCell

RNG = np.random.default_rng(3)
X = RNG.normal(size=(2, 3, 5, 5, 2)).astype("float32")  # batch 2, time 3, 5x5x2
TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def numpy_conv_lstm(x, kernel, recurrent_kernel, bias, padding, strides=(1, 1), backwards=False):
    """Keras 2's ConvLSTM2D (channels_last, tanh, hard_sigmoid, gates i, f, c, o):
    (outputs in processing order, final h, final c), in float64."""
    filters = recurrent_kernel.shape[-1] // 4
    steps = range(x.shape[1])[::-1] if backwards else range(x.shape[1])
    h = c = None
    outputs = []
    for t in steps:
        z = conv(x[:, t].astype("float64"), kernel.astype("float64"), strides, padding) + bias
        if h is None:
            h = np.zeros(z.shape[:-1] + (filters,))
            c = np.zeros_like(h)
        z = z + conv(h, recurrent_kernel.astype("float64"), (1, 1), "same")
        i, f, g, o = (z[..., k * filters : (k + 1) * filters] for k in range(4))
        c = hard_sigmoid(f) * c + hard_sigmoid(i) * np.tanh(g)
        h = hard_sigmoid(o) * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1), h, c


def perturbed_weights(layer, rng=RNG, scale=0.3):
    return [w + rng.normal(size=w.shape).astype("float32") * scale for w in layer.get_weights()]


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_sequences_match_the_numpy_equations(padding):
    layer = ConvLSTM2D(3, (3, 3), padding=padding, return_sequences=True)
    layer(X)
    kernel, recurrent_kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 3, 2, 12) and recurrent_kernel.shape == (3, 3, 3, 12)
    np.testing.assert_array_equal(bias, np.repeat([0.0, 1.0, 0.0, 0.0], 3))  # unit_forget_bias
    weights = perturbed_weights(layer)
    layer.set_weights(weights)
    expected, _, _ = numpy_conv_lstm(X, *weights, padding)
    size = 5 if padding == "same" else 3
    assert layer.compute_output_shape((None, 3, 5, 5, 2)) == (None, 3, size, size, 3)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(X)), expected, **TOLERANCE)


def test_last_output_states_strides_and_going_backwards_in_a_model():
    layer = ConvLSTM2D(2, 3, strides=2, padding="same", go_backwards=True, return_state=True)
    inputs = keras.Input((None, 5, 5, 2))
    outputs = layer(inputs)
    assert [t.shape for t in outputs] == [(None, 3, 3, 2)] * 3
    model = keras.Model(inputs, outputs)
    weights = perturbed_weights(layer)
    layer.set_weights(weights)
    last, h, c = model.predict(X, verbose=0)
    _, expected_h, expected_c = numpy_conv_lstm(X, *weights, "same", (2, 2), backwards=True)
    for actual, expected in ((last, expected_h), (h, expected_h), (c, expected_c)):
        np.testing.assert_allclose(actual, expected, **TOLERANCE)


def test_channels_first_matches_channels_last():
    last = ConvLSTM2D(3, 3, padding="same", return_sequences=True)
    first = ConvLSTM2D(3, 3, padding="same", return_sequences=True, data_format="channels_first")
    moved = np.transpose(X, (0, 1, 4, 2, 3))
    assert first.compute_output_shape(moved.shape) == (2, 3, 3, 5, 5)
    last(X)
    first(moved)
    weights = perturbed_weights(last)
    last.set_weights(weights)
    first.set_weights(weights)  # the same layout in both formats
    expected = np.transpose(ops.convert_to_numpy(last(X)), (0, 1, 4, 2, 3))
    np.testing.assert_allclose(ops.convert_to_numpy(first(moved)), expected, **TOLERANCE)


def _objective(weights, x, upstream, padding):
    outputs, _, _ = numpy_conv_lstm(x, *weights, padding)
    return float(np.sum(outputs * upstream))


@needs_training
def test_gradients_match_directional_differences_of_the_reference():
    # Its own generator: the draws (and so the float32 rounding compared) do not depend
    # on which tests ran before.
    rng = np.random.default_rng(5)
    layer = ConvLSTM2D(3, 3, padding="same", return_sequences=True)
    layer(X)
    weights = [w.astype("float64") for w in perturbed_weights(layer, rng)]
    layer.set_weights(weights)
    upstream = rng.normal(size=(2, 3, 5, 5, 3))
    *weight_grads, input_grad = layer_gradients(layer, X, upstream.astype("float32"))
    assert len(weight_grads) == 3
    step = 1e-4
    points = [*weights, X.astype("float64")]
    for index, grad in enumerate([*weight_grads, input_grad]):
        direction = rng.normal(size=points[index].shape)
        shifted = []
        for sign in (1.0, -1.0):
            moved = list(points)
            moved[index] = points[index] + sign * step * direction
            shifted.append(_objective(moved[:3], moved[3], upstream, "same"))
        expected = (shifted[0] - shifted[1]) / (2 * step)
        actual = float(np.sum(grad.astype("float64") * direction))
        assert actual == pytest.approx(expected, rel=1e-4, abs=1e-4), index


def test_masked_last_steps_keep_the_state_and_stateful_calls_continue():
    layer = ConvLSTM2D(2, 3, padding="same")
    full = ops.convert_to_numpy(layer(X[:, :2]))
    mask = ops.convert_to_tensor(np.array([[True, True, False], [True, True, False]]))
    np.testing.assert_allclose(ops.convert_to_numpy(layer(X, mask=mask)), full, **TOLERANCE)

    stateful = ConvLSTM2D(2, 3, padding="same", stateful=True, batch_input_shape=(2, None, 5, 5, 2))
    keras.Sequential([stateful])
    stateful.set_weights(layer.get_weights())
    stateful(X[:, :2])
    continued = ops.convert_to_numpy(stateful(X[:, 2:]))
    np.testing.assert_allclose(continued, ops.convert_to_numpy(layer(X)), **TOLERANCE)
    assert [tuple(state.shape) for state in stateful.states] == [(2, 5, 5, 2)] * 2
    stateful.reset_states()
    np.testing.assert_allclose(ops.convert_to_numpy(stateful(X[:, :2])), full, **TOLERANCE)


@needs_training
def test_dropout_applies_only_while_training():
    layer = ConvLSTM2D(2, 3, padding="same", dropout=0.5, recurrent_dropout=0.5, seed=1)
    plain = ConvLSTM2D(2, 3, padding="same")
    plain(X)
    layer(X)
    layer.set_weights(plain.get_weights())
    inference = ops.convert_to_numpy(layer(X, training=False))
    np.testing.assert_allclose(inference, ops.convert_to_numpy(plain(X)), **TOLERANCE)
    assert not np.allclose(ops.convert_to_numpy(layer(X, training=True)), inference)


def test_config_round_trip_and_keras_names():
    layer = ConvLSTM2D(
        4, (3, 2), strides=(1, 2), padding="same", dilation_rate=1, recurrent_activation="sigmoid",
        use_bias=False, unit_forget_bias=False, return_sequences=True, name="clstm",
    )  # fmt: skip
    config = layer.get_config()
    assert config["filters"] == 4 and config["kernel_size"] == (3, 2)
    assert config["strides"] == (1, 2) and config["recurrent_activation"] == "sigmoid"
    assert config["return_sequences"] is True and config["go_backwards"] is False
    assert "cell" not in config and "units" not in config
    clone = ConvLSTM2D.from_config(config)
    assert clone.get_config() == config
    assert (clone.filters, clone.padding, clone.data_format) == (4, "same", "channels_last")
    clone(X)
    assert [w.name for w in clone.weights] == ["clstm/kernel", "clstm/recurrent_kernel"]
    cell = ConvLSTM2DCell(2, 3)
    assert ConvLSTM2DCell.from_config(cell.get_config()).get_config() == cell.get_config()
    assert cell.state_size == (2, 2)


def test_bad_arguments_and_inputs_name_the_layer():
    with pytest.raises(ValueError, match=r"'clstm_rank' \(ConvLSTM2D\).*ndim=5.*\(None, 3, 5, 2\)"):
        ConvLSTM2D(2, 3, name="clstm_rank")(keras.Input((3, 5, 2)))
    with pytest.raises(ValueError, match=r"ConvLSTM2D 'clstm_shape' expects 5-D inputs"):
        ConvLSTM2D(2, 3, name="clstm_shape").compute_output_shape((None, 3, 5, 2))
    with pytest.raises(ValueError, match=r"filters must be a positive integer, received 0"):
        ConvLSTM2D(0, 3)
    with pytest.raises(ValueError, match=r"padding must be one of"):
        ConvLSTM2D(2, 3, padding="causal")
    with pytest.raises(TypeError, match=r"cannot unroll"):
        ConvLSTM2D(2, 3, unroll=True)
