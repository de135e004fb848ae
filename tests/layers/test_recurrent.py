"""The RNN base: masks, go_backwards, return_state, initial_state, unroll, dropout, the
fused kernels against the loop, configurations and errors (NumPy reference: Keras 2)."""

import numpy as np
import pytest
import rnn_numpy_reference as ref
from rnn_checks import random_weights, to_numpy

from kerasfront import backend as K
from kerasfront import layers
from kerasfront.backend.registry import ADAPTER
from kerasfront.models import Model, Sequential

TOLERANCE = dict(rtol=1e-5, atol=2e-5)
RNG = np.random.default_rng(11)
X = RNG.normal(size=(3, 6, 4)).astype("float32")
# Sample 0 has padding at the end, sample 1 at the start, sample 2 a hole in the middle.
MASK = np.array(
    [[1, 1, 1, 1, 0, 0], [0, 0, 1, 1, 1, 1], [1, 0, 1, 0, 1, 1]], dtype=bool
)  # fmt: skip


def _lstm(**kwargs):
    layer = layers.LSTM(5, return_sequences=True, return_state=True, **kwargs)
    layer(X)
    return layer


def test_masks_go_backwards_and_initial_state_follow_keras2():
    layer = _lstm(go_backwards=True)
    weights = random_weights(layer, RNG)
    h0, c0 = RNG.normal(size=(3, 5)).astype("float32"), RNG.normal(size=(3, 5)).astype("float32")
    outputs = to_numpy(layer(X, mask=MASK, initial_state=[h0, c0]))
    step = ref.lstm_step(weights)
    last, sequences, states = ref.run(step, X, [h0, c0], go_backwards=True, mask=MASK)
    np.testing.assert_allclose(outputs[0], sequences, **TOLERANCE)
    for got, expected in zip(outputs[1:], states):
        np.testing.assert_allclose(got, expected, **TOLERANCE)
    # Sample 1 ends (in processing order) with two masked steps: its output repeats.
    np.testing.assert_array_equal(outputs[0][1, -1], outputs[0][1, -3])
    # Keras 2: a masked first step repeats the first state, here the initial h.
    np.testing.assert_allclose(outputs[0][0, 0], h0[0], **TOLERANCE)

    forward = layers.LSTM(5, return_sequences=False)
    forward(X)
    forward.set_weights(weights)
    last, _, _ = ref.run(step, X, [np.zeros((3, 5))] * 2, mask=MASK)
    np.testing.assert_allclose(to_numpy(forward(X, mask=MASK)), last, **TOLERANCE)


def test_mask_from_embedding_and_masking_layers_in_models():
    indices = np.array([[3, 5, 0, 0], [2, 0, 7, 1]])
    inputs = layers.Input((4,), dtype="int32")
    embedded = layers.Embedding(8, 3, mask_zero=True)(inputs)
    sequences = layers.GRU(2, return_sequences=True)(embedded)
    last = layers.SimpleRNN(2)(sequences)
    assert sequences.keras_mask is not None and last.keras_mask is None
    model = Model(inputs, [sequences, last])
    gru, simple = model.layers[2], model.layers[3]
    embedding = model.layers[1].get_weights()[0]
    got_sequences, got_last = to_numpy(model(indices))
    mask = indices != 0
    gru_steps = ref.gru_step(gru.get_weights())
    _, expected_sequences, _ = ref.run(gru_steps, embedding[indices], [np.zeros((2, 2))], mask=mask)
    np.testing.assert_allclose(got_sequences, expected_sequences, **TOLERANCE)
    simple_steps = ref.simple_rnn_step(simple.get_weights())
    expected_last, _, _ = ref.run(simple_steps, expected_sequences, [np.zeros((2, 2))], mask=mask)
    np.testing.assert_allclose(got_last, expected_last, **TOLERANCE)

    padded = np.where(MASK[..., None], X, 0.0).astype("float32")
    sequential = Sequential([layers.Masking(0.0, input_shape=(6, 4)), layers.SimpleRNN(3)])
    simple_steps = ref.simple_rnn_step(sequential.layers[1].get_weights())
    expected, _, _ = ref.run(simple_steps, padded, [np.zeros((3, 3))], mask=MASK)
    np.testing.assert_allclose(to_numpy(sequential(padded)), expected, **TOLERANCE)


def test_functional_initial_state_and_return_state():
    encoder_inputs = layers.Input((None, 4))
    encoder = layers.LSTM(5, return_state=True)
    _, h, c = encoder(encoder_inputs)
    decoder_inputs = layers.Input((None, 2))
    decoder = layers.LSTM(5, return_sequences=True)
    decoded = decoder(decoder_inputs, initial_state=[h, c])
    assert decoded.shape == (None, None, 5)
    model = Model([encoder_inputs, decoder_inputs], decoded)
    target = RNG.normal(size=(3, 2, 2)).astype("float32")
    got = to_numpy(model([X, target]))
    _, _, states = ref.run(ref.lstm_step(encoder.get_weights()), X, [np.zeros((3, 5))] * 2)
    _, expected, _ = ref.run(ref.lstm_step(decoder.get_weights()), target, states)
    np.testing.assert_allclose(got, expected, **TOLERANCE)
    # Keras 2's list form [inputs, *initial_state] gives the same numbers.
    np.testing.assert_allclose(
        to_numpy(decoder([target, *[s.astype("float32") for s in states]])), expected, **TOLERANCE
    )


def test_unroll_gives_the_same_numbers_and_zero_output_for_mask_zeros():
    looped, unrolled = _lstm(go_backwards=True), _lstm(go_backwards=True, unroll=True)
    zeroed = _lstm(go_backwards=True, zero_output_for_mask=True)
    weights = random_weights(looped, RNG)
    unrolled.set_weights(weights)
    zeroed.set_weights(weights)
    expected = to_numpy(looped(X, mask=MASK))
    for got, value in zip(to_numpy(unrolled(X, mask=MASK)), expected):
        np.testing.assert_allclose(got, value, **TOLERANCE)
    # Keras 3's zero_output_for_mask: zeros at masked steps, the same states.
    sequences, *states = to_numpy(zeroed(X, mask=MASK))
    kept = MASK[:, ::-1, None]
    np.testing.assert_allclose(sequences, np.where(kept, expected[0], 0.0), **TOLERANCE)
    for got, value in zip(states, expected[1:]):
        np.testing.assert_allclose(got, value, **TOLERANCE)
    assert zeroed.get_config()["zero_output_for_mask"] is True


@pytest.mark.skipif(not ADAPTER.SUPPORTS_TRAINING, reason="dropout needs training")
def test_dropout_masks_are_drawn_once_per_batch_and_only_in_training():
    ones = np.ones((32, 4, 4), "float32")
    # Identity kernel, no recurrence, linear: step t outputs x_t times the input mask.
    inputs_probe = layers.SimpleRNN(4, activation=None, dropout=0.5, return_sequences=True)
    inputs_probe(ones)
    inputs_probe.set_weights([np.eye(4), np.zeros((4, 4)), np.zeros(4)])
    np.testing.assert_array_equal(to_numpy(inputs_probe(ones)), ones)
    dropped = to_numpy(inputs_probe(ones, training=True))
    assert set(np.unique(dropped)) == {0.0, 2.0} and 0.3 < np.mean(dropped == 0) < 0.7
    np.testing.assert_array_equal(dropped, np.repeat(dropped[:, :1], 4, axis=1))
    # No input, identity recurrence, bias 1: h_t = 1 + mask * h_(t-1), with one mask for
    # the whole sequence: 1, 3, 7, 15 where kept and 1, 1, 1, 1 where dropped.
    recurrent_probe = layers.SimpleRNN(
        4, activation=None, recurrent_dropout=0.5, return_sequences=True
    )
    recurrent_probe(ones)
    recurrent_probe.set_weights([np.zeros((4, 4)), np.eye(4), np.ones(4)])
    trajectories = to_numpy(recurrent_probe(ones, training=True)).transpose(0, 2, 1)
    kept = np.all(trajectories == [1, 3, 7, 15], axis=-1)
    dropped = np.all(trajectories == [1, 1, 1, 1], axis=-1)
    assert np.all(kept | dropped) and 0.3 < kept.mean() < 0.7


@pytest.mark.skipif(not ADAPTER.SUPPORTS_TRAINING, reason="dropout needs training")
def test_lstm_dropout_one_mask_per_gate_with_implementation_1():
    # Gates read the dropped inputs directly (identity blocks, linear activations), so the
    # first output is m_o * m_i * m_c: non-zero with probability 1/8 when each gate has
    # its own mask (implementation 1), 1/2 when they share one (implementation 2).
    ones = np.ones((64, 3, 4), "float32")
    kernel = np.concatenate([np.eye(4)] * 4, axis=1)
    fractions = {}
    for implementation in (1, 2):
        layer = layers.LSTM(
            4, activation=None, recurrent_activation=None, dropout=0.5,
            implementation=implementation, return_sequences=True,
        )  # fmt: skip
        layer(ones)
        layer.set_weights([kernel, np.zeros((4, 16)), np.zeros(16)])
        np.testing.assert_allclose(to_numpy(layer(ones))[:, :, 0], [[1, 2, 3]] * 64)
        outputs = to_numpy(layer(ones, training=True))
        fractions[implementation] = np.mean(outputs[:, 0] != 0)
        if implementation == 2:
            # One mask m per sample and unit: c_t = m c_(t-1) + m^2, h_t = m c_t.
            m = np.where(outputs[:, 0] != 0, 2.0, 0.0)
            c1 = m * m
            c2 = m * c1 + m * m
            np.testing.assert_allclose(outputs[:, 1], m * c2, rtol=1e-6)
    assert 0.02 < fractions[1] < 0.25 and 0.35 < fractions[2] < 0.65


def test_fused_kernel_matches_the_loop():
    if getattr(ADAPTER, "lstm", None) is None:
        pytest.skip(f"the {ADAPTER.NAME} engine has no fused kernels")
    for name, kwargs in [("LSTM", {"recurrent_activation": "sigmoid"}),
                         ("GRU", {"recurrent_activation": "sigmoid", "reset_after": True})]:  # fmt: skip
        fused = getattr(layers, name)(5, return_sequences=True, go_backwards=True, **kwargs)
        looped = getattr(layers, name)(
            5, return_sequences=True, go_backwards=True, use_cudnn=False, **kwargs
        )
        fused(X), looped(X)
        looped.set_weights(random_weights(fused, RNG))
        np.testing.assert_allclose(to_numpy(fused(X)), to_numpy(looped(X)), **TOLERANCE)
    # Implementation 2's one input mask is applied to the inputs before the fused kernel.
    kwargs = dict(recurrent_activation="sigmoid", dropout=0.4, implementation=2, seed=7)
    fused, looped = layers.LSTM(5, **kwargs), layers.LSTM(5, use_cudnn=False, **kwargs)
    fused(X), looped(X)
    looped.set_weights(random_weights(fused, RNG))
    np.testing.assert_allclose(
        to_numpy(fused(X, training=True)), to_numpy(looped(X, training=True)), **TOLERANCE
    )
    with pytest.raises(ValueError, match="use_cudnn=True.*recurrent_activation is not sigmoid"):
        layers.LSTM(2, use_cudnn=True)(X)


def test_configurations_round_trip():
    originals = [
        layers.LSTM(3, dropout=0.25, implementation=2, go_backwards=True, stateful=False),
        layers.GRU(2, reset_after=True, return_state=True, recurrent_activation="sigmoid"),
        layers.SimpleRNN(4, activation="relu", unroll=True, kernel_regularizer="l2"),
        layers.RNN(layers.StackedRNNCells([layers.LSTMCell(2), layers.GRUCell(3)])),
        layers.RNN([layers.SimpleRNNCell(2)], return_sequences=True),
    ]
    for layer in originals:
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert type(clone) is type(layer) and clone.get_config() == config
    assert "cell" not in originals[0].get_config()
    assert originals[0].get_config()["implementation"] == 2
    assert layers.LSTM(2, input_dim=3, input_length=7)._batch_input_shape == (None, 7, 3)


def test_bad_inputs_raise_clear_errors():
    layer = layers.LSTM(5, name="lstm_under_test")
    with pytest.raises(ValueError, match="lstm_under_test.*ndim=2"):
        layer(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match=r"lstm_under_test.*2 states.*1 tensors"):
        layer(X, initial_state=[np.zeros((3, 5), "float32")])
    with pytest.raises(ValueError, match=r"lstm_under_test.*state 1 must have shape \(3, 5\)"):
        layer(X, initial_state=[np.zeros((3, 5), "float32"), np.zeros((3, 4), "float32")])
    with pytest.raises(ValueError, match=r"lstm_under_test.*mask.*\(3, 6\).*\(3, 5\)"):
        layer(X, mask=np.ones((3, 5), bool))
    inputs = layers.Input((6, 4))
    with pytest.raises(ValueError, match=r"state 0 must have shape \(None, 5\)"):
        layers.LSTM(5)(inputs, initial_state=[layers.Input((4,)), layers.Input((5,))])
    with pytest.raises(ValueError, match="units must be a positive integer"):
        layers.GRU(0)
    with pytest.raises(ValueError, match=r"dropout must be a number in \[0, 1\)"):
        layers.SimpleRNN(2, dropout=1.0)
    with pytest.raises(TypeError, match="needs a `call"):
        layers.RNN(object())
    with pytest.raises(TypeError, match="state_size"):
        layers.RNN(layers.Dense(2))
    with pytest.raises(TypeError, match="does not support masking"):
        layers.CuDNNLSTM(2)(X, mask=MASK)


class ConstantsCell(layers.Layer):
    """A cell conditioned on a constant (Keras 2's `constants` argument)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units, self.state_size = units, units

    def build(self, input_shape):
        step_shape, constant_shape = input_shape
        self.kernel = self.add_weight("kernel", (step_shape[-1], self.units))
        self.constant_kernel = self.add_weight("constant_kernel", (constant_shape[-1], self.units))

    def call(self, inputs, states, constants):
        output = K.dot(inputs, self.kernel) + K.dot(constants[0], self.constant_kernel) + states[0]
        return output, [output]


def test_constants_reach_the_cell_and_regularizers_the_losses():
    constant = RNG.normal(size=(3, 2)).astype("float32")
    layer = layers.RNN(ConstantsCell(3))
    got = to_numpy(layer(X, constants=constant))
    kernel, constant_kernel = layer.get_weights()
    expected = sum(X[:, t] @ kernel + constant @ constant_kernel for t in range(X.shape[1]))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-4)
    assert layer.get_config()["num_constants"] == 1
    regularized = layers.LSTM(2, kernel_regularizer="l2", recurrent_regularizer="l1")
    regularized(X)
    assert len(regularized.losses) == 2
