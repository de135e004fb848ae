"""Engine-free arithmetic shared by every adapter's layer ops (conv, pooling, lookup).

The contract (`kerasfront.backend.contract.LAYER_OPS`) fixes one meaning for "same"
padding, transposed-convolution sizes and index errors; computing them once here keeps
the four adapters in exact agreement. Nothing here imports an engine.
"""

from __future__ import annotations

import math

import numpy as np

PADDINGS = ("valid", "same")
DATA_FORMATS = ("channels_last", "channels_first")


def spatial_rank(ndim: int, op: str) -> int:
    """The number of spatial axes of a (batch, ..., channels) input; 1, 2 or 3."""
    rank = ndim - 2
    if rank not in (1, 2, 3):
        raise ValueError(
            f"{op}: expected an input of rank 3, 4 or 5 (batch, 1 to 3 spatial axes, "
            f"channels), received rank {ndim}."
        )
    return rank


def as_tuple(value, rank: int, argument: str, op: str) -> tuple:
    """An int or a sequence of `rank` ints as a tuple of `rank` ints."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * rank
    values = tuple(int(v) for v in value)
    if len(values) != rank:
        raise ValueError(
            f"{op}: {argument} needs one entry per spatial axis ({rank}), received {value!r}."
        )
    return values


def check_padding(padding: str, op: str) -> str:
    normalized = padding.lower() if isinstance(padding, str) else padding
    if normalized not in PADDINGS:
        raise ValueError(f"{op}: padding must be one of {PADDINGS}, received {padding!r}.")
    return normalized


def check_data_format(data_format: str, op: str) -> str:
    if data_format not in DATA_FORMATS:
        raise ValueError(
            f"{op}: data_format must be one of {DATA_FORMATS}, received {data_format!r}."
        )
    return data_format


def spatial_sizes(shape, data_format: str) -> tuple:
    return tuple(shape[1:-1]) if data_format == "channels_last" else tuple(shape[2:])


def effective_window(size: int, dilation: int) -> int:
    return (size - 1) * dilation + 1


def same_pads(size: int, window: int, stride: int) -> tuple:
    """TensorFlow's "same" rule for one axis: (before, after), after >= before."""
    total = max((math.ceil(size / stride) - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def window_pads(sizes, windows, strides, dilations, padding: str) -> list:
    """One (before, after) pair per spatial axis for a convolution or pooling."""
    if padding == "valid":
        return [(0, 0)] * len(sizes)
    return [
        same_pads(size, effective_window(window, dilation), stride)
        for size, window, stride, dilation in zip(sizes, windows, strides, dilations)
    ]


def output_size(size: int, window: int, stride: int, pads: tuple) -> int:
    """Entries of a strided window sweep over `size` entries padded by `pads`."""
    return (size + pads[0] + pads[1] - window) // stride + 1


def transpose_geometry(size, window, stride, dilation, padding, output_padding) -> tuple:
    """(output size, entries cropped before) of a transposed convolution along one axis.

    The scatter of every input entry through the kernel covers
    `full = (size - 1) * stride + window` entries (window dilated). The result keeps
    `output` of them starting at `before`, extended with zeros when `output` is longer.
    `before` is the "same" rule's leading pad of the forward convolution whose adjoint
    this is (0 for "valid"), so the op is that convolution's input gradient.
    """
    window = effective_window(window, dilation)
    if output_padding is None:
        if padding == "valid":
            output = size * stride + max(window - stride, 0)
        else:
            output = size * stride
    else:
        pad = 0 if padding == "valid" else window // 2
        output = (size - 1) * stride + window - 2 * pad + output_padding
    full = (size - 1) * stride + window
    before = 0 if padding == "valid" else max(full - output, 0) // 2
    return output, before


def window_counts(sizes, windows, strides, pads) -> np.ndarray:
    """How many real (unpadded) entries each pooling window covers, as float32.

    Separable: the count of a window is the product of its per-axis counts.
    """
    counts = np.ones((), dtype="float32")
    for size, window, stride, (before, after) in zip(sizes, windows, strides, pads):
        starts = np.arange(output_size(size, window, stride, (before, after))) * stride - before
        axis_counts = np.minimum(starts + window, size) - np.maximum(starts, 0)
        counts = np.multiply.outer(counts, axis_counts.astype("float32"))
    return counts


def index_error_prefix(context: str) -> str:
    """The start of every index error: `"Embedding 'e': index out of range:"`."""
    return f"{context}: index out of range:" if context else "index out of range:"


def index_error(context: str, bad: int, rows: int) -> IndexError:
    return IndexError(f"{index_error_prefix(context)} {bad} is not in [0, {rows}).")


def check_index_bounds(context: str, low, high, rows: int) -> None:
    """Raises the contract's IndexError when `low` < 0 or `high` >= `rows`."""
    low, high = int(np.asarray(low)), int(np.asarray(high))
    if low < 0:
        raise index_error(context, low, rows)
    if high >= rows:
        raise index_error(context, high, rows)


def check_conv_kernel(kernel_shape, rank: int, in_channels: int, groups: int, op: str) -> None:
    """A conv kernel (*window, in_channels // groups, out_channels) matching the input."""
    kernel_shape = tuple(kernel_shape)
    if len(kernel_shape) != rank + 2:
        raise ValueError(
            f"{op}: expected a kernel of rank {rank + 2} for {rank} spatial axes, "
            f"received shape {kernel_shape}."
        )
    if in_channels is None or kernel_shape[-2] is None:
        return
    if groups < 1 or in_channels % groups or kernel_shape[-1] % groups:
        raise ValueError(
            f"{op}: groups={groups} must divide the input channels ({in_channels}) and the "
            f"kernel's output channels ({kernel_shape[-1]})."
        )
    if kernel_shape[-2] * groups != in_channels:
        raise ValueError(
            f"{op}: the kernel {kernel_shape} expects {kernel_shape[-2] * groups} input "
            f"channels (with groups={groups}), received {in_channels}."
        )


def recurrent_units(name, gates, inputs, kernel, recurrent_kernel, bias_shape, bias) -> int:
    """The units of a fused recurrent kernel's weights (`lstm`, `gru`); raises a ValueError
    naming the argument whose shape does not fit the others. `bias_shape(units)` is the
    bias's expected shape."""
    units = recurrent_kernel.shape[0]
    expected = {
        "inputs": (len(inputs.shape), 3),
        "kernel": (tuple(kernel.shape), (inputs.shape[-1], gates * units)),
        "recurrent_kernel": (tuple(recurrent_kernel.shape), (units, gates * units)),
    }
    if bias is not None:
        expected["bias"] = (tuple(bias.shape), bias_shape(units))
    for argument, (received, wanted) in expected.items():
        if received != wanted:
            what = "rank" if argument == "inputs" else "shape"
            raise ValueError(
                f"{name}: expected {argument} of {what} {wanted} (inputs of shape "
                f"(batch, time, features), {gates} gates of {units} units), "
                f"received {received}"
            )
    return units
