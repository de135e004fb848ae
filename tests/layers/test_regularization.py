"""ActivityRegularization and the spatial dropouts against NumPy."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers, ops


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


# ---- ActivityRegularization --------------------------------------------------------------


def test_activity_regularization_is_identity_and_adds_its_penalty_to_the_loss():
    l1, l2 = 0.01, 0.02
    model = keras.Sequential([layers.ActivityRegularization(l1=l1, l2=l2, input_shape=(4,))])
    model.compile(optimizer="sgd", loss="mse")
    x, y = data(8, 4), data(8, 4, seed=1)
    np.testing.assert_allclose(model.predict(x, verbose=0), x, rtol=1e-6)
    expected = np.mean((x - y) ** 2) + l1 * np.abs(x).sum() + l2 * np.square(x).sum()
    loss = model.evaluate(x, y, batch_size=8, verbose=0)
    np.testing.assert_allclose(loss, expected, rtol=1e-5)


def test_activity_regularization_defaults_config_and_bad_arguments():
    layer = layers.ActivityRegularization()
    assert (layer.l1, layer.l2) == (0.0, 0.0)
    assert layer.supports_masking
    restored = layers.ActivityRegularization.from_config(
        layers.ActivityRegularization(l1=0.5, l2=0.25).get_config()
    )
    assert (restored.l1, restored.l2) == (0.5, 0.25)
    with pytest.raises(ValueError, match=r"ActivityRegularization 'ar'.*l1 must be a non-neg"):
        layers.ActivityRegularization(l1=-1.0, name="ar")


# ---- SpatialDropout -----------------------------------------------------------------------

SPATIAL = [
    (layers.SpatialDropout1D, {}, (64, 6, 30), (1,)),
    (layers.SpatialDropout2D, {"data_format": "channels_last"}, (32, 3, 4, 30), (1, 2)),
    (layers.SpatialDropout2D, {"data_format": "channels_first"}, (32, 30, 3, 4), (2, 3)),
    (layers.SpatialDropout3D, {"data_format": "channels_last"}, (16, 2, 3, 2, 30), (1, 2, 3)),
    (layers.SpatialDropout3D, {"data_format": "channels_first"}, (16, 30, 2, 3, 2), (2, 3, 4)),
]


@pytest.mark.parametrize("cls, kwargs, shape, spatial_axes", SPATIAL)
def test_spatial_dropout_drops_whole_channels(cls, kwargs, shape, spatial_axes):
    rate = 0.4
    x = np.abs(data(*shape)) + 0.5  # no zeros in the input
    layer = cls(rate, seed=3, **kwargs)
    outputs = ops.convert_to_numpy(layer(x, training=True))
    dropped = outputs == 0
    # One decision per (sample, channel): constant along every spatial axis.
    decision = dropped.all(axis=spatial_axes, keepdims=True)
    np.testing.assert_array_equal(dropped, np.broadcast_to(decision, dropped.shape))
    assert abs(decision.mean() - rate) < 0.08
    np.testing.assert_allclose(outputs[~dropped], x[~dropped] / (1 - rate), rtol=1e-6)
    # Inference: the identity.
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x)), x)
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(x, training=False)), x)


def test_spatial_dropout_in_predict_is_identity():
    model = keras.Sequential([layers.SpatialDropout1D(0.9, input_shape=(5, 3))])
    x = data(4, 5, 3)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


@pytest.mark.parametrize(
    "cls, ndim",
    [(layers.SpatialDropout1D, 3), (layers.SpatialDropout2D, 4), (layers.SpatialDropout3D, 5)],
)
def test_spatial_dropout_checks_rank(cls, ndim):
    with pytest.raises(ValueError, match=f"expected ndim={ndim}"):
        cls(0.5)(data(*([2] * (ndim + 1))))


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, "0.5"])
def test_spatial_dropout_refuses_bad_rates(rate):
    with pytest.raises(
        ValueError, match=r"SpatialDropout2D 'sd'.*rate must be a number in \[0, 1\)"
    ):
        layers.SpatialDropout2D(rate, name="sd")


def test_spatial_dropout_bad_data_format_and_config_round_trip():
    with pytest.raises(ValueError, match=r"SpatialDropout2D .*data_format"):
        layers.SpatialDropout2D(0.5, data_format="channels_middle")
    with pytest.raises(ValueError, match=r"SpatialDropout1D .*data_format"):
        layers.SpatialDropout1D(0.5, data_format="channels_first")
    layer = layers.SpatialDropout2D(0.25, data_format="channels_first", seed=5)
    config_ = layer.get_config()
    assert config_["data_format"] == "channels_first" and "noise_shape" not in config_
    restored = layers.SpatialDropout2D.from_config(config_)
    assert (restored.rate, restored.data_format, restored.seed) == (0.25, "channels_first", 5)
    one_d = layers.SpatialDropout1D.from_config(layers.SpatialDropout1D(0.1).get_config())
    assert one_d.rate == 0.1
    # A Keras 2 config carries Dropout's noise_shape (None).
    assert layers.SpatialDropout1D.from_config({"rate": 0.2, "noise_shape": None}).rate == 0.2
