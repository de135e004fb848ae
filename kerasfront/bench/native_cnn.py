"""Hand-written training loops for the benchmark CNN, one per engine, with no Keras in them.

The model (the Keras MNIST convnet without its dropout): Conv2D(32, 3x3, relu) ->
MaxPooling2D(2x2) -> Conv2D(64, 3x3, relu) -> MaxPooling2D(2x2) -> Flatten -> Dense(10,
softmax) on 28x28x1 images. Images arrive channels_last, as Keras users hold them; each
loop uses its engine's best way to run them (torch: channels_last memory format, the
NHWC batch used as a permuted view without a copy). The epoch loops are in
native_common.py.
"""

from __future__ import annotations

import numpy as np

from kerasfront.bench.native_common import (
    glorot_uniform,
    jax_trainer,
    tensorflow_trainer,
    torch_trainer,
)

IMAGE_SHAPE = (28, 28, 1)
FILTERS = (32, 64)
KERNEL = 3
CLASSES = 10
BATCH_SIZE = 128
# 28 -> 26 (conv) -> 13 (pool) -> 11 (conv) -> 5 (pool).
FLAT = 5 * 5 * FILTERS[1]


def initial_weights(seed: int = 0) -> list[np.ndarray]:
    """Keras layouts: conv kernels (kh, kw, in, out), the dense kernel (in, out)."""
    rng = np.random.default_rng(seed)
    area = KERNEL * KERNEL
    channels = (IMAGE_SHAPE[-1], *FILTERS)
    weights = []
    for fan_in, fan_out in zip(channels[:-1], channels[1:]):
        shape = (KERNEL, KERNEL, fan_in, fan_out)
        weights += [
            glorot_uniform(rng, shape, area * fan_in, area * fan_out),
            np.zeros(fan_out, "f4"),
        ]
    return weights + [glorot_uniform(rng, (FLAT, CLASSES), FLAT, CLASSES), np.zeros(CLASSES, "f4")]


def torch_cnn(device: str, cuda_graphs: bool = False):
    import torch
    from torch import nn

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
    model.to(memory_format=torch.channels_last)
    return torch_trainer(
        [model],
        lambda x: torch.softmax(model(x), dim=-1),
        device,
        BATCH_SIZE,
        to_input=lambda batch: batch.permute(0, 3, 1, 2),
        cuda_graphs=cuda_graphs,
    )


def tensorflow_cnn(device: str):
    import tensorflow as tf

    params = [tf.Variable(array) for array in initial_weights()]

    def forward(x):
        for kernel, bias in (params[0:2], params[2:4]):
            x = tf.nn.relu(tf.nn.conv2d(x, kernel, 1, "VALID") + bias)
            x = tf.nn.max_pool2d(x, 2, 2, "VALID")
        x = tf.reshape(x, (-1, FLAT))
        return tf.nn.softmax(tf.matmul(x, params[4]) + params[5])

    return tensorflow_trainer(params, forward, IMAGE_SHAPE, CLASSES, BATCH_SIZE)


def jax_cnn(device: str):
    import jax
    import jax.numpy as jnp

    numbers = ("NHWC", "HWIO", "NHWC")
    window = (1, 2, 2, 1)

    def forward(params, x):
        for kernel, bias in (params[0:2], params[2:4]):
            x = jax.lax.conv_general_dilated(x, kernel, (1, 1), "VALID", dimension_numbers=numbers)
            x = jax.nn.relu(x + bias)
            x = jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, window, window, "VALID")
        x = x.reshape(x.shape[0], FLAT)
        return jax.nn.softmax(x @ params[4] + params[5])

    return jax_trainer([jnp.asarray(w) for w in initial_weights()], forward, BATCH_SIZE)


BUILDERS = {"torch": torch_cnn, "tensorflow": tensorflow_cnn, "jax": jax_cnn}
