"""Stateful recurrent layers: states carried across batches (eagerly and through fit),
reset_states, and the errors about batch sizes (NumPy reference: Keras 2)."""

import numpy as np
import pytest
import rnn_numpy_reference as ref
from gradient_check import needs_training
from rnn_checks import random_weights, to_numpy

from kerasfront import layers, optimizers
from kerasfront.models import Model, Sequential

TOLERANCE = dict(rtol=1e-5, atol=2e-5)
RNG = np.random.default_rng(21)
X = RNG.normal(size=(4, 3, 2)).astype("float32")


def test_states_carry_over_between_calls_and_reset():
    layer = layers.GRU(3, stateful=True, return_sequences=True, reset_after=True)
    layer(X[:2])
    layer.reset_states()
    weights = random_weights(layer, RNG)
    step = ref.gru_step(weights, reset_after=True)
    first, second = to_numpy(layer(X[:2])), to_numpy(layer(X[2:]))
    _, expected, _ = ref.run(step, np.concatenate([X[:2], X[2:]], axis=1), [np.zeros((2, 3))])
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), expected, **TOLERANCE)
    np.testing.assert_allclose(layer.states[0].numpy(), expected[:, -1], **TOLERANCE)
    assert len(layer.get_weights()) == 3  # the states are not weights

    layer.reset_states()
    np.testing.assert_array_equal(layer.states[0].numpy(), np.zeros((2, 3)))
    np.testing.assert_allclose(to_numpy(layer(X[2:])), ref.run(step, X[2:], [np.zeros((2, 3))])[1],
                               **TOLERANCE)  # fmt: skip
    start = RNG.normal(size=(2, 3)).astype("float32")
    layer.reset_states(start)
    np.testing.assert_allclose(
        to_numpy(layer(X[:2])), ref.run(step, X[:2], [start])[1], **TOLERANCE
    )
    with pytest.raises(ValueError, match=r"state 0 must have shape \(2, 3\).*\(3, 3\)"):
        layer.reset_states(np.zeros((3, 3)))
    with pytest.raises(AttributeError, match="stateful=True"):
        layers.LSTM(2).reset_states()


def test_batch_size_errors_name_the_layer_and_sizes():
    with pytest.raises(ValueError, match=r"'stateful_lstm' is stateful.*\(None, 3, 2\)"):
        Sequential([layers.LSTM(2, stateful=True, input_shape=(3, 2), name="stateful_lstm")])
    layer = layers.LSTM(2, stateful=True, name="fixed_batch")
    model = Model(*_wired(layer, batch_shape=(2, 3, 2)))
    assert [s.shape for s in layer.states] == [(2, 2), (2, 2)]
    with pytest.raises(ValueError, match=r"'fixed_batch' is stateful with batch size 2.*4 samples"):
        layer(X)
    assert to_numpy(model(X[:2])).shape == (2, 2)


def _wired(layer, batch_shape):
    inputs = layers.Input(batch_shape=batch_shape)
    return inputs, layer(inputs)


@needs_training
def test_fit_carries_states_across_batches():
    model = Sequential(
        [layers.LSTM(3, stateful=True, return_sequences=True, batch_input_shape=(2, 3, 2)),
         layers.SimpleRNN(2, stateful=True)]
    )  # fmt: skip
    model.compile(optimizers.SGD(learning_rate=0.0), "mse")
    lstm, simple = model.layers
    lstm_weights, simple_weights = random_weights(lstm, RNG), random_weights(simple, RNG)
    model.fit(X, np.zeros((4, 2), "float32"), batch_size=2, epochs=1, shuffle=False, verbose=0)
    # Sample i of the second batch continues sample i of the first.
    sequence = np.concatenate([X[:2], X[2:]], axis=1)
    _, hidden, lstm_states = ref.run(ref.lstm_step(lstm_weights), sequence, [np.zeros((2, 3))] * 2)
    _, _, simple_states = ref.run(ref.simple_rnn_step(simple_weights), hidden, [np.zeros((2, 2))])
    for variable, expected in zip(lstm.states + simple.states, lstm_states + simple_states):
        np.testing.assert_allclose(variable.numpy(), expected, rtol=1e-4, atol=1e-5)
    assert len(model.get_weights()) == 6
