"""NumPy (float64) reference of Keras 2.2.4's recurrent equations and of its backend `rnn`
loop, written from the Keras 2 documentation and equations, for the recurrent tests."""

import numpy as np


def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


ACTIVATIONS = {"tanh": np.tanh, "hard_sigmoid": hard_sigmoid, "sigmoid": sigmoid,
               "linear": lambda x: x, "relu": lambda x: np.maximum(x, 0.0)}  # fmt: skip


def f64(arrays):
    return [np.asarray(a, dtype="float64") for a in arrays]


def simple_rnn_step(weights, activation="tanh", use_bias=True):
    kernel, recurrent = f64(weights[:2])
    bias = np.asarray(weights[2], "float64") if use_bias else 0.0
    act = ACTIVATIONS[activation]

    def step(x, states):
        h = act(x @ kernel + bias + states[0] @ recurrent)
        return h, [h]

    return step


def gru_step(weights, activation="tanh", recurrent_activation="hard_sigmoid",
             reset_after=False, use_bias=True):  # fmt: skip
    kernel, recurrent = f64(weights[:2])
    u = recurrent.shape[0]
    if use_bias:
        bias = np.asarray(weights[2], "float64")
        input_bias, recurrent_bias = (bias[0], bias[1]) if reset_after else (bias, np.zeros(3 * u))
    else:
        input_bias = recurrent_bias = np.zeros(3 * u)
    act, rec = ACTIVATIONS[activation], ACTIVATIONS[recurrent_activation]

    def step(x, states):
        h = states[0]
        xw = x @ kernel + input_bias
        z = rec(xw[:, :u] + h @ recurrent[:, :u] + recurrent_bias[:u])
        r = rec(xw[:, u : 2 * u] + h @ recurrent[:, u : 2 * u] + recurrent_bias[u : 2 * u])
        if reset_after:
            hh = act(xw[:, 2 * u :] + r * (h @ recurrent[:, 2 * u :] + recurrent_bias[2 * u :]))
        else:
            hh = act(xw[:, 2 * u :] + (r * h) @ recurrent[:, 2 * u :])
        new = z * h + (1 - z) * hh
        return new, [new]

    return step


def lstm_step(weights, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True):
    kernel, recurrent = f64(weights[:2])
    u = recurrent.shape[0]
    bias = np.asarray(weights[2], "float64") if use_bias else np.zeros(4 * u)
    act, rec = ACTIVATIONS[activation], ACTIVATIONS[recurrent_activation]

    def step(x, states):
        h, c = states
        z = x @ kernel + h @ recurrent + bias
        i, f, g, o = (z[:, k * u : (k + 1) * u] for k in range(4))
        c = rec(f) * c + rec(i) * act(g)
        h = rec(o) * act(c)
        return h, [h, c]

    return step


def cudnn_lstm_step(weights):
    kernel, recurrent, bias = f64(weights)
    u = recurrent.shape[0]
    return lstm_step([kernel, recurrent, bias[: 4 * u] + bias[4 * u :]], "tanh", "sigmoid")


def cudnn_gru_step(weights):
    kernel, recurrent, bias = f64(weights)
    u = recurrent.shape[0]
    return gru_step([kernel, recurrent, bias.reshape(2, 3 * u)], "tanh", "sigmoid", True)


def run(step, x, states, go_backwards=False, mask=None):
    """Keras 2's backend rnn: returns (last_output, outputs in processing order, states).
    A masked step keeps the states and repeats the previous output (the first state
    before any step)."""
    x = np.asarray(x, "float64")
    states = [np.asarray(s, "float64") for s in states]
    order = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    previous, outputs = states[0], []
    for t in order:
        output, new_states = step(x[:, t], states)
        if mask is not None:
            keep = np.asarray(mask)[:, t][:, None]
            output = np.where(keep, output, previous)
            new_states = [np.where(keep, n, s) for n, s in zip(new_states, states)]
        states, previous = new_states, output
        outputs.append(output)
    return outputs[-1], np.stack(outputs, axis=1), states
