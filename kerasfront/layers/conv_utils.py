"""Argument checks and output-length arithmetic shared by the convolution, pooling,
cropping, padding, up-sampling and locally connected layers.

Every checker takes the layer's description (`"Conv2D 'conv2d'"`) so that its error names
the layer, the argument, what was expected and what was received.
"""

from __future__ import annotations

import math

from kerasfront import config

PADDINGS = ("valid", "same")
DATA_FORMATS = ("channels_last", "channels_first")


def describe(layer) -> str:
    """`Conv2D 'conv2d_1'`: how errors name a layer."""
    return f"{type(layer).__name__} '{layer.name}'"


def normalize_tuple(value, rank: int, argument: str, where: str, allow_zero: bool = False):
    """An int or a sequence of `rank` ints as a tuple of `rank` positive ints."""
    values = (value,) * rank if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        values = tuple(values)
    except TypeError:
        values = None
    smallest = 0 if allow_zero else 1
    if (
        values is None
        or len(values) != rank
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in values)
        or any(v < smallest for v in values)
    ):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(
            f"{where}: {argument} must be a {kind} integer or a tuple of {rank} {kind} integers, "
            f"received {value!r}."
        )
    return values


def normalize_padding(value, where: str, allowed=PADDINGS) -> str:
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(f"{where}: padding must be one of {allowed}, received {value!r}.")
    return padding


def normalize_data_format(value, where: str) -> str:
    """None means the configured `image_data_format()` (channels_last unless set)."""
    if value is None:
        return config.image_data_format()
    data_format = value.lower() if isinstance(value, str) else value
    if data_format not in DATA_FORMATS:
        raise ValueError(
            f"{where}: data_format must be one of {DATA_FORMATS} (or None for the "
            f"configured default), received {value!r}."
        )
    return data_format


def channel_axis(data_format: str) -> int:
    return -1 if data_format == "channels_last" else 1


def spatial_dims(shape, data_format: str) -> tuple:
    """The spatial sizes of a (batch, ..., channels) or (batch, channels, ...) shape."""
    return tuple(shape[1:-1]) if data_format == "channels_last" else tuple(shape[2:])


def with_spatial(shape, spatial, channels, data_format: str) -> tuple:
    """A batch shape rebuilt from new spatial sizes and a channel count."""
    if data_format == "channels_last":
        return (shape[0], *spatial, channels)
    return (shape[0], channels, *spatial)


def effective_window(size: int, dilation: int) -> int:
    return (size - 1) * dilation + 1


def conv_output_length(length, window, padding, stride, dilation=1):
    """The output length of a convolution or pooling along one axis (None stays None).

    padding "valid": floor((n - w) / s) + 1; "same": ceil(n / s); "causal" (1-D
    convolutions): like "same" after padding w - 1 entries at the front; "full":
    n + w - 1 before striding. `w` is the effective (dilated) window.
    """
    if length is None:
        return None
    window = effective_window(window, dilation)
    if padding == "valid":
        produced = length - window + 1
    elif padding in ("same", "causal"):
        produced = length
    elif padding == "full":
        produced = length + window - 1
    else:
        raise ValueError(f"Unknown padding {padding!r}.")
    return max(0, math.ceil(produced / stride)) if produced > 0 else 0


def deconv_output_length(length, window, padding, output_padding, stride, dilation=1):
    """The output length of a transposed convolution along one axis (None stays None)."""
    if length is None:
        return None
    window = effective_window(window, dilation)
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(window - stride, 0)
        if padding == "full":
            return length * stride - (stride + window - 2)
        return length * stride
    pad = {"same": window // 2, "valid": 0, "full": window - 1}[padding]
    return (length - 1) * stride + window - 2 * pad + output_padding


def check_window_fits(where: str, input_shape, window, data_format: str, argument: str) -> None:
    """Raises when a window without padding is larger than a known spatial size.

    Such a window has no position inside the input, so the output would be empty; the
    engines either fail with their own messages or silently return nothing. Unknown
    (None) sizes are checked later, when the layer sees data.
    """
    spatial = spatial_dims(input_shape, data_format)
    if any(size is not None and size < extent for size, extent in zip(spatial, window)):
        raise ValueError(
            f"{where}: the window ({argument}={tuple(window)}) is larger than the input's "
            f"spatial size {spatial} (input shape {tuple(input_shape)}, {data_format}). Use a "
            "smaller window, a larger input, or padding='same' where the layer supports it."
        )
