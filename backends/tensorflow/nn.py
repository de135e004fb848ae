"""The layer ops on TensorFlow's own kernels (oneDNN on a CPU, cuDNN on a GPU):
`tf.nn.convolution`, `tf.nn.conv_transpose`, `tf.nn.depthwise_conv2d`, `tf.nn.max_pool`,
`tf.nn.avg_pool`, `tf.image.resize`, `tf.nn.moments`, `tf.gather`.

TensorFlow's "same" padding is the contract's, so padding strings go to the kernels as
they are. Its CPU kernels take channels_last only: channels_first inputs are transposed
around the op (on a GPU, grappler's layout pass folds such transposes away).
"""

from __future__ import annotations

import math

import tensorflow as tf

from kerasfront.backends.layer_args import (
    as_tuple,
    check_conv_kernel,
    check_data_format,
    check_index_bounds,
    check_padding,
    effective_window,
    index_error_prefix,
    spatial_rank,
    spatial_sizes,
    transpose_geometry,
)

# Grouped convolutions run natively on GPUs; TensorFlow's CPU kernels refuse some of them.
_NATIVE_GROUPS = bool(tf.config.list_physical_devices("GPU"))


# Named explicitly: the eager gradient of a 3-D convolution made without a data_format
# attribute fails inside TensorFlow (it reads the unset attribute).
_CHANNELS_LAST = {1: "NWC", 2: "NHWC", 3: "NDHWC"}


def _channels_last(x, data_format: str, rank: int):
    if data_format == "channels_last":
        return x
    return tf.transpose(x, [0, *range(2, rank + 2), 1])


def _restore(y, data_format: str, rank: int):
    if data_format == "channels_last":
        return y
    return tf.transpose(y, [0, rank + 1, *range(1, rank + 1)])


def _dilate_kernel(kernel, dilations):
    """The kernel with dilation - 1 zeros between taps: a dilated kernel as a plain one,
    for the stride-and-dilation combinations TensorFlow's kernels refuse."""
    for axis, dilation in enumerate(dilations):
        if dilation == 1:
            continue
        shape = kernel.shape.as_list()
        taps = tf.stack([kernel] + [tf.zeros_like(kernel)] * (dilation - 1), axis=axis + 1)
        merged = tf.reshape(taps, shape[:axis] + [shape[axis] * dilation] + shape[axis + 1 :])
        window = effective_window(shape[axis], dilation)
        kernel = merged[(slice(None),) * axis + (slice(0, window),)]
    return kernel


def _grouped(x, kernel, strides, padding, dilations, groups, rank):
    """A grouped convolution on a CPU: depthwise where it applies, else one convolution
    per group."""
    in_channels = x.shape[-1]
    if groups == in_channels and rank <= 2:
        flat = rank == 1
        if flat:  # a 1-D input as a one-row image
            x, kernel = x[:, None], kernel[None]
            strides, dilations = (1, *strides), (1, *dilations)
        depthwise = tf.reshape(kernel, (*kernel.shape[:2], in_channels, -1))
        y = tf.nn.depthwise_conv2d(x, depthwise, (1, *strides, 1), padding, dilations=dilations)
        return y[:, 0] if flat else y
    pieces = zip(tf.split(x, groups, axis=-1), tf.split(kernel, groups, axis=-1))
    return tf.concat(
        [
            tf.nn.convolution(part, k, strides, padding, _CHANNELS_LAST[rank], dilations=dilations)
            for part, k in pieces
        ],
        axis=-1,
    )


def conv(
    x,
    kernel,
    strides=1,
    padding="valid",
    data_format="channels_last",
    dilation_rate=1,
    groups=1,
):
    rank = spatial_rank(len(x.shape), "conv")
    padding, data_format = check_padding(padding, "conv"), check_data_format(data_format, "conv")
    strides = as_tuple(strides, rank, "strides", "conv")
    dilations = as_tuple(dilation_rate, rank, "dilation_rate", "conv")
    x = _channels_last(x, data_format, rank)
    check_conv_kernel(kernel.shape.as_list(), rank, x.shape[-1], groups, "conv")
    if max(strides) > 1 and max(dilations) > 1:
        kernel, dilations = _dilate_kernel(kernel, dilations), (1,) * rank
    if groups > 1 and not _NATIVE_GROUPS:
        y = _grouped(x, kernel, strides, padding.upper(), dilations, groups, rank)
    else:
        y = tf.nn.convolution(
            x, kernel, strides, padding.upper(), _CHANNELS_LAST[rank], dilations=dilations
        )
    return _restore(y, data_format, rank)


def conv_transpose(
    x,
    kernel,
    strides=1,
    padding="valid",
    output_padding=None,
    data_format="channels_last",
    dilation_rate=1,
):
    op = "conv_transpose"
    rank = spatial_rank(len(x.shape), op)
    padding, data_format = check_padding(padding, op), check_data_format(data_format, op)
    strides = as_tuple(strides, rank, "strides", op)
    dilations = as_tuple(dilation_rate, rank, "dilation_rate", op)
    paddings = (
        (None,) * rank
        if output_padding is None
        else as_tuple(output_padding, rank, "output_padding", op)
    )
    sizes = spatial_sizes(x.shape, data_format)
    window = kernel.shape.as_list()[:rank]
    x = _channels_last(x, data_format, rank)
    if max(dilations) > 1:
        kernel = _dilate_kernel(kernel, dilations)
    geometry = [
        transpose_geometry(n, k, s, d, padding, p)
        for n, k, s, d, p in zip(sizes, window, strides, dilations, paddings)
    ]
    outputs = [size for size, _ in geometry]
    batch, channels = tf.shape(x)[0], kernel.shape[-2]
    # TensorFlow's own "same" is the adjoint wherever a "same" convolution of the output
    # size gives back the input size; other sizes take the full scatter, cropped.
    if padding == "same" and all(math.ceil(m / s) == n for m, s, n in zip(outputs, strides, sizes)):
        shape = tf.stack([batch, *outputs, channels])
        y = tf.nn.conv_transpose(x, kernel, shape, strides, "SAME")
        return _restore(y, data_format, rank)
    full = [(n - 1) * s + w for n, s, w in zip(sizes, strides, kernel.shape.as_list()[:rank])]
    y = tf.nn.conv_transpose(x, kernel, tf.stack([batch, *full, channels]), strides, "VALID")
    if outputs != full:
        kept = [max(min(b + m, f) - b, 0) for (m, b), f in zip(geometry, full)]
        y = y[(slice(None), *(slice(b, b + k) for (_, b), k in zip(geometry, kept)))]
        y = tf.pad(y, [(0, 0), *((0, m - k) for m, k in zip(outputs, kept)), (0, 0)])
    return _restore(y, data_format, rank)


def _pool(x, pool_size, strides, padding, data_format, op, tf_pool):
    rank = spatial_rank(len(x.shape), op)
    padding, data_format = check_padding(padding, op), check_data_format(data_format, op)
    window = as_tuple(pool_size, rank, "pool_size", op)
    strides = window if strides is None else as_tuple(strides, rank, "strides", op)
    # TensorFlow pads max pooling with -inf and leaves pads out of averages: the contract.
    # The layout named explicitly: without it an eager MaxPool3D records no data_format,
    # and a GradientTape over it fails (`'NoneType' object has no attribute 'decode'`).
    layout = ("NWC", "NHWC", "NDHWC")[rank - 1]
    y = tf_pool(_channels_last(x, data_format, rank), window, strides, padding.upper(), layout)
    return _restore(y, data_format, rank)


def max_pool(x, pool_size, strides=None, padding="valid", data_format="channels_last"):
    return _pool(x, pool_size, strides, padding, data_format, "max_pool", tf.nn.max_pool)


def average_pool(x, pool_size, strides=None, padding="valid", data_format="channels_last"):
    return _pool(x, pool_size, strides, padding, data_format, "average_pool", tf.nn.avg_pool)


def _resize_2d(x, size, method):
    return tf.cast(tf.image.resize(x, size, method=method), x.dtype)


def resize(x, size, interpolation="nearest", data_format="channels_last"):
    rank = spatial_rank(len(x.shape), "resize")
    data_format = check_data_format(data_format, "resize")
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(
            f"resize: interpolation must be 'nearest' or 'bilinear', received {interpolation!r}."
        )
    size = as_tuple(size, rank, "size", "resize")
    x = _channels_last(x, data_format, rank)
    if rank == 1:  # a one-column image
        y = _resize_2d(x[:, :, None], (size[0], 1), interpolation)[:, :, 0]
    elif rank == 2:
        y = _resize_2d(x, size, interpolation)
    else:
        # Both methods are separable: resize (height, width) per depth slice, then depth
        # with the other axes flattened (a same-size resize leaves them unchanged).
        batch, depth, channels = tf.shape(x)[0], x.shape[1], x.shape[-1]
        planes = tf.reshape(x, tf.stack([batch * depth, x.shape[2], x.shape[3], channels]))
        planes = _resize_2d(planes, size[1:], interpolation)
        stacked = tf.reshape(planes, tf.stack([batch, depth, size[1] * size[2], channels]))
        y = _resize_2d(stacked, (size[0], size[1] * size[2]), interpolation)
        y = tf.reshape(y, tf.stack([batch, *size, channels]))
    return _restore(y, data_format, rank)


def moments(x, axes, keepdims=False):
    axes = [axes] if isinstance(axes, int) else list(axes)
    return tf.nn.moments(x, axes, keepdims=keepdims)


def embedding_lookup(table, indices, context=""):
    indices = tf.convert_to_tensor(indices)
    if not indices.dtype.is_integer or indices.dtype.is_unsigned:
        indices = tf.cast(indices, "int64")
    rows = table.shape[0]
    low = tf.reduce_min(indices)
    high = tf.reduce_max(indices)
    if tf.executing_eagerly():
        if tf.size(indices) > 0:
            check_index_bounds(context, low, high, rows)
        return tf.gather(table, indices)
    # Inside tf.function: an assertion that fails the step with the contract's message.
    bad = tf.where(low < 0, low, high)
    valid = tf.logical_or(tf.size(indices) == 0, tf.logical_and(low >= 0, high < rows))
    check = tf.debugging.Assert(
        valid, [index_error_prefix(context), bad, f"is not in [0, {rows})."]
    )
    with tf.control_dependencies([check]):
        rows_found = tf.gather(table, tf.identity(indices))
    # XLA (jit_compile=True) drops assertions and clamps gather indices: out-of-range
    # entries become NaN rows there, never a clamped row.
    in_range = tf.logical_and(indices >= 0, indices < rows)[..., None]
    return tf.where(in_range, rows_found, tf.constant(math.nan, rows_found.dtype))


def repeat(x, repeats, axis=None):
    return tf.repeat(x, repeats, axis=axis)


def pad(x, pad_width, constant_values=0):
    return tf.pad(x, [tuple(pair) for pair in pad_width], constant_values=constant_values)
