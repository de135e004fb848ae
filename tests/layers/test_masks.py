"""Masks travel with tensors: made by one layer, passed on or consumed by the next ones,
in functional and Sequential graphs and in eager calls (DESIGN rule 11).

The layers here are written in the test so that the mechanism is checked on its own.
"""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers, ops

# Two sequences of 4 steps x 2 features; zero rows are padding.
X = np.array(
    [
        [[1.0, 2.0], [3.0, -1.0], [0.0, 0.0], [0.0, 0.0]],
        [[0.5, 0.5], [0.0, 0.0], [2.0, 4.0], [1.0, 1.0]],
    ],
    dtype="float32",
)
MASK = np.any(X != 0, axis=-1)


def masked_mean(x, mask):
    weights = mask[..., None].astype("float32")
    return (x * weights).sum(axis=1) / weights.sum(axis=1)


class ZeroMasker(layers.Layer):
    """Marks the steps whose features are all zero as padding."""

    def compute_mask(self, inputs, mask=None):
        return ops.any(ops.not_equal(inputs, 0.0), axis=-1)


class Doubler(layers.Layer):
    """Passes its input's mask on (supports_masking) and does not look at it."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs * 2.0


class MaskedMean(layers.Layer):
    """Consumes the mask: the mean over the unmasked steps."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.seen_masks = 0

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.mean(inputs, axis=1)
        self.seen_masks += 1
        weights = ops.expand_dims(ops.cast(mask, "float32"), -1)
        return ops.sum(inputs * weights, axis=1) / ops.sum(weights, axis=1)

    def compute_mask(self, inputs, mask=None):
        return None  # the time axis is gone, and the mask with it


def masked_model():
    inputs = keras.Input((4, 2))
    outputs = MaskedMean()(Doubler()(ZeroMasker()(inputs)))
    return keras.Model(inputs, outputs)


def test_symbolic_tensors_carry_masks_through_pass_through_layers():
    inputs = keras.Input((4, 2))
    masked = ZeroMasker()(inputs)
    doubled = Doubler()(masked)
    pooled = MaskedMean()(doubled)
    assert inputs.keras_mask is None
    assert masked.keras_mask.shape == (None, 4)
    assert masked.keras_mask.dtype == "bool"
    assert doubled.keras_mask.shape == (None, 4)
    assert pooled.keras_mask is None


def test_model_passes_the_mask_to_the_consumer_in_predict_and_eager_calls():
    model = masked_model()
    expected = masked_mean(2.0 * X, MASK)
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, rtol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(model(X)), expected, rtol=1e-6)
    assert model.layers[-1].seen_masks >= 2


def test_sequential_models_carry_masks_too():
    model = keras.Sequential([ZeroMasker(input_shape=(4, 2)), Doubler(), MaskedMean()])
    np.testing.assert_allclose(model.predict(X, verbose=0), masked_mean(2.0 * X, MASK), rtol=1e-6)


def test_training_uses_the_mask():
    model = masked_model()
    model.compile(optimizer="sgd", loss="mse")
    target = masked_mean(2.0 * X, MASK)
    loss = model.evaluate(X, target, verbose=0)
    assert loss == pytest.approx(0.0, abs=1e-10)
    model.fit(X, target, epochs=1, verbose=0)


def test_a_layer_without_mask_support_refuses_a_mask_when_the_graph_is_built():
    class Summer(layers.Layer):
        def call(self, inputs):
            return ops.sum(inputs, axis=1)

    inputs = keras.Input((4, 2))
    with pytest.raises(TypeError, match=r"'summer.*\(Summer\) does not support masking"):
        Summer()(ZeroMasker()(inputs))


def test_graphs_without_masks_compute_none():
    inputs = keras.Input((4, 2))
    outputs = MaskedMean()(Doubler()(inputs))
    model = keras.Model(inputs, outputs)
    assert not any(node.produces_masks for node in model._graph.nodes)
    np.testing.assert_allclose(model.predict(X, verbose=0), (2.0 * X).mean(axis=1), rtol=1e-6)
    assert model.layers[-1].seen_masks == 0


def test_explicit_mask_argument_from_another_layer():
    inputs = keras.Input((4, 2))
    mask = layers.Lambda(lambda x: ops.greater(ops.sum(ops.abs(x), axis=-1), 0.0))(inputs)
    pooled = MaskedMean()(inputs, mask=mask)
    model = keras.Model(inputs, pooled)
    np.testing.assert_allclose(model.predict(X, verbose=0), masked_mean(X, MASK), rtol=1e-6)


def test_eager_calls_take_a_mask_argument():
    mask = ops.convert_to_tensor(MASK)
    result = MaskedMean()(X, mask=mask)
    np.testing.assert_allclose(ops.convert_to_numpy(result), masked_mean(X, MASK), rtol=1e-6)
    # Passed to a pass-through layer whose call takes none, it is simply not needed.
    np.testing.assert_allclose(ops.convert_to_numpy(Doubler()(X, mask=mask)), 2.0 * X)


def test_eager_mask_to_a_layer_without_mask_support_raises():
    with pytest.raises(TypeError, match="does not support masking"):
        layers.Flatten()(X, mask=ops.convert_to_tensor(MASK))


def test_a_nested_model_passes_its_output_mask_on():
    inner_inputs = keras.Input((4, 2))
    inner = keras.Model(inner_inputs, Doubler()(ZeroMasker()(inner_inputs)))
    outer_inputs = keras.Input((4, 2))
    nested = inner(outer_inputs)
    assert nested.keras_mask is not None and nested.keras_mask.shape == (None, 4)
    outer = keras.Model(outer_inputs, MaskedMean()(nested))
    np.testing.assert_allclose(outer.predict(X, verbose=0), masked_mean(2.0 * X, MASK), rtol=1e-6)
