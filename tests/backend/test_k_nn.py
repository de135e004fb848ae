"""The Keras 2 backend's convolution, pooling, resizing and padding functions
(`K.conv2d`, `K.pool2d`, ...) against NumPy references written from the definitions
(float64 loops over small shapes), in both data formats, plus argument errors and one
model trained through a Lambda that calls them.

Tolerance: rtol 1e-5, atol 1e-4 (float32 engines against float64 sums).
"""

from __future__ import annotations

import itertools
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import layers, ops
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.variables import Variable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "layers"))
import conv_numpy_reference as reference  # noqa: E402

RTOL, ATOL = 1e-5, 1e-4
FORMATS = ("channels_last", "channels_first")


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def close(actual, expected):
    actual = ops.convert_to_numpy(actual)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


def to_format(x, data_format):
    """A channels_last array in `data_format`."""
    return x if data_format == "channels_last" else reference.to_channels_first(x)


def from_format(x, data_format):
    return x if data_format == "channels_last" else reference.to_channels_last(x)


def check(function, x, expected, data_format, *args, **kwargs):
    """`function` on `x` (channels_last, given in `data_format`) against `expected`
    (channels_last)."""
    result = function(to_format(x, data_format), *args, data_format=data_format, **kwargs)
    close(result, to_format(expected, data_format))


# ---- Convolutions -------------------------------------------------------------------------


@pytest.mark.parametrize("data_format", FORMATS)
def test_conv1d_paddings_strides_dilation(data_format):
    x, kernel = data(2, 9, 3), data(3, 3, 4, seed=1)
    for padding, strides, dilation in [
        ("valid", 1, 1),
        ("same", 2, 1),
        ("causal", 1, 2),
        ("causal", 2, 1),
        ("valid", 1, 3),
    ]:
        expected = reference.conv(x, kernel, (strides,), padding, (dilation,))
        check(K.conv1d, x, expected, data_format, kernel, strides, padding, dilation_rate=dilation)


def test_conv1d_causal_sees_no_later_step():
    x, kernel = data(1, 6, 2), data(3, 2, 1, seed=1)
    changed = x.copy()
    changed[:, 4:] += 1.0
    before = ops.convert_to_numpy(K.conv1d(x, kernel, padding="causal"))
    after = ops.convert_to_numpy(K.conv1d(changed, kernel, padding="causal"))
    assert before.shape == (1, 6, 1)
    np.testing.assert_array_equal(before[:, :4], after[:, :4])
    assert not np.allclose(before[:, 4:], after[:, 4:])


@pytest.mark.parametrize("data_format", FORMATS)
def test_conv2d(data_format):
    x, kernel = data(2, 7, 6, 3), data(3, 2, 3, 4, seed=1)
    for padding, strides, dilation in [
        ("valid", (1, 1), (1, 1)),
        ("same", (2, 1), (1, 1)),
        ("same", (1, 1), (2, 2)),
        ("valid", (2, 2), (2, 1)),
    ]:
        expected = reference.conv(x, kernel, strides, padding, dilation)
        check(K.conv2d, x, expected, data_format, kernel, strides, padding, dilation_rate=dilation)


@pytest.mark.parametrize("data_format", FORMATS)
def test_conv3d(data_format):
    x, kernel = data(1, 5, 4, 6, 2), data(2, 3, 2, 2, 3, seed=1)
    for padding, strides in [("valid", (1, 1, 1)), ("same", (2, 1, 2))]:
        expected = reference.conv(x, kernel, strides, padding)
        check(K.conv3d, x, expected, data_format, kernel, strides, padding)


@pytest.mark.parametrize("data_format", FORMATS)
def test_depthwise_and_separable_conv2d(data_format):
    x = data(2, 6, 5, 3)
    depthwise, pointwise = data(3, 3, 3, 2, seed=1), data(1, 1, 6, 4, seed=2)
    for padding, strides, dilation in [("valid", (1, 1), (1, 1)), ("same", (2, 2), (1, 1))]:
        expected = reference.depthwise_conv(x, depthwise, strides, padding, dilation)
        check(K.depthwise_conv2d, x, expected, data_format, depthwise, strides, padding)
        mixed = expected @ pointwise[0, 0].astype("float64")
        check(K.separable_conv2d, x, mixed, data_format, depthwise, pointwise, strides, padding)
    dilated = reference.depthwise_conv(x, depthwise, (1, 1), "same", (2, 2))
    check(K.depthwise_conv2d, x, dilated, data_format, depthwise, padding="same", dilation_rate=2)


def transpose_reference(x, kernel, size, strides, padding, dilation):
    """The adjoint of a convolution of an input of spatial `size`: every input pixel
    scatters x[i] @ kernel[offset].T to i * stride + offset * dilation; "same" then drops
    TensorFlow's leading pad of that convolution, (total // 2)."""
    rows, cols = x.shape[1:3]
    window = [reference.effective(k, d) for k, d in zip(kernel.shape[:2], dilation)]
    full = [(n - 1) * s + w for n, s, w in zip((rows, cols), strides, window)]
    befores = [
        reference.same_pads(m, k, s, d)[0] if padding == "same" else 0
        for m, k, s, d in zip(size, kernel.shape[:2], strides, dilation)
    ]
    extent = [max(f, b + m) for f, b, m in zip(full, befores, size)]
    y = np.zeros((x.shape[0], *extent, kernel.shape[2]))
    for i, j, a, b in itertools.product(
        range(rows), range(cols), range(kernel.shape[0]), range(kernel.shape[1])
    ):
        r, c = i * strides[0] + a * dilation[0], j * strides[1] + b * dilation[1]
        y[:, r, c] += x[:, i, j].astype("float64") @ kernel[a, b].T
    return y[:, befores[0] : befores[0] + size[0], befores[1] : befores[1] + size[1]]


@pytest.mark.parametrize("data_format", FORMATS)
def test_conv2d_transpose_every_possible_output_size(data_format):
    x = data(2, 3, 4, 3)
    for kernel_size, strides, padding, dilation in [
        ((3, 3), (2, 2), "valid", (1, 1)),
        ((3, 2), (2, 3), "same", (1, 1)),
        ((2, 2), (1, 1), "valid", (2, 2)),
        ((4, 3), (2, 1), "same", (1, 1)),
    ]:
        kernel = data(*kernel_size, 5, 3, seed=1)
        window = [reference.effective(k, d) for k, d in zip(kernel_size, dilation)]
        # Every output size whose convolution gives back the input size (3, 4).
        ranges = [
            range((n - 1) * s + w, n * s + w)
            if padding == "valid"
            else range((n - 1) * s + 1, n * s + 1)
            for n, s, w in zip((3, 4), strides, window)
        ]
        for size in itertools.product(*ranges):
            shape = (None, *size, 5) if data_format == "channels_last" else (None, 5, *size)
            expected = transpose_reference(x, kernel, size, strides, padding, dilation)
            check(
                K.conv2d_transpose,
                x,
                expected,
                data_format,
                kernel,
                shape,
                strides,
                padding,
                dilation_rate=dilation,
            )


def test_conv2d_transpose_output_shape_forms():
    x, kernel = data(2, 3, 3, 2), data(3, 3, 4, 2, seed=1)
    expected = transpose_reference(x, kernel, (6, 6), (2, 2), "same", (1, 1))
    batch = ops.shape(ops.convert_to_tensor(x))[0]
    for output_shape in [
        (2, 6, 6, 4),
        [None, 6, 6, 4],
        (ops.convert_to_tensor(np.int32(2)), 6, 6, 4),
        ops.convert_to_tensor(np.array([batch, 6, 6, 4], "int32")),
        np.array([2, 6, 6, 4]),
    ]:
        close(K.conv2d_transpose(x, kernel, output_shape, (2, 2), "same"), expected)


def test_conv2d_transpose_refuses_impossible_output_shapes():
    x, kernel = data(2, 3, 3, 2), data(3, 3, 4, 2, seed=1)
    with pytest.raises(
        ValueError, match=r"conv2d_transpose: output_shape .* impossible.*from 5 to 6"
    ):
        K.conv2d_transpose(x, kernel, (None, 7, 6, 4), (2, 2), "same")
    with pytest.raises(ValueError, match=r"conv2d_transpose: .*impossible.*from 7 to 8"):
        K.conv2d_transpose(x, kernel, (None, 6, 7, 4), (2, 2), "valid")
    with pytest.raises(ValueError, match="conv2d_transpose: output_shape .* 3 channels .* gives 4"):
        K.conv2d_transpose(x, kernel, (None, 6, 6, 3), (2, 2), "same")
    with pytest.raises(ValueError, match="conv2d_transpose: output_shape's batch entry 5"):
        K.conv2d_transpose(x, kernel, (5, 6, 6, 4), (2, 2), "same")
    with pytest.raises(ValueError, match=r"conv2d_transpose: output_shape must be .*4 entries"):
        K.conv2d_transpose(x, kernel, (6, 6, 4), (2, 2), "same")
    with pytest.raises(ValueError, match="conv2d_transpose: the kernel .* expects 2 input"):
        K.conv2d_transpose(data(2, 3, 3, 5), kernel, (None, 6, 6, 4), (2, 2), "same")


# ---- Locally connected --------------------------------------------------------------------


def local_reference(x, kernel, kernel_size, strides, output_shape, data_format):
    """Output position p (row-major) = its patch, flattened as Keras slices it, times
    kernel[p]."""
    out = np.zeros((x.shape[0], *output_shape, kernel.shape[-1]))
    positions = itertools.product(*(range(o) for o in output_shape))
    for index, position in enumerate(positions):
        window = tuple(slice(p * s, p * s + k) for p, k, s in zip(position, kernel_size, strides))
        if data_format == "channels_last":
            patch = x[(slice(None), *window, slice(None))]
        else:
            patch = x[(slice(None), slice(None), *window)]
        out[(slice(None), *position)] = patch.reshape(x.shape[0], -1) @ kernel[index]
    return out if data_format == "channels_last" else np.moveaxis(out, -1, 1)


@pytest.mark.parametrize("data_format", FORMATS)
def test_local_conv1d_and_2d(data_format):
    x1 = data(2, 3, 8) if data_format == "channels_first" else data(2, 8, 3)
    kernel1 = data(3, 9, 4, seed=1)  # output length (8 - 3) // 2 + 1 = 3
    close(
        K.local_conv1d(x1, kernel1, (3,), (2,), data_format),
        local_reference(x1, kernel1, (3,), (2,), (3,), data_format),
    )
    x2 = data(2, 2, 5, 6) if data_format == "channels_first" else data(2, 5, 6, 2)
    kernel2 = data(2 * 2, 3 * 2 * 2, 3, seed=2)  # (5 - 3) // 2 + 1 = 2 rows, 2 cols
    close(
        K.local_conv2d(x2, kernel2, (3, 2), (2, 3), (2, 2), data_format),
        local_reference(x2, kernel2, (3, 2), (2, 3), (2, 2), data_format),
    )
    with pytest.raises(
        ValueError, match=r"local_conv2d: kernel must have shape .* = \(4, 12, filters\)"
    ):
        K.local_conv2d(x2, kernel2[:3], (3, 2), (2, 3), (2, 2), data_format)
    with pytest.raises(ValueError, match="local_conv2d: output_shape .* past the input"):
        K.local_conv2d(x2, data(9, 12, 3), (3, 2), (2, 3), (3, 3), data_format)


# ---- Pooling ------------------------------------------------------------------------------


def pool_reference(x, pool_size, strides, padding, mode):
    """Brute force over output positions; "same" pads with TensorFlow's rule and pools
    only over real entries."""
    sizes = x.shape[1:-1]
    pads = [
        reference.same_pads(n, k, s, 1) if padding == "same" else (0, 0)
        for n, k, s in zip(sizes, pool_size, strides)
    ]
    counts = [(n + a + b - k) // s + 1 for n, (a, b), k, s in zip(sizes, pads, pool_size, strides)]
    out = np.zeros((x.shape[0], *counts, x.shape[-1]))
    for position in itertools.product(*(range(c) for c in counts)):
        window = tuple(
            slice(max(p * s - a, 0), min(p * s - a + k, n))
            for p, s, (a, _), k, n in zip(position, strides, pads, pool_size, sizes)
        )
        patch = x[(slice(None), *window, slice(None))].reshape(x.shape[0], -1, x.shape[-1])
        out[(slice(None), *position)] = patch.max(1) if mode == "max" else patch.mean(1)
    return out


@pytest.mark.parametrize("data_format", FORMATS)
def test_pool2d_and_pool3d(data_format):
    x2, x3 = data(2, 7, 6, 3), data(1, 5, 4, 6, 2)
    for mode, padding in itertools.product(("max", "avg"), ("valid", "same")):
        expected = pool_reference(x2, (3, 2), (2, 2), padding, mode)
        check(K.pool2d, x2, expected, data_format, (3, 2), (2, 2), padding, pool_mode=mode)
        expected = pool_reference(x3, (2, 3, 2), (2, 1, 3), padding, mode)
        check(K.pool3d, x3, expected, data_format, (2, 3, 2), (2, 1, 3), padding, pool_mode=mode)
    # Keras 2's default strides are (1, 1), not the window.
    check(K.pool2d, x2, pool_reference(x2, (2, 2), (1, 1), "valid", "max"), data_format, (2, 2))


# ---- Resizing and padding -----------------------------------------------------------------


def bilinear_matrix(size, factor):
    """(size * factor, size) weights: half-pixel centres, sources clamped to the edges."""
    matrix = np.zeros((size * factor, size))
    for i in range(size * factor):
        source = min(max((i + 0.5) / factor - 0.5, 0.0), size - 1)
        low = math.floor(source)
        high = min(low + 1, size - 1)
        matrix[i, low] += 1 - (source - low)
        matrix[i, high] += source - low
    return matrix


@pytest.mark.parametrize("data_format", FORMATS)
def test_resize_images_and_volumes(data_format):
    x = data(2, 3, 4, 2)
    nearest = x.repeat(2, axis=1).repeat(3, axis=2)
    check(K.resize_images, x, nearest, data_format, 2, 3)
    bilinear = np.einsum(
        "ri,cj,bijk->brck", bilinear_matrix(3, 2), bilinear_matrix(4, 3), x.astype("float64")
    )
    check(K.resize_images, x, bilinear, data_format, 2, 3, interpolation="bilinear")
    volume = data(1, 2, 3, 2, 2)
    repeated = volume.repeat(3, axis=1).repeat(1, axis=2).repeat(2, axis=3)
    check(K.resize_volumes, volume, repeated, data_format, 3, 1, 2)


@pytest.mark.parametrize("data_format", FORMATS)
def test_spatial_paddings(data_format):
    x2, x3 = data(2, 3, 4, 2), data(1, 2, 3, 2, 2)
    expected = np.pad(x2, ((0, 0), (1, 2), (0, 3), (0, 0)))
    check(K.spatial_2d_padding, x2, expected, data_format, ((1, 2), (0, 3)))
    check(K.spatial_2d_padding, x2, np.pad(x2, ((0, 0), (1, 1), (1, 1), (0, 0))), data_format)
    expected = np.pad(x3, ((0, 0), (2, 0), (1, 1), (0, 2), (0, 0)))
    check(K.spatial_3d_padding, x3, expected, data_format, ((2, 0), (1, 1), (0, 2)))


def test_temporal_padding():
    x = data(2, 3, 4)
    close(K.temporal_padding(x), np.pad(x, ((0, 0), (1, 1), (0, 0))))
    close(K.temporal_padding(x, (0, 2)), np.pad(x, ((0, 0), (0, 2), (0, 0))))


# ---- Inputs, defaults and errors ----------------------------------------------------------


def test_variables_arrays_and_the_configured_data_format():
    x, kernel = data(1, 2, 5, 5), data(3, 3, 2, 3, seed=1)
    expected = reference.to_channels_first(
        reference.conv(reference.to_channels_last(x), kernel, (1, 1))
    )
    saved = K.image_data_format()
    K.set_image_data_format("channels_first")
    try:
        # data_format None follows image_data_format(); Variables and tensors are taken.
        close(K.conv2d(Variable(x, trainable=False), Variable(kernel)), expected)
        close(K.conv2d(ops.convert_to_tensor(x), kernel), expected)
        assert tuple(ops.shape(K.pool2d(x, (2, 2)))) == (1, 2, 4, 4)
    finally:
        K.set_image_data_format(saved)


BAD_CALLS = [
    (lambda: K.conv2d(data(1, 5, 5, 2), data(3, 3, 2, 1), padding="full"), "conv2d: padding"),
    (lambda: K.conv2d(data(1, 5, 5, 2), data(3, 3, 2, 1), padding="causal"), "conv2d: padding"),
    (lambda: K.conv1d(data(1, 5, 2), data(3, 2, 1), data_format="nhwc"), "conv1d: data_format"),
    (lambda: K.conv2d(data(1, 5, 5, 2), data(3, 2, 1)), r"conv2d: kernel must have rank 4"),
    (lambda: K.conv3d(data(1, 5, 5, 2), data(1, 3, 3, 2, 1)), r"conv3d: x must have rank 5"),
    (lambda: K.conv2d(data(1, 5, 5, 2), data(3, 3, 3, 1)), "conv2d: the kernel .* expects 3"),
    (lambda: K.conv2d(data(1, 2, 5, 2), data(3, 3, 2, 1)), "conv2d: the window"),
    (lambda: K.conv2d(data(1, 5, 5, 2), data(3, 3, 2, 1), strides=0), "conv2d: strides"),
    (lambda: K.pool2d(data(1, 4, 4, 1), (2, 2), pool_mode="min"), "pool2d: pool_mode"),
    (lambda: K.pool3d(data(1, 4, 4, 1), (2, 2, 2)), "pool3d: x must have rank 5"),
    (lambda: K.pool2d(data(1, 4, 4, 1), (2, 2, 2)), "pool2d: pool_size"),
    (lambda: K.depthwise_conv2d(data(1, 4, 4, 2), data(3, 3, 3, 1)), "depthwise_conv2d: the"),
    (
        lambda: K.separable_conv2d(data(1, 4, 4, 2), data(3, 3, 2, 2), data(1, 1, 2, 3)),
        r"separable_conv2d: pointwise_kernel must have shape .*\(1, 1, 4, filters\)",
    ),
    (
        lambda: K.resize_images(data(1, 2, 2, 1), 2, 2, "channels_last", "bicubic"),
        "resize_images: interpolation",
    ),
    (lambda: K.resize_images(data(1, 2, 2, 1), 1.5, 2, None), "resize_images: height_factor"),
    (lambda: K.resize_volumes(data(1, 2, 2, 1), 2, 2, 2, None), "resize_volumes: x must"),
    (lambda: K.temporal_padding(data(1, 3, 2), (1, -1)), r"temporal_padding: padding"),
    (lambda: K.spatial_2d_padding(data(1, 3, 3, 2), (1, 1)), r"spatial_2d_padding: padding"),
    (lambda: K.spatial_3d_padding(data(1, 3, 3, 2), ((1, 1),) * 3), "spatial_3d_padding: x"),
    (lambda: K.local_conv1d(data(1, 5, 2), data(3, 6), 3, 1), "local_conv1d: kernel must have"),
]


@pytest.mark.parametrize("index", range(len(BAD_CALLS)))
def test_bad_arguments_name_function_and_argument(index):
    call, message = BAD_CALLS[index]
    with pytest.raises(ValueError, match=message):
        call()


# ---- Inside a training step ---------------------------------------------------------------


@pytest.mark.skipif(not ADAPTER.SUPPORTS_TRAINING, reason="this backend has no gradients")
def test_lambda_calling_k_functions_trains():
    keras.utils.set_random_seed(3)
    edges = data(3, 3, 2, 2, seed=5)  # a fixed NumPy filter bank, converted in the step

    def features(t):
        t = K.spatial_2d_padding(t, ((1, 1), (1, 1)))
        t = K.conv2d(t, edges, padding="valid")
        return K.pool2d(t, (2, 2), strides=(2, 2), pool_mode="avg")

    inputs = keras.Input((6, 6, 2))
    hidden = layers.Lambda(features)(inputs)
    # The batch entry None follows the traced batch inside the compiled step.
    upsample = data(3, 3, 2, 2, seed=7)
    hidden = layers.Lambda(
        lambda t: K.conv2d_transpose(t, upsample, (None, 6, 6, 2), (2, 2), "same")
    )(hidden)
    hidden = layers.Lambda(lambda t: K.resize_images(t, 2, 2, "channels_last", "bilinear"))(hidden)
    outputs = layers.Dense(1)(layers.Flatten()(hidden))
    model = keras.Model(inputs, outputs)
    assert model.output_shape == (None, 1)
    x = data(32, 6, 6, 2, seed=6)
    y = x.mean(axis=(1, 2, 3))[:, None] * 3.0
    model.compile(optimizer="adam", loss="mse")
    losses = model.fit(x, y, epochs=8, batch_size=8, verbose=0).history["loss"]
    assert np.all(np.isfinite(losses))
    assert losses[-1] < losses[0]
