"""LocallyConnected1D/2D against a NumPy loop over output positions that uses Keras 2's
weight layout (kernel (positions, patch, filters), patch order per data format, bias
reshaped for channels_first); gradients, configs and argument errors."""

import itertools

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers, ops
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.scope import StatelessScope

RTOL = 1e-5
ATOL = 1e-5


def as_numpy(x):
    return ops.convert_to_numpy(x)


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def output_positions(spatial, kernel_size, strides):
    counts = [(n - k) // s + 1 for n, k, s in zip(spatial, kernel_size, strides)]
    return counts, list(itertools.product(*[range(c) for c in counts]))


def patch(x, position, kernel_size, strides, data_format):
    """One flattened patch per sample, in Keras's order: (*kernel, C) for channels_last
    (x[:, rows, cols, :]), (C, *kernel) for channels_first (x[:, :, rows, cols])."""
    window = tuple(slice(p * s, p * s + k) for p, k, s in zip(position, kernel_size, strides))
    if data_format == "channels_last":
        return x[(slice(None), *window, slice(None))].reshape(x.shape[0], -1)
    return x[(slice(None), slice(None), *window)].reshape(x.shape[0], -1)


def reference(x, kernel, bias, kernel_size, strides, data_format):
    spatial = x.shape[1:-1] if data_format == "channels_last" else x.shape[2:]
    counts, positions = output_positions(spatial, kernel_size, strides)
    filters = kernel.shape[-1]
    out = np.zeros((x.shape[0], *counts, filters), "float32")
    for index, position in enumerate(positions):
        out[(slice(None), *position)] = (
            patch(x, position, kernel_size, strides, data_format) @ kernel[index]
        )
    if data_format == "channels_last":
        return out + bias
    # Keras 2's bias_add reshapes the (*out, filters) bias to (filters, *out).
    return np.moveaxis(out, -1, 1) + bias.reshape(filters, *counts)


def random_weights(layer, seed=1):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=w.shape).astype("float32") for w in layer.weights]
    layer.set_weights(weights)
    return weights


# (class, kernel_size, strides, spatial)
CASES = [
    (layers.LocallyConnected1D, (3,), (1,), (6,)),
    (layers.LocallyConnected1D, (2,), (2,), (7,)),
    (layers.LocallyConnected2D, (2, 3), (1, 1), (4, 5)),
    (layers.LocallyConnected2D, (3, 2), (2, 3), (5, 7)),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("cls, kernel_size, strides, spatial", CASES)
def test_locally_connected_matches_a_numpy_loop(cls, kernel_size, strides, spatial, data_format):
    channels, filters = 3, 4
    shape = (*spatial, channels) if data_format == "channels_last" else (channels, *spatial)
    x = data(2, *shape)
    layer = cls(filters, kernel_size, strides=strides, data_format=data_format)
    layer.build((None, *shape))
    counts, positions = output_positions(spatial, kernel_size, strides)
    kernel, bias = random_weights(layer)
    assert kernel.shape == (len(positions), int(np.prod(kernel_size)) * channels, filters)
    assert bias.shape == (*counts, filters)
    expected = reference(x, kernel, bias, kernel_size, strides, data_format)
    np.testing.assert_allclose(as_numpy(layer(x)), expected, rtol=RTOL, atol=ATOL)
    assert layer.compute_output_shape((None, *shape)) == (None, *expected.shape[1:])


def test_activation_without_bias_in_a_compiled_model():
    inputs = keras.Input((5, 4, 2))
    layer = layers.LocallyConnected2D(3, 2, activation="relu", use_bias=False)
    model = keras.Model(inputs, layer(inputs))
    assert model.output_shape == (None, 4, 3, 3)
    (kernel,) = random_weights(layer)
    x = data(3, 5, 4, 2)
    expected = np.maximum(reference(x, kernel, 0.0, (2, 2), (1, 1), "channels_last"), 0)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=RTOL, atol=ATOL)


@pytest.mark.skipif(not ADAPTER.SUPPORTS_TRAINING, reason="the NumPy reference has no gradients")
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_gradients_match_numpy(data_format):
    kernel_size, strides = (2, 2), (1, 2)
    shape = (4, 5, 2) if data_format == "channels_last" else (2, 4, 5)
    x = data(2, *shape)
    layer = layers.LocallyConnected2D(3, kernel_size, strides=strides, data_format=data_format)
    layer.build((None, *shape))
    kernel, bias = random_weights(layer)
    upstream = data(2, *layer.compute_output_shape((None, *shape))[1:], seed=5)

    def loss(values, inputs, cotangent):
        with StatelessScope(dict(zip(layer.weights, values))):
            return ops.sum(layer(inputs) * cotangent), None

    values = [ops.convert_to_tensor(w) for w in (kernel, bias)]
    (_, _), grads = ADAPTER.value_and_grad(loss)(
        values, ops.convert_to_tensor(x), ops.convert_to_tensor(upstream)
    )
    # d loss / d kernel[p] = patch_p^T @ upstream at p; the bias sees the upstream
    # gradient through the same reshape the forward pass used.
    spatial = (4, 5)
    counts, positions = output_positions(spatial, kernel_size, strides)
    per_position = upstream if data_format == "channels_last" else np.moveaxis(upstream, 1, -1)
    expected_kernel = np.stack(
        [
            patch(x, position, kernel_size, strides, data_format).T
            @ per_position[(slice(None), *position)]
            for position in positions
        ]
    )
    if data_format == "channels_last":
        expected_bias = upstream.sum(axis=0)
    else:
        expected_bias = upstream.sum(axis=0).reshape(counts[0], counts[1], 3)
    np.testing.assert_allclose(as_numpy(grads[0]), expected_kernel, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(as_numpy(grads[1]), expected_bias, rtol=1e-4, atol=1e-4)


def test_defaults_and_config_round_trip():
    layer = layers.LocallyConnected1D(4, 3)
    assert (layer.strides, layer.padding, layer.use_bias) == ((1,), "valid", True)
    assert layer.data_format == keras.backend.image_data_format()
    assert layers.LocallyConnected2D(2, 3).strides == (1, 1)
    original = layers.LocallyConnected2D(
        5,
        (2, 3),
        strides=2,
        data_format="channels_first",
        activation="tanh",
        kernel_regularizer="l2",
        kernel_constraint="max_norm",
        name="lc",
    )
    config = original.get_config()
    for key in ("filters", "kernel_size", "strides", "padding", "data_format", "activation"):
        assert key in config
    assert config["kernel_size"] == (2, 3) and config["strides"] == (2, 2)
    clone = layers.LocallyConnected2D.from_config(config)
    assert clone.get_config() == config


def test_unknown_sizes_and_windows_too_large_are_refused():
    with pytest.raises(ValueError, match=r"LocallyConnected2D 'lc_unknown'.*must be known"):
        layers.LocallyConnected2D(2, 2, name="lc_unknown")(keras.Input((None, 4, 3)))
    with pytest.raises(ValueError, match=r"LocallyConnected1D 'lc_big'.*kernel_size=\(5,\)"):
        layers.LocallyConnected1D(2, 5, name="lc_big")(data(1, 4, 2))
    layer = layers.LocallyConnected1D(2, 2)
    layer(data(1, 4, 2))
    with pytest.raises(ValueError, match="expected axis 1"):
        layer(data(1, 5, 2))  # the weights fit one input length only


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.LocallyConnected1D(0, 2), "filters"),
        (lambda: layers.LocallyConnected1D(2, 0), "kernel_size"),
        (lambda: layers.LocallyConnected2D(2, 2, strides=(1, -1)), "strides"),
        (lambda: layers.LocallyConnected2D(2, 2, padding="same"), "only padding='valid'"),
        (lambda: layers.LocallyConnected2D(2, 2, padding="bogus"), "padding"),
        (lambda: layers.LocallyConnected1D(2, 2, implementation=2), "implementation=1"),
        (lambda: layers.LocallyConnected2D(2, 2, data_format="NCHW"), "data_format"),
    ],
)
def test_argument_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_wrong_rank_is_refused():
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.LocallyConnected2D(2, 2)(data(2, 5, 3))
