"""The layer ops of the contract (conv, conv_transpose, pools, resize, moments,
embedding_lookup): the NumPy reference against brute-force loops written here from the
contract's definitions, and the active adapter against the reference (gradients and
index errors: test_layer_ops_training.py).

Tolerances: float32 convolutions and pools accumulate in different orders on each
engine, so adapter comparisons use rtol 1e-4, atol 1e-4. The reference against the brute
force (both float64 inside) uses 1e-6.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from test_contract import Case, _tensor_maker

import kerasfront.backends.numpy as reference
from kerasfront.backend.registry import ADAPTER

RTOL = ATOL = 1e-4
EXACT = 1e-6


def _normal(shape, seed):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


# --------------------------------------------------------------------------------------
# Brute force: one output entry at a time, straight from the contract's definitions.


def _same_before(n, window, stride):
    """Leading pad of "same" (contract text): total = max((ceil(n/s) - 1) s + w - n, 0)."""
    total = max((math.ceil(n / stride) - 1) * stride + window - n, 0)
    return total // 2


def _geometry(n, size, stride, dilation, padding):
    window = (size - 1) * dilation + 1
    if padding == "valid":
        return (n - window) // stride + 1, 0
    return math.ceil(n / stride), _same_before(n, window, stride)


def _last(x, data_format):
    return x if data_format == "channels_last" else np.moveaxis(x, 1, -1)


def _back(x, data_format):
    return x if data_format == "channels_last" else np.moveaxis(x, -1, 1)


def brute_conv(x, kernel, strides, padding, data_format, dilation, groups):
    x = _last(np.asarray(x, "float64"), data_format)
    rank = x.ndim - 2
    strides, dilation = _expand(strides, rank), _expand(dilation, rank)
    sizes, window = x.shape[1:-1], kernel.shape[:rank]
    geometry = [
        _geometry(n, k, s, d, padding) for n, k, s, d in zip(sizes, window, strides, dilation)
    ]
    group_in, out_channels = kernel.shape[-2:]
    group_out = out_channels // groups
    out = np.zeros((x.shape[0], *(g[0] for g in geometry), out_channels))
    for b in range(x.shape[0]):
        for position in np.ndindex(*out.shape[1:-1]):
            for co in range(out_channels):
                group = co // group_out
                total = 0.0
                for tap in np.ndindex(*window):
                    source = [
                        p * s + t * d - g[1]
                        for p, s, t, d, g in zip(position, strides, tap, dilation, geometry)
                    ]
                    if not all(0 <= i < n for i, n in zip(source, sizes)):
                        continue  # a padded (zero) entry
                    for ci in range(group_in):
                        total += x[(b, *source, group * group_in + ci)] * kernel[(*tap, ci, co)]
                out[(b, *position, co)] = total
    return _back(out, data_format)


def brute_pool(x, pool, strides, padding, data_format, kind):
    x = _last(np.asarray(x, "float64"), data_format)
    rank = x.ndim - 2
    pool = _expand(pool, rank)
    strides = pool if strides is None else _expand(strides, rank)
    sizes = x.shape[1:-1]
    geometry = [_geometry(n, k, s, 1, padding) for n, k, s in zip(sizes, pool, strides)]
    out = np.zeros((x.shape[0], *(g[0] for g in geometry), x.shape[-1]))
    for b in range(x.shape[0]):
        for position in np.ndindex(*out.shape[1:-1]):
            for c in range(x.shape[-1]):
                values = []
                for tap in np.ndindex(*pool):
                    source = [
                        p * s + t - g[1] for p, s, t, g in zip(position, strides, tap, geometry)
                    ]
                    if all(0 <= i < n for i, n in zip(source, sizes)):
                        values.append(x[(b, *source, c)])  # padded entries never count
                out[(b, *position, c)] = max(values) if kind == "max" else sum(values) / len(values)
    return _back(out, data_format)


def _brute_weights(n, m, interpolation):
    """weights[j, i]: how much input entry i contributes to output entry j."""
    weights = np.zeros((m, n))
    for j in range(m):
        centre = (Fraction(2 * j + 1, 2)) * Fraction(n, m)  # output centre in input units
        if interpolation == "nearest":
            weights[j, min(int(centre), n - 1)] = 1.0  # the input cell holding the centre
            continue
        source = min(max(centre - Fraction(1, 2), 0), n - 1)  # clamped sample position
        for i in range(n):
            weights[j, i] = max(0.0, 1.0 - abs(float(source) - i))  # triangle (tent) kernel
    return weights


def brute_resize(x, size, interpolation, data_format):
    x = _last(np.asarray(x, "float64"), data_format)
    out = np.zeros((x.shape[0], *size, x.shape[-1]))
    tables = [_brute_weights(n, m, interpolation) for n, m in zip(x.shape[1:-1], size)]
    for position in np.ndindex(*size):
        for source in np.ndindex(*x.shape[1:-1]):
            weight = np.prod([t[j, i] for t, j, i in zip(tables, position, source)])
            if weight:
                out[(slice(None), *position)] += weight * x[(slice(None), *source)]
    return _back(out, data_format)


def _expand(value, rank):
    return (value,) * rank if isinstance(value, int) else tuple(value)


# --------------------------------------------------------------------------------------
# Configurations: each is checked against the brute force and run on the adapter.

CONVS = {
    # label: (x shape, kernel shape, strides, padding, data_format, dilation, groups)
    "1d_valid": ((2, 7, 3), (3, 3, 4), 1, "valid", "channels_last", 1, 1),
    "1d_same_stride2_asym": ((2, 7, 3), (4, 3, 2), 2, "same", "channels_last", 1, 1),
    "1d_same_even_kernel": ((1, 6, 2), (2, 2, 3), 1, "same", "channels_last", 1, 1),
    "1d_dilated_same": ((1, 9, 2), (3, 2, 2), 1, "same", "channels_last", 2, 1),
    "1d_depthwise_first": ((2, 3, 8), (3, 1, 6), 1, "same", "channels_first", 1, 3),
    "2d_valid_strides": ((2, 7, 6, 3), (3, 2, 3, 4), (2, 1), "valid", "channels_last", 1, 1),
    "2d_same_stride2_asym": ((1, 7, 6, 4), (4, 2, 4, 3), 2, "same", "channels_last", 1, 1),
    "2d_dilated_same": ((1, 7, 7, 2), (3, 3, 2, 2), 1, "same", "channels_last", (2, 1), 1),
    "2d_stride_and_dilation": ((1, 9, 8, 2), (3, 2, 2, 3), 2, "valid", "channels_last", 2, 1),
    "2d_groups2": ((2, 5, 5, 4), (3, 3, 2, 6), 1, "same", "channels_last", 1, 2),
    "2d_depthwise": ((1, 6, 5, 4), (3, 3, 1, 8), 1, "valid", "channels_last", 1, 4),
    "2d_depthwise_same_stride2": ((1, 6, 7, 3), (3, 3, 1, 3), 2, "same", "channels_last", 1, 3),
    "2d_first_same_stride2": ((2, 3, 7, 6), (3, 3, 3, 2), 2, "same", "channels_first", 1, 1),
    "2d_first_groups2": ((1, 4, 5, 6), (2, 3, 2, 4), 1, "valid", "channels_first", 1, 2),
    "3d_valid": ((1, 4, 5, 4, 2), (2, 3, 2, 2, 3), 1, "valid", "channels_last", 1, 1),
    "3d_first_same_stride2": ((1, 2, 5, 4, 5), (3, 2, 3, 2, 2), 2, "same", "channels_first", 1, 1),
    "3d_groups2_dilated": ((1, 5, 5, 5, 4), (2, 2, 2, 2, 2), 1, "same", "channels_last", 2, 2),
}

TRANSPOSED = {
    # label: (x shape, kernel (*k, out, in), strides, padding, output_padding, format, dilation)
    "1d_valid_stride2": ((2, 5, 3), (3, 2, 3), 2, "valid", None, "channels_last", 1),
    "1d_valid_window_below_stride": ((1, 4, 2), (2, 3, 2), 3, "valid", None, "channels_last", 1),
    "1d_same_stride3": ((1, 4, 2), (4, 2, 2), 3, "same", None, "channels_last", 1),
    "2d_same_stride2": ((2, 4, 3, 3), (3, 3, 2, 3), 2, "same", None, "channels_last", 1),
    "2d_same_output_padding": ((1, 4, 3, 2), (3, 3, 3, 2), 2, "same", 1, "channels_last", 1),
    "2d_valid_output_padding": ((1, 3, 4, 2), (3, 2, 2, 2), 2, "valid", (1, 0), "channels_last", 1),
    "2d_same_even_no_output_padding": (
        (1, 4, 4, 2),
        (2, 2, 2, 2),
        1,
        "same",
        0,
        "channels_last",
        1,
    ),
    "2d_dilated_same": ((1, 5, 4, 2), (3, 2, 2, 2), 1, "same", None, "channels_last", 2),
    "2d_first_valid": ((2, 3, 4, 3), (3, 2, 2, 3), (2, 1), "valid", None, "channels_first", 1),
    "3d_same_stride2": ((1, 3, 2, 3, 2), (2, 3, 2, 3, 2), 2, "same", None, "channels_last", 1),
    "3d_first_valid": ((1, 2, 2, 3, 2), (2, 2, 2, 2, 2), 1, "valid", None, "channels_first", 1),
}

POOLS = {
    # label: (x shape, pool_size, strides, padding, data_format)
    "1d_valid": ((2, 7, 3), 2, None, "valid", "channels_last"),
    "1d_same_asym": ((2, 8, 2), 3, 2, "same", "channels_last"),
    "2d_valid": ((2, 6, 5, 3), (2, 2), None, "valid", "channels_last"),
    "2d_same_asym": ((1, 6, 7, 2), 3, 2, "same", "channels_last"),
    "2d_same_stride1": ((1, 5, 4, 2), (2, 3), 1, "same", "channels_last"),
    "2d_valid_overlap": ((1, 7, 7, 2), 3, (2, 1), "valid", "channels_last"),
    "2d_first_same": ((2, 3, 7, 5), (3, 2), 2, "same", "channels_first"),
    "3d_valid": ((1, 4, 4, 5, 2), 2, None, "valid", "channels_last"),
    "3d_first_same": ((1, 2, 5, 4, 3), 2, (2, 1, 2), "same", "channels_first"),
}

RESIZES = {
    # label: (x shape, size, interpolation, data_format)
    "2d_nearest_x2": ((2, 3, 4, 2), (6, 8), "nearest", "channels_last"),
    "2d_bilinear_x2": ((2, 3, 4, 2), (6, 8), "bilinear", "channels_last"),
    "2d_nearest_odd_to_uneven": ((1, 5, 3, 2), (7, 8), "nearest", "channels_last"),
    "2d_bilinear_uneven": ((1, 5, 4, 2), (7, 9), "bilinear", "channels_last"),
    "2d_bilinear_down": ((1, 7, 6, 2), (3, 4), "bilinear", "channels_last"),
    "2d_first_bilinear": ((1, 2, 3, 5), (6, 7), "bilinear", "channels_first"),
    "2d_first_nearest": ((1, 2, 3, 5), (6, 10), "nearest", "channels_first"),
    "1d_bilinear": ((2, 5, 3), (9,), "bilinear", "channels_last"),
    "3d_nearest_x2": ((1, 2, 3, 2, 2), (4, 6, 4), "nearest", "channels_last"),
}


def _conv_inputs(label):
    x_shape, k_shape, *_ = CONVS[label]
    return _normal(x_shape, 1), _normal(k_shape, 2)


def _conv_kwargs(label):
    _, _, strides, padding, data_format, dilation, groups = CONVS[label]
    return dict(
        strides=strides,
        padding=padding,
        data_format=data_format,
        dilation_rate=dilation,
        groups=groups,
    )


def _transposed_kwargs(label):
    _, _, strides, padding, output_padding, data_format, dilation = TRANSPOSED[label]
    return dict(
        strides=strides,
        padding=padding,
        output_padding=output_padding,
        data_format=data_format,
        dilation_rate=dilation,
    )


# --------------------------------------------------------------------------------------
# The reference against the brute force.


@pytest.mark.parametrize("label", CONVS)
def test_reference_conv_matches_brute_force(label):
    x, kernel = _conv_inputs(label)
    kwargs = _conv_kwargs(label)
    expected = brute_conv(
        x,
        kernel,
        kwargs["strides"],
        kwargs["padding"],
        kwargs["data_format"],
        kwargs["dilation_rate"],
        kwargs["groups"],
    )
    actual = reference.conv(x.astype("float64"), kernel, **kwargs)
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=EXACT, atol=EXACT)


def _transposed_output_size(n, k, s, d, padding, output_padding):
    """The contract's output size of conv_transpose along one axis."""
    window = (k - 1) * d + 1
    if output_padding is None:
        return n * s + max(window - s, 0) if padding == "valid" else n * s
    pad = 0 if padding == "valid" else window // 2
    return (n - 1) * s + window - 2 * pad + output_padding


@pytest.mark.parametrize("label", TRANSPOSED)
def test_reference_conv_transpose_is_the_adjoint_of_conv(label):
    x_shape, k_shape, strides, padding, output_padding, data_format, dilation = TRANSPOSED[label]
    x, kernel = _normal(x_shape, 3).astype("float64"), _normal(k_shape, 4).astype("float64")
    rank = len(x_shape) - 2
    y = reference.conv_transpose(x, kernel, **_transposed_kwargs(label))
    sizes = x_shape[1:-1] if data_format == "channels_last" else x_shape[2:]
    expected_sizes = tuple(
        _transposed_output_size(n, k, s, d, padding, p)
        for n, k, s, d, p in zip(
            sizes,
            k_shape[:rank],
            _expand(strides, rank),
            _expand(dilation, rank),
            (None,) * rank if output_padding is None else _expand(output_padding, rank),
        )
    )
    y_sizes = y.shape[1:-1] if data_format == "channels_last" else y.shape[2:]
    assert y_sizes == expected_sizes
    assert (
        y.shape[0] == x_shape[0]
        and (y.shape[-1] if data_format == "channels_last" else y.shape[1]) == k_shape[-2]
    )
    # <conv(z, K), x> == <z, conv_transpose(x, K)>: the same kernel array serves both,
    # read as (*k, in, out) by conv and as (*k, out, in) by conv_transpose.
    z = _normal(y.shape, 5).astype("float64")
    forward = reference.conv(
        z, kernel, strides=strides, padding=padding, data_format=data_format, dilation_rate=dilation
    )
    if forward.shape != x.shape:
        # No convolution of this output size gives back the input size (an even window,
        # "same", output_padding 0): the result is the full scatter, centred.
        assert label == "2d_same_even_no_output_padding"
        full = reference.conv_transpose(x, kernel, strides=strides, padding="valid")
        before = [(f - m) // 2 for f, m in zip(full.shape[1:-1], y_sizes)]
        window = tuple(slice(b, b + m) for b, m in zip(before, y_sizes))
        np.testing.assert_allclose(y, full[(slice(None), *window)], rtol=EXACT, atol=EXACT)
        return
    np.testing.assert_allclose(np.vdot(forward, x), np.vdot(z, y), rtol=EXACT)


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("label", POOLS)
def test_reference_pools_match_brute_force(label, kind):
    x_shape, pool, strides, padding, data_format = POOLS[label]
    x = _normal(x_shape, 6)
    expected = brute_pool(x, pool, strides, padding, data_format, kind)
    actual = getattr(reference, f"{kind}_pool")(
        x, pool, strides=strides, padding=padding, data_format=data_format
    )
    assert actual.dtype == np.float32
    np.testing.assert_allclose(actual, expected, rtol=EXACT, atol=EXACT)


@pytest.mark.parametrize("label", RESIZES)
def test_reference_resize_matches_brute_force(label):
    x_shape, size, interpolation, data_format = RESIZES[label]
    x = _normal(x_shape, 7)
    expected = brute_resize(x, size, interpolation, data_format)
    actual = reference.resize(x, size, interpolation=interpolation, data_format=data_format)
    assert actual.dtype == np.float32
    np.testing.assert_allclose(actual, expected, rtol=EXACT, atol=EXACT)


def test_reference_moments_and_lookup_match_direct_definitions():
    x = _normal((3, 4, 5), 8).astype("float64")
    mean, variance = reference.moments(x, axes=(0, 2))
    for j in range(4):
        values = x[:, j, :].ravel()
        assert mean[j] == pytest.approx(sum(values) / values.size)
        assert variance[j] == pytest.approx(sum((values - mean[j]) ** 2) / values.size)
    table = _normal((6, 2), 9)
    rows = reference.embedding_lookup(table, np.array([[5, 0], [2, 2]]))
    for (i, j), index in np.ndenumerate(np.array([[5, 0], [2, 2]])):
        np.testing.assert_array_equal(rows[i, j], table[index])


# --------------------------------------------------------------------------------------
# The active adapter against the reference.

LAYER_CASES: list[Case] = []


def _conv_case(label):
    x, kernel = _conv_inputs(label)
    return Case("conv", label, lambda m, t: m.conv(t(x), t(kernel), **_conv_kwargs(label)))


def _transposed_case(label):
    x_shape, k_shape, *_ = TRANSPOSED[label]
    x, kernel = _normal(x_shape, 3), _normal(k_shape, 4)
    return Case(
        "conv_transpose",
        label,
        lambda m, t: m.conv_transpose(t(x), t(kernel), **_transposed_kwargs(label)),
    )


def _pool_case(label, op):
    x_shape, pool, strides, padding, data_format = POOLS[label]
    x = _normal(x_shape, 6)
    return Case(
        op,
        label,
        lambda m, t: getattr(m, op)(
            t(x), pool, strides=strides, padding=padding, data_format=data_format
        ),
    )


def _resize_case(label):
    x_shape, size, interpolation, data_format = RESIZES[label]
    x = _normal(x_shape, 7)
    return Case(
        "resize",
        label,
        lambda m, t: m.resize(t(x), size, interpolation=interpolation, data_format=data_format),
    )


LAYER_CASES += [_conv_case(label) for label in CONVS]
LAYER_CASES += [_transposed_case(label) for label in TRANSPOSED]
LAYER_CASES += [_pool_case(label, op) for label in POOLS for op in ("max_pool", "average_pool")]
LAYER_CASES += [_resize_case(label) for label in RESIZES]


@pytest.mark.parametrize("item", LAYER_CASES, ids=repr)
def test_layer_op_matches_reference(item: Case):
    expected = item.run(reference, _tensor_maker(reference))
    actual = np.asarray(ADAPTER.convert_to_numpy(item.run(ADAPTER, _tensor_maker(ADAPTER))))
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    assert actual.dtype == np.float32, f"float32 expected, received {actual.dtype}"
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


def test_layer_ops_name_bad_arguments():
    t = _tensor_maker(ADAPTER)
    x, kernel = t(_normal((1, 5, 5, 4), 1)), t(_normal((3, 3, 2, 4), 2))
    with pytest.raises(ValueError, match="padding must be one of"):
        ADAPTER.conv(x, kernel, padding="full", groups=2)
    with pytest.raises(ValueError, match="expects 2 input channels"):
        ADAPTER.conv(x, kernel)
    with pytest.raises(ValueError, match="data_format must be one of"):
        ADAPTER.max_pool(x, 2, data_format="NHWC")
    with pytest.raises(ValueError, match="interpolation must be"):
        ADAPTER.resize(x, (10, 10), interpolation="bicubic")
    with pytest.raises(ValueError, match="rank 3, 4 or 5"):
        ADAPTER.average_pool(t(_normal((5, 4), 3)), 2)
