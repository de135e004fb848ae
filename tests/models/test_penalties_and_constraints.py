"""Keras 2's rules for penalties and constraints in training: an activity regularizer's
penalty is added to the loss undivided (the sum over the batch), and a constraint given
to `K.variable` is applied after each update, inside the compiled step."""

from __future__ import annotations

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import constraints, layers, regularizers

needs_training = pytest.mark.skipif(
    K.backend() == "numpy", reason="the NumPy reference backend does not train"
)


def test_activity_penalty_is_the_undivided_sum_over_the_batch():
    x = np.array([[1.0, -2.0], [3.0, 0.5], [-1.0, 1.0]], "float32")
    y = np.zeros((3, 2), "float32")
    model = keras.Sequential(
        [
            layers.Dense(
                2,
                input_dim=2,
                use_bias=False,
                kernel_initializer="identity",
                activity_regularizer=regularizers.l1(0.5),
            )
        ]
    )
    model.compile("sgd", "mse")
    mse = np.mean(np.mean(x**2, axis=1))
    penalty = 0.5 * np.sum(np.abs(x))  # over every sample: not divided by the batch size
    np.testing.assert_allclose(
        model.evaluate(x, y, batch_size=3, verbose=0), mse + penalty, rtol=1e-6
    )


class NonNegativeScale(layers.Layer):
    """Scales its input by a weight made with K.variable and a non-negativity constraint."""

    def build(self, input_shape):
        self.scale = K.variable(np.full((input_shape[-1],), 0.1), constraint=constraints.non_neg())
        super().build(input_shape)

    def call(self, inputs):
        return inputs * self.scale


@needs_training
def test_k_variable_constraint_is_applied_after_each_update():
    layer = NonNegativeScale()
    model = keras.Sequential([layers.InputLayer(input_shape=(3,)), layer])
    model.compile(keras.optimizers.SGD(10.0), "mse")
    x = np.ones((4, 3), "float32")
    # The target pulls the scale far below zero; the constraint clips it to zero each step.
    model.fit(x, np.full((4, 3), -5.0, "float32"), batch_size=4, epochs=2, verbose=0)
    np.testing.assert_array_equal(K.get_value(layer.weights[0]), np.zeros(3, "float32"))
