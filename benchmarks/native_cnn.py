"""Hand-written training loops for the benchmark CNN, one per engine, with no Keras in them.

The model (the Keras MNIST convnet without its dropout): Conv2D(32, 3x3, relu) ->
MaxPooling2D(2x2) -> Conv2D(64, 3x3, relu) -> MaxPooling2D(2x2) -> Flatten -> Dense(10,
softmax) on 28x28x1 images, Adam, batch 128, Keras 2's clipped cross-entropy.

Each builder returns `(train_epoch, predict_one)` as in native_mlp.py: the same NumPy
gather per batch, conversion to engine tensors, forward, loss, gradients and Adam, with
losses summed on the device and read once per epoch. Images arrive channels_last, as
Keras users hold them; each loop uses its engine's best way to run them.
"""

from __future__ import annotations

import numpy as np

IMAGE_SHAPE = (28, 28, 1)
FILTERS = (32, 64)
KERNEL = 3
CLASSES = 10
BATCH_SIZE = 128
LEARNING_RATE, BETA_1, BETA_2, EPSILON = 1e-3, 0.9, 0.999, 1e-7
CLIP = 1e-7
# 28 -> 26 (conv) -> 13 (pool) -> 11 (conv) -> 5 (pool).
FLAT = 5 * 5 * FILTERS[1]


def glorot(rng, shape, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype(np.float32)


def initial_weights(seed: int = 0) -> list[np.ndarray]:
    """Keras layouts: conv kernels (kh, kw, in, out), the dense kernel (in, out)."""
    rng = np.random.default_rng(seed)
    area = KERNEL * KERNEL
    channels = (IMAGE_SHAPE[-1], *FILTERS)
    weights = []
    for fan_in, fan_out in zip(channels[:-1], channels[1:]):
        shape = (KERNEL, KERNEL, fan_in, fan_out)
        weights += [glorot(rng, shape, area * fan_in, area * fan_out), np.zeros(fan_out, "f4")]
    weights += [glorot(rng, (FLAT, CLASSES), FLAT, CLASSES), np.zeros(CLASSES, "f4")]
    return weights


def batch_indices(order: np.ndarray):
    for start in range(0, len(order), BATCH_SIZE):
        yield order[start : start + BATCH_SIZE]


def torch_cnn(device: str):
    import torch
    from torch import nn

    use_gpu = device == "gpu" and torch.cuda.is_available()
    target = torch.device("cuda" if use_gpu else "cpu")
    conv1, bias1, conv2, bias2, dense, bias3 = (torch.from_numpy(w) for w in initial_weights())
    model = nn.Sequential(
        nn.Conv2d(IMAGE_SHAPE[-1], FILTERS[0], KERNEL),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(FILTERS[0], FILTERS[1], KERNEL),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(FLAT, CLASSES),
    )
    with torch.no_grad():
        # torch kernels are (out, in, kh, kw) and Linear weights (out, in).
        model[0].weight.copy_(conv1.permute(3, 2, 0, 1))
        model[0].bias.copy_(bias1)
        model[3].weight.copy_(conv2.permute(3, 2, 0, 1))
        model[3].bias.copy_(bias2)
        model[7].weight.copy_(dense.T)
        model[7].bias.copy_(bias3)
    # channels_last: the NHWC batches are used as they are (a permuted view), no copy.
    model = model.to(target, memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(
        model.parameters(), lr=LEARNING_RATE, betas=(BETA_1, BETA_2), eps=EPSILON, fused=True
    )

    def loss_fn(logits, labels):
        probs = torch.softmax(logits, dim=-1).clamp(CLIP, 1.0 - CLIP)
        return -(labels * probs.log()).sum(dim=-1).mean()

    def images(array):
        return torch.from_numpy(array).to(target, non_blocking=True).permute(0, 3, 1, 2)

    def train_epoch(x, y, order):
        total = torch.zeros((), device=target)
        for idx in batch_indices(order):
            y_batch = torch.from_numpy(y[idx]).to(target, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(images(x[idx])), y_batch)
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(idx)
        return total.item() / len(order)

    def predict_one(x1):
        with torch.inference_mode():
            return torch.softmax(model(images(x1)), dim=-1).cpu().numpy()

    return train_epoch, predict_one


def tensorflow_cnn(device: str):
    # Raw tf ops and tf.Variables only: TF 2.21 bundles Keras 3, which is not what is measured.
    import tensorflow as tf

    params = [tf.Variable(array) for array in initial_weights()]
    first_moments = [tf.Variable(tf.zeros_like(p)) for p in params]
    second_moments = [tf.Variable(tf.zeros_like(p)) for p in params]
    step = tf.Variable(0.0)
    total = tf.Variable(0.0)

    def forward(x):
        for kernel, bias in (params[0:2], params[2:4]):
            x = tf.nn.relu(tf.nn.conv2d(x, kernel, 1, "VALID") + bias)
            x = tf.nn.max_pool2d(x, 2, 2, "VALID")
        x = tf.reshape(x, (-1, FLAT))
        return tf.nn.softmax(tf.matmul(x, params[4]) + params[5])

    x_spec = tf.TensorSpec([None, *IMAGE_SHAPE], tf.float32)
    y_spec = tf.TensorSpec([None, CLASSES], tf.float32)

    @tf.function(input_signature=[x_spec, y_spec])
    def train_step(x, y):
        with tf.GradientTape() as tape:
            probs = tf.clip_by_value(forward(x), CLIP, 1.0 - CLIP)
            loss = tf.reduce_mean(-tf.reduce_sum(y * tf.math.log(probs), axis=-1))
        grads = tape.gradient(loss, params)
        step.assign_add(1.0)
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


def jax_cnn(device: str):
    import jax
    import jax.numpy as jnp

    tree_map = jax.tree_util.tree_map
    numbers = ("NHWC", "HWIO", "NHWC")

    def forward(params, x):
        for kernel, bias in (params[0:2], params[2:4]):
            x = jax.lax.conv_general_dilated(x, kernel, (1, 1), "VALID", dimension_numbers=numbers)
            x = jax.nn.relu(x + bias)
            window = (1, 2, 2, 1)
            x = jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, window, window, "VALID")
        x = x.reshape(x.shape[0], FLAT)
        return jax.nn.softmax(x @ params[4] + params[5])

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


BUILDERS = {"torch": torch_cnn, "tensorflow": tensorflow_cnn, "jax": jax_cnn}
