"""Convolution kernels in the memory layout the engine's conv reads fastest
(`lay_out_conv_kernel`, torch: (out, *window, in) in memory, so the weight handed to torch
is in channels_last format): values, shapes, assignments, saved files and the fused Adam
update are the same as with row-major kernels."""

from __future__ import annotations

import numpy as np
import pytest

from kerasfront import backend as K
from kerasfront import layers, models, optimizers

pytestmark = pytest.mark.skipif(K.backend() != "torch", reason="torch's conv kernel layout")

RNG = np.random.default_rng(0)


def _storage(layer):
    return layer._variable_attributes["kernel"].storage


@pytest.mark.parametrize(
    "layer, input_shape",
    [
        (layers.Conv1D(5, 3), (None, 7, 4)),
        (layers.Conv2D(5, (3, 2)), (None, 6, 6, 4)),
        (layers.Conv3D(5, 2), (None, 4, 4, 4, 4)),
    ],
    ids=["1d", "2d", "3d"],
)
def test_conv_kernels_are_stored_out_window_in(layer, input_shape):
    import torch

    layer.build(input_shape)
    storage = _storage(layer)
    rank = storage.dim() - 2
    # (out, *window, in) is row-major in memory: torch's weight view is channels_last.
    assert storage.permute(rank + 1, *range(rank), rank).is_contiguous()
    assert not storage.is_contiguous()
    if rank == 2:
        assert storage.permute(3, 2, 0, 1).is_contiguous(memory_format=torch.channels_last)
    kernel = RNG.normal(size=tuple(storage.shape)).astype("float32")
    bias = RNG.normal(size=(5,)).astype("float32")
    layer.set_weights([kernel, bias])
    assert _storage(layer).stride() == storage.stride()  # assignments keep the layout
    np.testing.assert_array_equal(layer.get_weights()[0], kernel)


def test_separable_pointwise_kernels_are_laid_out_for_conv():
    layer = layers.SeparableConv2D(6, 3, depth_multiplier=2)
    layer.build((None, 5, 5, 3))
    pointwise = layer._variable_attributes["pointwise_kernel"].storage
    assert pointwise.permute(3, 0, 1, 2).is_contiguous() and not pointwise.is_contiguous()
    x = RNG.normal(size=(2, 5, 5, 3)).astype("float32")
    depthwise, pointwise_value, bias = layer.get_weights()
    # NumPy: depthwise 3x3 "valid" per channel and multiplier, then the 1x1 product.
    windows = np.stack(
        [x[:, i : i + 3, j : j + 3] for i in range(3) for j in range(3)], axis=1
    ).reshape(2, 3, 3, 3, 3, 3)  # (batch, out_i, out_j, k_i, k_j, channels)
    spread = np.einsum("bxyijc,ijcm->bxycm", windows, depthwise).reshape(2, 3, 3, 6)
    expected = spread @ pointwise_value[0, 0] + bias
    np.testing.assert_allclose(K.get_value(layer(K.constant(x))), expected, rtol=1e-5, atol=1e-5)


def test_transposed_convolution_kernels_are_laid_out_like_conv_kernels():
    layer = layers.Conv2DTranspose(3, 2, strides=2)
    layer.build((None, 4, 4, 2))
    storage = _storage(layer)  # Keras (*window, out, in): (in, *window, out) in memory
    assert storage.permute(3, 0, 1, 2).is_contiguous() and not storage.is_contiguous()
    x = RNG.normal(size=(1, 4, 4, 2)).astype("float32")
    kernel, bias = layer.get_weights()
    # NumPy: stride 2 with a 2x2 window tiles the output, one input pixel per block.
    expected = np.einsum("bhwc,ijoc->bhiwjo", x, kernel).reshape(1, 8, 8, 3)
    np.testing.assert_allclose(
        K.get_value(layer(K.constant(x))), expected + bias, rtol=1e-5, atol=1e-5
    )


def test_saved_kernels_load_with_their_values(tmp_path):
    model = models.Sequential([layers.Conv2D(4, 3, input_shape=(5, 5, 2)), layers.Flatten()])
    x = RNG.normal(size=(2, 5, 5, 2)).astype("float32")
    expected = model.predict(x)
    path = str(tmp_path / "conv.h5")
    model.save(path)
    loaded = models.load_model(path)
    assert not _storage(loaded.layers[0]).is_contiguous()
    np.testing.assert_allclose(loaded.predict(x), expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(loaded.get_weights()[0], model.get_weights()[0])


def test_adam_on_a_permuted_kernel_equals_adam_on_a_row_major_one():
    import torch

    from kerasfront.backends.torch.optimizer_kernels import _row_major, adam_update

    kernel = RNG.normal(size=(3, 3, 4, 6)).astype("float32")
    gradients = [RNG.normal(size=kernel.shape).astype("float32") for _ in range(2)]
    layer = layers.Conv2D(6, 3)
    layer.build((None, 5, 5, 4))
    permuted = _storage(layer)
    results = []
    device = permuted.device  # the GPU's on a GPU machine
    for weight in (torch.nn.Parameter(torch.tensor(kernel, device=device)), permuted):
        with torch.no_grad():
            weight.copy_(torch.tensor(kernel))
        m, v = (torch.zeros(kernel.shape, device=device) for _ in range(2))
        for gradient in gradients:
            grad = torch.tensor(gradient, device=device)
            # The fused kernel serves both layouts (no fallback to the foreach path).
            assert _row_major([weight], [grad], [m], [v], None) is not None
            adam_update([weight], [grad], [m], [v], 0.01, 0.9, 0.999, 1e-7)
        assert weight.stride() == m.stride() == v.stride()
        results.append([t.detach().cpu().numpy().copy() for t in (weight, m, v)])
    for row_major, permuted_result in zip(*results):
        np.testing.assert_allclose(permuted_result, row_major, rtol=1e-6, atol=1e-9)


def test_training_through_permuted_kernels_matches_numpy_sgd():
    model = models.Sequential([layers.Conv1D(2, 2, use_bias=False, input_shape=(4, 3))])
    kernel = RNG.normal(size=(2, 3, 2)).astype("float32")
    model.set_weights([kernel])
    model.compile(optimizers.SGD(learning_rate=0.1), "mse")
    x = RNG.normal(size=(2, 4, 3)).astype("float32")
    y = RNG.normal(size=(2, 3, 2)).astype("float32")
    windows = np.stack([x[:, t : t + 2] for t in range(3)], axis=1)  # (batch, 3, 2, 3)
    outputs = np.einsum("btki,kio->bto", windows, kernel)
    gradient = np.einsum("btki,bto->kio", windows, 2 * (outputs - y) / outputs.size)
    model.train_on_batch(x, y)
    np.testing.assert_allclose(
        model.get_weights()[0], kernel - 0.1 * gradient, rtol=1e-5, atol=1e-6
    )
