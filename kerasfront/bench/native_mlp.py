"""Hand-written training loops for the benchmark MLPs, one per engine, with no Keras in them.

The benchmark MLP is 784-512-512-10 (relu, relu, softmax), Adam with Keras's
hyper-parameters, batch 128, Keras 2's clipped cross-entropy; `mlp_builders` makes the same
loops for any layer sizes (the tiny overhead model uses it). The epoch loops are in
native_common.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kerasfront.bench.native_common import (
    glorot_uniform,
    jax_trainer,
    tensorflow_trainer,
    torch_trainer,
)

LAYER_SIZES = (784, 512, 512, 10)
BATCH_SIZE = 128


def initial_weights(layer_sizes: Sequence[int] = LAYER_SIZES, seed: int = 0) -> list[np.ndarray]:
    """Glorot-uniform kernels `(in, out)` and zero biases, as Keras's Dense starts."""
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        weights += [
            glorot_uniform(rng, (fan_in, fan_out), fan_in, fan_out),
            np.zeros(fan_out, "f4"),
        ]
    return weights


def mlp_builders(layer_sizes: Sequence[int], batch_size: int, tensorflow_xla: bool = False) -> dict:
    """`{engine: builder(device) -> (train_epoch, predict_one)}` for a relu MLP with a
    softmax output of the given layer sizes."""

    def torch_mlp(device: str, cuda_graphs: bool = False):
        import torch

        linears = []
        weights = initial_weights(layer_sizes)
        for kernel, bias in zip(weights[::2], weights[1::2]):
            linear = torch.nn.Linear(*kernel.shape)
            with torch.no_grad():
                # torch stores Linear weights as (out, in): the transpose of the Keras kernel.
                linear.weight.copy_(torch.from_numpy(kernel.T))
                linear.bias.copy_(torch.from_numpy(bias))
            linears.append(linear)
        layers = [module for linear in linears for module in (linear, torch.nn.ReLU())][:-1]
        model = torch.nn.Sequential(*layers)
        return torch_trainer(
            [model],
            lambda x: torch.softmax(model(x), dim=-1),
            device,
            batch_size,
            cuda_graphs=cuda_graphs,
        )

    def tensorflow_mlp(device: str):
        import tensorflow as tf

        params = [tf.Variable(array) for array in initial_weights(layer_sizes)]

        def forward(x):
            for i in range(0, len(params) - 2, 2):
                x = tf.nn.relu(tf.matmul(x, params[i]) + params[i + 1])
            return tf.nn.softmax(tf.matmul(x, params[-2]) + params[-1])

        return tensorflow_trainer(
            params, forward, layer_sizes[:1], layer_sizes[-1], batch_size, tensorflow_xla
        )

    def jax_mlp(device: str):
        import jax
        import jax.numpy as jnp

        def forward(params, x):
            for i in range(0, len(params) - 2, 2):
                x = jax.nn.relu(x @ params[i] + params[i + 1])
            return jax.nn.softmax(x @ params[-2] + params[-1])

        weights = [jnp.asarray(w) for w in initial_weights(layer_sizes)]
        return jax_trainer(weights, forward, batch_size)

    return {"torch": torch_mlp, "tensorflow": tensorflow_mlp, "jax": jax_mlp}


BUILDERS = mlp_builders(LAYER_SIZES, BATCH_SIZE)
