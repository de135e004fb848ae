"""The layer ops on XLA's own kernels: `lax.conv_general_dilated` (cuDNN on a GPU),
`lax.reduce_window`, `jax.image.resize`. Both data formats are handed to XLA as they are
(dimension numbers), so no transposes are added around the kernels.
"""

from __future__ import annotations

import logging

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from kerasfront.backends.layer_args import (
    as_tuple,
    check_conv_kernel,
    check_data_format,
    check_index_bounds,
    check_padding,
    effective_window,
    spatial_rank,
    spatial_sizes,
    transpose_geometry,
    window_counts,
    window_pads,
)


def _layout(rank: int, data_format: str) -> str:
    """The input/output layout letters, e.g. "NHWC" or "NCHW"."""
    spatial = "DHW"[3 - rank :]
    return f"N{spatial}C" if data_format == "channels_last" else f"NC{spatial}"


def _channels(x, data_format: str) -> int:
    return x.shape[-1] if data_format == "channels_last" else x.shape[1]


def conv(
    x,
    kernel,
    strides=1,
    padding="valid",
    data_format="channels_last",
    dilation_rate=1,
    groups=1,
):
    rank = spatial_rank(x.ndim, "conv")
    padding, data_format = check_padding(padding, "conv"), check_data_format(data_format, "conv")
    strides = as_tuple(strides, rank, "strides", "conv")
    dilations = as_tuple(dilation_rate, rank, "dilation_rate", "conv")
    check_conv_kernel(kernel.shape, rank, _channels(x, data_format), groups, "conv")
    pads = window_pads(
        spatial_sizes(x.shape, data_format), kernel.shape[:rank], strides, dilations, padding
    )
    layout = _layout(rank, data_format)
    return lax.conv_general_dilated(
        x,
        kernel,
        window_strides=strides,
        padding=pads,
        rhs_dilation=dilations,
        dimension_numbers=(layout, "DHW"[3 - rank :] + "IO", layout),
        feature_group_count=groups,
    )


def conv_transpose(
    x,
    kernel,
    strides=1,
    padding="valid",
    output_padding=None,
    data_format="channels_last",
    dilation_rate=1,
):
    """A convolution of the stride-dilated input with the flipped kernel: the exact
    adjoint of `conv`, cropped or zero-extended to the contract's output size."""
    op = "conv_transpose"
    rank = spatial_rank(x.ndim, op)
    padding, data_format = check_padding(padding, op), check_data_format(data_format, op)
    strides = as_tuple(strides, rank, "strides", op)
    dilations = as_tuple(dilation_rate, rank, "dilation_rate", op)
    paddings = (
        (None,) * rank
        if output_padding is None
        else as_tuple(output_padding, rank, "output_padding", op)
    )
    pads = []
    for n, k, s, d, p in zip(
        spatial_sizes(x.shape, data_format), kernel.shape[:rank], strides, dilations, paddings
    ):
        size, before = transpose_geometry(n, k, s, d, padding, p)
        window = effective_window(k, d)
        full = (n - 1) * s + window
        # Negative pads crop: XLA accepts them.
        pads.append((window - 1 - before, size + before - full + window - 1))
    layout = _layout(rank, data_format)
    return lax.conv_general_dilated(
        x,
        jnp.flip(kernel, axis=tuple(range(rank))),
        window_strides=(1,) * rank,
        padding=pads,
        lhs_dilation=strides,
        rhs_dilation=dilations,
        dimension_numbers=(layout, "DHW"[3 - rank :] + "OI", layout),
    )


def _pool_geometry(x, pool_size, strides, padding, data_format, op):
    rank = spatial_rank(x.ndim, op)
    padding, data_format = check_padding(padding, op), check_data_format(data_format, op)
    window = as_tuple(pool_size, rank, "pool_size", op)
    strides = window if strides is None else as_tuple(strides, rank, "strides", op)
    sizes = spatial_sizes(x.shape, data_format)
    pads = window_pads(sizes, window, strides, (1,) * rank, padding)
    if data_format == "channels_last":
        full = ((1, *window, 1), (1, *strides, 1), [(0, 0), *pads, (0, 0)])
    else:
        full = ((1, 1, *window), (1, 1, *strides), [(0, 0), (0, 0), *pads])
    return (sizes, window, strides, pads), full


def max_pool(x, pool_size, strides=None, padding="valid", data_format="channels_last"):
    _, (dims, steps, pads) = _pool_geometry(x, pool_size, strides, padding, data_format, "max_pool")
    # A concrete -inf start lets JAX pick its differentiable max-window primitive;
    # integers (TensorFlow pools them too) start from their smallest value.
    floating = jnp.issubdtype(x.dtype, jnp.floating)
    start = np.array(-np.inf if floating else np.iinfo(x.dtype).min, x.dtype)
    return lax.reduce_window(x, start, lax.max, dims, steps, pads)


def average_pool(x, pool_size, strides=None, padding="valid", data_format="channels_last"):
    geometry, (dims, steps, pads) = _pool_geometry(
        x, pool_size, strides, padding, data_format, "average_pool"
    )
    total = lax.reduce_window(x, np.array(0, x.dtype), lax.add, dims, steps, pads)
    counts = window_counts(*geometry).astype(x.dtype)  # padded entries left out
    if data_format == "channels_last":
        counts = counts[..., None]
    return total / counts


def resize(x, size, interpolation="nearest", data_format="channels_last"):
    rank = spatial_rank(x.ndim, "resize")
    data_format = check_data_format(data_format, "resize")
    methods = {"nearest": "nearest", "bilinear": "linear"}
    if interpolation not in methods:
        raise ValueError(
            f"resize: interpolation must be 'nearest' or 'bilinear', received {interpolation!r}."
        )
    size = as_tuple(size, rank, "size", "resize")
    if data_format == "channels_last":
        shape = (x.shape[0], *size, x.shape[-1])
    else:
        shape = (x.shape[0], x.shape[1], *size)
    return jax.image.resize(x, shape, methods[interpolation], antialias=False)


class _ReportedByTheStep(logging.Filter):
    """Drops JAX's log of a failed host callback when the failure is our index check:
    the step re-raises it as the user's IndexError (`_callback_error` in __init__.py),
    and the log would show it first as a traceback through JAX's internals."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not (isinstance(error, IndexError) and "index out of range:" in str(error))


logging.getLogger("jax._src.debugging").addFilter(_ReportedByTheStep())


def embedding_lookup(table, indices, context=""):
    indices = jnp.asarray(indices)
    if not jnp.issubdtype(indices.dtype, jnp.integer):
        indices = indices.astype("int32")
    rows = table.shape[0]
    # `initial` keeps empty index arrays (and symbolic shapes) out of trouble: only a
    # negative low or a high >= rows is an error.
    low, high = jnp.min(indices, initial=0), jnp.max(indices, initial=0)
    if isinstance(indices, jax.core.Tracer):
        # Inside jit/grad: checked on the host when the step runs; the IndexError
        # surfaces as the engine's runtime error carrying the message.
        jax.debug.callback(lambda lo, hi: check_index_bounds(context, lo, hi, rows), low, high)
    else:
        check_index_bounds(context, low, high, rows)
    # "fill": an index that got past the check would give NaN rows, never a clamped row.
    return jnp.take(table, indices, axis=0, mode="fill")
