"""Shared helpers of the saving tests."""

import numpy as np

from kerasfront import ops, tree


def outputs_of(model, x) -> list[np.ndarray]:
    """The model's outputs on `x` as a list of NumPy arrays (an inference call)."""
    return [np.asarray(ops.convert_to_numpy(y)) for y in tree.flatten(model(x, training=False))]


def assert_same_outputs(first, second, x, atol=0.0):
    for a, b in zip(outputs_of(first, x), outputs_of(second, x), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=atol)
