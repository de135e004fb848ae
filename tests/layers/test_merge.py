"""Merge layers against NumPy, on concrete tensors and inside functional models."""

from __future__ import annotations

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers, ops

RNG = np.random.default_rng(7)
A = RNG.standard_normal((4, 3)).astype("float32")
B = RNG.standard_normal((4, 3)).astype("float32")
C = RNG.standard_normal((4, 3)).astype("float32")

CASES = [
    (layers.Add, lambda xs: xs[0] + xs[1] + xs[2]),
    (layers.Multiply, lambda xs: xs[0] * xs[1] * xs[2]),
    (layers.Average, lambda xs: (xs[0] + xs[1] + xs[2]) / 3),
    (layers.Maximum, lambda xs: np.maximum(np.maximum(xs[0], xs[1]), xs[2])),
    (layers.Minimum, lambda xs: np.minimum(np.minimum(xs[0], xs[1]), xs[2])),
    (layers.Concatenate, lambda xs: np.concatenate(xs, axis=-1)),
]


@pytest.mark.parametrize("layer_class, reference", CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_merge_on_tensors_matches_numpy(layer_class, reference):
    result = layer_class()([A, B, C])
    np.testing.assert_allclose(ops.convert_to_numpy(result), reference([A, B, C]), rtol=1e-6)


def test_subtract_matches_numpy():
    result = layers.Subtract()([A, B])
    np.testing.assert_allclose(ops.convert_to_numpy(result), A - B, rtol=1e-6)


def test_concatenate_axis_and_symbolic_shape():
    left, right = layers.Input(shape=(2, 3)), layers.Input(shape=(5, 3))
    joined = layers.concatenate([left, right], axis=1)
    assert joined.shape == (None, 7, 3)
    x, y = RNG.random((2, 2, 3)).astype("float32"), RNG.random((2, 5, 3)).astype("float32")
    model = keras.Model([left, right], joined)
    np.testing.assert_allclose(model.predict([x, y]), np.concatenate([x, y], axis=1), rtol=1e-6)


def test_functional_forms_build_layers():
    first, second = layers.Input(shape=(3,)), layers.Input(shape=(3,))
    for function in (layers.add, layers.multiply, layers.average, layers.maximum):
        assert function([first, second]).shape == (None, 3)
    assert layers.subtract([first, second]).shape == (None, 3)


def test_two_input_model_with_add_trains():
    keras.utils.set_random_seed(0)
    input1 = layers.Input(shape=(16,))
    x1 = layers.Dense(8, activation="relu")(input1)
    input2 = layers.Input(shape=(32,))
    x2 = layers.Dense(8, activation="relu")(input2)
    out = layers.Dense(4)(layers.Add()([x1, x2]))
    model = keras.models.Model(inputs=[input1, input2], outputs=out)
    model.compile(optimizer="sgd", loss="mse")
    data = [RNG.random((32, 16)), RNG.random((32, 32))]
    target = RNG.random((32, 4))
    before = model.evaluate(data, target, verbose=0)
    model.fit(data, target, epochs=5, batch_size=8, verbose=0)
    assert model.evaluate(data, target, verbose=0) < before


def test_merge_needs_a_list_of_two_or_more():
    with pytest.raises(ValueError, match="must be called on a list of tensors"):
        layers.Add()(layers.Input(shape=(3,)))
    with pytest.raises(ValueError, match="needs at least 2 inputs, received 1"):
        layers.Add()([layers.Input(shape=(3,))])


def test_mismatched_shapes_are_refused_not_broadcast():
    with pytest.raises(
        ValueError, match=r"Add '.*' needs inputs of the same shape.*\(None, 3\).*\(None, 4\)"
    ):
        layers.Add()([layers.Input(shape=(3,)), layers.Input(shape=(4,))])
    with pytest.raises(ValueError, match="match except on axis -1"):
        layers.Concatenate()([layers.Input(shape=(2, 3)), layers.Input(shape=(4, 3))])


def test_subtract_takes_exactly_two():
    inputs = [layers.Input(shape=(3,)) for _ in range(3)]
    with pytest.raises(ValueError, match="exactly 2 inputs, received 3"):
        layers.Subtract()(inputs)
