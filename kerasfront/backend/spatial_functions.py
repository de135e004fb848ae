"""The Keras 2 backend's pooling, resizing and zero padding: `K.pool2d`, `K.pool3d`,
`K.resize_images`, `K.resize_volumes`, `K.temporal_padding`, `K.spatial_2d_padding` and
`K.spatial_3d_padding`, with tf-keras's signatures and defaults, on the contract's
`max_pool`, `average_pool`, `resize`, `repeat` and `pad` ops. Also the argument checks
the convolutions in `kerasfront.backend.nn_functions` share.

A bad argument raises a ValueError naming the function, the argument, what was expected
and what was received, before the engine sees it.
"""

from __future__ import annotations

from kerasfront import ops
from kerasfront.backend.variables import Variable

__all__ = [
    "pool2d",
    "pool3d",
    "resize_images",
    "resize_volumes",
    "temporal_padding",
    "spatial_2d_padding",
    "spatial_3d_padding",
]

POOL_MODES = ("max", "avg")


def settings(data_format, function: str):
    """(the conv_utils module, the checked data_format; None -> image_data_format())."""
    # Imported when first called: kerasfront.layers imports this package while it loads.
    from kerasfront.layers import conv_utils

    return conv_utils, conv_utils.normalize_data_format(data_format, function)


def as_tensor(value):
    """An engine tensor from a tensor, a `Variable`, a NumPy array or a Python number
    (torch's functions refuse NumPy arrays)."""
    if isinstance(value, Variable):
        return value.value
    return value if ops.is_tensor(value) else ops.convert_to_tensor(value)


def check_rank(function: str, argument: str, value, rank: int, layout: str) -> None:
    shape = tuple(ops.shape(value))
    if len(shape) != rank:
        raise ValueError(
            f"{function}: {argument} must have rank {rank} {layout}, received shape {shape} "
            f"(rank {len(shape)})."
        )


def spatial_sizes(shape, data_format: str, function: str, argument: str, channels=False):
    """The spatial sizes (or, with `channels`, the channel count) of a batch shape; they
    must be known (only the batch size may be unknown while a step is traced)."""
    if data_format == "channels_last":
        wanted = shape[-1] if channels else tuple(shape[1:-1])
    else:
        wanted = shape[1] if channels else tuple(shape[2:])
    if wanted is None or (not channels and None in wanted):
        raise ValueError(
            f"{function}: needs {argument}'s {'channels' if channels else 'spatial sizes'} "
            f"known, received shape {tuple(shape)} ({data_format})."
        )
    return wanted


def check_window_fits(function: str, shape, extents, data_format: str, argument: str) -> None:
    """Without padding, a window larger than the input has no position inside it; the
    engines would fail with their own words or return an empty tensor."""
    sizes = tuple(shape[1:-1]) if data_format == "channels_last" else tuple(shape[2:])
    if any(n is not None and n < w for n, w in zip(sizes, extents)):
        raise ValueError(
            f"{function}: the window ({argument} {tuple(extents)}) is larger than the input's "
            f"spatial size {sizes} (shape {tuple(shape)}, {data_format}) with padding "
            "'valid'. Use a smaller window, a larger input or padding='same'."
        )


def _pool(function, rank, x, pool_size, strides, padding, data_format, pool_mode):
    utils, data_format = settings(data_format, function)
    pool_size = utils.normalize_tuple(pool_size, rank, "pool_size", function)
    strides = utils.normalize_tuple(strides, rank, "strides", function)
    padding = utils.normalize_padding(padding, function)
    if pool_mode not in POOL_MODES:
        raise ValueError(
            f"{function}: pool_mode must be one of {POOL_MODES}, received {pool_mode!r}."
        )
    x = as_tensor(x)
    check_rank(function, "x", x, rank + 2, "(batch, *spatial, channels)")
    if padding == "valid":
        check_window_fits(function, ops.shape(x), pool_size, data_format, "pool_size")
    # "same" pads max pooling with -inf and leaves the pads out of averages (TensorFlow's
    # rule, the contract's).
    pool = ops.max_pool if pool_mode == "max" else ops.average_pool
    return pool(x, pool_size, strides, padding, data_format)


def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    """2-D max or average pooling.

    Args:
        x: `(batch, rows, cols, channels)` (channels_last) or channels first.
        pool_size: the window, a tuple of 2 ints (or one int for both axes).
        strides: the steps; default (1, 1) as in Keras 2 (not the window).
        padding: "valid" or "same" (TensorFlow's rule).
        data_format: "channels_last" or "channels_first"; None means
            `image_data_format()`.
        pool_mode: "max" or "avg".

    Example:
        >>> K.pool2d(np.ones((1, 4, 4, 1), "float32"), (2, 2), strides=(2, 2), pool_mode="avg")
        # a (1, 2, 2, 1) tensor of ones
    """
    return _pool("pool2d", 2, x, pool_size, strides, padding, data_format, pool_mode)


def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None, pool_mode="max"):
    """3-D max or average pooling; arguments as `pool2d`, with tuples of 3 ints."""
    return _pool("pool3d", 3, x, pool_size, strides, padding, data_format, pool_mode)


def _positive_factor(function: str, name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{function}: {name} must be a positive integer, received {value!r}.")
    return value


def _repeat_spatial(x, factors, data_format):
    """Every entry repeated `factor` times along each spatial axis: nearest-neighbour
    up-sampling by whole factors, exact and cheaper than a general resize."""
    first = 1 if data_format == "channels_last" else 2
    for offset, factor in enumerate(factors):
        if factor != 1:
            x = ops.repeat(x, factor, axis=first + offset)
    return x


def resize_images(x, height_factor, width_factor, data_format=None, interpolation="nearest"):
    """Scales the rows and columns of a batch of images up by whole factors.

    Args:
        x: `(batch, rows, cols, channels)` (channels_last) or channels first.
        height_factor, width_factor: positive ints.
        data_format: "channels_last" or "channels_first" (Keras 2 requires it; None here
            means `image_data_format()`).
        interpolation: "nearest" (each pixel repeated) or "bilinear" (half-pixel centres,
            edges clamped: tf.image.resize's). tf-keras's other TensorFlow-only methods
            ("bicubic", "area", ...) are refused: not every engine has them.

    Returns:
        `(batch, rows * height_factor, cols * width_factor, channels)` (or channels first).
    """
    function = "resize_images"
    utils, data_format = settings(data_format, function)
    factors = (
        _positive_factor(function, "height_factor", height_factor),
        _positive_factor(function, "width_factor", width_factor),
    )
    x = as_tensor(x)
    check_rank(function, "x", x, 4, "(batch, rows, cols, channels)")
    if interpolation == "nearest":
        return _repeat_spatial(x, factors, data_format)
    if interpolation == "bilinear":
        sizes = spatial_sizes(ops.shape(x), data_format, function, "x")
        target = tuple(n * f for n, f in zip(sizes, factors))
        return ops.resize(x, target, "bilinear", data_format)
    raise ValueError(
        f"{function}: interpolation must be 'nearest' or 'bilinear' (the methods every engine "
        f"has), received {interpolation!r}."
    )


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format=None):
    """Repeats every voxel `depth_factor` x `height_factor` x `width_factor` times.

    Args:
        x: `(batch, depth, rows, cols, channels)` (channels_last) or channels first.
        depth_factor, height_factor, width_factor: positive ints.
        data_format: "channels_last" or "channels_first" (None: `image_data_format()`).
    """
    function = "resize_volumes"
    _, data_format = settings(data_format, function)
    factors = tuple(
        _positive_factor(function, name, value)
        for name, value in (
            ("depth_factor", depth_factor),
            ("height_factor", height_factor),
            ("width_factor", width_factor),
        )
    )
    x = as_tensor(x)
    check_rank(function, "x", x, 5, "(batch, depth, rows, cols, channels)")
    return _repeat_spatial(x, factors, data_format)


def _pair(function: str, padding, description: str) -> tuple:
    try:
        pair = tuple(padding)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in pair
    ):
        raise ValueError(
            f"{function}: padding must be {description}, with non-negative ints, received "
            f"{padding!r}."
        )
    return pair


def _pad_spatial(function, x, pairs, data_format):
    x = as_tensor(x)
    rank = len(pairs)
    check_rank(function, "x", x, rank + 2, "(batch, *spatial, channels)")
    none = ((0, 0),)
    widths = (*none, *pairs, *none) if data_format == "channels_last" else (*none, *none, *pairs)
    return ops.pad(x, widths)


def temporal_padding(x, padding=(1, 1)):
    """Zeros before and after the steps of a `(batch, steps, features)` tensor.

    Args:
        x: a rank-3 tensor.
        padding: `(before, after)`, non-negative ints.
    """
    pair = _pair("temporal_padding", padding, "(before, after)")
    return _pad_spatial("temporal_padding", x, (pair,), "channels_last")


def _spatial_padding(function, x, padding, data_format, rank):
    description = "a tuple of " + str(rank) + " (before, after) pairs"
    try:
        entries = tuple(padding)
    except TypeError:
        entries = ()
    if len(entries) != rank:
        raise ValueError(
            f"{function}: padding must be {description}, one per spatial axis, received "
            f"{padding!r}."
        )
    pairs = tuple(_pair(function, entry, description) for entry in entries)
    _, data_format = settings(data_format, function)
    return _pad_spatial(function, x, pairs, data_format)


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    """Zeros around the rows and columns of a batch of images.

    Args:
        x: `(batch, rows, cols, channels)` (channels_last) or channels first.
        padding: `((top, bottom), (left, right))`, non-negative ints.
        data_format: "channels_last" or "channels_first"; None means
            `image_data_format()`.
    """
    return _spatial_padding("spatial_2d_padding", x, padding, data_format, 2)


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Zeros around the depth, rows and columns of a batch of volumes.

    Args:
        x: `(batch, depth, rows, cols, channels)` (channels_last) or channels first.
        padding: three `(before, after)` pairs, for depth, rows and columns.
        data_format: as `spatial_2d_padding`.
    """
    return _spatial_padding("spatial_3d_padding", x, padding, data_format, 3)
