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


# ---- Dot ----------------------------------------------------------------------------------


def batch_dot(x, y, axes):
    """NumPy reference for Keras 2's batch_dot: per sample, a tensordot over one axis of
    each; a result with only the batch axis left gets a trailing axis of 1."""
    result = np.stack([np.tensordot(a, b, axes=(axes[0] - 1, axes[1] - 1)) for a, b in zip(x, y)])
    return result.reshape(len(x), 1) if result.ndim == 1 else result


def l2_normalize(x, axis):
    return x / np.sqrt(np.maximum(np.sum(x**2, axis=axis, keepdims=True), 1e-12))


DOT_CASES = [
    ((4, 3), (4, 3), 1, (1, 1), (4, 1)),
    ((4, 3), (4, 3), -1, (1, 1), (4, 1)),
    ((2, 3, 5), (2, 5, 4), (2, 1), (2, 1), (2, 3, 4)),
    ((2, 3, 5), (2, 4, 5), (-1, -1), (2, 2), (2, 3, 4)),
    ((2, 3, 5), (2, 3, 4), 1, (1, 1), (2, 5, 4)),
    ((2, 5), (2, 5, 4), (1, 1), (1, 1), (2, 4)),
    ((2, 3, 4, 5), (2, 5, 2), (3, 1), (3, 1), (2, 3, 4, 2)),
]


@pytest.mark.parametrize("shape_x, shape_y, axes, resolved, output_shape", DOT_CASES)
def test_dot_matches_batch_dot(shape_x, shape_y, axes, resolved, output_shape):
    x = RNG.standard_normal(shape_x).astype("float32")
    y = RNG.standard_normal(shape_y).astype("float32")
    layer = layers.Dot(axes=axes)
    result = ops.convert_to_numpy(layer([x, y]))
    expected = batch_dot(x, y, resolved)
    assert result.shape == output_shape == expected.shape
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)
    symbolic = layers.dot(
        [layers.Input(shape=shape_x[1:]), layers.Input(shape=shape_y[1:])], axes=axes
    )
    assert symbolic.shape == (None, *output_shape[1:])


def test_dot_normalize_gives_cosine_similarity():
    x = RNG.standard_normal((5, 4)).astype("float32")
    y = RNG.standard_normal((5, 4)).astype("float32")
    result = ops.convert_to_numpy(layers.Dot(axes=1, normalize=True)([x, y]))
    expected = np.sum(l2_normalize(x, 1) * l2_normalize(y, 1), axis=1, keepdims=True)
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)
    x3 = RNG.standard_normal((2, 3, 4)).astype("float32")
    y3 = RNG.standard_normal((2, 5, 4)).astype("float32")
    result = ops.convert_to_numpy(layers.dot([x3, y3], axes=2, normalize=True))
    expected = batch_dot(l2_normalize(x3, 2), l2_normalize(y3, 2), (2, 2))
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-6)


def test_dot_in_a_model_and_config_round_trip():
    left, right = layers.Input(shape=(3, 4)), layers.Input(shape=(5, 4))
    layer = layers.Dot(axes=(2, 2))
    model = keras.Model([left, right], layer([left, right]))
    x = RNG.standard_normal((2, 3, 4)).astype("float32")
    y = RNG.standard_normal((2, 5, 4)).astype("float32")
    np.testing.assert_allclose(
        model.predict([x, y], verbose=0), batch_dot(x, y, (2, 2)), rtol=1e-5, atol=1e-6
    )
    config_ = layer.get_config()
    assert config_["axes"] == [2, 2] and config_["normalize"] is False
    assert layer.supports_masking and layer.compute_mask([x, y], [None, None]) is None
    restored = layers.Dot.from_config(config_)
    assert restored.get_config() == config_


def test_dot_refuses_bad_axes_and_mismatched_sizes():
    first, second = layers.Input(shape=(3,)), layers.Input(shape=(4,))
    with pytest.raises(ValueError, match=r"Dot 'dot_sizes'.*size 3.*size 4"):
        layers.Dot(axes=1, name="dot_sizes")([first, second])
    with pytest.raises(ValueError, match=r"Dot 'dot_batch'.*non-batch axis"):
        layers.Dot(axes=0, name="dot_batch")([A, B])
    with pytest.raises(ValueError, match=r"Dot 'dot_rank'.*non-batch axis"):
        layers.Dot(axes=(1, 3), name="dot_rank")([A, B])
    with pytest.raises(TypeError, match=r"Dot 'dot_type'.*axes must be an integer or a pair"):
        layers.Dot(axes=(1, 2, 3), name="dot_type")
    with pytest.raises(ValueError, match=r"Dot 'dot_three'.*exactly 2 tensors"):
        layers.Dot(axes=1, name="dot_three")([A, B, C])


@pytest.mark.parametrize(
    "cls, function",
    [
        (layers.Add, "add"),
        (layers.Subtract, "subtract"),
        (layers.Multiply, "multiply"),
        (layers.Average, "average"),
        (layers.Maximum, "maximum"),
        (layers.Minimum, "minimum"),
        (layers.Concatenate, "concatenate"),
        (layers.Dot, "dot"),
    ],
)
def test_inputs_passed_to_the_constructor_point_to_the_function_form(cls, function):
    inputs = [layers.Input(shape=(3,)), layers.Input(shape=(3,))]
    with pytest.raises(
        TypeError, match=rf"{cls.__name__}\(\)\(\[a, b\]\).*`{function}\(\[a, b\]\)`"
    ):
        cls(inputs)
    with pytest.raises(TypeError, match=rf"`{function}\(\[a, b\]\)`"):
        cls([A, B])


# ---- masks (Keras 2: AND for elementwise merges, joined along Concatenate's axis) ---------

TOKENS_A = np.array([[1, 0, 2, 0], [0, 3, 3, 3]])
TOKENS_B = np.array([[1, 1, 0, 0], [4, 0, 3, 3]])
KEEP_A, KEEP_B = TOKENS_A != 0, TOKENS_B != 0


class MaskAsOutput(layers.Layer):
    """Outputs the mask it receives (as floats; all ones when there is none)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.ones_like(ops.sum(inputs, axis=-1))
        return ops.cast(mask, "float32")

    def compute_mask(self, inputs, mask=None):
        return None


def test_merge_masks_in_a_functional_model():
    first, second = layers.Input((4,), dtype="int32"), layers.Input((4,), dtype="int32")
    plain = layers.Input((4, 3))
    left = layers.Embedding(5, 3, mask_zero=True)(first)
    right = layers.Embedding(5, 3, mask_zero=True)(second)
    merged = {
        "add": layers.add([left, right, plain]),
        "average_one_masked": layers.average([left, plain]),
        "multiply_unmasked": layers.multiply([plain, plain]),
        "concat_features": layers.concatenate([left, right, plain]),
        "concat_time": layers.concatenate([left, plain, right], axis=1),
    }
    assert merged["add"].keras_mask.shape == (None, 4)
    assert merged["multiply_unmasked"].keras_mask is None
    assert merged["concat_time"].shape == (None, 12, 3)
    assert merged["concat_time"].keras_mask.shape == (None, 12)
    names = sorted(merged)
    model = keras.Model([first, second, plain], [MaskAsOutput()(merged[n]) for n in names])
    data = [TOKENS_A, TOKENS_B, RNG.standard_normal((2, 4, 3)).astype("float32")]
    results = dict(zip(names, model.predict(data, verbose=0)))
    every = np.ones((2, 4), bool)
    expected = {
        "add": KEEP_A & KEEP_B,
        "average_one_masked": KEEP_A,
        "multiply_unmasked": every,
        "concat_features": KEEP_A & KEEP_B,
        "concat_time": np.concatenate([KEEP_A, every, KEEP_B], axis=1),
    }
    for name in names:
        np.testing.assert_array_equal(results[name], expected[name].astype("float32"), name)


def test_masking_layer_masks_through_concatenate_on_tensors():
    x = RNG.standard_normal((2, 3, 2)).astype("float32")
    x[0, 1] = 0.0
    y = RNG.standard_normal((2, 3, 4)).astype("float32")
    masking = layers.Masking(0.0)
    mask = masking.compute_mask(ops.convert_to_tensor(x))
    full_y = ops.convert_to_tensor(np.abs(y) > 0.5)  # a full-rank mask is reduced over features
    layer = layers.Concatenate(axis=1)
    result = layer.compute_mask(
        [ops.convert_to_tensor(x), ops.convert_to_tensor(y)], [mask, full_y]
    )
    expected = np.concatenate([np.any(x != 0, axis=-1), np.all(np.abs(y) > 0.5, axis=-1)], axis=1)
    np.testing.assert_array_equal(ops.convert_to_numpy(result), expected)
    assert layer.compute_mask([x, y], None) is None
    assert layer.compute_mask([x, y], [None, None]) is None
    with pytest.raises(ValueError, match=r"Concatenate '.*': mask must be a list with one entry"):
        layer.compute_mask([x, y], [mask])
    with pytest.raises(ValueError, match=r"rank of its input or one less"):
        layer.compute_mask([x, y], [ops.convert_to_tensor(np.ones((2,), bool)), None])


def test_dot_output_carries_no_mask_even_from_masked_inputs():
    first = layers.Input((4,), dtype="int32")
    embedded = layers.Embedding(5, 3, mask_zero=True)(first)
    product = layers.Dot(axes=2)([embedded, embedded])
    assert product.shape == (None, 4, 4) and product.keras_mask is None
