"""LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax and ReLU against NumPy."""

import numpy as np
import pytest
from gradient_check import layer_gradients, needs_training

import kerasfront as keras
from kerasfront import layers, ops

RTOL = 1e-5
ATOL = 1e-6

# Both signs, the kinks (0, 1, 6) and values beyond the caps.
X = np.array(
    [[-3.0, -1.0, -0.2, 0.0, 0.2], [0.5, 1.0, 1.5, 6.0, 8.0], [-7.0, 2.5, -0.5, 3.0, 0.9]],
    dtype="float32",
)


def run(layer, x=X):
    return ops.convert_to_numpy(layer(x))


def test_leaky_relu_default_alpha_and_keras3_name():
    np.testing.assert_allclose(run(layers.LeakyReLU()), np.where(X > 0, X, 0.3 * X), RTOL, ATOL)
    np.testing.assert_allclose(
        run(layers.LeakyReLU(alpha=0.1)), np.where(X > 0, X, 0.1 * X), RTOL, ATOL
    )
    keras3 = layers.LeakyReLU(negative_slope=0.2)
    assert keras3.alpha == 0.2
    np.testing.assert_allclose(run(keras3), np.where(X > 0, X, 0.2 * X), RTOL, ATOL)
    with pytest.raises(ValueError, match=r"LeakyReLU 'lr'.*alpha.*negative_slope"):
        layers.LeakyReLU(alpha=0.1, negative_slope=0.2, name="lr")


def test_elu():
    expected = np.where(X > 0, X, 0.5 * (np.exp(X) - 1))
    np.testing.assert_allclose(run(layers.ELU(alpha=0.5)), expected, RTOL, ATOL)
    assert layers.ELU().alpha == 1.0


def test_thresholded_relu():
    np.testing.assert_allclose(run(layers.ThresholdedReLU()), np.where(X > 1.0, X, 0), RTOL)
    np.testing.assert_allclose(run(layers.ThresholdedReLU(0.5)), np.where(X > 0.5, X, 0), RTOL)
    with pytest.raises(ValueError, match=r"ThresholdedReLU 'tr'.*theta must be >= 0"):
        layers.ThresholdedReLU(-1.0, name="tr")


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax(axis):
    exps = np.exp(X - X.max(axis=axis, keepdims=True))
    expected = exps / exps.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(run(layers.Softmax(axis=axis)), expected, RTOL, ATOL)


def test_softmax_bad_axis():
    with pytest.raises(ValueError, match=r"Softmax 'sm'.*axis 3 is out of range"):
        layers.Softmax(axis=3, name="sm")(X)
    with pytest.raises(ValueError, match=r"Softmax 'sm2'.*axis must be an integer"):
        layers.Softmax(axis="last", name="sm2")


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"max_value": 6.0},
        {"negative_slope": 0.1},
        {"threshold": 1.0},
        {"max_value": 2.0, "negative_slope": 0.2, "threshold": 0.5},
    ],
)
def test_relu_follows_the_keras_formula(kwargs):
    max_value = kwargs.get("max_value")
    slope = kwargs.get("negative_slope", 0.0)
    threshold = kwargs.get("threshold", 0.0)
    expected = np.where(X > threshold, X, slope * (X - threshold))
    if max_value is not None:
        expected = np.minimum(expected, max_value)
    np.testing.assert_allclose(run(layers.ReLU(**kwargs)), expected, RTOL, ATOL)


def test_relu_refuses_negative_max_value_and_slope():
    with pytest.raises(ValueError, match=r"ReLU 'r1'.*max_value must be >= 0"):
        layers.ReLU(max_value=-1.0, name="r1")
    with pytest.raises(ValueError, match=r"ReLU 'r2'.*negative_slope must be >= 0"):
        layers.ReLU(negative_slope=-0.1, name="r2")


# ---- PReLU --------------------------------------------------------------------------------


def test_prelu_weight_shape_and_values():
    x = np.random.default_rng(0).normal(size=(4, 3, 5)).astype("float32")
    layer = layers.PReLU(alpha_initializer="random_uniform")
    outputs = run(layer, x)
    (alpha,) = layer.get_weights()
    assert alpha.shape == (3, 5)
    assert [w.name.split("/")[-1] for w in layer.weights] == ["alpha"]
    np.testing.assert_allclose(outputs, np.where(x > 0, x, alpha * x), RTOL, ATOL)


def test_prelu_default_is_relu():
    np.testing.assert_allclose(run(layers.PReLU()), np.maximum(X, 0), RTOL)


@pytest.mark.parametrize("shared_axes, alpha_shape", [([1, 2], (1, 1, 4)), (2, (3, 1, 4))])
def test_prelu_shared_axes(shared_axes, alpha_shape):
    x = np.random.default_rng(1).normal(size=(2, 3, 5, 4)).astype("float32")
    layer = layers.PReLU(alpha_initializer="random_uniform", shared_axes=shared_axes)
    outputs = run(layer, x)
    (alpha,) = layer.get_weights()
    assert alpha.shape == alpha_shape
    np.testing.assert_allclose(outputs, np.where(x > 0, x, alpha * x), RTOL, ATOL)
    # Shared axes may change size between calls, the others may not.
    bigger = np.ones((2, 3, 7, 4), dtype="float32") if shared_axes == 2 else None
    if bigger is not None:
        assert run(layer, bigger).shape == (2, 3, 7, 4)
    with pytest.raises(ValueError, match="expected axis 3"):
        layer(np.ones((2, 3, 5, 6), dtype="float32"))


@needs_training
def test_prelu_gradients_match_numpy():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(6, 3, 4)).astype("float32")
    upstream = rng.normal(size=x.shape).astype("float32")
    layer = layers.PReLU(alpha_initializer="random_uniform", shared_axes=[1])
    layer(x)
    (alpha,) = layer.get_weights()
    alpha_grad, input_grad = layer_gradients(layer, x, upstream)
    # d/d alpha of sum(u * (relu(x) - alpha * relu(-x))), summed over the shared axes.
    expected_alpha = np.sum(upstream * np.minimum(x, 0), axis=(0, 1), keepdims=True)[0]
    np.testing.assert_allclose(alpha_grad, expected_alpha, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(input_grad, upstream * np.where(x > 0, 1, alpha), 1e-5, 1e-6)


def test_prelu_bad_shared_axes_and_config_round_trip():
    with pytest.raises(ValueError, match=r"PReLU 'p1'.*shared_axes \[0\]"):
        layers.PReLU(shared_axes=0, name="p1")(X)
    with pytest.raises(ValueError, match=r"PReLU 'p2'.*shared_axes must be"):
        layers.PReLU(shared_axes="1", name="p2")
    layer = layers.PReLU(alpha_regularizer="l2", alpha_constraint="non_neg", shared_axes=[1])
    restored = layers.PReLU.from_config(layer.get_config())
    assert restored.get_config() == layer.get_config()
    assert restored.shared_axes == [1]


@pytest.mark.parametrize(
    "layer",
    [
        layers.LeakyReLU(0.2),
        layers.ELU(0.7),
        layers.ThresholdedReLU(0.3),
        layers.Softmax(axis=1),
        layers.ReLU(max_value=4.0, negative_slope=0.1, threshold=0.2),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip_and_symbolic_shape(layer):
    restored = type(layer).from_config(layer.get_config())
    assert restored.get_config() == layer.get_config()
    np.testing.assert_allclose(run(restored), run(layer), RTOL)
    assert layer.supports_masking
    assert type(layer).from_config(layer.get_config())(keras.Input((2, 5))).shape == (None, 2, 5)
