"""SimpleRNN, GRU, LSTM (and so their cells), user cells and StackedRNNCells against a NumPy
reference of the Keras 2 equations: outputs, final states and gradients."""

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

from kerasfront import backend as K
from kerasfront import layers, ops
from kerasfront.models import Model

TOLERANCE = dict(rtol=1e-5, atol=2e-5)

CASES = [
    ("SimpleRNN", {}, "simple", {}),
    ("SimpleRNN", {"activation": "relu", "use_bias": False}, "simple",
     {"activation": "relu", "use_bias": False}),
    ("GRU", {}, "gru", {}),
    ("GRU", {"reset_after": True}, "gru", {"reset_after": True}),
    ("GRU", {"reset_after": True, "recurrent_activation": "sigmoid", "implementation": 2},
     "gru", {"reset_after": True, "recurrent_activation": "sigmoid"}),
    ("GRU", {"use_bias": False, "implementation": 2}, "gru", {"use_bias": False}),
    ("LSTM", {}, "lstm", {}),
    ("LSTM", {"recurrent_activation": "sigmoid", "implementation": 2}, "lstm",
     {"recurrent_activation": "sigmoid"}),
    ("LSTM", {"use_bias": False, "activation": "linear"}, "lstm",
     {"use_bias": False, "activation": "linear"}),
]  # fmt: skip
STEPS = {"simple": ref.simple_rnn_step, "gru": ref.gru_step, "lstm": ref.lstm_step}


def _reference(kind, options, weights, x, states):
    return ref.run(STEPS[kind](weights, **options), x, states)


@pytest.mark.parametrize(
    "class_name, kwargs, kind, options", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_layer_matches_keras2_equations(class_name, kwargs, kind, options):
    rng = np.random.default_rng(len(CASES) + len(kwargs))
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    layer = getattr(layers, class_name)(4, return_sequences=True, return_state=True, **kwargs)
    layer(x)
    weights = random_weights(layer, rng)
    sequences, *states = to_numpy(layer(x))
    zeros = [np.zeros((2, 4))] * len(states)
    last, expected_sequences, expected_states = _reference(kind, options, weights, x, zeros)
    np.testing.assert_allclose(sequences, expected_sequences, **TOLERANCE)
    for state, expected in zip(states, expected_states):
        np.testing.assert_allclose(state, expected, **TOLERANCE)
    np.testing.assert_allclose(sequences[:, -1], last, **TOLERANCE)


@needs_training
@pytest.mark.parametrize(
    "class_name, kwargs, kind, options",
    [CASES[0], CASES[3], CASES[6], CASES[7]],
    ids=["SimpleRNN", "GRU-reset-after", "LSTM", "LSTM-sigmoid"],
)
def test_gradients_match_the_reference(class_name, kwargs, kind, options):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    layer = getattr(layers, class_name)(3, return_sequences=True, return_state=True, **kwargs)
    layer(x)
    weights = random_weights(layer, rng)
    count = 2 if class_name == "LSTM" else 1
    upstreams = [rng.normal(size=(2, 4, 3))] + [rng.normal(size=(2, 3)) for _ in range(count)]
    grads = objective_gradients(layer, x, [u.astype("float32") for u in upstreams])

    def objective(weights, x):
        zeros = [np.zeros((2, 3))] * count
        _, sequences, states = _reference(kind, options, weights, x, zeros)
        outputs = [sequences, *states]
        return sum(float(np.sum(o * u)) for o, u in zip(outputs, upstreams))

    check_against_directional_differences(grads, objective, weights, x, rng)


def test_weight_layouts_and_unit_forget_bias():
    expected = {"SimpleRNN": 1, "GRU": 3, "LSTM": 4}
    for name, gates in expected.items():
        layer = getattr(layers, name)(5)
        layer.build((None, 7, 3))
        names = [w.name for w in layer.weights]
        assert names == [f"{layer.name}/kernel", f"{layer.name}/recurrent_kernel",
                         f"{layer.name}/bias"]  # fmt: skip
        assert [w.shape for w in layer.weights] == [(3, 5 * gates), (5, 5 * gates), (5 * gates,)]
    recurrent = layer.get_weights()[1]
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(5), atol=1e-5)  # orthogonal
    bias = layer.get_weights()[2]
    np.testing.assert_array_equal(bias, np.r_[np.zeros(5), np.ones(5), np.zeros(10)])
    gru = layers.GRU(2, reset_after=True)
    gru.build((None, 3, 4))
    assert gru.get_weights()[2].shape == (2, 6)
    assert layers.LSTM(2, unit_forget_bias=False).cell.unit_forget_bias is False


def test_keras2_defaults():
    lstm, gru = layers.LSTM(3), layers.GRU(3)
    for layer in (lstm, gru):
        assert layer.get_config()["recurrent_activation"] == "hard_sigmoid"
        assert layer.get_config()["activation"] == "tanh"
        assert layer.get_config()["recurrent_initializer"]["class_name"] == "Orthogonal"
        assert layer.implementation == 1 and layer.dropout == 0.0
    assert gru.reset_after is False and lstm.unit_forget_bias is True
    assert layers.SimpleRNN(3).get_config()["activation"] == "tanh"


class MinimalRNNCell(layers.Layer):
    """The user cell of the Keras documentation (RNN section)."""

    def __init__(self, units, **kwargs):
        self.units = units
        self.state_size = units
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), initializer="uniform", name="kernel"
        )
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units), initializer="uniform", name="recurrent_kernel"
        )
        self.built = True

    def call(self, inputs, states):
        prev_output = states[0]
        h = K.dot(inputs, self.kernel)
        output = h + K.dot(prev_output, self.recurrent_kernel)
        return output, [output]


def test_user_cell_and_stacked_cells_in_functional_models():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 4, 5)).astype("float32")
    inputs = layers.Input((None, 5))
    single = layers.RNN(MinimalRNNCell(3))
    stacked = layers.RNN([MinimalRNNCell(3), layers.LSTMCell(2)], return_state=True)
    model_outputs = [single(inputs), *stacked(inputs)]
    assert [tuple(t.shape) for t in model_outputs] == [(None, 3), (None, 2), (None, 3),
                                                       (None, 2), (None, 2)]  # fmt: skip
    model = Model(inputs, model_outputs)
    w_single = random_weights(single, rng)
    w_stacked = random_weights(stacked, rng)
    got = to_numpy(model(x))

    def minimal(weights):
        kernel, recurrent = ref.f64(weights)

        def step(x, states):
            out = x @ kernel + states[0] @ recurrent
            return out, [out]

        return step

    expected = ref.run(minimal(w_single), x, [np.zeros((2, 3))])[0]
    np.testing.assert_allclose(got[0], expected, **TOLERANCE)
    first, second = minimal(w_stacked[:2]), ref.lstm_step(w_stacked[2:])

    def stack(x, states):
        h1, s1 = first(x, states[:1])
        h2, s2 = second(h1, states[1:])
        return h2, s1 + s2

    zeros = [np.zeros((2, 3)), np.zeros((2, 2)), np.zeros((2, 2))]
    last, _, states = ref.run(stack, x, zeros)
    np.testing.assert_allclose(got[1], last, **TOLERANCE)
    for state, value in zip(got[2:], states):
        np.testing.assert_allclose(state, value, **TOLERANCE)


def test_cell_called_on_its_own():
    cell = layers.GRUCell(3, reset_after=True)
    x = np.random.default_rng(0).normal(size=(2, 4)).astype("float32")
    cell.build((2, 4))
    h = np.full((2, 3), 0.3, "float32")
    output, states = cell.call(ops.convert_to_tensor(x), [ops.convert_to_tensor(h)])
    expected, _ = ref.gru_step(cell.get_weights(), reset_after=True)(x, [h])
    np.testing.assert_allclose(to_numpy(output), expected, **TOLERANCE)
    assert len(states) == 1
    assert layers.StackedRNNCells([layers.LSTMCell(2), layers.SimpleRNNCell(4)]).state_size == (
        2, 2, 4,
    )  # fmt: skip
