"""Weight constraints against NumPy, their lookup and serialization, and their use by Dense."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import config, constraints, layers, ops
from kerasfront.backend.registry import ADAPTER

RTOL = 1e-5
ATOL = 1e-6
EPSILON = config.epsilon()

# Columns of very different norms, one of them all zeros (stays zero under every rule).
WEIGHTS = np.array(
    [[3.0, 0.1, 0.0, -1.0], [4.0, -0.2, 0.0, 2.0], [0.0, 0.05, 0.0, -2.0]], dtype="float32"
)


def norms(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


def apply(constraint, w=WEIGHTS):
    return ops.convert_to_numpy(constraint(ops.convert_to_tensor(w)))


@pytest.mark.parametrize("axis", [0, 1, [0, 1]])
def test_max_norm(axis):
    axis_tuple = tuple(axis) if isinstance(axis, list) else axis
    expected = WEIGHTS * (
        np.clip(norms(WEIGHTS, axis_tuple), 0, 2.5) / (EPSILON + norms(WEIGHTS, axis_tuple))
    )
    np.testing.assert_allclose(apply(constraints.MaxNorm(2.5, axis=axis)), expected, RTOL, ATOL)
    # Columns already within the bound are unchanged (up to epsilon).
    small = WEIGHTS * 0.01
    np.testing.assert_allclose(apply(constraints.MaxNorm(2.5), small), small, rtol=1e-4)


def test_non_neg():
    np.testing.assert_array_equal(apply(constraints.NonNeg()), np.maximum(WEIGHTS, 0))


@pytest.mark.parametrize("axis", [0, 1])
def test_unit_norm(axis):
    expected = WEIGHTS / (EPSILON + norms(WEIGHTS, axis))
    np.testing.assert_allclose(apply(constraints.UnitNorm(axis=axis)), expected, RTOL, ATOL)


@pytest.mark.parametrize("rate", [1.0, 0.25])
def test_min_max_norm(rate):
    n = norms(WEIGHTS, 0)
    desired = rate * np.clip(n, 0.5, 1.5) + (1 - rate) * n
    expected = WEIGHTS * desired / (EPSILON + n)
    result = apply(constraints.MinMaxNorm(min_value=0.5, max_value=1.5, rate=rate, axis=0))
    np.testing.assert_allclose(result, expected, RTOL, ATOL)


def test_defaults_follow_keras_2():
    assert constraints.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
    assert constraints.UnitNorm().get_config() == {"axis": 0}
    assert constraints.MinMaxNorm().get_config() == {
        "min_value": 0.0,
        "max_value": 1.0,
        "rate": 1.0,
        "axis": 0,
    }


@pytest.mark.parametrize(
    "name, cls",
    [
        ("max_norm", constraints.MaxNorm),
        ("MaxNorm", constraints.MaxNorm),
        ("maxnorm", constraints.MaxNorm),
        ("non_neg", constraints.NonNeg),
        ("nonneg", constraints.NonNeg),
        ("unit_norm", constraints.UnitNorm),
        ("min_max_norm", constraints.MinMaxNorm),
    ],
)
def test_get_by_name(name, cls):
    assert type(constraints.get(name)) is cls


def test_aliases_are_the_classes():
    assert constraints.max_norm is constraints.MaxNorm
    assert constraints.non_neg is constraints.NonNeg
    assert constraints.unit_norm is constraints.UnitNorm
    assert constraints.min_max_norm is constraints.MinMaxNorm


def test_get_none_instance_callable_and_config_round_trip():
    assert constraints.get(None) is None
    instance = constraints.MinMaxNorm(0.1, 2.0, 0.5, axis=[0, 1])
    assert constraints.get(instance) is instance

    def clip_to_one(w):
        return ops.clip(w, -1.0, 1.0)

    assert constraints.get(clip_to_one) is clip_to_one
    assert constraints.serialize(clip_to_one) == "clip_to_one"
    assert constraints.serialize(None) is None
    restored = constraints.get(constraints.serialize(instance))
    assert type(restored) is constraints.MinMaxNorm
    assert restored.get_config() == instance.get_config()


def test_unknown_constraints_are_refused():
    with pytest.raises(ValueError, match="Unknown constraint 'max_nrm'"):
        constraints.get("max_nrm")
    with pytest.raises(ValueError, match="Unknown constraint class"):
        constraints.get({"class_name": "Nope", "config": {}})
    with pytest.raises(TypeError, match="received int"):
        constraints.get(3)


@pytest.mark.skipif(not ADAPTER.SUPPORTS_TRAINING, reason="this backend has no gradients")
def test_dense_applies_its_constraints_after_each_update():
    keras.utils.set_random_seed(0)
    layer = layers.Dense(
        3,
        kernel_constraint="non_neg",
        bias_constraint=constraints.MaxNorm(0.1),
        bias_initializer="ones",
        input_shape=(4,),
    )
    assert isinstance(layer.kernel_constraint, constraints.NonNeg)
    model = keras.Sequential([layer])
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(16, 4)), rng.normal(size=(16, 3)), epochs=1, verbose=0)
    kernel, bias = layer.get_weights()
    assert kernel.min() >= 0
    assert np.linalg.norm(bias) <= 0.1 + 1e-5

    config_ = layer.get_config()
    assert config_["kernel_constraint"] == {"class_name": "NonNeg", "config": {}}
    restored = layers.Dense.from_config(config_)
    assert isinstance(restored.bias_constraint, constraints.MaxNorm)
    assert restored.bias_constraint.max_value == 0.1
