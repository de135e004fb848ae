"""The layer ops on PyTorch's own kernels (cuDNN on a GPU): `F.conv*d`,
`F.conv_transpose*d`, `F.max_pool*d`/`F.avg_pool*d`, `F.interpolate`, `F.embedding`.

torch wants (batch, channels, *spatial). A channels_last input is permuted to that order
as a view: for a contiguous (N, H, W, C) tensor the view is exactly torch's channels_last
memory format, which cuDNN runs without copying; the result is permuted back the same way.
torch pads symmetrically; TensorFlow's "same" rule may put one more entry after, so such
cases pad explicitly with `F.pad` first.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

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

from .ops import convert_to_tensor

_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
_CONV_TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}
_MAX_POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVERAGE_POOL = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}
_LINEAR_MODES = {1: "linear", 2: "bilinear", 3: "trilinear"}


def _channels_first(x, data_format: str, rank: int):
    if data_format == "channels_first":
        return x
    return x.permute(0, rank + 1, *range(1, rank + 1))


def _restore(y, data_format: str, rank: int):
    if data_format == "channels_first":
        return y
    return y.permute(0, *range(2, rank + 2), 1)


def _torch_pad(pads) -> list:
    """(before, after) pairs per spatial axis as F.pad's flat list (last axis first)."""
    return [value for pair in reversed(pads) for value in pair]


def _symmetric(pads) -> bool:
    return all(before == after for before, after in pads)


def _kernel_to_torch(kernel, rank: int):
    """(*window, a, b) -> (b, a, *window): conv's (out, in/groups, *k) from Keras's
    (*k, in/groups, out), and conv_transpose's (in, out, *k) from (*k, out, in)."""
    return kernel.permute(rank + 1, rank, *range(rank))


def _channels(x, data_format):
    return x.shape[-1] if data_format == "channels_last" else x.shape[1]


def lay_out_conv_kernel(storage):
    """A Keras (*window, in, out) convolution kernel stored as (out, *window, in) in
    memory, so the (out, in, *window) view `conv` hands to torch is a weight in torch's
    channels_last memory format, which oneDNN and cuDNN read as it is beside the
    channels_last view of a channels_last input.

    Stored row-major, that view is neither of torch's formats and the kernels copy the
    weight at every call, forward and backward: for weight-heavy layers (VGG's 512-filter
    blocks on small images, one CPU thread) a training step of one layer took 10-31 ms
    against 1.5-9.6 ms this way; other shapes measured alike either way. Assignments keep
    the layout (`assign_variable`); the fused Adam takes such kernels permuted."""
    rank = storage.dim() - 2
    if rank not in _CONV:
        return storage
    physical = (rank + 1, *range(rank), rank)
    inverse = [physical.index(axis) for axis in range(rank + 2)]
    with torch.no_grad():
        storage.data = storage.data.permute(physical).contiguous().permute(inverse)
    return storage


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
    check_conv_kernel(tuple(kernel.shape), rank, _channels(x, data_format), groups, "conv")
    pads = window_pads(
        spatial_sizes(x.shape, data_format), tuple(kernel.shape[:rank]), strides, dilations, padding
    )
    x = _channels_first(x, data_format, rank)
    if _symmetric(pads):
        torch_padding = tuple(before for before, _ in pads)
    else:
        x, torch_padding = F.pad(x, _torch_pad(pads)), 0
    y = _CONV[rank](
        x, _kernel_to_torch(kernel, rank), None, strides, torch_padding, dilations, groups
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
    rank = spatial_rank(x.ndim, op)
    padding, data_format = check_padding(padding, op), check_data_format(data_format, op)
    strides = as_tuple(strides, rank, "strides", op)
    dilations = as_tuple(dilation_rate, rank, "dilation_rate", op)
    paddings = (
        (None,) * rank
        if output_padding is None
        else as_tuple(output_padding, rank, "output_padding", op)
    )
    befores, extras, crops = [], [], []
    for n, k, s, d, p in zip(
        spatial_sizes(x.shape, data_format),
        tuple(kernel.shape[:rank]),
        strides,
        dilations,
        paddings,
    ):
        size, before = transpose_geometry(n, k, s, d, padding, p)
        full = (n - 1) * s + effective_window(k, d)
        befores.append(before)
        # torch with padding `before` gives full - 2 * before entries plus output_padding.
        extras.append(size - full + 2 * before)
        crops.append((-before, before + size - full))  # negative F.pad entries crop
    x = _channels_first(x, data_format, rank)
    weight = _kernel_to_torch(kernel, rank)
    transpose = _CONV_TRANSPOSE[rank]
    if all(0 <= extra < max(s, d) for extra, s, d in zip(extras, strides, dilations)):
        y = transpose(x, weight, None, strides, tuple(befores), tuple(extras), 1, dilations)
    else:
        # Sizes torch's output_padding cannot express: the full scatter, then crop/extend.
        y = F.pad(transpose(x, weight, None, strides, 0, 0, 1, dilations), _torch_pad(crops))
    return _restore(y, data_format, rank)


def _pool_geometry(x, pool_size, strides, padding, data_format, op):
    rank = spatial_rank(x.ndim, op)
    padding, data_format = check_padding(padding, op), check_data_format(data_format, op)
    window = as_tuple(pool_size, rank, "pool_size", op)
    strides = window if strides is None else as_tuple(strides, rank, "strides", op)
    sizes = spatial_sizes(x.shape, data_format)
    pads = window_pads(sizes, window, strides, (1,) * rank, padding)
    return rank, data_format, sizes, window, strides, pads


def max_pool(x, pool_size, strides=None, padding="valid", data_format="channels_last"):
    if not x.is_floating_point():
        # torch's max-pooling kernels take floats only (TensorFlow's take integers too);
        # float64 holds every int32 exactly, and the maximum is one of the inputs.
        pooled = max_pool(x.to(torch.float64), pool_size, strides, padding, data_format)
        return pooled.to(x.dtype)
    rank, data_format, _, window, strides, pads = _pool_geometry(
        x, pool_size, strides, padding, data_format, "max_pool"
    )
    x = _channels_first(x, data_format, rank)
    if _symmetric(pads):
        y = _MAX_POOL[rank](x, window, strides, tuple(before for before, _ in pads))
    else:
        y = _MAX_POOL[rank](F.pad(x, _torch_pad(pads), value=-math.inf), window, strides)
    return _restore(y, data_format, rank)


def average_pool(x, pool_size, strides=None, padding="valid", data_format="channels_last"):
    rank, data_format, sizes, window, strides, pads = _pool_geometry(
        x, pool_size, strides, padding, data_format, "average_pool"
    )
    x = _channels_first(x, data_format, rank)
    if _symmetric(pads):
        # count_include_pad=False: padded entries are left out of each average.
        befores = tuple(before for before, _ in pads)
        y = _AVERAGE_POOL[rank](x, window, strides, befores, False, False)
    else:
        y = _AVERAGE_POOL[rank](F.pad(x, _torch_pad(pads)), window, strides)
        # The mean over the whole window counted the zeros: rescale to the real entries.
        counts = window_counts(sizes, window, strides, pads)
        scale = torch.as_tensor(math.prod(window) / counts, dtype=y.dtype, device=y.device)
        y = y * scale
    return _restore(y, data_format, rank)


def resize(x, size, interpolation="nearest", data_format="channels_last"):
    rank = spatial_rank(x.ndim, "resize")
    data_format = check_data_format(data_format, "resize")
    size = as_tuple(size, rank, "size", "resize")
    x = _channels_first(x, data_format, rank)
    if interpolation == "nearest":
        # "nearest-exact" samples at half-pixel centres; plain "nearest" does not.
        y = F.interpolate(x, size=size, mode="nearest-exact")
    elif interpolation == "bilinear":
        y = F.interpolate(x, size=size, mode=_LINEAR_MODES[rank], align_corners=False)
    else:
        raise ValueError(
            f"resize: interpolation must be 'nearest' or 'bilinear', received {interpolation!r}."
        )
    return _restore(y, data_format, rank)


def moments(x, axes, keepdims=False):
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    variance, mean = torch.var_mean(x, dim=axes, correction=0, keepdim=keepdims)
    return mean, variance


def embedding_lookup(table, indices, context=""):
    indices = convert_to_tensor(indices)
    if not indices.dtype.is_signed or indices.is_floating_point():
        indices = indices.long()
    if indices.numel() and indices.device.type != "meta":
        if _recording_cuda_graph(indices):
            return _embedding_in_graph(table, indices)
        # One host sync for both bounds; F.embedding would fail on CPU with its own
        # message and read out of bounds on a GPU.
        low, high = torch.stack(torch.aminmax(indices)).tolist()
        check_index_bounds(context, low, high, table.shape[0])
    return F.embedding(indices, table)


def _recording_cuda_graph(tensor) -> bool:
    return tensor.is_cuda and torch.cuda.is_current_stream_capturing()


def _embedding_in_graph(table, indices):
    """The lookup inside a CUDA graph (`jit_compile=True`), which cannot read the bounds
    back to the host: an index out of range gives a row of zeros, as TensorFlow's lookup
    does on a GPU (F.embedding would stop the device with an assertion). The eager steps
    before recording have checked the first batches."""
    rows = table.shape[0]
    inside = (indices >= 0) & (indices < rows)
    found = F.embedding(indices.clamp(0, rows - 1), table)
    return found * inside.unsqueeze(-1).to(found.dtype)


def repeat(x, repeats, axis=None):
    return torch.repeat_interleave(x, repeats, dim=axis)


def pad(x, pad_width, constant_values=0):
    return F.pad(x, _torch_pad([tuple(pair) for pair in pad_width]), value=constant_values)
