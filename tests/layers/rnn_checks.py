"""Engine-side helpers of the recurrent tests: outputs as NumPy, and gradients checked
against directional differences of a NumPy float64 reference."""

import numpy as np
import pytest

from kerasfront import ops
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.scope import StatelessScope


def to_numpy(outputs):
    if isinstance(outputs, (list, tuple)):
        return [to_numpy(o) for o in outputs]
    return np.asarray(ops.convert_to_numpy(outputs))


def random_weights(layer, rng, scale=0.5):
    """Non-zero random values for every weight of a built layer (biases too)."""
    weights = [rng.normal(scale=scale, size=w.shape).astype("float32") for w in layer.weights]
    layer.set_weights(weights)
    return weights


def objective_gradients(layer, x, upstreams, **call_kwargs):
    """Gradients of sum_k sum(outputs[k] * upstreams[k]) (outputs as a list) with respect
    to the layer's trainable weights and to `x`, as NumPy arrays."""
    variables = layer.trainable_weights
    upstreams = [ops.convert_to_tensor(u) for u in upstreams]

    def objective(values):
        with StatelessScope(zip(variables, values[:-1])):
            outputs = layer(values[-1], **call_kwargs)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        total = sum(ops.sum(o * u) for o, u in zip(outputs, upstreams))
        return total, None

    values = [v.value for v in variables] + [ops.convert_to_tensor(x)]
    _, grads = ADAPTER.value_and_grad(objective)(values)
    return [np.asarray(ops.convert_to_numpy(g), dtype="float64") for g in grads]


def check_against_directional_differences(grads, reference, weights, x, rng, step=1e-6):
    """Compares each gradient (weights, then input) with the float64 directional
    difference (F(p + step d) - F(p - step d)) / (2 step) of `reference(weights, x)`, a
    scalar function, along a random direction d."""
    points = [np.asarray(w, "float64") for w in weights] + [np.asarray(x, "float64")]
    assert len(grads) == len(points)
    for index, grad in enumerate(grads):
        direction = rng.normal(size=points[index].shape)

        def at(sign, index=index, direction=direction):
            shifted = list(points)
            shifted[index] = points[index] + sign * step * direction
            return reference(shifted[:-1], shifted[-1])

        expected = (at(1) - at(-1)) / (2 * step)
        actual = float(np.sum(grad * direction))
        assert actual == pytest.approx(expected, rel=1e-3, abs=1e-4), f"gradient {index}"
