"""Gradients of a layer on the active engine, and finite differences of a NumPy
reference to compare them with (shared by the tests of layers with weights)."""

import numpy as np
import pytest

from kerasfront import ops
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.scope import StatelessScope

# For tests that train or differentiate: the NumPy reference backend is inference only.
needs_training = pytest.mark.skipif(
    not ADAPTER.SUPPORTS_TRAINING, reason="this backend has no gradients"
)


def layer_gradients(layer, x, upstream, training=None):
    """Gradients of `sum(layer(x) * upstream)` with respect to the layer's trainable
    weights and, for float inputs, to `x`, as NumPy arrays: `[*weight_grads, input_grad]`
    (no input_grad for integer inputs such as indices)."""
    if not layer.built:
        layer(x)
    variables = layer.trainable_weights
    upstream = ops.convert_to_tensor(upstream)
    inputs = ops.convert_to_tensor(x)
    differentiable = np.asarray(x).dtype.kind == "f"

    def objective(values):
        weights = values[: len(variables)]
        with StatelessScope(zip(variables, weights)):
            outputs = layer(values[-1] if differentiable else inputs, training=training)
        return ops.sum(outputs * upstream), None

    values = [variable.value for variable in variables] + ([inputs] if differentiable else [])
    _, grads = ADAPTER.value_and_grad(objective)(values)
    return [ops.convert_to_numpy(g) for g in grads]


def numeric_gradient(function, point, step=1e-4):
    """Central differences of the scalar `function(point)` (float64) at `point`."""
    point = np.asarray(point, dtype="float64")
    grad = np.zeros_like(point)
    for index in np.ndindex(point.shape):
        shifted = point.copy()
        shifted[index] += step
        above = function(shifted)
        shifted[index] -= 2 * step
        below = function(shifted)
        grad[index] = (above - below) / (2 * step)
    return grad
