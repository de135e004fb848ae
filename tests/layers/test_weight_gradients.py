"""Gradients of the convolution-like layers, for every weight and the input.

Without an activation these layers are linear in each weight and in the input, so the
directional finite difference (f(w + d) - f(w - d)) / 2 equals <grad f, d> exactly up to
float32 rounding, for any direction d: two forward calls check the whole gradient of one
weight, where element-by-element differences would need hundreds.
"""

import numpy as np
import pytest
from gradient_check import layer_gradients, needs_training

from kerasfront import layers, ops

pytestmark = needs_training

CASES = [
    ("Conv1D", {"filters": 3, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (2, 7, 2)),
    ("Conv2D", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
                "data_format": "channels_first"}, (2, 3, 5, 6)),
    ("Conv2D", {"filters": 4, "kernel_size": 2, "groups": 2}, (2, 4, 4, 4)),
    ("Conv3D", {"filters": 2, "kernel_size": 2}, (1, 3, 3, 3, 2)),
    ("SeparableConv1D", {"filters": 3, "kernel_size": 2, "depth_multiplier": 2}, (2, 5, 2)),
    ("SeparableConv2D", {"filters": 2, "kernel_size": 3, "padding": "same"}, (2, 4, 4, 3)),
    ("DepthwiseConv2D", {"kernel_size": 2, "depth_multiplier": 2, "strides": 2}, (2, 5, 5, 2)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"},
     (2, 3, 3, 2)),
    ("Conv3DTranspose", {"filters": 2, "kernel_size": 2, "strides": 2}, (1, 2, 2, 2, 2)),
    ("LocallyConnected1D", {"filters": 2, "kernel_size": 2}, (2, 4, 3)),
    ("LocallyConnected2D", {"filters": 2, "kernel_size": 2, "data_format": "channels_first"},
     (2, 2, 3, 3)),
]  # fmt: skip


def _value(layer, x, upstream) -> float:
    return float(np.sum(ops.convert_to_numpy(layer(x)).astype("float64") * upstream))


@pytest.mark.parametrize(
    "class_name, kwargs, shape", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_gradients_match_directional_differences(class_name, kwargs, shape):
    rng = np.random.default_rng(len(class_name))
    x = rng.normal(size=shape).astype("float32")
    layer = getattr(layers, class_name)(**kwargs)
    upstream = rng.normal(size=ops.convert_to_numpy(layer(x)).shape).astype("float32")
    weights = [w + rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()]
    layer.set_weights(weights)  # non-zero biases too
    *weight_grads, input_grad = layer_gradients(layer, x, upstream)
    assert len(weight_grads) == len(weights) >= 1

    for index, grad in enumerate(weight_grads):
        direction = rng.normal(size=weights[index].shape).astype("float32")
        shifted = [list(weights), list(weights)]
        shifted[0][index] = weights[index] + direction
        shifted[1][index] = weights[index] - direction
        layer.set_weights(shifted[0])
        above = _value(layer, x, upstream)
        layer.set_weights(shifted[1])
        below = _value(layer, x, upstream)
        layer.set_weights(weights)
        expected = (above - below) / 2
        actual = float(np.sum(grad.astype("float64") * direction))
        assert actual == pytest.approx(expected, rel=1e-4, abs=1e-4), layer.weights[index].name

    direction = rng.normal(size=x.shape).astype("float32")
    expected = (_value(layer, x + direction, upstream) - _value(layer, x - direction, upstream)) / 2
    actual = float(np.sum(input_grad.astype("float64") * direction))
    assert actual == pytest.approx(expected, rel=1e-4, abs=1e-4)
