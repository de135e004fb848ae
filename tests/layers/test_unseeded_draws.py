"""Random numbers drawn without a seed inside a layer differ from step to step in `fit`,
and Keras 2's `add_update` applies (variable, new_value) pairs."""

from __future__ import annotations

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import layers

needs_training = pytest.mark.skipif(
    K.backend() == "numpy", reason="the NumPy reference backend does not train"
)


def _fixed_sum(inputs):
    """A Dense that sums its inputs and never changes: the loss shows what came in."""
    return layers.Dense(1, use_bias=False, kernel_initializer="ones", trainable=False)(inputs)


@needs_training
def test_lambda_dropout_draws_a_new_mask_every_step():
    inputs = layers.Input((6,))
    dropped = layers.Lambda(lambda z: K.dropout(z, 0.5), name="k_dropout")(inputs)
    model = keras.Model(inputs, _fixed_sum(dropped))
    lambda_layer = model.get_layer("k_dropout")
    assert len(lambda_layer.forward_state_variables) == 1
    model.compile("sgd", "mse")
    x, y = np.ones((16, 6), "float32"), np.zeros((16, 1), "float32")
    losses = model.fit(x, y, batch_size=16, epochs=5, verbose=0).history["loss"]
    # Each kept entry becomes 2, so every sample's sum is even, from 0 to 12; the same
    # mask in every step would give five equal losses.
    assert len(set(np.round(losses, 4))) > 1, losses


class AddsNoise(layers.Layer):
    def call(self, inputs):
        return inputs + K.random_normal(K.shape(inputs))


class NoisyModel(keras.Model):
    def __init__(self):
        super().__init__()
        self.noise = AddsNoise(name="adds_noise")

    def call(self, inputs):
        return self.noise(inputs)


@needs_training
def test_first_draw_inside_a_compiled_step_is_refused_then_works_after_a_call():
    model = NoisyModel()
    model.compile("sgd", "mse")
    x, y = np.zeros((8, 3), "float32"), np.zeros((8, 3), "float32")
    with pytest.raises(RuntimeError, match="Layer 'adds_noise' \\(AddsNoise\\) draws random"):
        model.fit(x, y, batch_size=8, verbose=0)
    model(x[:1])  # an eager call gives the layer its own seed generator
    model.compile("sgd", "mse")
    losses = model.fit(x, y, batch_size=8, epochs=3, verbose=0).history["loss"]
    # The loss is the mean squared noise: about 1, and different at every step.
    assert len(set(np.round(losses, 5))) == 3, losses
    assert all(0.2 < loss < 3.0 for loss in losses), losses


def test_eager_calls_draw_afresh():
    layer = AddsNoise()
    x = np.zeros((2, 3), "float32")
    first, second = (K.get_value(layer(x)) for _ in range(2))
    assert not np.allclose(first, second)


class CountsCalls(layers.Layer):
    """Counts training batches twice over: by a pair and by K.update_add's result."""

    def build(self, input_shape):
        self.by_pair = self.add_weight("by_pair", (), initializer="zeros", trainable=False)
        self.by_result = self.add_weight("by_result", (), initializer="zeros", trainable=False)
        super().build(input_shape)

    def call(self, inputs, training=None):
        if training:
            self.add_update([(self.by_pair, self.by_pair + 1.0)])
            self.add_update(K.update_add(self.by_result, 1.0))
        return inputs


@needs_training
def test_add_update_applies_pairs_and_accepts_applied_results():
    counter = CountsCalls(name="counter")
    model = keras.Sequential([layers.Dense(2, input_shape=(3,)), counter])
    model.compile("sgd", "mse")
    model.fit(np.ones((12, 3)), np.zeros((12, 2)), batch_size=4, epochs=2, verbose=0)
    assert K.get_value(counter.weights[0]) == 6.0
    assert K.get_value(counter.weights[1]) == 6.0


def test_add_update_refuses_other_things():
    layer = layers.Dense(1)
    with pytest.raises(TypeError, match="'dense.*'.add_update expects results of K.update"):
        layer.add_update(["not an update"])
