"""Hand-written training loops for the benchmark LSTM classifier, one per engine, with no
Keras in them, each on its engine's own recurrent machinery.

The model (the Keras docs' stacked LSTM for sequence classification): LSTM(32,
return_sequences) -> LSTM(32, return_sequences) -> LSTM(32) -> Dense(10, softmax) on
sequences of 8 steps x 16 features, sigmoid gates (the setting fused kernels compute),
Adam, batch 64, Keras 2's clipped cross-entropy.

Each builder returns `(train_epoch, predict_one)` as in native_mlp.py. torch runs
`torch.nn.LSTM` (its fused kernel: cuDNN on a GPU) with fused Adam; JAX a `lax.scan` per
layer inside one jitted, donated step; TensorFlow a `tf.scan` per layer inside a
`tf.function`.
"""

from __future__ import annotations

import numpy as np

STEPS, FEATURES, UNITS, LAYERS, CLASSES = 8, 16, 32, 3, 10
BATCH_SIZE = 64
LEARNING_RATE, BETA_1, BETA_2, EPSILON = 1e-3, 0.9, 0.999, 1e-7
CLIP = 1e-7


def initial_weights(seed: int = 0) -> list[np.ndarray]:
    """Keras LSTM layouts and initializers: per layer a glorot-uniform kernel (in, 4u), an
    orthogonal recurrent kernel (u, 4u), a bias (4u,) with ones for the forget gate
    (unit_forget_bias); then the dense kernel and bias. Gates i, f, c, o."""
    rng = np.random.default_rng(seed)
    weights, fan_in = [], FEATURES
    for _ in range(LAYERS):
        limit = np.sqrt(6.0 / (fan_in + 4 * UNITS))
        weights.append(rng.uniform(-limit, limit, (fan_in, 4 * UNITS)).astype("f4"))
        q, r = np.linalg.qr(rng.normal(size=(4 * UNITS, UNITS)))
        weights.append((q * np.sign(np.diag(r))).T.astype("f4"))
        bias = np.zeros(4 * UNITS, "f4")
        bias[UNITS : 2 * UNITS] = 1.0
        weights.append(bias)
        fan_in = UNITS
    limit = np.sqrt(6.0 / (UNITS + CLASSES))
    weights += [rng.uniform(-limit, limit, (UNITS, CLASSES)).astype("f4"), np.zeros(CLASSES, "f4")]
    return weights


def batch_indices(order: np.ndarray):
    for start in range(0, len(order), BATCH_SIZE):
        yield order[start : start + BATCH_SIZE]


def torch_lstm(device: str):
    import torch
    from torch import nn

    use_gpu = device == "gpu" and torch.cuda.is_available()
    target = torch.device("cuda" if use_gpu else "cpu")
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
    recurrent, dense = recurrent.to(target), dense.to(target)
    parameters = [*recurrent.parameters(), *dense.parameters()]
    optimizer = torch.optim.Adam(
        parameters, lr=LEARNING_RATE, betas=(BETA_1, BETA_2), eps=EPSILON, fused=True
    )

    def forward(x):
        for lstm in recurrent:
            x, _ = lstm(x)
        return torch.softmax(dense(x[:, -1]), dim=-1)

    def train_epoch(x, y, order):
        total = torch.zeros((), device=target)
        for idx in batch_indices(order):
            x_batch = torch.from_numpy(x[idx]).to(target, non_blocking=True)
            y_batch = torch.from_numpy(y[idx]).to(target, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            probs = forward(x_batch).clamp(CLIP, 1.0 - CLIP)
            loss = -(y_batch * probs.log()).sum(dim=-1).mean()
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(idx)
        return total.item() / len(order)

    def predict_one(x1):
        with torch.inference_mode():
            return forward(torch.from_numpy(x1).to(target)).cpu().numpy()

    return train_epoch, predict_one


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
    first_moments = [tf.Variable(tf.zeros_like(p)) for p in params]
    second_moments = [tf.Variable(tf.zeros_like(p)) for p in params]
    step_count = tf.Variable(0.0)
    total = tf.Variable(0.0)

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

    x_spec = tf.TensorSpec([None, STEPS, FEATURES], tf.float32)
    y_spec = tf.TensorSpec([None, CLASSES], tf.float32)

    @tf.function(input_signature=[x_spec, y_spec])
    def train_step(x, y):
        with tf.GradientTape() as tape:
            probs = tf.clip_by_value(forward(x), CLIP, 1.0 - CLIP)
            loss = tf.reduce_mean(-tf.reduce_sum(y * tf.math.log(probs), axis=-1))
        grads = tape.gradient(loss, params)
        step_count.assign_add(1.0)
        step_size = LEARNING_RATE * tf.sqrt(1.0 - BETA_2**step_count) / (1.0 - BETA_1**step_count)
        for param, grad, m, v in zip(params, grads, first_moments, second_moments):
            m.assign(BETA_1 * m + (1.0 - BETA_1) * grad)
            v.assign(BETA_2 * v + (1.0 - BETA_2) * tf.square(grad))
            param.assign_sub(step_size * m / (tf.sqrt(v) + EPSILON))
        total.assign_add(loss * tf.cast(tf.shape(x)[0], tf.float32))

    predict_fn = tf.function(forward, input_signature=[x_spec])

    def train_epoch(x, y, order):
        total.assign(0.0)
        for idx in batch_indices(order):
            train_step(tf.constant(x[idx]), tf.constant(y[idx]))
        return float(total.numpy()) / len(order)

    def predict_one(x1):
        return predict_fn(tf.constant(x1)).numpy()

    return train_epoch, predict_one


def jax_lstm(device: str):
    import jax
    import jax.numpy as jnp

    tree_map = jax.tree_util.tree_map

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

    def loss_fn(params, x, y):
        probs = jnp.clip(forward(params, x), CLIP, 1.0 - CLIP)
        return jnp.mean(-jnp.sum(y * jnp.log(probs), axis=-1))

    def train_step(state, x, y):
        params, m, v, step, total = state
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        step = step + 1.0
        m = tree_map(lambda m, g: BETA_1 * m + (1.0 - BETA_1) * g, m, grads)
        v = tree_map(lambda v, g: BETA_2 * v + (1.0 - BETA_2) * g * g, v, grads)
        step_size = LEARNING_RATE * jnp.sqrt(1.0 - BETA_2**step) / (1.0 - BETA_1**step)
        params = tree_map(lambda p, m, v: p - step_size * m / (jnp.sqrt(v) + EPSILON), params, m, v)
        return params, m, v, step, total + loss * x.shape[0]

    train_step = jax.jit(train_step, donate_argnums=0)
    predict_fn = jax.jit(forward)
    params = [jnp.asarray(w) for w in initial_weights()]
    holder = {
        "state": (
            params,
            tree_map(jnp.zeros_like, params),
            tree_map(jnp.zeros_like, params),
            jnp.zeros(()),
            jnp.zeros(()),
        )
    }

    def train_epoch(x, y, order):
        holder["state"] = holder["state"][:4] + (jnp.zeros(()),)
        for idx in batch_indices(order):
            x_batch, y_batch = jax.device_put(x[idx]), jax.device_put(y[idx])
            holder["state"] = train_step(holder["state"], x_batch, y_batch)
        return float(holder["state"][4]) / len(order)

    def predict_one(x1):
        return np.asarray(predict_fn(holder["state"][0], jax.device_put(x1)))

    return train_epoch, predict_one


BUILDERS = {"torch": torch_lstm, "tensorflow": tensorflow_lstm, "jax": jax_lstm}
