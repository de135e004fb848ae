"""What training needs from the layer ops: gradients on the active engine against
central differences of the float64 NumPy reference, and embedding_lookup's index errors
eagerly, inside compiled functions and under compiled gradients (never a clamped row).

Tolerance: rtol 1e-4, atol 1e-4 (float32 engines against float64 differences).
"""

from __future__ import annotations

import numpy as np
import pytest
from test_contract import _tensor_maker

import kerasfront.backends.numpy as reference
from kerasfront.backend.registry import ADAPTER

RTOL = ATOL = 1e-4


def _normal(shape, seed):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


# Gradients on the active engine against central differences of the float64 reference
# (exact for the linear ops; max pooling is piecewise linear and the inputs have no ties
# within the step).

LOOKUP = np.array([[1, 4, 1], [0, 4, 4]])
GRADIENT_CASES = {
    # label: (op over (module, *inputs), input shapes)
    "conv_groups_same_stride2": (
        lambda m, x, k: m.conv(x, k, strides=2, padding="same", groups=2),
        [(1, 5, 4, 4), (3, 2, 2, 4)],
    ),
    "conv_first_dilated": (
        lambda m, x, k: m.conv(x, k, padding="same", data_format="channels_first", dilation_rate=2),
        [(1, 2, 5, 4), (2, 2, 2, 3)],
    ),
    "conv_transpose_output_padding": (
        lambda m, x, k: m.conv_transpose(x, k, strides=2, padding="same", output_padding=1),
        [(1, 3, 3, 2), (3, 3, 2, 2)],
    ),
    "conv_transpose_valid_1d": (
        lambda m, x, k: m.conv_transpose(x, k, strides=2),
        [(2, 4, 2), (3, 3, 2)],
    ),
    "max_pool_same": (lambda m, x: m.max_pool(x, 3, strides=2, padding="same"), [(1, 5, 6, 2)]),
    "average_pool_same": (
        lambda m, x: m.average_pool(x, 3, strides=2, padding="same"),
        [(1, 5, 6, 2)],
    ),
    "resize_bilinear": (lambda m, x: m.resize(x, (5, 7), "bilinear"), [(1, 3, 4, 2)]),
    "resize_nearest": (lambda m, x: m.resize(x, (6, 8), "nearest"), [(1, 3, 4, 2)]),
    "moments": (lambda m, x: m.stack(m.moments(x, axes=(0, 2))), [(3, 4, 2)]),
    "embedding_lookup_table": (
        lambda m, table: m.embedding_lookup(table, m.convert_to_tensor(LOOKUP)),
        [(5, 3)],
    ),
    "pad": (lambda m, x: m.pad(x, ((0, 0), (1, 2), (2, 1))), [(2, 3, 2)]),
    "repeat": (lambda m, x: m.repeat(x, 2, axis=1), [(2, 3)]),
}


def _central_differences(function, inputs, weights, step=1e-3):
    def loss(values):
        return float(np.sum(function(reference, *values) * weights))

    values = [a.astype("float64") for a in inputs]
    grads = []
    for value in values:
        grad = np.zeros_like(value)
        for position in np.ndindex(value.shape):
            saved = value[position]
            value[position] = saved + step
            above = loss(values)
            value[position] = saved - step
            below = loss(values)
            value[position] = saved
            grad[position] = (above - below) / (2 * step)
        grads.append(grad)
    return grads


@pytest.mark.skipif(not ADAPTER.SUPPORTS_TRAINING, reason="the NumPy reference has no gradients")
@pytest.mark.parametrize("label", GRADIENT_CASES)
def test_gradients_match_finite_differences(label):
    function, shapes = GRADIENT_CASES[label]
    inputs = [_normal(shape, 20 + index) for index, shape in enumerate(shapes)]
    weights = _normal(np.shape(function(reference, *inputs)), 30)
    t = _tensor_maker(ADAPTER)

    def loss(values):
        out = function(ADAPTER, *values)
        return ADAPTER.sum(ADAPTER.multiply(out, t(weights))), None

    (value, _), grads = ADAPTER.value_and_grad(loss)([t(a) for a in inputs])
    expected = _central_differences(function, inputs, weights)
    expected_value = np.sum(function(reference, *[a.astype("float64") for a in inputs]) * weights)
    assert float(ADAPTER.convert_to_numpy(value)) == pytest.approx(expected_value, rel=1e-4)
    for grad, reference_grad in zip(grads, expected):
        # TensorFlow may hand back a gather's gradient as IndexedSlices: densify it.
        grad = np.asarray(ADAPTER.convert_to_numpy(ADAPTER.convert_to_tensor(grad)))
        assert grad.shape == reference_grad.shape
        np.testing.assert_allclose(grad, reference_grad, rtol=RTOL, atol=ATOL)


# --------------------------------------------------------------------------------------
# embedding_lookup never clamps: out-of-range indices raise, eagerly and compiled.

TABLE = _normal((7, 3), 40)


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32"])
@pytest.mark.parametrize("bad", [7, -1, 100])
def test_embedding_lookup_refuses_out_of_range_indices_eagerly(bad, dtype):
    t = _tensor_maker(ADAPTER)
    indices = np.array([[0, bad], [1, 2]]).astype(dtype)
    with pytest.raises(IndexError, match=rf"^Embedding 'e': index out of range: {bad} is not in"):
        ADAPTER.embedding_lookup(t(TABLE), t(indices), "Embedding 'e'")


def test_embedding_lookup_refuses_out_of_range_indices_when_compiled():
    t = _tensor_maker(ADAPTER)
    run = ADAPTER.compile_function(
        lambda values, table, idx: ADAPTER.embedding_lookup(table, idx, "Embedding 'e'"), []
    )
    good = np.array([[0, 6], [3, 3]], dtype="int32")
    np.testing.assert_array_equal(ADAPTER.convert_to_numpy(run(t(TABLE), t(good))), TABLE[good])
    for bad in (7, -2):
        expected = rf"^Embedding 'e': index out of range: {bad} is not in \[0, 7\)"
        with pytest.raises(IndexError, match=expected):
            ADAPTER.convert_to_numpy(run(t(TABLE), t(np.array([[0, bad], [3, 3]], "int32"))))


@pytest.mark.skipif(not ADAPTER.SUPPORTS_TRAINING, reason="the NumPy reference has no gradients")
def test_embedding_lookup_refuses_out_of_range_indices_under_compiled_gradients():
    t = _tensor_maker(ADAPTER)

    def loss(values, idx):
        return ADAPTER.sum(ADAPTER.embedding_lookup(values[0], idx, "Embedding 'e'")), None

    gradient = ADAPTER.value_and_grad(loss)
    run = ADAPTER.compile_function(lambda values, table, idx: gradient([table], idx)[1][0], [])
    grad = run(t(TABLE), t(np.array([0, 0, 5], "int32")))
    expected = np.zeros_like(TABLE)
    expected[0], expected[5] = 2, 1
    grad = ADAPTER.convert_to_numpy(ADAPTER.convert_to_tensor(grad))
    np.testing.assert_array_equal(grad, expected)
    with pytest.raises(IndexError, match="index out of range"):
        ADAPTER.convert_to_numpy(run(t(TABLE), t(np.array([0, 9], "int32"))))


@pytest.mark.skipif(ADAPTER.NAME != "jax", reason="JAX's runtime errors from host callbacks")
def test_jax_recovers_the_index_error_from_the_runtime_error():
    import jax

    # How the runtime reports a failed callback on a GPU: a traceback, our error, and the
    # computation's name; the error may come only when a result is read.
    wrapped = jax.errors.JaxRuntimeError(
        "INTERNAL: CpuCallback error calling callback: Traceback (most recent call last):\n"
        '  File "x.py", line 1, in <module>\n'
        "IndexError: Embedding 'e': index out of range: 7 is not in [0, 7). "
        "[executable_name='jit_step']"
    )
    recovered = ADAPTER._callback_error(wrapped)
    assert isinstance(recovered, IndexError)
    assert str(recovered) == "Embedding 'e': index out of range: 7 is not in [0, 7)."
    assert ADAPTER._callback_error(jax.errors.JaxRuntimeError("INTERNAL: other")) is None
