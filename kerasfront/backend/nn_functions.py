"""The Keras 2 backend's convolutions: `K.conv1d`, `K.conv2d`, `K.conv3d`,
`K.conv2d_transpose`, `K.separable_conv2d`, `K.depthwise_conv2d`, `K.local_conv1d` and
`K.local_conv2d`, with tf-keras's signatures, kernel layouts and padding rules.

Each runs on the engine's own kernels through the contract's `conv` and `conv_transpose`
ops (see `kerasfront.backend.contract.LAYER_OPS`); pooling, resizing and padding live in
`kerasfront.backend.spatial_functions`. Arguments are checked before the engine sees
them, so a bad one raises a ValueError naming the function, the argument, what was
expected and what was received.
"""

from __future__ import annotations

import math

import numpy as np

from kerasfront import ops
from kerasfront.backend.spatial_functions import *  # noqa: F403
from kerasfront.backend.spatial_functions import __all__ as _spatial_names
from kerasfront.backend.spatial_functions import (
    as_tensor,
    check_rank,
    check_window_fits,
    settings,
    spatial_sizes,
)

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "conv2d_transpose",
    "separable_conv2d",
    "depthwise_conv2d",
    "local_conv1d",
    "local_conv2d",
    *_spatial_names,
]


def _check_kernel_channels(function, kernel, in_channels, groups, x_shape, data_format):
    expected = ops.shape(kernel)[-2] * groups
    if in_channels is not None and expected != in_channels:
        raise ValueError(
            f"{function}: the kernel of shape {tuple(ops.shape(kernel))} expects {expected} "
            f"input channels, received x of shape {tuple(x_shape)} with {in_channels} "
            f"channels ({data_format})."
        )


def _convolve(function, rank, x, kernel, strides, padding, data_format, dilation_rate, groups=1):
    """The shared body of conv1d/2d/3d: checks, causal padding, then the engine's conv."""
    utils, data_format = settings(data_format, function)
    allowed = ("valid", "same", "causal") if rank == 1 else ("valid", "same")
    padding = utils.normalize_padding(padding, function, allowed)
    strides = utils.normalize_tuple(strides, rank, "strides", function)
    dilation = utils.normalize_tuple(dilation_rate, rank, "dilation_rate", function)
    x, kernel = as_tensor(x), as_tensor(kernel)
    check_rank(function, "x", x, rank + 2, "(batch, *spatial, channels)")
    check_rank(function, "kernel", kernel, rank + 2, "(*kernel_size, in_channels, filters)")
    shape = ops.shape(x)
    _check_kernel_channels(
        function, kernel, shape[utils.channel_axis(data_format)], groups, shape, data_format
    )
    window = tuple(ops.shape(kernel)[:rank])
    if padding == "causal":
        # Only the past: every output step sees its own step and the w - 1 before it. (Keras
        # 2 padded axis 1 here even for channels_first, i.e. the channels; we pad time.)
        front = dilation[0] * (window[0] - 1)
        time_axis = 1 if data_format == "channels_last" else 2
        x = ops.pad(x, tuple((front, 0) if axis == time_axis else (0, 0) for axis in range(3)))
        padding = "valid"
    if padding == "valid":
        extents = tuple(utils.effective_window(k, d) for k, d in zip(window, dilation))
        check_window_fits(function, ops.shape(x), extents, data_format, "kernel (dilated)")
    return ops.conv(x, kernel, strides, padding, data_format, dilation, groups)


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1-D convolution (no bias).

    Args:
        x: `(batch, steps, channels)` (channels_last) or `(batch, channels, steps)`.
        kernel: `(kernel_size, channels, filters)`.
        strides: the step, an int.
        padding: "valid", "same" (TensorFlow's rule) or "causal" (zeros before the first
            step only, so no output sees a later step).
        data_format: "channels_last" or "channels_first"; None means
            `image_data_format()`.
        dilation_rate: the spacing between kernel taps, an int.

    Returns:
        The engine tensor `(batch, new_steps, filters)` (or channels first).
    """
    return _convolve("conv1d", 1, x, kernel, strides, padding, data_format, dilation_rate)


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    """2-D convolution (no bias); kernel `(rows, cols, channels, filters)`.

    Args as `conv1d`, with tuples of 2 ints (or one int for both axes); padding "valid"
    or "same".

    Example:
        >>> K.conv2d(np.ones((1, 4, 4, 1), "float32"), np.ones((3, 3, 1, 1), "float32"))
        # a (1, 2, 2, 1) tensor of 9.0
    """
    return _convolve("conv2d", 2, x, kernel, strides, padding, data_format, dilation_rate)


def conv3d(
    x, kernel, strides=(1, 1, 1), padding="valid", data_format=None, dilation_rate=(1, 1, 1)
):
    """3-D convolution (no bias); kernel `(depth, rows, cols, channels, filters)`.

    Args as `conv2d`, with tuples of 3 ints.
    """
    return _convolve("conv3d", 3, x, kernel, strides, padding, data_format, dilation_rate)


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


def _requested_output(function, output_shape, x_shape, kernel, data_format):
    """(batch entry, spatial sizes, channels) of a Keras 2 `output_shape`, checked."""
    if ops.is_tensor(output_shape) or isinstance(output_shape, np.ndarray):
        try:
            output_shape = list(np.asarray(ops.convert_to_numpy(output_shape)).reshape(-1))
        except Exception as error:
            raise ValueError(
                f"{function}: output_shape as a traced tensor has no known values; pass a "
                "tuple whose spatial sizes and channels are Python ints (the batch entry may "
                "be None or a tensor)."
            ) from error
    if not isinstance(output_shape, (tuple, list)) or len(output_shape) != 4:
        raise ValueError(
            f"{function}: output_shape must be (batch, rows, cols, filters) "
            f"({data_format} order), 4 entries, received {output_shape!r}."
        )
    batch = output_shape[0]
    rest = [_static_int(entry, function, output_shape) for entry in output_shape[1:]]
    if data_format == "channels_last":
        spatial, channels = tuple(rest[:2]), rest[2]
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
            f"the kernel of shape {tuple(ops.shape(kernel))} (rows, cols, filters, "
            f"in_channels) gives {ops.shape(kernel)[-2]}."
        )
    return spatial


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
    utils, data_format = settings(data_format, function)
    padding = utils.normalize_padding(padding, function)
    strides = utils.normalize_tuple(strides, 2, "strides", function)
    dilation = utils.normalize_tuple(dilation_rate, 2, "dilation_rate", function)
    x, kernel = as_tensor(x), as_tensor(kernel)
    check_rank(function, "x", x, 4, "(batch, rows, cols, channels)")
    check_rank(function, "kernel", kernel, 4, "(rows, cols, filters, in_channels)")
    shape = ops.shape(x)
    in_channels = shape[utils.channel_axis(data_format)]
    if in_channels is not None and ops.shape(kernel)[-1] != in_channels:
        raise ValueError(
            f"{function}: the kernel of shape {tuple(ops.shape(kernel))} (rows, cols, filters, "
            f"in_channels) expects {ops.shape(kernel)[-1]} input channels, received x of "
            f"shape {tuple(shape)} ({data_format})."
        )
    requested = _requested_output(function, output_shape, shape, kernel, data_format)
    sizes = spatial_sizes(shape, data_format, function, "x")
    output_padding = []
    for m, n, k, s, d in zip(requested, sizes, ops.shape(kernel)[:2], strides, dilation):
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


def _depthwise(function, x, depthwise_kernel, strides, padding, data_format, dilation_rate):
    """The depthwise step of depthwise_conv2d and separable_conv2d."""
    utils, data_format = settings(data_format, function)
    x, depthwise_kernel = as_tensor(x), as_tensor(depthwise_kernel)
    check_rank(function, "x", x, 4, "(batch, rows, cols, channels)")
    layout = "(rows, cols, channels, depth_multiplier)"
    check_rank(function, "depthwise_kernel", depthwise_kernel, 4, layout)
    rows, cols, channels, multiplier = ops.shape(depthwise_kernel)
    shape = ops.shape(x)
    in_channels = shape[utils.channel_axis(data_format)]
    if in_channels is not None and in_channels != channels:
        raise ValueError(
            f"{function}: the depthwise_kernel of shape {(rows, cols, channels, multiplier)} "
            f"{layout} expects {channels} input channels, received x of shape {tuple(shape)} "
            f"({data_format})."
        )
    # One group per input channel. Output channel c * multiplier + m comes from the
    # depthwise kernel's [..., c, m], the order of the flattened (rows, cols, 1, C * M).
    grouped = ops.reshape(depthwise_kernel, (rows, cols, 1, channels * multiplier))
    return _convolve(
        function, 2, x, grouped, strides, padding, data_format, dilation_rate, groups=channels
    )


def depthwise_conv2d(
    x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)
):
    """Depthwise 2-D convolution: each input channel convolved with its own filters.

    Args:
        x: `(batch, rows, cols, channels)` (channels_last) or channels first.
        depthwise_kernel: `(rows, cols, channels, depth_multiplier)`; output channel
            `c * depth_multiplier + m` is channel c convolved with `[..., c, m]`.
        strides, padding ("valid" or "same"), data_format, dilation_rate: as `conv2d`.

    Returns:
        `(batch, new_rows, new_cols, channels * depth_multiplier)` (or channels first).
    """
    return _depthwise(
        "depthwise_conv2d", x, depthwise_kernel, strides, padding, data_format, dilation_rate
    )


def separable_conv2d(
    x,
    depthwise_kernel,
    pointwise_kernel,
    strides=(1, 1),
    padding="valid",
    data_format=None,
    dilation_rate=(1, 1),
):
    """A depthwise convolution followed by a 1x1 convolution mixing its channels.

    Args:
        x, depthwise_kernel, strides, padding, data_format, dilation_rate: as
            `depthwise_conv2d` (strides and dilation apply to the depthwise step).
        pointwise_kernel: `(1, 1, channels * depth_multiplier, filters)`.

    Returns:
        `(batch, new_rows, new_cols, filters)` (or channels first).
    """
    function = "separable_conv2d"
    pointwise_kernel = as_tensor(pointwise_kernel)
    layout = "(1, 1, channels * depth_multiplier, filters)"
    check_rank(function, "pointwise_kernel", pointwise_kernel, 4, layout)
    depthwise_shape = ops.shape(as_tensor(depthwise_kernel))
    pointwise_shape = tuple(ops.shape(pointwise_kernel))
    expected = math.prod(depthwise_shape[2:]) if len(depthwise_shape) == 4 else None
    if pointwise_shape[:2] != (1, 1) or (expected and pointwise_shape[2] != expected):
        raise ValueError(
            f"{function}: pointwise_kernel must have shape {layout} = (1, 1, {expected}, "
            f"filters) for a depthwise_kernel of shape {tuple(depthwise_shape)}, received "
            f"{pointwise_shape}."
        )
    depthwise = _depthwise(
        function, x, depthwise_kernel, strides, padding, data_format, dilation_rate
    )
    _, data_format = settings(data_format, function)
    return ops.conv(depthwise, pointwise_kernel, 1, "valid", data_format, 1)


def _local(function, rank, inputs, kernel, kernel_size, strides, output_shape, data_format):
    """Checks the arguments of local_conv1d/2d, then the locally connected layers' code."""
    utils, data_format = settings(data_format, function)
    kernel_size = utils.normalize_tuple(kernel_size, rank, "kernel_size", function)
    strides = utils.normalize_tuple(strides, rank, "strides", function)
    output_shape = utils.normalize_tuple(output_shape, rank, "output_shape", function)
    inputs = as_tensor(inputs)
    check_rank(function, "inputs", inputs, rank + 2, "(batch, *spatial, channels)")
    shape = ops.shape(inputs)
    sizes = spatial_sizes(shape, data_format, function, "inputs")
    channels = spatial_sizes(shape, data_format, function, "inputs", channels=True)
    expected = (math.prod(output_shape), math.prod(kernel_size) * channels)
    if tuple(ops.shape(kernel)[:2]) != expected:
        raise ValueError(
            f"{function}: kernel must have shape (output positions, kernel positions * "
            f"channels, filters) = ({expected[0]}, {expected[1]}, filters) for output_shape "
            f"{output_shape}, kernel_size {kernel_size} and {channels} input channels, "
            f"received {tuple(ops.shape(kernel))}."
        )
    for n, k, s, o in zip(sizes, kernel_size, strides, output_shape):
        if (o - 1) * s + k > n:
            raise ValueError(
                f"{function}: output_shape {output_shape} needs windows past the input's "
                f"spatial size {sizes} (kernel_size {kernel_size}, strides {strides})."
            )
    from kerasfront.layers.local import local_conv  # lazy: kerasfront.layers needs K

    return local_conv(inputs, kernel, kernel_size, strides, output_shape, data_format)


def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None):
    """A 1-D convolution with unshared weights: every output step has its own filters.

    Args:
        inputs: `(batch, steps, channels)` (channels_last) or `(batch, channels, steps)`.
        kernel: `(output_length, kernel_size * channels, filters)`, LocallyConnected1D's
            kernel: row p multiplies the window of output step p flattened as
            `(kernel_size, channels)` (channels_last) or `(channels, kernel_size)`.
        kernel_size: the window length, an int or a tuple of 1 int.
        strides: the step, an int or a tuple of 1 int.
        data_format: "channels_last" or "channels_first"; None means
            `image_data_format()`.

    Returns:
        `(batch, output_length, filters)` (or channels first).
    """
    function = "local_conv1d"
    kernel = as_tensor(kernel)
    check_rank(function, "kernel", kernel, 3, "(output_length, kernel_size * channels, filters)")
    output_shape = (ops.shape(kernel)[0],)
    return _local(function, 1, inputs, kernel, kernel_size, strides, output_shape, data_format)


def local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    """A 2-D convolution with unshared weights: every output pixel has its own filters.

    Args:
        inputs: `(batch, rows, cols, channels)` (channels_last) or channels first.
        kernel: `(output_rows * output_cols, kernel_rows * kernel_cols * channels,
            filters)`, LocallyConnected2D's kernel (positions in row-major order).
        kernel_size, strides: tuples of 2 ints (or one int for both axes).
        output_shape: `(output_rows, output_cols)`.
        data_format: as `local_conv1d`.

    Returns:
        `(batch, output_rows, output_cols, filters)` (or channels first).
    """
    function = "local_conv2d"
    kernel = as_tensor(kernel)
    check_rank(function, "kernel", kernel, 3, "(output positions, patch size, filters)")
    return _local(function, 2, inputs, kernel, kernel_size, strides, output_shape, data_format)
