"""Pooling layers against NumPy loops: MaxPooling/AveragePooling 1D-3D and the global
pooling layers, both data formats, "valid" and "same", with strides; masks, unknown
sizes, configs and argument errors."""

import itertools
import math

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers, ops

RTOL = 1e-5
ATOL = 1e-6


def as_numpy(x):
    return ops.convert_to_numpy(x)


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def to_channels_first(x):
    return np.moveaxis(x, -1, 1)


def reference_pool(x, pool_size, strides, padding, mode):
    """Pooling of a channels_last array by a loop over output positions.

    "same": TensorFlow's rule, ceil(n / s) outputs with the padding split total // 2
    before; padded entries take no part in the max nor in the average.
    """
    spatial = x.shape[1:-1]
    starts = []
    for n, k, s in zip(spatial, pool_size, strides):
        if padding == "valid":
            count = (n - k) // s + 1
            before = 0
        else:
            count = math.ceil(n / s)
            before = max((count - 1) * s + k - n, 0) // 2
        starts.append([i * s - before for i in range(count)])
    out = np.zeros((x.shape[0], *[len(s) for s in starts], x.shape[-1]), "float32")
    for position in itertools.product(*[range(len(s)) for s in starts]):
        window = tuple(
            slice(max(start[p], 0), min(start[p] + k, n))
            for start, p, k, n in zip(starts, position, pool_size, spatial)
        )
        patch = x[(slice(None), *window, slice(None))].reshape(x.shape[0], -1, x.shape[-1])
        reduce = np.max if mode == "max" else np.mean
        out[(slice(None), *position, slice(None))] = reduce(patch, axis=1)
    return out


POOLING = {
    (1, "max"): layers.MaxPooling1D,
    (2, "max"): layers.MaxPooling2D,
    (3, "max"): layers.MaxPooling3D,
    (1, "average"): layers.AveragePooling1D,
    (2, "average"): layers.AveragePooling2D,
    (3, "average"): layers.AveragePooling3D,
}

# (rank, pool_size, strides, padding, spatial shape)
CASES = [
    (1, 2, None, "valid", (7,)),
    (1, 3, 2, "same", (7,)),
    (2, (2, 3), None, "same", (5, 7)),
    (2, (3, 2), (1, 2), "valid", (5, 6)),
    (3, 2, None, "valid", (4, 5, 3)),
    (3, (2, 3, 2), (2, 2, 1), "same", (3, 5, 4)),
]


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("rank, pool_size, strides, padding, spatial", CASES)
def test_pooling_matches_numpy_in_both_data_formats(
    rank, pool_size, strides, padding, spatial, mode
):
    cls = POOLING[(rank, mode)]
    x = data(2, *spatial, 3)
    window = (pool_size,) * rank if isinstance(pool_size, int) else pool_size
    steps = (
        window if strides is None else (strides,) * rank if isinstance(strides, int) else strides
    )
    expected = reference_pool(x, window, steps, padding, mode)

    last = cls(pool_size, strides=strides, padding=padding, data_format="channels_last")
    np.testing.assert_allclose(as_numpy(last(x)), expected, rtol=RTOL, atol=ATOL)
    assert last.compute_output_shape(x.shape) == expected.shape

    first = cls(pool_size, strides=strides, padding=padding, data_format="channels_first")
    outputs = as_numpy(first(to_channels_first(x)))
    np.testing.assert_allclose(outputs, to_channels_first(expected), rtol=RTOL, atol=ATOL)


def test_pooling_defaults_follow_keras_2():
    for cls in (layers.MaxPooling1D, layers.AveragePooling1D):
        layer = cls()
        assert (layer.pool_size, layer.strides, layer.padding) == ((2,), (2,), "valid")
        assert layer.data_format == "channels_last"  # 1-D layers ignore image_data_format
    for cls, rank in [(layers.MaxPooling2D, 2), (layers.AvgPool3D, 3)]:
        layer = cls()
        assert layer.pool_size == layer.strides == (2,) * rank
        assert layer.data_format == keras.backend.image_data_format()
    assert layers.MaxPool2D is layers.MaxPooling2D
    assert layers.AvgPool1D is layers.AveragePooling1D
    assert layers.GlobalAvgPool2D is layers.GlobalAveragePooling2D
    assert layers.GlobalMaxPool3D is layers.GlobalMaxPooling3D


GLOBAL = {
    (1, "max"): layers.GlobalMaxPooling1D,
    (2, "max"): layers.GlobalMaxPooling2D,
    (3, "max"): layers.GlobalMaxPooling3D,
    (1, "average"): layers.GlobalAveragePooling1D,
    (2, "average"): layers.GlobalAveragePooling2D,
    (3, "average"): layers.GlobalAveragePooling3D,
}


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_global_pooling_matches_numpy(rank, mode):
    cls = GLOBAL[(rank, mode)]
    x = data(2, *range(3, 3 + rank), 4)
    reduce = np.max if mode == "max" else np.mean
    axes = tuple(range(1, rank + 1))
    expected = reduce(x, axis=axes)
    np.testing.assert_allclose(as_numpy(cls()(x)), expected, rtol=RTOL, atol=ATOL)
    first = cls(data_format="channels_first")
    np.testing.assert_allclose(
        as_numpy(first(to_channels_first(x))), expected, rtol=RTOL, atol=ATOL
    )
    kept = cls(keepdims=True)
    outputs = as_numpy(kept(x))
    np.testing.assert_allclose(outputs, reduce(x, axis=axes, keepdims=True), rtol=RTOL, atol=ATOL)
    assert kept.compute_output_shape((None, *x.shape[1:])) == (None, *(1,) * rank, 4)
    assert first.compute_output_shape((None, 4, *x.shape[1:-1])) == (None, 4)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_global_average_pooling_1d_leaves_masked_steps_out(data_format):
    x = data(3, 5, 2)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 0, 1, 0]], dtype=bool)
    weights = mask[..., None].astype("float32")
    expected = (x * weights).sum(axis=1) / weights.sum(axis=1)
    layer = layers.GlobalAveragePooling1D(data_format=data_format)
    inputs = x if data_format == "channels_last" else to_channels_first(x)
    outputs = as_numpy(layer(inputs, mask=ops.convert_to_tensor(mask)))
    np.testing.assert_allclose(outputs, expected, rtol=RTOL, atol=ATOL)
    assert layer.supports_masking
    assert layer.compute_mask(inputs, ops.convert_to_tensor(mask)) is None
    # Without a mask every step counts.
    np.testing.assert_allclose(as_numpy(layer(inputs)), x.mean(axis=1), rtol=RTOL, atol=ATOL)


def test_global_average_pooling_1d_consumes_a_mask_in_a_model():
    x = data(2, 4, 3)
    x[0, 2:] = 0.0  # Masking(0.0) masks these steps
    x[1, 0] = 0.0
    inputs = keras.Input((4, 3))
    outputs = layers.GlobalAveragePooling1D()(layers.Masking(0.0)(inputs))
    model = keras.Model(inputs, outputs)
    keep = np.any(x != 0.0, axis=-1)[..., None].astype("float32")
    expected = (x * keep).sum(axis=1) / keep.sum(axis=1)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=RTOL, atol=ATOL)


def test_pooling_unknown_spatial_sizes_in_a_functional_model():
    inputs = keras.Input((None, None, 3))
    pooled = layers.MaxPooling2D((2, 3), padding="same")(inputs)
    averaged = layers.AveragePooling2D(2)(pooled)
    pooled_global = layers.GlobalAveragePooling2D()(averaged)
    assert pooled.shape == (None, None, None, 3)
    assert averaged.shape == (None, None, None, 3)
    assert pooled_global.shape == (None, 3)
    partial = layers.MaxPooling2D(2, strides=(1, 2))(keras.Input((None, 7, 3)))
    assert partial.shape == (None, None, 3, 3)

    model = keras.Model(inputs, averaged)
    for height, width in [(4, 6), (6, 9)]:
        x = data(2, height, width, 3, seed=height)
        expected = reference_pool(
            reference_pool(x, (2, 3), (2, 3), "same", "max"), (2, 2), (2, 2), "valid", "average"
        )
        np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=RTOL, atol=ATOL)


def test_pooling_config_round_trip():
    for layer in [
        layers.MaxPooling1D(3, strides=1, padding="same", data_format="channels_first"),
        layers.AveragePooling2D((2, 3), name="avg"),
        layers.MaxPooling3D(2, strides=(1, 2, 1)),
        layers.GlobalAveragePooling1D(data_format="channels_first"),
        layers.GlobalMaxPooling2D(keepdims=True),
    ]:
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config
    config = layers.MaxPooling2D(3).get_config()
    assert {k: config[k] for k in ("pool_size", "strides", "padding")} == {
        "pool_size": (3, 3),
        "strides": (3, 3),
        "padding": "valid",
    }
    assert "keepdims" not in layers.GlobalMaxPooling1D().get_config()


def test_pooling_window_larger_than_the_input_names_the_layer():
    layer = layers.MaxPooling2D((3, 3), name="too_big")
    with pytest.raises(ValueError, match=r"MaxPooling2D 'too_big'.*pool_size=\(3, 3\).*\(2, 5\)"):
        layer(data(1, 2, 5, 1))
    with pytest.raises(ValueError, match="too_big"):
        layer(keras.Input((2, 5, 1)))
    # "same" pads, so a large window is fine (as in TensorFlow).
    outputs = layers.MaxPooling1D(4, padding="same")(data(1, 2, 1))
    assert tuple(ops.shape(outputs)) == (1, 1, 1)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.MaxPooling2D(0), "pool_size"),
        (lambda: layers.AveragePooling1D(2, strides=-1), "strides"),
        (lambda: layers.MaxPooling3D((2, 2)), "pool_size"),
        (lambda: layers.MaxPooling2D(padding="full"), "padding"),
        (lambda: layers.AveragePooling2D(data_format="NHWC"), "data_format"),
        (lambda: layers.GlobalMaxPooling2D(data_format="channels_middle"), "data_format"),
    ],
)
def test_pooling_argument_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_pooling_wrong_rank_is_refused():
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.MaxPooling2D()(data(2, 4, 3))
    with pytest.raises(ValueError, match="expected ndim=3"):
        layers.GlobalAveragePooling1D()(data(2, 4, 4, 3))
