"""Regularizers l1, l2, l1_l2 against NumPy sums (float32, rtol 1e-5)."""

from __future__ import annotations

import numpy as np
import pytest

from kerasfront import ops, regularizers

W = np.random.default_rng(11).normal(size=(6, 5)).astype("float32")


def penalty(regularizer, weights=W) -> float:
    return float(ops.convert_to_numpy(regularizer(ops.convert_to_tensor(weights))))


@pytest.mark.parametrize(
    "regularizer, expected",
    [
        (regularizers.l1(0.3), 0.3 * np.abs(W).sum()),
        (regularizers.l2(0.2), 0.2 * np.square(W).sum()),
        (regularizers.l1_l2(l1=0.1, l2=0.5), 0.1 * np.abs(W).sum() + 0.5 * np.square(W).sum()),
        (regularizers.L1L2(l2=1.0), np.square(W).sum()),
    ],
    ids=["l1", "l2", "l1_l2", "L1L2"],
)
def test_penalties_match_numpy(regularizer, expected):
    assert penalty(regularizer) == pytest.approx(float(expected), rel=1e-5)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("l1", 0.01 * np.abs(W).sum()),
        ("l2", 0.01 * np.square(W).sum()),
        ("l1_l2", 0.01 * np.abs(W).sum() + 0.01 * np.square(W).sum()),
    ],
)
def test_by_name_uses_default_factor(name, expected):
    assert penalty(regularizers.get(name)) == pytest.approx(float(expected), rel=1e-5)


def test_penalty_is_a_scalar_tensor():
    value = regularizers.l2(0.1)(ops.convert_to_tensor(W))
    assert ops.shape(value) == ()
    assert ops.dtype(value) == "float32"


def test_zero_factors_give_zero():
    assert penalty(regularizers.L1L2()) == 0.0


def test_config_round_trip():
    original = regularizers.l1_l2(l1=0.25, l2=0.75)
    assert original.get_config() == {"l1": 0.25, "l2": 0.75}
    restored = regularizers.get({"class_name": "L1L2", "config": original.get_config()})
    assert penalty(restored) == pytest.approx(penalty(original), rel=1e-6)


def test_get_passes_none_and_callables_through():
    assert regularizers.get(None) is None
    regularizer = regularizers.l2(0.1)
    assert regularizers.get(regularizer) is regularizer

    def custom(weights):
        return ops.sum(weights)

    assert regularizers.get(custom) is custom


def test_unknown_name_raises():
    with pytest.raises(ValueError, match="l3") as raised:
        regularizers.get("l3")
    assert "'l1_l2'" in str(raised.value)
