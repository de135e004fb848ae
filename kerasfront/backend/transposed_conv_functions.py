"""The Keras 2 backend's transposed convolutions: `K.conv2d_transpose` and
`K.conv3d_transpose`, with Keras 2's signatures and kernel layout, on the contract's
`conv_transpose` op.

Keras 2 asks for the full `output_shape`, since a strided convolution maps several input
sizes to one output size; the size asked for is produced, and one that no convolution
with these arguments maps to `x`'s size is a ValueError naming the sizes that would do.
"""

from __future__ import annotations

import numpy as np

from kerasfront import ops
from kerasfront.backend.spatial_functions import as_tensor, check_rank, settings, spatial_sizes

__all__ = ["conv2d_transpose", "conv3d_transpose"]

_AXES = {2: "rows, cols", 3: "depth, rows, cols"}


def _static_int(entry, function: str, output_shape):
    if isinstance(entry, (int, np.integer)) and not isinstance(entry, bool):
        return int(entry)
    try:
        return int(ops.convert_to_numpy(entry))
    except Exception as error:  # a traced value: the engine cannot tell its value yet
        raise ValueError(
            f"{function}: the spatial sizes and channels in output_shape must be known "
            f"numbers (only the batch entry may be None or a tensor), received "
            f"output_shape={output_shape!r}."
        ) from error


def _requested_output(function, rank, output_shape, x_shape, kernel, data_format):
    """The spatial sizes of a Keras 2 `output_shape`, checked against `x` and `kernel`."""
    if ops.is_tensor(output_shape) or isinstance(output_shape, np.ndarray):
        try:
            output_shape = list(np.asarray(ops.convert_to_numpy(output_shape)).reshape(-1))
        except Exception as error:
            raise ValueError(
                f"{function}: output_shape as a traced tensor has no known values; pass a "
                "tuple whose spatial sizes and channels are Python ints (the batch entry may "
                "be None or a tensor)."
            ) from error
    if not isinstance(output_shape, (tuple, list)) or len(output_shape) != rank + 2:
        raise ValueError(
            f"{function}: output_shape must be (batch, {_AXES[rank]}, filters) "
            f"({data_format} order), {rank + 2} entries, received {output_shape!r}."
        )
    batch = output_shape[0]
    rest = [_static_int(entry, function, output_shape) for entry in output_shape[1:]]
    if data_format == "channels_last":
        spatial, channels = tuple(rest[:rank]), rest[rank]
    else:
        spatial, channels = tuple(rest[1:]), rest[0]
    if isinstance(batch, (int, np.integer)) and x_shape[0] is not None and batch != x_shape[0]:
        raise ValueError(
            f"{function}: output_shape's batch entry {batch} differs from the input's batch "
            f"size {x_shape[0]} (input shape {tuple(x_shape)}); pass None to follow the input."
        )
    if channels != ops.shape(kernel)[-2]:
        raise ValueError(
            f"{function}: output_shape {tuple(output_shape)} asks for {channels} channels but "
            f"the kernel of shape {tuple(ops.shape(kernel))} ({_AXES[rank]}, filters, "
            f"in_channels) gives {ops.shape(kernel)[-2]}."
        )
    return spatial


def _transpose(function, rank, x, kernel, output_shape, strides, padding, data_format, dilation):
    utils, data_format = settings(data_format, function)
    padding = utils.normalize_padding(padding, function)
    strides = utils.normalize_tuple(strides, rank, "strides", function)
    dilation = utils.normalize_tuple(dilation, rank, "dilation_rate", function)
    x, kernel = as_tensor(x), as_tensor(kernel)
    layout = f"({_AXES[rank]}, filters, in_channels)"
    check_rank(function, "x", x, rank + 2, f"(batch, {_AXES[rank]}, channels)")
    check_rank(function, "kernel", kernel, rank + 2, layout)
    shape = ops.shape(x)
    in_channels = shape[utils.channel_axis(data_format)]
    if in_channels is not None and ops.shape(kernel)[-1] != in_channels:
        raise ValueError(
            f"{function}: the kernel of shape {tuple(ops.shape(kernel))} {layout} expects "
            f"{ops.shape(kernel)[-1]} input channels, received x of shape {tuple(shape)} "
            f"({data_format})."
        )
    requested = _requested_output(function, rank, output_shape, shape, kernel, data_format)
    sizes = spatial_sizes(shape, data_format, function, "x")
    output_padding = []
    for m, n, k, s, d in zip(requested, sizes, ops.shape(kernel)[:rank], strides, dilation):
        w = utils.effective_window(k, d)
        if utils.conv_output_length(m, k, padding, s, d) != n or m < 1:
            low, high = (
                ((n - 1) * s + w, n * s + w - 1) if padding == "valid" else ((n - 1) * s + 1, n * s)
            )
            raise ValueError(
                f"{function}: output_shape {tuple(output_shape)} is impossible for an input of "
                f"spatial size {sizes}: a '{padding}' convolution with kernel {k}, stride {s} "
                f"and dilation {d} maps no size {m} to {n}; sizes from {low} to {high} would."
            )
        # The contract sizes a transposed conv as (n - 1) s + w - 2 p + output_padding.
        output_padding.append(m - ((n - 1) * s + w - (0 if padding == "valid" else 2 * (w // 2))))
    return ops.conv_transpose(
        x, kernel, strides, padding, tuple(output_padding), data_format, dilation
    )


def conv2d_transpose(
    x,
    kernel,
    output_shape,
    strides=(1, 1),
    padding="valid",
    data_format=None,
    dilation_rate=(1, 1),
):
    """Transposed 2-D convolution (the input gradient of `conv2d`), no bias.

    Args:
        x: `(batch, rows, cols, in_channels)` (channels_last) or channels first.
        kernel: `(rows, cols, filters, in_channels)`, Keras 2's layout.
        output_shape: the full output shape `(batch, out_rows, out_cols, filters)` in
            `data_format` order. The batch entry may be None or a tensor (it follows
            `x`); the others must be ints. Several sizes can map to one input size under
            a strided convolution: the one asked for is produced. A size no convolution
            with these arguments turns into `x`'s size raises a ValueError.
        strides, padding ("valid" or "same"), data_format, dilation_rate: those of the
            forward convolution whose adjoint this is. (tf-keras ignored `strides` when
            `dilation_rate` was not 1; here both apply.)

    Returns:
        The engine tensor of `output_shape`.
    """
    function = "conv2d_transpose"
    return _transpose(
        function, 2, x, kernel, output_shape, strides, padding, data_format, dilation_rate
    )


def conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1), padding="valid", data_format=None):
    """Transposed 3-D convolution (the input gradient of `conv3d`), no bias.

    Args:
        x: `(batch, depth, rows, cols, in_channels)` (channels_last) or channels first.
        kernel: `(depth, rows, cols, filters, in_channels)`, Keras 2's layout.
        output_shape: `(batch, out_depth, out_rows, out_cols, filters)` in `data_format`
            order, as `conv2d_transpose`'s.
        strides, padding ("valid" or "same"), data_format: those of the forward
            convolution whose adjoint this is.

    Returns:
        The engine tensor of `output_shape`.
    """
    return _transpose(
        "conv3d_transpose", 3, x, kernel, output_shape, strides, padding, data_format, 1
    )
