"""Bidirectional against NumPy references: the merge modes from the forward and backward
layers' own outputs, and Keras 2's LSTM and GRU equations written out in NumPy
(float32: rtol 1e-5, atol 1e-5)."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers, ops
from kerasfront.layers.bidirectional import Bidirectional

RNG = np.random.default_rng(5)
X = RNG.normal(size=(2, 4, 3)).astype("float32")
TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


def numpy_of(x):
    return ops.convert_to_numpy(x)


def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def numpy_lstm(x, kernel, recurrent_kernel, bias, backwards=False):
    """Keras 2's LSTM (tanh, hard_sigmoid; gates i, f, c, o): outputs in processing order
    and the final [h, c]."""
    units = recurrent_kernel.shape[0]
    h = np.zeros((x.shape[0], units))
    c = np.zeros_like(h)
    outputs = []
    for t in range(x.shape[1])[::-1] if backwards else range(x.shape[1]):
        z = x[:, t] @ kernel + h @ recurrent_kernel + bias
        i, f, g, o = (z[:, k * units : (k + 1) * units] for k in range(4))
        c = hard_sigmoid(f) * c + hard_sigmoid(i) * np.tanh(g)
        h = hard_sigmoid(o) * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1), [h, c]


def numpy_gru(x, kernel, recurrent_kernel, bias, backwards=False):
    """Keras 2's GRU (reset_after=False, tanh, hard_sigmoid; gates z, r, h)."""
    units = recurrent_kernel.shape[0]
    h = np.zeros((x.shape[0], units))
    for t in range(x.shape[1])[::-1] if backwards else range(x.shape[1]):
        projected = x[:, t] @ kernel + bias
        x_z, x_r, x_h = (projected[:, k * units : (k + 1) * units] for k in range(3))
        z = hard_sigmoid(x_z + h @ recurrent_kernel[:, :units])
        r = hard_sigmoid(x_r + h @ recurrent_kernel[:, units : 2 * units])
        candidate = np.tanh(x_h + (r * h) @ recurrent_kernel[:, 2 * units :])
        h = z * h + (1 - z) * candidate
    return h


def merge(mode, forward, backward):
    if mode == "concat":
        return np.concatenate([forward, backward], axis=-1)
    return {"sum": forward + backward, "mul": forward * backward, "ave": (forward + backward) / 2}[
        mode
    ]


@pytest.mark.parametrize("mode", ["concat", "sum", "mul", "ave", None])
def test_merge_modes_combine_the_forward_and_reversed_backward_sequences(mode):
    wrapper = Bidirectional(layers.SimpleRNN(4, return_sequences=True), merge_mode=mode)
    result = wrapper(X)
    forward = numpy_of(wrapper.forward_layer(X))
    backward = numpy_of(wrapper.backward_layer(X))[:, ::-1]  # back to input order
    if mode is None:
        assert isinstance(result, list) and len(result) == 2
        np.testing.assert_allclose(numpy_of(result[0]), forward, **TOLERANCE)
        np.testing.assert_allclose(numpy_of(result[1]), backward, **TOLERANCE)
    else:
        np.testing.assert_allclose(numpy_of(result), merge(mode, forward, backward), **TOLERANCE)
    expected_shape = (None, 4, 8 if mode == "concat" else 4)
    shapes = wrapper.compute_output_shape((None, 4, 3))
    assert shapes == ([expected_shape] * 2 if mode is None else expected_shape)


def test_lstm_sequences_and_states_match_numpy_equations():
    wrapper = Bidirectional(
        layers.LSTM(3, return_sequences=True, return_state=True), name="bi_lstm"
    )
    inputs = keras.Input((4, 3))
    outputs = wrapper(inputs)
    assert [t.shape for t in outputs] == [(None, 4, 6)] + [(None, 3)] * 4
    model = keras.Model(inputs, outputs)
    weights = [w + RNG.normal(size=w.shape).astype("float32") * 0.3 for w in model.get_weights()]
    model.set_weights(weights)
    names = [w.name for w in wrapper.weights]
    assert names[0].startswith("forward_") and names[3].startswith("backward_")
    assert [w.shape for w in wrapper.weights] == [(3, 12), (3, 12), (12,)] * 2
    merged, *states = model.predict(X, verbose=0)
    forward, forward_states = numpy_lstm(X, *weights[:3])
    backward, backward_states = numpy_lstm(X, *weights[3:], backwards=True)
    np.testing.assert_allclose(merged, merge("concat", forward, backward[:, ::-1]), **TOLERANCE)
    for actual, expected in zip(states, forward_states + backward_states):
        np.testing.assert_allclose(actual, expected, **TOLERANCE)


def test_gru_last_outputs_summed_match_numpy_equations():
    wrapper = Bidirectional(layers.GRU(3), merge_mode="sum", input_shape=(4, 3))
    model = keras.Sequential([wrapper])
    weights = model.get_weights()
    expected = numpy_gru(X, *weights[:3]) + numpy_gru(X, *weights[3:], backwards=True)
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, **TOLERANCE)


def test_masks_reach_both_directions_and_pass_on_with_sequences():
    tokens = np.array([[1, 2, 3, 0], [4, 0, 5, 6]])
    inputs = keras.Input((4,), dtype="int32")
    embedded = layers.Embedding(7, 3, mask_zero=True)(inputs)
    wrapper = Bidirectional(layers.SimpleRNN(2, return_sequences=True))
    sequences = wrapper(embedded)
    assert sequences.keras_mask is not None and sequences.keras_mask.shape == (None, 4)
    last = Bidirectional(layers.SimpleRNN(2), merge_mode="ave")(sequences)
    assert last.keras_mask is None
    model = keras.Model(inputs, [sequences, last])
    sequence_values, _ = model.predict(tokens, verbose=0)
    vectors = model.layers[1](tokens)
    mask = ops.convert_to_tensor(tokens != 0)
    forward = numpy_of(wrapper.forward_layer(vectors, mask=mask))
    backward = numpy_of(wrapper.backward_layer(vectors, mask=mask))[:, ::-1]
    np.testing.assert_allclose(sequence_values, merge("concat", forward, backward), **TOLERANCE)
    unmasked = numpy_of(wrapper(vectors))
    assert not np.allclose(unmasked, sequence_values)  # the mask changed the result


def test_initial_state_is_split_between_the_directions():
    sequence = keras.Input((4, 3))
    states = [keras.Input((2,)) for _ in range(4)]
    wrapper = Bidirectional(layers.LSTM(2, return_sequences=True))
    model = keras.Model([sequence, *states], wrapper(sequence, initial_state=states))
    values = [RNG.normal(size=(2, 2)).astype("float32") for _ in range(4)]
    result = model.predict([X, *values], verbose=0)
    tensors = [ops.convert_to_tensor(v) for v in values]
    forward = numpy_of(wrapper.forward_layer(X, initial_state=tensors[:2]))
    backward = numpy_of(wrapper.backward_layer(X, initial_state=tensors[2:]))[:, ::-1]
    np.testing.assert_allclose(result, merge("concat", forward, backward), **TOLERANCE)
    with pytest.raises(ValueError, match=r"Bidirectional '.*': initial_state must be a list"):
        wrapper(X, initial_state=tensors[:3])


def test_weights_argument_config_round_trip_and_trainable():
    template = Bidirectional(layers.GRU(2), merge_mode="mul")
    template(X)
    weights = [RNG.normal(size=w.shape).astype("float32") for w in template.weights]
    wrapper = Bidirectional(layers.GRU(2), merge_mode="mul", weights=weights)
    expected = numpy_gru(X, *weights[:3]) * numpy_gru(X, *weights[3:], backwards=True)
    np.testing.assert_allclose(numpy_of(wrapper(X)), expected, **TOLERANCE)
    config = wrapper.get_config()
    assert config["merge_mode"] == "mul" and config["layer"]["class_name"] == "GRU"
    assert config["layer"]["config"]["go_backwards"] is False
    clone = Bidirectional.from_config(config)
    assert clone.backward_layer.go_backwards and not clone.forward_layer.go_backwards
    clone(X)
    clone.set_weights(wrapper.get_weights())
    np.testing.assert_allclose(numpy_of(clone(X)), expected, **TOLERANCE)
    wrapper.trainable = False
    assert wrapper.trainable_weights == [] and len(wrapper.non_trainable_weights) == 6
    assert not wrapper.forward_layer.trainable and not wrapper.backward_layer.trainable


def test_a_given_backward_layer_is_used_and_checked():
    backward = layers.LSTM(2, go_backwards=True, name="custom_back")
    wrapper = Bidirectional(layers.GRU(2), backward_layer=backward, merge_mode="sum")
    assert wrapper.backward_layer is backward and backward.name == "backward_custom_back"
    assert isinstance(wrapper.forward_layer, layers.GRU)
    gru_weights, lstm_weights = wrapper.forward_layer, backward
    wrapper(X)
    forward = numpy_gru(X, *gru_weights.get_weights())
    _, (h, _) = numpy_lstm(X, *lstm_weights.get_weights(), backwards=True)
    np.testing.assert_allclose(numpy_of(wrapper(X)), forward + h, **TOLERANCE)
    config = wrapper.get_config()
    assert config["backward_layer"]["config"]["name"] == "custom_back"
    clone = Bidirectional.from_config(config)
    assert isinstance(clone.backward_layer, layers.LSTM)
    assert clone.backward_layer.name == "backward_custom_back"

    with pytest.raises(ValueError, match=r"opposite direction.*go_backwards=False"):
        Bidirectional(layers.LSTM(2), backward_layer=layers.LSTM(2))
    with pytest.raises(ValueError, match=r"same return_sequences, received False.*True"):
        Bidirectional(
            layers.LSTM(2), backward_layer=layers.LSTM(2, go_backwards=True, return_sequences=True)
        )
    with pytest.raises(ValueError, match=r"same return_state"):
        Bidirectional(
            layers.LSTM(2), backward_layer=layers.LSTM(2, go_backwards=True, return_state=True)
        )
    layer = layers.LSTM(2)
    with pytest.raises(ValueError, match=r"another layer than `layer`"):
        Bidirectional(layer, backward_layer=layer)


def test_non_recurrent_layers_and_unknown_merge_modes_are_refused():
    with pytest.raises(TypeError, match=r"Bidirectional 'bi_dense': layer must be a recurrent"):
        Bidirectional(layers.Dense(3), name="bi_dense")
    with pytest.raises(TypeError, match=r"backward_layer must be a recurrent.*Dense"):
        Bidirectional(layers.LSTM(2), backward_layer=layers.Dense(2))
    with pytest.raises(ValueError, match=r"merge_mode must be one of .*'max'"):
        Bidirectional(layers.LSTM(2), merge_mode="max")


def test_stacked_bidirectional_lstm_model_from_the_keras_docs_trains():
    keras.utils.set_random_seed(1)
    model = keras.Sequential(
        [
            Bidirectional(layers.LSTM(4, return_sequences=True), input_shape=(5, 3)),
            Bidirectional(layers.LSTM(4)),
            layers.Dense(2),
        ]
    )
    assert model.layers[0].output_shape == (None, 5, 8)
    assert model.output_shape == (None, 2)
    x = RNG.normal(size=(16, 5, 3)).astype("float32")
    y = np.stack([x[:, 0, 0], x[:, -1, 1]], axis=1)  # needs both directions
    model.compile(optimizer="adam", loss="mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=8, batch_size=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before


def test_stateful_directions_keep_and_reset_their_states():
    wrapper = Bidirectional(
        layers.SimpleRNN(2, stateful=True, return_sequences=True), batch_input_shape=(2, None, 3)
    )
    keras.Sequential([wrapper])
    first = numpy_of(wrapper(X))
    assert not np.allclose(numpy_of(wrapper(X)), first)  # both directions continued
    wrapper.reset_states()
    np.testing.assert_allclose(numpy_of(wrapper(X)), first, **TOLERANCE)
    zeros = [np.zeros((2, 2), "float32")] * 2
    wrapper.reset_states(zeros)
    np.testing.assert_allclose(numpy_of(wrapper(X)), first, **TOLERANCE)


def test_a_convolutional_lstm_in_both_directions():
    frames = RNG.normal(size=(2, 3, 4, 4, 1)).astype("float32")
    wrapper = Bidirectional(layers.ConvLSTM2D(2, 3, padding="same", return_sequences=True))
    assert wrapper.compute_output_shape((None, 3, 4, 4, 1)) == (None, 3, 4, 4, 4)
    result = numpy_of(wrapper(frames))
    forward = numpy_of(wrapper.forward_layer(frames))
    backward = numpy_of(wrapper.backward_layer(frames))[:, ::-1]
    np.testing.assert_allclose(result, merge("concat", forward, backward), **TOLERANCE)
