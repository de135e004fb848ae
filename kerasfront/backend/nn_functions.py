"""The Keras 2 backend's convolutions: `K.conv1d`, `K.conv2d`, `K.conv3d`,
`K.separable_conv1d`, `K.separable_conv2d`, `K.depthwise_conv2d`, `K.local_conv1d` and
`K.local_conv2d`, with tf-keras's signatures, kernel layouts and padding rules.

Each runs on the engine's own kernels through the contract's `conv` and `conv_transpose`
ops (see `kerasfront.backend.contract.LAYER_OPS`); pooling, resizing and padding live in
`kerasfront.backend.spatial_functions`. Arguments are checked before the engine sees
them, so a bad one raises a ValueError naming the function, the argument, what was
expected and what was received. The transposed convolutions live in
`kerasfront.backend.transposed_conv_functions`.
"""

from __future__ import annotations

import math

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
from kerasfront.backend.transposed_conv_functions import *  # noqa: F403
from kerasfront.backend.transposed_conv_functions import __all__ as _transposed_names

__all__ = [
    "conv1d",
    "conv2d",
    "conv3d",
    "separable_conv1d",
    "separable_conv2d",
    "depthwise_conv2d",
    "local_conv1d",
    "local_conv2d",
    *_spatial_names,
    *_transposed_names,
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


def separable_conv1d(
    x,
    depthwise_kernel,
    pointwise_kernel,
    strides=1,
    padding="valid",
    data_format=None,
    dilation_rate=1,
):
    """A 1-D depthwise convolution followed by a pointwise (size 1) one.

    Args:
        x: `(batch, steps, channels)` (channels_last) or `(batch, channels, steps)`.
        depthwise_kernel: `(kernel_size, channels, depth_multiplier)`.
        pointwise_kernel: `(1, channels * depth_multiplier, filters)`.
        strides, dilation_rate: ints (or tuples of 1 int), applied to the depthwise step.
        padding: "valid" or "same".
        data_format: as `conv1d`.

    Returns:
        `(batch, new_steps, filters)` (or channels first).
    """
    function = "separable_conv1d"
    utils, data_format = settings(data_format, function)
    strides = utils.normalize_tuple(strides, 1, "strides", function)
    dilation = utils.normalize_tuple(dilation_rate, 1, "dilation_rate", function)
    x, depthwise_kernel = as_tensor(x), as_tensor(depthwise_kernel)
    pointwise_kernel = as_tensor(pointwise_kernel)
    check_rank(function, "x", x, 3, "(batch, steps, channels)")
    layout = "(kernel_size, channels, depth_multiplier)"
    check_rank(function, "depthwise_kernel", depthwise_kernel, 3, layout)
    layout = "(1, channels * depth_multiplier, filters)"
    check_rank(function, "pointwise_kernel", pointwise_kernel, 3, layout)
    # The 2-D separable convolution over a height-1 image: one code path for the checks
    # and the engines' kernels.
    row_axis = 1 if data_format == "channels_last" else 2
    image = separable_conv2d(
        ops.expand_dims(x, row_axis),
        ops.expand_dims(depthwise_kernel, 0),
        ops.expand_dims(pointwise_kernel, 0),
        (1, strides[0]),
        padding,
        data_format,
        (1, dilation[0]),
    )
    return ops.squeeze(image, row_axis)


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
