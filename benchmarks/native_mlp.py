"""Hand-written training loops for the benchmark MLP, one per engine, with no Keras in them.

Each builder returns `(train_epoch, predict_one)`:
`train_epoch(x, y, order)` runs one epoch over the NumPy arrays in the given sample order and
returns the mean loss; `predict_one(x1)` maps a `(1, 784)` NumPy array to NumPy probabilities.

Every loop does the work kerasfront's `fit` does per batch: gather the batch from NumPy,
convert it to engine tensors, softmax, Keras 2's clipped-log cross-entropy, gradients, and
Adam with Keras's hyper-parameters. Losses are summed on the device and read once per epoch,
as kerasfront does, so no loop pays a host sync per batch.
"""

from __future__ import annotations

import numpy as np

LAYER_SIZES = (784, 512, 512, 10)
BATCH_SIZE = 128
LEARNING_RATE, BETA_1, BETA_2, EPSILON = 1e-3, 0.9, 0.999, 1e-7
# Keras 2 clips probabilities to [eps, 1 - eps] before the log; the loops do the same.
CLIP = 1e-7


def initial_weights(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Glorot-uniform kernels `(in, out)` and zero biases, as Keras's Dense starts."""
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(LAYER_SIZES[:-1], LAYER_SIZES[1:]):
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        kernel = rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)
        weights.append((kernel, np.zeros(fan_out, np.float32)))
    return weights


def batch_indices(order: np.ndarray):
    for start in range(0, len(order), BATCH_SIZE):
        yield order[start : start + BATCH_SIZE]


def torch_mlp(device: str):
    import torch

    use_gpu = device == "gpu" and torch.cuda.is_available()
    target = torch.device("cuda" if use_gpu else "cpu")
    layers = []
    for kernel, bias in initial_weights():
        linear = torch.nn.Linear(*kernel.shape)
        with torch.no_grad():
            # torch stores Linear weights as (out, in): the transpose of the Keras kernel.
            linear.weight.copy_(torch.from_numpy(kernel.T))
            linear.bias.copy_(torch.from_numpy(bias))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1]).to(target)  # no ReLU after the logits
    optimizer = torch.optim.Adam(
        model.parameters(), lr=LEARNING_RATE, betas=(BETA_1, BETA_2), eps=EPSILON
    )

    def loss_fn(logits, labels):
        probs = torch.softmax(logits, dim=-1).clamp(CLIP, 1.0 - CLIP)
        return -(labels * probs.log()).sum(dim=-1).mean()

    def train_epoch(x, y, order):
        total = torch.zeros((), device=target)
        for idx in batch_indices(order):
            x_batch = torch.from_numpy(x[idx]).to(target, non_blocking=True)
            y_batch = torch.from_numpy(y[idx]).to(target, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x_batch), y_batch)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(idx)
        return total.item() / len(order)

    def predict_one(x1):
        with torch.inference_mode():
            return torch.softmax(model(torch.from_numpy(x1).to(target)), dim=-1).cpu().numpy()

    return train_epoch, predict_one


def tensorflow_mlp(device: str):
    # Raw tf ops and tf.Variables only: TF 2.21 bundles Keras 3, which is not what is measured.
    import tensorflow as tf

    params = [tf.Variable(array) for pair in initial_weights() for array in pair]
    first_moments = [tf.Variable(tf.zeros_like(p)) for p in params]
    second_moments = [tf.Variable(tf.zeros_like(p)) for p in params]
    step = tf.Variable(0.0)
    total = tf.Variable(0.0)

    def forward(x):
        for i in range(0, len(params) - 2, 2):
            x = tf.nn.relu(tf.matmul(x, params[i]) + params[i + 1])
        return tf.nn.softmax(tf.matmul(x, params[-2]) + params[-1])

    x_spec = tf.TensorSpec([None, LAYER_SIZES[0]], tf.float32)
    y_spec = tf.TensorSpec([None, LAYER_SIZES[-1]], tf.float32)

    # A None batch dimension keeps the short last batch from tracing a second graph.
    @tf.function(input_signature=[x_spec, y_spec])
    def train_step(x, y):
        with tf.GradientTape() as tape:
            probs = tf.clip_by_value(forward(x), CLIP, 1.0 - CLIP)
            loss = tf.reduce_mean(-tf.reduce_sum(y * tf.math.log(probs), axis=-1))
        grads = tape.gradient(loss, params)
        step.assign_add(1.0)
        # Keras 2's Adam folds both bias corrections into the step size.
        step_size = LEARNING_RATE * tf.sqrt(1.0 - BETA_2**step) / (1.0 - BETA_1**step)
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


def jax_mlp(device: str):
    import jax
    import jax.numpy as jnp

    tree_map = jax.tree_util.tree_map

    def forward(params, x):
        for kernel, bias in params[:-1]:
            x = jax.nn.relu(x @ kernel + bias)
        kernel, bias = params[-1]
        return jax.nn.softmax(x @ kernel + bias)

    def loss_fn(params, x, y):
        probs = jnp.clip(forward(params, x), CLIP, 1.0 - CLIP)
        return jnp.mean(-jnp.sum(y * jnp.log(probs), axis=-1))

    # The whole optimizer state is donated so XLA updates the buffers in place.
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

    params = [(jnp.asarray(k), jnp.asarray(b)) for k, b in initial_weights()]
    # Separate zero buffers for m and v: one buffer cannot be donated twice.
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


BUILDERS = {"torch": torch_mlp, "tensorflow": tensorflow_mlp, "jax": jax_mlp}
