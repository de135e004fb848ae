"""Plain NumPy convolutions (channels_last, float64) written from the definitions, used as
the reference by the convolution layer tests. Loops run over kernel offsets; each offset
contributes a strided slice of the (padded) input times one kernel matrix.
"""

import itertools

import numpy as np


def set_random_weights(layer, seed=1):
    """Keras-layout arrays for every weight (non-zero bias), set on the built `layer` and
    returned for the reference."""
    weights = [
        np.random.default_rng(seed + i).normal(size=w.shape).astype("float32")
        for i, w in enumerate(layer.weights)
    ]
    layer.set_weights(weights)
    return weights


def effective(k, d):
    return (k - 1) * d + 1


def same_pads(n, k, s, d):
    """TensorFlow's "same": ceil(n / s) outputs, the smaller half of the padding in front."""
    outputs = -(-n // s)
    total = max((outputs - 1) * s + effective(k, d) - n, 0)
    return total // 2, total - total // 2


def _pads(sizes, kernel_size, strides, dilation, padding):
    pads = []
    for n, k, s, d in zip(sizes, kernel_size, strides, dilation):
        if padding == "valid":
            pads.append((0, 0))
        elif padding == "same":
            pads.append(same_pads(n, k, s, d))
        elif padding == "causal":
            pads.append((effective(k, d) - 1, 0))
        else:
            raise ValueError(padding)
    return pads


def _window(offset, dilation, count, stride):
    return slice(offset * dilation, offset * dilation + (count - 1) * stride + 1, stride)


def _patches(x, kernel_size, strides, padding, dilation):
    """Yields (offset, slice of the padded input seen by that kernel offset)."""
    rank = x.ndim - 2
    pads = _pads(x.shape[1:-1], kernel_size, strides, dilation, padding)
    padded = np.pad(x.astype(np.float64), [(0, 0), *pads, (0, 0)])
    counts = [
        (padded.shape[1 + a] - effective(kernel_size[a], dilation[a])) // strides[a] + 1
        for a in range(rank)
    ]
    for offset in itertools.product(*(range(k) for k in kernel_size)):
        index = tuple(_window(o, d, c, s) for o, d, c, s in zip(offset, dilation, counts, strides))
        yield offset, padded[(slice(None), *index, slice(None))]


def conv(x, kernel, strides, padding="valid", dilation=None, groups=1):
    """x: (batch, *spatial, in); kernel: (*k, in // groups, out)."""
    rank = x.ndim - 2
    dilation = dilation or (1,) * rank
    out_channels = kernel.shape[-1]
    group_in, group_out = x.shape[-1] // groups, out_channels // groups
    total = None
    for offset, patch in _patches(x, kernel.shape[:rank], strides, padding, dilation):
        term = np.concatenate(
            [
                patch[..., g * group_in : (g + 1) * group_in]
                @ kernel[offset][:, g * group_out : (g + 1) * group_out]
                for g in range(groups)
            ],
            axis=-1,
        )
        total = term if total is None else total + term
    return total


def depthwise_conv(x, depthwise_kernel, strides, padding="valid", dilation=None):
    """depthwise_kernel: (*k, in, multiplier); output channel c * multiplier + m."""
    rank = x.ndim - 2
    dilation = dilation or (1,) * rank
    total = None
    kernel_size = depthwise_kernel.shape[:rank]
    for offset, patch in _patches(x, kernel_size, strides, padding, dilation):
        term = patch[..., :, None] * depthwise_kernel[offset]  # (..., in, multiplier)
        term = term.reshape(*term.shape[:-2], -1)
        total = term if total is None else total + term
    return total


def _flat(a):
    """(batch, *spatial, channels) -> (positions, channels), in float64."""
    return a.reshape(-1, a.shape[-1]).astype(np.float64)


def conv_kernel_gradient(x, output_gradient, kernel_size, strides, padding, dilation):
    """d loss / d kernel of `conv` (groups=1) given d loss / d output."""
    rank = x.ndim - 2
    gradient = np.zeros((*kernel_size, x.shape[-1], output_gradient.shape[-1]))
    for offset, patch in _patches(x, kernel_size, strides, padding, dilation):
        gradient[offset] = _flat(patch).T @ _flat(output_gradient)
    assert gradient.ndim == rank + 2
    return gradient


def transpose_geometry(n, k, s, d, padding, output_padding):
    """(output size, entries cropped in front) of a transposed convolution, per axis."""
    w = effective(k, d)
    if output_padding is None:
        size = n * s + max(w - s, 0) if padding == "valid" else n * s
    else:
        size = (n - 1) * s + w - 2 * (0 if padding == "valid" else w // 2) + output_padding
    # The scatter covers (n - 1) * s + w entries; "same" keeps `size` of them, dropping
    # the smaller half of the excess in front (TensorFlow's rule for the input gradient of a
    # "same" convolution, and Keras 3's, which extends it to every output_padding).
    full = (n - 1) * s + w
    before = 0 if padding == "valid" else max(full - size, 0) // 2
    return size, before


def _transpose_layout(x, kernel_size, strides, padding, output_padding, dilation):
    rank = x.ndim - 2
    output_padding = output_padding or (None,) * rank
    geometry = [
        transpose_geometry(n, k, s, d, padding, p)
        for n, k, s, d, p in zip(x.shape[1:-1], kernel_size, strides, dilation, output_padding)
    ]
    full = [
        max((n - 1) * s + effective(k, d), before + size)
        for n, k, s, d, (size, before) in zip(
            x.shape[1:-1], kernel_size, strides, dilation, geometry
        )
    ]
    crop = tuple(slice(before, before + size) for size, before in geometry)
    return full, crop


def conv_transpose(x, kernel, strides, padding="valid", output_padding=None, dilation=None):
    """x: (batch, *spatial, in); kernel: (*k, out, in). Each input entry i scatters
    x[i] @ kernel[offset].T to output position i * stride + offset * dilation."""
    rank = x.ndim - 2
    dilation = dilation or (1,) * rank
    kernel_size = kernel.shape[:rank]
    full, crop = _transpose_layout(x, kernel_size, strides, padding, output_padding, dilation)
    y = np.zeros((x.shape[0], *full, kernel.shape[rank]))
    x = x.astype(np.float64)
    for offset in itertools.product(*(range(k) for k in kernel_size)):
        index = tuple(
            _window(o, d, n, s) for o, d, n, s in zip(offset, dilation, x.shape[1:-1], strides)
        )
        y[(slice(None), *index, slice(None))] += x @ kernel[offset].T
    return y[(slice(None), *crop, slice(None))]


def conv_transpose_kernel_gradient(
    x, output_gradient, kernel_size, strides, padding, output_padding=None, dilation=None
):
    """d loss / d kernel (*k, out, in) of `conv_transpose` given d loss / d output."""
    rank = x.ndim - 2
    dilation = dilation or (1,) * rank
    full, crop = _transpose_layout(x, kernel_size, strides, padding, output_padding, dilation)
    placed = np.zeros((x.shape[0], *full, output_gradient.shape[-1]))
    placed[(slice(None), *crop, slice(None))] = output_gradient
    gradient = np.zeros((*kernel_size, output_gradient.shape[-1], x.shape[-1]))
    for offset in itertools.product(*(range(k) for k in kernel_size)):
        index = tuple(
            _window(o, d, n, s) for o, d, n, s in zip(offset, dilation, x.shape[1:-1], strides)
        )
        gradient[offset] = _flat(placed[(slice(None), *index, slice(None))]).T @ _flat(x)
    return gradient


def to_channels_first(x):
    return np.moveaxis(x, -1, 1)


def to_channels_last(x):
    return np.moveaxis(x, 1, -1)
