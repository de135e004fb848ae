"""The layer ops of the NumPy reference: plain, direct definitions, the tests' ground truth.

Convolutions loop over kernel offsets (each offset one `einsum` over a strided view),
transposed convolutions scatter-add over the same offsets, pools reduce over window
offsets. Everything accumulates in float64 and returns the input's dtype.
"""

from __future__ import annotations

import numpy as np

from kerasfront.backends.layer_args import (
    as_tuple,
    check_conv_kernel,
    check_data_format,
    check_index_bounds,
    check_padding,
    effective_window,
    output_size,
    spatial_rank,
    transpose_geometry,
    window_counts,
    window_pads,
)


def _channels_last(x, data_format):
    return x if data_format == "channels_last" else np.moveaxis(x, 1, -1)


def _restore(x, data_format):
    return x if data_format == "channels_last" else np.moveaxis(x, -1, 1)


def _sweep(start: int, count: int, stride: int) -> slice:
    """`count` entries from `start`, `stride` apart."""
    return slice(start, start + (count - 1) * stride + 1, stride)


def conv(
    x, kernel, strides=1, padding="valid", data_format="channels_last", dilation_rate=1, groups=1
):
    x, kernel = np.asarray(x), np.asarray(kernel)
    rank = spatial_rank(x.ndim, "conv")
    padding, data_format = check_padding(padding, "conv"), check_data_format(data_format, "conv")
    strides = as_tuple(strides, rank, "strides", "conv")
    dilations = as_tuple(dilation_rate, rank, "dilation_rate", "conv")
    dtype = x.dtype
    x = _channels_last(x, data_format)
    check_conv_kernel(kernel.shape, rank, x.shape[-1], groups, "conv")
    window = kernel.shape[:rank]
    pads = window_pads(x.shape[1:-1], window, strides, dilations, padding)
    padded = np.pad(x.astype("float64"), [(0, 0), *pads, (0, 0)])
    outputs = [
        output_size(n, effective_window(k, d), s, p)
        for n, k, s, d, p in zip(x.shape[1:-1], window, strides, dilations, pads)
    ]
    group_in, out_channels = kernel.shape[-2], kernel.shape[-1]
    result = np.zeros((x.shape[0], *outputs, groups, out_channels // groups))
    for offset in np.ndindex(*window):
        view = padded[
            (slice(None),)
            + tuple(_sweep(t * d, o, s) for t, d, o, s in zip(offset, dilations, outputs, strides))
        ]
        view = view.reshape(*view.shape[:-1], groups, group_in)
        taps = kernel[offset].astype("float64").reshape(group_in, groups, -1)
        result += np.einsum("...gc,cgo->...go", view, taps)
    result = result.reshape(*result.shape[:-2], out_channels)
    return _restore(result, data_format).astype(dtype)


def conv_transpose(
    x,
    kernel,
    strides=1,
    padding="valid",
    output_padding=None,
    data_format="channels_last",
    dilation_rate=1,
):
    x, kernel = np.asarray(x), np.asarray(kernel)
    rank = spatial_rank(x.ndim, "conv_transpose")
    padding = check_padding(padding, "conv_transpose")
    data_format = check_data_format(data_format, "conv_transpose")
    strides = as_tuple(strides, rank, "strides", "conv_transpose")
    dilations = as_tuple(dilation_rate, rank, "dilation_rate", "conv_transpose")
    paddings = (
        (None,) * rank
        if output_padding is None
        else as_tuple(output_padding, rank, "output_padding", "conv_transpose")
    )
    dtype = x.dtype
    x = _channels_last(x, data_format).astype("float64")
    window, sizes = kernel.shape[:rank], x.shape[1:-1]
    full = [
        (n - 1) * s + effective_window(k, d)
        for n, k, s, d in zip(sizes, window, strides, dilations)
    ]
    scattered = np.zeros((x.shape[0], *full, kernel.shape[-2]))
    for offset in np.ndindex(*window):
        contribution = np.einsum("...i,oi->...o", x, kernel[offset].astype("float64"))
        target = tuple(_sweep(t * d, n, s) for t, d, n, s in zip(offset, dilations, sizes, strides))
        scattered[(slice(None),) + target] += contribution
    geometry = [
        transpose_geometry(n, k, s, d, padding, p)
        for n, k, s, d, p in zip(sizes, window, strides, dilations, paddings)
    ]
    result = np.zeros((x.shape[0], *(size for size, _ in geometry), kernel.shape[-2]))
    # Keep `size` entries from `before`; entries past the scatter's end stay zero.
    source, target = [slice(None)], [slice(None)]
    for (size, before), length in zip(geometry, full):
        kept = max(min(before + size, length) - before, 0)
        source.append(slice(before, before + kept))
        target.append(slice(0, kept))
    result[tuple(target)] = scattered[tuple(source)]
    return _restore(result, data_format).astype(dtype)


def _pool(x, pool_size, strides, padding, data_format, op, reducer):
    x = np.asarray(x)
    rank = spatial_rank(x.ndim, op)
    padding, data_format = check_padding(padding, op), check_data_format(data_format, op)
    window = as_tuple(pool_size, rank, "pool_size", op)
    strides = window if strides is None else as_tuple(strides, rank, "strides", op)
    dtype = x.dtype
    x = _channels_last(x, data_format)
    sizes = x.shape[1:-1]
    pads = window_pads(sizes, window, strides, (1,) * rank, padding)
    outputs = [output_size(n, k, s, p) for n, k, s, p in zip(sizes, window, strides, pads)]
    result = reducer(x, pads, window, strides, outputs)
    if reducer is _average:
        result = result / window_counts(sizes, window, strides, pads)[..., None]
    return _restore(result, data_format).astype(dtype)


def _windows(padded, window, strides, outputs):
    for offset in np.ndindex(*window):
        yield padded[
            (slice(None),) + tuple(_sweep(t, o, s) for t, o, s in zip(offset, outputs, strides))
        ]


def _maximum(x, pads, window, strides, outputs):
    # Integers (pooled as TensorFlow pools them) pad with their smallest value.
    lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
    padded = np.pad(x, [(0, 0), *pads, (0, 0)], constant_values=lowest)
    return np.maximum.reduce(list(_windows(padded, window, strides, outputs)))


def _average(x, pads, window, strides, outputs):
    padded = np.pad(x.astype("float64"), [(0, 0), *pads, (0, 0)])
    return np.sum(list(_windows(padded, window, strides, outputs)), axis=0)


def max_pool(x, pool_size, strides=None, padding="valid", data_format="channels_last"):
    return _pool(x, pool_size, strides, padding, data_format, "max_pool", _maximum)


def average_pool(x, pool_size, strides=None, padding="valid", data_format="channels_last"):
    return _pool(x, pool_size, strides, padding, data_format, "average_pool", _average)


def _resize_axis(x, axis, size, interpolation):
    """Resizes one axis with half-pixel centres: output j samples input (j + 0.5) n / m - 0.5."""
    length = x.shape[axis]
    positions = np.arange(size)
    if interpolation == "nearest":
        # floor((j + 0.5) * n / m) in integers: no rounding at exact ties.
        nearest = np.minimum((2 * positions + 1) * length // (2 * size), length - 1)
        return np.take(x, nearest, axis=axis)
    source = (positions + 0.5) * length / size - 0.5
    floor = np.floor(source)
    lower = np.clip(floor, 0, length - 1).astype(int)
    upper = np.clip(floor + 1, 0, length - 1).astype(int)
    weight = (source - floor).reshape((-1,) + (1,) * (x.ndim - 1 - axis))
    return np.take(x, lower, axis=axis) * (1 - weight) + np.take(x, upper, axis=axis) * weight


def resize(x, size, interpolation="nearest", data_format="channels_last"):
    x = np.asarray(x)
    rank = spatial_rank(x.ndim, "resize")
    data_format = check_data_format(data_format, "resize")
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(
            f"resize: interpolation must be 'nearest' or 'bilinear', received {interpolation!r}."
        )
    size = as_tuple(size, rank, "size", "resize")
    dtype = x.dtype
    result = _channels_last(x, data_format).astype("float64")
    for axis, length in enumerate(size, start=1):
        result = _resize_axis(result, axis, length, interpolation)
    return _restore(result, data_format).astype(dtype)


def embedding_lookup(table, indices, context=""):
    table, indices = np.asarray(table), np.asarray(indices)
    if indices.dtype.kind == "f":
        indices = indices.astype("int64")
    if indices.size:
        check_index_bounds(context, indices.min(), indices.max(), table.shape[0])
    return np.take(table, indices, axis=0)
