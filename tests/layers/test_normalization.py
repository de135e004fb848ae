"""BatchNormalization and LayerNormalization against NumPy: outputs, gradients, the moving
statistics through fit/predict/evaluate, trainable=False, configuration and errors."""

import numpy as np
import pytest
from gradient_check import layer_gradients, needs_training, numeric_gradient

import kerasfront as keras
from kerasfront import layers, ops

RTOL = 1e-4
ATOL = 1e-5


def data(*shape, seed=0, scale=1.0, shift=0.0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=shape) * scale + shift).astype("float32")


def normalize(x, mean, variance, gamma, beta, epsilon):
    return (x - mean) / np.sqrt(variance + epsilon) * gamma + beta


def batch_norm_training(x, gamma, beta, axes, epsilon=1e-3):
    """NumPy reference: normalize with the batch statistics over all axes but `axes`."""
    reduced = tuple(a for a in range(x.ndim) if a not in axes)
    mean = x.mean(axis=reduced, keepdims=True)
    variance = x.var(axis=reduced, keepdims=True)
    return normalize(x, mean, variance, gamma, beta, epsilon), mean, variance


def broadcast(parameter, axes, ndim):
    shape = [1] * ndim
    for a, size in zip(axes, parameter.shape):
        shape[a] = size
    return parameter.reshape(shape)


def moving_update(moving, batch, momentum):
    return moving * momentum + batch * (1 - momentum)


# ---- BatchNormalization -------------------------------------------------------------------


def random_bn_weights(size, seed=1):
    rng = np.random.default_rng(seed)
    gamma = rng.uniform(0.5, 2.0, size).astype("float32")
    beta = rng.normal(size=size).astype("float32")
    mean = rng.normal(size=size).astype("float32")
    variance = rng.uniform(0.5, 3.0, size).astype("float32")
    return [gamma, beta, mean, variance]


def test_batch_norm_weights_follow_keras_order_and_defaults():
    layer = layers.BatchNormalization()
    layer(data(4, 3))
    names = [w.name.split("/")[-1] for w in layer.weights]
    assert names == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.name.split("/")[-1] for w in layer.trainable_weights] == ["gamma", "beta"]
    gamma, beta, mean, variance = layer.get_weights()
    np.testing.assert_array_equal(gamma, np.ones(3))
    np.testing.assert_array_equal(beta, np.zeros(3))
    np.testing.assert_array_equal(mean, np.zeros(3))
    np.testing.assert_array_equal(variance, np.ones(3))
    assert (layer.momentum, layer.epsilon, layer.axis) == (0.99, 1e-3, -1)
    without = layers.BatchNormalization(center=False, scale=False)
    without(data(4, 3))
    assert [w.name.split("/")[-1] for w in without.weights] == ["moving_mean", "moving_variance"]


@pytest.mark.parametrize("axis, shape", [(-1, (6, 4)), (1, (5, 3, 2, 2)), (-1, (4, 2, 3))])
def test_batch_norm_inference_uses_the_moving_statistics(axis, shape):
    x = data(*shape, scale=2.0, shift=1.0)
    size = shape[axis]
    weights = random_bn_weights(size)
    layer = layers.BatchNormalization(axis=axis, weights=weights)
    axes = (axis % len(shape),)
    expected = normalize(
        x,
        *(broadcast(w, axes, x.ndim) for w in weights[2:]),
        *(broadcast(w, axes, x.ndim) for w in weights[:2]),
        1e-3,
    )
    for training in (None, False):
        np.testing.assert_allclose(
            ops.convert_to_numpy(layer(x, training=training)), expected, RTOL, ATOL
        )
    np.testing.assert_array_equal(layer.get_weights()[2], weights[2])


def test_batch_norm_training_call_normalizes_with_batch_statistics_and_updates():
    x = data(8, 3, 4, scale=3.0, shift=2.0)  # channels last: features on axis 2
    weights = random_bn_weights(4)
    momentum = 0.9
    layer = layers.BatchNormalization(momentum=momentum, weights=weights)
    outputs = ops.convert_to_numpy(layer(x, training=True))
    gamma, beta = (broadcast(w, (2,), 3) for w in weights[:2])
    expected, mean, variance = batch_norm_training(x, gamma, beta, (2,))
    np.testing.assert_allclose(outputs, expected, RTOL, ATOL)
    n = 8 * 3
    unbiased = variance.reshape(4) * n / (n - (1 + 1e-3))  # Keras 2.2's correction
    _, _, moving_mean, moving_variance = layer.get_weights()
    np.testing.assert_allclose(
        moving_mean, moving_update(weights[2], mean.reshape(4), momentum), RTOL, ATOL
    )
    np.testing.assert_allclose(
        moving_variance, moving_update(weights[3], unbiased, momentum), RTOL, ATOL
    )


def test_batch_norm_several_axes():
    x = data(4, 3, 5, 2, scale=2.0)
    layer = layers.BatchNormalization(axis=[3, 1], momentum=0.5)
    outputs = ops.convert_to_numpy(layer(x, training=True))
    assert [w.shape for w in layer.weights] == [(2, 3)] * 4  # in the order of `axis`
    expected, mean, _ = batch_norm_training(x, 1.0, 0.0, (1, 3))
    np.testing.assert_allclose(outputs, expected, RTOL, ATOL)
    moving_mean = layer.get_weights()[2]
    np.testing.assert_allclose(moving_mean, 0.5 * mean.reshape(3, 2).T, RTOL, ATOL)


@needs_training
def test_batch_norm_moving_statistics_after_fit_follow_the_keras_rule():
    momentum, epsilon, batch = 0.8, 1e-3, 8
    x = data(24, 3, scale=2.0, shift=-1.0)
    model = keras.Sequential(
        [layers.BatchNormalization(momentum=momentum, epsilon=epsilon, input_shape=(3,))]
    )
    model.compile(optimizer="sgd", loss="mse")
    layer = model.layers[0]
    model.fit(x, np.zeros_like(x), batch_size=batch, epochs=2, shuffle=False, verbose=0)
    mean, variance = np.zeros(3), np.ones(3)
    for _ in range(2):
        for start in range(0, 24, batch):
            chunk = x[start : start + batch].astype("float64")
            mean = moving_update(mean, chunk.mean(axis=0), momentum)
            unbiased = chunk.var(axis=0) * batch / (batch - (1 + epsilon))
            variance = moving_update(variance, unbiased, momentum)
    _, _, moving_mean, moving_variance = layer.get_weights()
    np.testing.assert_allclose(moving_mean, mean, RTOL, ATOL)
    np.testing.assert_allclose(moving_variance, variance, RTOL, ATOL)

    # predict and evaluate leave the statistics alone and use them.
    before = layer.get_weights()
    predictions = model.predict(x, verbose=0)
    model.evaluate(x, np.zeros_like(x), verbose=0)
    for old, new in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(old, new)
    gamma, beta, moving_mean, moving_variance = before
    expected = normalize(x, moving_mean, moving_variance, gamma, beta, epsilon)
    np.testing.assert_allclose(predictions, expected, RTOL, ATOL)


@needs_training
def test_batch_norm_trainable_false_uses_and_keeps_the_moving_statistics_in_fit():
    weights = random_bn_weights(3, seed=4)
    norm = layers.BatchNormalization(weights=weights, input_shape=(3,), trainable=False)
    kernel = np.array([[1.0], [-2.0], [0.5]], dtype="float32")
    dense = layers.Dense(1, weights=[kernel, np.zeros(1, "float32")])
    model = keras.Sequential([norm, dense])
    model.compile(optimizer="sgd", loss="mse")
    assert norm.trainable_weights == []
    x, y = data(8, 3, seed=5, scale=3.0), data(8, 1, seed=6)
    loss = model.train_on_batch(x, y)
    loss = float(np.ravel(loss)[0])
    # The forward pass of the training step used the moving statistics.
    expected = normalize(x, weights[2], weights[3], weights[0], weights[1], 1e-3) @ kernel
    np.testing.assert_allclose(loss, np.mean((expected - y) ** 2), rtol=1e-5)
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    for old, new in zip(weights, norm.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert not np.array_equal(dense.get_weights()[0], kernel)


@needs_training
def test_batch_norm_training_gradients_match_finite_differences():
    x = data(5, 3, seed=7, scale=2.0)
    upstream = data(5, 3, seed=8)
    weights = random_bn_weights(3, seed=9)
    layer = layers.BatchNormalization(weights=weights, momentum=0.0)
    gamma_grad, beta_grad, input_grad = layer_gradients(layer, x, upstream, training=True)
    x64, up64 = x.astype("float64"), upstream.astype("float64")

    def objective(gamma=weights[0], beta=weights[1], inputs=x64):
        return np.sum(batch_norm_training(inputs, gamma, beta, (1,))[0] * up64)

    np.testing.assert_allclose(
        gamma_grad, numeric_gradient(lambda g: objective(gamma=g), weights[0]), 1e-3, 1e-4
    )
    np.testing.assert_allclose(
        beta_grad, numeric_gradient(lambda b: objective(beta=b), weights[1]), 1e-3, 1e-4
    )
    np.testing.assert_allclose(
        input_grad, numeric_gradient(lambda v: objective(inputs=v), x64), 1e-3, 1e-3
    )


def test_batch_norm_config_round_trip():
    layer = layers.BatchNormalization(
        axis=1,
        momentum=0.9,
        epsilon=1e-5,
        center=False,
        gamma_initializer="random_normal",
        gamma_regularizer="l2",
        gamma_constraint="non_neg",
    )
    config_ = layer.get_config()
    restored = layers.BatchNormalization.from_config(config_)
    assert restored.get_config() == config_


@pytest.mark.parametrize(
    "kwargs, shape, message",
    [
        ({"axis": 3}, (2, 3), r"axis 3 is invalid"),
        ({"axis": [1, -1]}, (2, 3), r"axis \[1, -1\] is invalid"),
        ({"axis": 1}, (2, None), r"axis \[1\] of the inputs must have a known size"),
    ],
)
def test_batch_norm_bad_axis(kwargs, shape, message):
    with pytest.raises(ValueError, match=rf"BatchNormalization 'bn_bad'.*{message}"):
        layers.BatchNormalization(name="bn_bad", **kwargs)(keras.Input(batch_shape=shape))


def test_batch_norm_bad_arguments():
    with pytest.raises(ValueError, match=r"BatchNormalization 'b1'.*momentum"):
        layers.BatchNormalization(momentum=1.5, name="b1")
    with pytest.raises(ValueError, match=r"BatchNormalization 'b2'.*epsilon"):
        layers.BatchNormalization(epsilon=0, name="b2")
    with pytest.raises(ValueError, match=r"BatchNormalization 'b3'.*axis must be"):
        layers.BatchNormalization(axis="channels", name="b3")
    layer = layers.BatchNormalization()
    layer(data(2, 3))
    with pytest.raises(ValueError, match="expected axis 1 .* value 3"):
        layer(data(2, 4))


# ---- LayerNormalization -------------------------------------------------------------------


def layer_norm(x, gamma, beta, axes, epsilon=1e-3):
    mean = x.mean(axis=axes, keepdims=True)
    variance = x.var(axis=axes, keepdims=True)
    return normalize(x, mean, variance, gamma, beta, epsilon)


@pytest.mark.parametrize("axis, shape", [(-1, (4, 6)), (-1, (2, 3, 5)), ([1, 2], (2, 3, 4))])
def test_layer_norm_matches_numpy(axis, shape):
    x = data(*shape, scale=3.0, shift=1.0)
    axes = tuple(a % len(shape) for a in ([axis] if isinstance(axis, int) else axis))
    rng = np.random.default_rng(2)
    size = tuple(shape[a] for a in axes)
    gamma, beta = rng.normal(size=size).astype("float32"), rng.normal(size=size).astype("float32")
    layer = layers.LayerNormalization(axis=axis, weights=[gamma, beta])
    expected = layer_norm(x, broadcast(gamma, axes, x.ndim), broadcast(beta, axes, x.ndim), axes)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), expected, RTOL, ATOL)
    # The same in training: no moving statistics.
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x, training=True)), expected, RTOL, ATOL)
    assert [w.name.split("/")[-1] for w in layer.weights] == ["gamma", "beta"]


def test_layer_norm_defaults_and_weight_order_for_reversed_axes():
    layer = layers.LayerNormalization()
    assert (layer.axis, layer.epsilon, layer.center, layer.scale) == (-1, 1e-3, True, True)
    x = data(2, 3, 4)
    reversed_axes = layers.LayerNormalization(axis=[2, 1], gamma_initializer="random_normal")
    outputs = ops.convert_to_numpy(reversed_axes(x))
    gamma, beta = reversed_axes.get_weights()
    assert gamma.shape == (4, 3)  # the order of `axis`, as tf.keras
    expected = layer_norm(x, gamma.T[None], beta.T[None], (1, 2))
    np.testing.assert_allclose(outputs, expected, RTOL, ATOL)


@needs_training
def test_layer_norm_gradients_match_finite_differences():
    x = data(3, 4, seed=3, scale=2.0)
    upstream = data(3, 4, seed=4)
    rng = np.random.default_rng(5)
    gamma, beta = rng.normal(size=4).astype("float32"), rng.normal(size=4).astype("float32")
    layer = layers.LayerNormalization(weights=[gamma, beta])
    gamma_grad, beta_grad, input_grad = layer_gradients(layer, x, upstream)
    x64, up64 = x.astype("float64"), upstream.astype("float64")

    def objective(g=gamma, b=beta, inputs=x64):
        return np.sum(layer_norm(inputs, g, b, (1,)) * up64)

    np.testing.assert_allclose(
        gamma_grad, numeric_gradient(lambda g: objective(g=g), gamma), 1e-3, 1e-4
    )
    np.testing.assert_allclose(
        beta_grad, numeric_gradient(lambda b: objective(b=b), beta), 1e-3, 1e-4
    )
    np.testing.assert_allclose(
        input_grad, numeric_gradient(lambda v: objective(inputs=v), x64), 1e-3, 1e-3
    )


def test_layer_norm_config_round_trip_and_errors():
    layer = layers.LayerNormalization(axis=[1, 2], epsilon=1e-5, scale=False, beta_regularizer="l1")
    config_ = layer.get_config()
    assert layers.LayerNormalization.from_config(config_).get_config() == config_
    with pytest.raises(ValueError, match=r"LayerNormalization 'ln'.*axis \[1, 1\] is invalid"):
        layers.LayerNormalization(axis=[1, 1], name="ln")(data(2, 3, 4))
    with pytest.raises(ValueError, match=r"LayerNormalization 'ln2'.*epsilon"):
        layers.LayerNormalization(epsilon=-1.0, name="ln2")
