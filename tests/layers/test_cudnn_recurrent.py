"""CuDNNLSTM and CuDNNGRU: Keras 2's CuDNN weight layout and cuDNN's equations (NumPy
reference), the fused kernel against the loop, gradients, configurations."""

import numpy as np
import pytest
import rnn_numpy_reference as ref
from gradient_check import needs_training
from rnn_checks import (
    check_against_directional_differences,
    objective_gradients,
    random_weights,
    to_numpy,
)

from kerasfront import layers

TOLERANCE = dict(rtol=1e-5, atol=2e-5)
RNG = np.random.default_rng(31)
X = RNG.normal(size=(3, 5, 4)).astype("float32")
STEPS = {"CuDNNLSTM": ref.cudnn_lstm_step, "CuDNNGRU": ref.cudnn_gru_step}


@pytest.mark.parametrize("name", ["CuDNNLSTM", "CuDNNGRU"])
def test_matches_cudnn_equations_and_the_loop(name):
    layer = getattr(layers, name)(4, return_sequences=True, return_state=True, go_backwards=True)
    looped = getattr(layers, name)(
        4, return_sequences=True, return_state=True, go_backwards=True, use_cudnn=False
    )
    layer(X), looped(X)
    weights = random_weights(layer, RNG)
    looped.set_weights(weights)
    gates = 4 if name == "CuDNNLSTM" else 3
    assert [w.shape for w in weights] == [(4, 4 * gates), (4, 4 * gates), (8 * gates,)]
    got = to_numpy(layer(X))
    states = [np.zeros((3, 4))] * (2 if name == "CuDNNLSTM" else 1)
    _, sequences, final = ref.run(STEPS[name](weights), X, states, go_backwards=True)
    for actual, expected in zip(got, [sequences, *final]):
        np.testing.assert_allclose(actual, expected, **TOLERANCE)
    for actual, expected in zip(to_numpy(looped(X)), got):
        np.testing.assert_allclose(actual, expected, **TOLERANCE)


def test_cudnn_layers_equal_the_keras_layers_they_are():
    """CuDNNGRU is GRU(reset_after=True) with sigmoid gates and its bias reshaped to
    (2, 3u); CuDNNLSTM is LSTM with sigmoid gates and the two biases added."""
    cudnn_gru, gru = layers.CuDNNGRU(3), layers.GRU(3, recurrent_activation="sigmoid",
                                                    reset_after=True)  # fmt: skip
    cudnn_gru(X), gru(X)
    kernel, recurrent, bias = random_weights(cudnn_gru, RNG)
    gru.set_weights([kernel, recurrent, bias.reshape(2, 9)])
    np.testing.assert_allclose(to_numpy(cudnn_gru(X)), to_numpy(gru(X)), **TOLERANCE)
    cudnn_lstm = layers.CuDNNLSTM(3, unit_forget_bias=True)
    lstm = layers.LSTM(3, recurrent_activation="sigmoid")
    cudnn_lstm(X), lstm(X)
    initial_bias = cudnn_lstm.get_weights()[2]
    np.testing.assert_array_equal(initial_bias, np.r_[np.zeros(15), np.ones(3), np.zeros(6)])
    kernel, recurrent, bias = random_weights(cudnn_lstm, RNG)
    lstm.set_weights([kernel, recurrent, bias[:12] + bias[12:]])
    np.testing.assert_allclose(to_numpy(cudnn_lstm(X)), to_numpy(lstm(X)), **TOLERANCE)


@needs_training
def test_gradients_match_the_reference():
    layer = layers.CuDNNLSTM(3, return_sequences=True)
    layer(X)
    weights = random_weights(layer, RNG)
    upstream = RNG.normal(size=(3, 5, 3))
    grads = objective_gradients(layer, X, [upstream.astype("float32")])

    def objective(weights, x):
        _, sequences, _ = ref.run(ref.cudnn_lstm_step(weights), x, [np.zeros((3, 3))] * 2)
        return float(np.sum(sequences * upstream))

    check_against_directional_differences(grads, objective, weights, X, RNG)


def test_configuration_and_names():
    layer = layers.CuDNNGRU(2, return_sequences=True, stateful=False, go_backwards=True)
    config = layer.get_config()
    assert config["units"] == 2 and config["go_backwards"] is True and "cell" not in config
    clone = layers.CuDNNGRU.from_config(config)
    assert clone.get_config() == config
    assert layers.CuDNNLSTM(2).name.startswith("cu_dnnlstm")
    lstm = layers.CuDNNLSTM(2, unit_forget_bias=False)
    assert layers.CuDNNLSTM.from_config(lstm.get_config()).unit_forget_bias is False
