"""The contract's `scan`: every adapter against the NumPy reference's plain loop, the
reference against a hand-written loop, inside compiled functions, and its gradients."""

from __future__ import annotations

import numpy as np
import pytest
from test_contract import Case, _tensor_maker

import kerasfront.backends.numpy as reference
from kerasfront.backend.registry import ADAPTER

RNG = np.random.default_rng(21)
XS = RNG.normal(size=(5, 2, 3)).astype("float32")  # 5 steps of (2, 3)
WS = RNG.normal(size=(5, 2)).astype("float32")
H0 = RNG.normal(size=(2, 3)).astype("float32")
KERNEL = (0.5 * RNG.normal(size=(3, 3))).astype("float32")


def _recurrence(m, t, reverse=False, unroll=1, xs=None):
    """h = tanh(x + h @ K); also a running sum and the per-step outputs h and h * w."""
    kernel = t(KERNEL)
    xs = t(XS) if xs is None else xs

    def step(carry, x):
        h, total = carry
        new_h = m.tanh(x[0] + m.matmul(h, kernel))
        return [new_h, total + m.sum(new_h)], [new_h, new_h * m.expand_dims(x[1], -1)]

    carry, ys = m.scan(step, [t(H0), t(np.float32(0.0))], [xs, t(WS)], reverse, unroll)
    return [*carry, *ys]


def _by_hand(reverse=False):
    h, total, hs = H0.astype("float64"), 0.0, [None] * len(XS)
    for step in range(len(XS))[::-1] if reverse else range(len(XS)):
        h = np.tanh(XS[step] + h @ KERNEL)
        total += h.sum()
        hs[step] = h
    hs = np.stack(hs)
    return [h, total, hs, hs * WS[..., None]]


LOOP_CASES = [
    Case("scan", "forward", lambda m, t: _recurrence(m, t)),
    Case("scan", "reverse", lambda m, t: _recurrence(m, t, reverse=True)),
    Case("scan", "unrolled_by_two", lambda m, t: _recurrence(m, t, unroll=2)),
    Case("scan", "fully_unrolled", lambda m, t: _recurrence(m, t, reverse=True, unroll=True)),
]


@pytest.mark.parametrize("reverse", [False, True])
def test_reference_scan_is_the_plain_loop(reverse):
    result = _recurrence(reference, np.asarray, reverse=reverse)
    for got, expected in zip(result, _by_hand(reverse)):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("item", LOOP_CASES, ids=repr)
def test_scan_matches_reference(item):
    expected = item.run(reference, np.asarray)
    actual = item.run(ADAPTER, _tensor_maker(ADAPTER))
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected):
        got = ADAPTER.convert_to_numpy(got)
        assert got.shape == np.shape(want) and got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_inside_a_compiled_function(reverse):
    t = ADAPTER.convert_to_tensor
    run = ADAPTER.compile_function(
        lambda values, xs: _recurrence(ADAPTER, t, reverse, xs=xs)[2], []
    )
    got = ADAPTER.convert_to_numpy(run(t(XS)))
    np.testing.assert_allclose(got, _by_hand(reverse)[2], rtol=1e-5, atol=1e-5)


@pytest.mark.skipif(not ADAPTER.SUPPORTS_TRAINING, reason="the NumPy reference has no gradients")
def test_scan_gradient_matches_finite_differences():
    t = ADAPTER.convert_to_tensor

    def loss(values):
        (h0,) = values
        _, ys = ADAPTER.scan(
            lambda carry, x: ([ADAPTER.tanh(x[0] + ADAPTER.matmul(carry[0], t(KERNEL)))],) * 2,
            [h0],
            [t(XS)],
        )
        return ADAPTER.sum(ys[0] * ys[0]), None

    _, (grad,) = ADAPTER.value_and_grad(loss)([t(H0)])
    grad = ADAPTER.convert_to_numpy(grad)

    def numeric(h0):
        h, total = h0, 0.0
        for x in XS.astype("float64"):
            h = np.tanh(x + h @ KERNEL)
            total += (h * h).sum()
        return total

    direction = RNG.normal(size=H0.shape)
    step = 1e-3
    base = H0.astype("float64")
    expected = (numeric(base + step * direction) - numeric(base - step * direction)) / (2 * step)
    assert float(np.sum(grad * direction)) == pytest.approx(expected, rel=1e-3)


def test_scan_refuses_inputs_without_steps():
    t = _tensor_maker(ADAPTER)
    with pytest.raises(ValueError, match="non-empty list"):
        ADAPTER.scan(lambda c, x: (c, x), [t(H0)], [])
    with pytest.raises(ValueError, match="same first axis"):
        ADAPTER.scan(lambda c, x: (c, x), [t(H0)], [t(XS), t(WS[:3])])
