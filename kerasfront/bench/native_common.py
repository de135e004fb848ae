"""What every hand-written benchmark loop shares, per engine: the epoch loop around a
model's forward function, Keras 2's clipped cross-entropy, and Adam with Keras's
hyper-parameters. No Keras in here.

Each `*_trainer` returns `(train_epoch, predict_one)`: `train_epoch(x, y, order)` runs one
epoch over the NumPy arrays in the given sample order (gather the batch from NumPy,
convert, forward, loss, gradients, Adam) and returns the mean loss, summed on the device
and read once per epoch as kerasfront does; `predict_one(x1)` returns NumPy outputs.
"""

from __future__ import annotations

import numpy as np

LEARNING_RATE, BETA_1, BETA_2, EPSILON = 1e-3, 0.9, 0.999, 1e-7
# Keras 2's categorical cross-entropy on probabilities scales each row to sum to 1, clips
# it to [eps, 1 - eps] and takes -sum(y log p); the loops compute exactly that, so both
# sides of a benchmark train the same objective. (Before 2026-11-26 evening the loops left
# the scaling out: a no-op in exact arithmetic after a softmax, but two more operations and
# their gradients in every step, about 10% of the tiny model's step on JAX.)
CLIP = 1e-7


def glorot_uniform(rng, shape, fan_in, fan_out) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype(np.float32)


def batch_indices(order: np.ndarray, batch_size: int):
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def torch_trainer(
    modules, forward, device: str, batch_size: int, to_input=None, cuda_graphs: bool = False
):
    """`forward(x) -> probabilities` over the torch `modules`; fused Adam (the fastest
    torch optimizer on CPU and GPU). `to_input(tensor)` adapts a batch (e.g. a
    channels_last view). `cuda_graphs` (on a CUDA device): each batch shape's step is
    recorded once as a CUDA graph and replayed, torch's own recipe for small steps (the
    baseline of kerasfront's `jit_compile=True` there)."""
    import torch

    target = torch.device("cuda" if device == "gpu" and torch.cuda.is_available() else "cpu")
    cuda_graphs = cuda_graphs and target.type == "cuda"
    for module in modules:
        module.to(target)
    parameters = [p for module in modules for p in module.parameters()]
    optimizer = torch.optim.Adam(
        parameters,
        lr=LEARNING_RATE,
        betas=(BETA_1, BETA_2),
        eps=EPSILON,
        fused=True,
        capturable=cuda_graphs,  # its step counts stay on the device: a graph can hold them
    )
    adapt = to_input or (lambda tensor: tensor)
    total = torch.zeros((), device=target)  # one tensor for good: a graph adds to it

    def on_device(array):
        return torch.from_numpy(array).to(target, non_blocking=True)

    def step(x_batch, y_batch):
        probs = forward(adapt(x_batch))
        probs = (probs / probs.sum(dim=-1, keepdim=True)).clamp(CLIP, 1.0 - CLIP)
        loss = -(y_batch * probs.log()).sum(dim=-1).mean()
        loss.backward()
        optimizer.step()
        total.add_(loss.detach() * x_batch.shape[0])

    def eager_step(x_batch, y_batch):
        optimizer.zero_grad(set_to_none=True)
        step(x_batch, y_batch)

    run_step = _graphed(step, optimizer) if cuda_graphs else eager_step

    def train_epoch(x, y, order):
        total.zero_()
        for idx in batch_indices(order, batch_size):
            run_step(on_device(x[idx]), on_device(y[idx]))
        return total.item() / len(order)

    def predict_one(x1):
        with torch.inference_mode():
            return forward(adapt(on_device(x1))).cpu().numpy()

    return train_epoch, predict_one


def _graphed(step, optimizer, warmup_steps: int = 2):
    """`run(x_batch, y_batch)`: `step` replayed from one CUDA graph per batch shape, after
    `warmup_steps` eager steps on a side stream (torch's documented recipe)."""
    import torch

    graphs, seen, side = {}, {}, torch.cuda.Stream()

    def run(x_batch, y_batch):
        key = tuple(x_batch.shape)
        if key in graphs:
            graph, static_x, static_y = graphs[key]
            static_x.copy_(x_batch, non_blocking=True)
            static_y.copy_(y_batch, non_blocking=True)
            graph.replay()
            return
        seen[key] = seen.get(key, 0) + 1
        if seen[key] <= warmup_steps:
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                optimizer.zero_grad(set_to_none=True)
                step(x_batch, y_batch)
            torch.cuda.current_stream().wait_stream(side)
            return
        static_x, static_y = x_batch.clone(), y_batch.clone()
        graph = torch.cuda.CUDAGraph()
        optimizer.zero_grad(set_to_none=True)  # the graph's backward makes its own grads
        with torch.cuda.graph(graph):
            step(static_x, static_y)
        graphs[key] = (graph, static_x, static_y)
        graph.replay()  # recording ran nothing: this batch's step

    return run


def tensorflow_trainer(
    params, forward, input_shape, classes: int, batch_size: int, jit_compile: bool = False
):
    """`forward(x) -> probabilities` over the `tf.Variable`s `params`, in a `tf.function`
    with a None batch axis (the short last batch reuses the graph), compiled by XLA when
    `jit_compile` (faster where per-step overhead dominates). Raw tf ops only: TF 2.21
    bundles Keras 3, which is not what is measured."""
    import tensorflow as tf

    first_moments = [tf.Variable(tf.zeros_like(p)) for p in params]
    second_moments = [tf.Variable(tf.zeros_like(p)) for p in params]
    step = tf.Variable(0.0)
    total = tf.Variable(0.0)
    x_spec = tf.TensorSpec([None, *input_shape], tf.float32)
    y_spec = tf.TensorSpec([None, classes], tf.float32)

    @tf.function(input_signature=[x_spec, y_spec], jit_compile=jit_compile)
    def train_step(x, y):
        with tf.GradientTape() as tape:
            probs = forward(x)
            probs = probs / tf.reduce_sum(probs, axis=-1, keepdims=True)
            probs = tf.clip_by_value(probs, CLIP, 1.0 - CLIP)
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
    # The traced graphs, called directly: a tf.function call spends about half of a small
    # step matching its arguments to a trace, which a fixed signature makes needless.
    train_graph = train_step.get_concrete_function()
    predict_graph = predict_fn.get_concrete_function()

    def train_epoch(x, y, order):
        total.assign(0.0)
        for idx in batch_indices(order, batch_size):
            train_graph(tf.constant(x[idx]), tf.constant(y[idx]))
        return float(total.numpy()) / len(order)

    def predict_one(x1):
        return predict_graph(tf.constant(x1)).numpy()

    return train_epoch, predict_one


def jax_trainer(params, forward, batch_size: int):
    """`forward(params, x) -> probabilities` for the pytree `params`: one jitted step with
    the whole optimizer state donated, so XLA updates the buffers in place. NumPy batches go
    straight to the jitted function, whose C++ fast path transfers them more cheaply than
    a `jax.device_put` per array (and it is how kerasfront's fit feeds them)."""
    import jax
    import jax.numpy as jnp

    tree_map = jax.tree_util.tree_map

    def loss_fn(params, x, y):
        probs = forward(params, x)
        probs = jnp.clip(probs / jnp.sum(probs, axis=-1, keepdims=True), CLIP, 1.0 - CLIP)
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
        for idx in batch_indices(order, batch_size):
            holder["state"] = train_step(holder["state"], x[idx], y[idx])
        return float(holder["state"][4]) / len(order)

    def predict_one(x1):
        return np.asarray(predict_fn(holder["state"][0], x1))

    return train_epoch, predict_one
