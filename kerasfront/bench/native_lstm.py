"""Hand-written training loops for the benchmark LSTM classifier, one per engine, with no
Keras in them, each on its engine's own recurrent machinery.

The model (the Keras docs' stacked LSTM for sequence classification): LSTM(32,
return_sequences) -> LSTM(32, return_sequences) -> LSTM(32) -> Dense(10, softmax) on
sequences of 8 steps x 16 features, sigmoid gates (the setting fused kernels compute),
Adam, batch 64, Keras 2's clipped cross-entropy.

torch runs `torch.nn.LSTM` (its fused kernel: cuDNN on a GPU), JAX a `lax.scan` per layer
inside one jitted step, TensorFlow a `tf.scan` per layer inside a `tf.function`. The epoch
loops are in native_common.py.
"""

from __future__ import annotations

import numpy as np

from kerasfront.bench.native_common import (
    glorot_uniform,
    jax_trainer,
    tensorflow_trainer,
    torch_trainer,
)

STEPS, FEATURES, UNITS, LAYERS, CLASSES = 8, 16, 32, 3, 10
BATCH_SIZE = 64


def initial_weights(seed: int = 0) -> list[np.ndarray]:
    """Keras LSTM layouts and initializers: per layer a glorot-uniform kernel (in, 4u), an
    orthogonal recurrent kernel (u, 4u), a bias (4u,) with ones for the forget gate
    (unit_forget_bias); then the dense kernel and bias. Gates i, f, c, o."""
    rng = np.random.default_rng(seed)
    weights, fan_in = [], FEATURES
    for _ in range(LAYERS):
        weights.append(glorot_uniform(rng, (fan_in, 4 * UNITS), fan_in, 4 * UNITS))
        q, r = np.linalg.qr(rng.normal(size=(4 * UNITS, UNITS)))
        weights.append((q * np.sign(np.diag(r))).T.astype("f4"))
        bias = np.zeros(4 * UNITS, "f4")
        bias[UNITS : 2 * UNITS] = 1.0
        weights.append(bias)
        fan_in = UNITS
    dense = glorot_uniform(rng, (UNITS, CLASSES), UNITS, CLASSES)
    return weights + [dense, np.zeros(CLASSES, "f4")]


def torch_lstm(device: str, cuda_graphs: bool = False):
    import torch
    from torch import nn

    weights = [torch.from_numpy(w) for w in initial_weights()]
    recurrent = nn.ModuleList(
        nn.LSTM(FEATURES if i == 0 else UNITS, UNITS, batch_first=True) for i in range(LAYERS)
    )
    dense = nn.Linear(UNITS, CLASSES)
    with torch.no_grad():
        for i, lstm in enumerate(recurrent):
            kernel, recurrent_kernel, bias = weights[3 * i : 3 * i + 3]
            # torch keeps (4u, in) matrices, gates in the same order i, f, g(c), o.
            lstm.weight_ih_l0.copy_(kernel.T)
            lstm.weight_hh_l0.copy_(recurrent_kernel.T)
            lstm.bias_ih_l0.copy_(bias)
            lstm.bias_hh_l0.zero_()
        dense.weight.copy_(weights[-2].T)
        dense.bias.copy_(weights[-1])

    def forward(x):
        for lstm in recurrent:
            x, _ = lstm(x)
        return torch.softmax(dense(x[:, -1]), dim=-1)

    return torch_trainer([recurrent, dense], forward, device, BATCH_SIZE, cuda_graphs=cuda_graphs)


def _lstm_step(math, kernel, recurrent_kernel, bias):
    """One LSTM step over (h, c) written with `math` (jax.numpy or tf.math-like)."""

    def step(state, x):
        h, c = state
        z = math.matmul(x, kernel) + math.matmul(h, recurrent_kernel) + bias
        i, f, g, o = math.split(z, 4, axis=-1)
        c = math.sigmoid(f) * c + math.sigmoid(i) * math.tanh(g)
        h = math.sigmoid(o) * math.tanh(c)
        return (h, c), h

    return step


def tensorflow_lstm(device: str):
    import tensorflow as tf

    params = [tf.Variable(array) for array in initial_weights()]

    class Math:
        matmul, split, tanh = staticmethod(tf.matmul), staticmethod(tf.split), tf.tanh
        sigmoid = staticmethod(tf.sigmoid)

    def forward(x):
        sequence = tf.transpose(x, (1, 0, 2))  # time first, as tf.scan walks axis 0
        for i in range(LAYERS):
            step = _lstm_step(Math, *params[3 * i : 3 * i + 3])
            zeros = tf.zeros((tf.shape(x)[0], UNITS))
            # tf.scan stacks the whole accumulator, ((h, c), h), over the steps.
            _, sequence = tf.scan(
                lambda carry, x_t, step=step: step(carry[0], x_t),
                sequence,
                initializer=((zeros, zeros), zeros),
            )
        return tf.nn.softmax(tf.matmul(sequence[-1], params[-2]) + params[-1])

    return tensorflow_trainer(params, forward, (STEPS, FEATURES), CLASSES, BATCH_SIZE)


def jax_lstm(device: str):
    import jax
    import jax.numpy as jnp

    class Math:
        matmul, split, tanh = staticmethod(jnp.matmul), staticmethod(jnp.split), jnp.tanh
        sigmoid = staticmethod(jax.nn.sigmoid)

    def forward(params, x):
        sequence = jnp.swapaxes(x, 0, 1)  # time first, as lax.scan walks axis 0
        for i in range(LAYERS):
            zeros = jnp.zeros((x.shape[0], UNITS), x.dtype)
            step = _lstm_step(Math, *params[3 * i : 3 * i + 3])
            _, sequence = jax.lax.scan(step, (zeros, zeros), sequence)
        return jax.nn.softmax(sequence[-1] @ params[-2] + params[-1])

    return jax_trainer([jnp.asarray(w) for w in initial_weights()], forward, BATCH_SIZE)


BUILDERS = {"torch": torch_lstm, "tensorflow": tensorflow_lstm, "jax": jax_lstm}
