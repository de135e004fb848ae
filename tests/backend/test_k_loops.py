"""K.rnn, K.map_fn, K.foldl and K.foldr against NumPy loops written here (tf.keras 2's
rules for masked steps), eagerly, inside compiled functions and through gradients."""

from __future__ import annotations

import numpy as np
import pytest

from kerasfront import backend as K
from kerasfront import ops
from kerasfront.backend.registry import ADAPTER

needs_training = pytest.mark.skipif(
    not ADAPTER.SUPPORTS_TRAINING, reason="this backend has no gradients"
)
TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}

RNG = np.random.default_rng(8)
BATCH, TIME, FEATURES, UNITS, OUT = 3, 5, 4, 3, 2
X = RNG.normal(size=(BATCH, TIME, FEATURES)).astype("float32")
H0 = RNG.normal(size=(BATCH, UNITS)).astype("float32")
W = (0.5 * RNG.normal(size=(FEATURES, UNITS))).astype("float32")
U = (0.5 * RNG.normal(size=(UNITS, UNITS))).astype("float32")
V = RNG.normal(size=(UNITS, OUT)).astype("float32")
SHIFT = RNG.normal(size=(UNITS,)).astype("float32")  # passed as a constant
MASK = np.array(
    [[1, 1, 1, 1, 1], [0, 1, 1, 0, 1], [1, 1, 0, 0, 0]], dtype=bool
)  # sample 1 starts masked; sample 2 ends masked


def _step(m, w, u, v):
    """h = tanh(x W + h U + shift); the output (h V) is not shaped like the state, so a
    masked step must repeat the previous *output*, not the state."""

    def step(x, states):
        h, count, shift = states
        h = m.tanh(m.matmul(x, w) + m.matmul(h, u) + shift)
        return m.matmul(h, v), [h, count + 1.0]

    return step


def _reference(x, h0, mask=None, go_backwards=False, zero_output=False):
    """tf.keras 2's loop in float64: masked steps keep the states and repeat the last
    output (zeros before the first), or output zeros."""
    step = _step(np, W.astype("float64"), U.astype("float64"), V.astype("float64"))
    order = range(TIME - 1, -1, -1) if go_backwards else range(TIME)
    h, count, previous = h0.astype("float64"), np.zeros((BATCH, 1)), np.zeros((BATCH, OUT))
    outputs = []
    for t in order:
        output, (new_h, new_count) = step(x[:, t].astype("float64"), [h, count, SHIFT])
        kept = np.ones((BATCH, 1), bool) if mask is None else mask[:, t, None]
        output = np.where(kept, output, 0.0 if zero_output else previous)
        h, count = np.where(kept, new_h, h), np.where(kept, new_count, count)
        outputs.append(output)
        previous = output
    return outputs[-1], np.stack(outputs, axis=1), [h, count]


def _run_rnn(x, h0, **kwargs):
    t = ops.convert_to_tensor
    step = _step(ops, t(W), t(U), t(V))
    count = ops.zeros((BATCH, 1))
    return K.rnn(step, x, [h0, count], constants=[t(SHIFT)], **kwargs)


def _check(result, expected):
    last, outputs, states = result
    want_last, want_outputs, want_states = expected
    np.testing.assert_allclose(K.get_value(last), want_last, **TOLERANCE)
    np.testing.assert_allclose(K.get_value(outputs), want_outputs, **TOLERANCE)
    assert len(states) == len(want_states)
    for got, want in zip(states, want_states):
        np.testing.assert_allclose(K.get_value(got), want, **TOLERANCE)


@pytest.mark.parametrize(
    "masked, go_backwards, zero_output, unroll",
    [
        (False, False, False, False),
        (False, True, False, True),
        (True, False, False, False),
        (True, True, False, False),
        (True, False, True, False),
        (True, True, True, True),
    ],
)
def test_rnn_matches_the_python_loop(masked, go_backwards, zero_output, unroll):
    mask = MASK if masked else None
    result = _run_rnn(
        X,
        H0,
        mask=mask,
        go_backwards=go_backwards,
        zero_output_for_mask=zero_output,
        unroll=unroll,
    )
    _check(result, _reference(X, H0, mask, go_backwards, zero_output))


def test_rnn_time_major_and_mask_with_a_trailing_axis():
    t = ops.convert_to_tensor
    result = _run_rnn(t(X.transpose(1, 0, 2)), t(H0), mask=t(MASK.T[..., None]), time_major=True)
    last, outputs, states = _reference(X, H0, MASK)
    _check(result, (last, outputs.transpose(1, 0, 2), states))


def test_rnn_input_length_masks_the_steps_beyond_each_length():
    lengths = np.array([5, 2, 3], dtype="int32")
    as_mask = np.arange(TIME)[None, :] < lengths[:, None]
    for go_backwards in (False, True):
        result = _run_rnn(
            X, H0, input_length=ops.convert_to_tensor(lengths), go_backwards=go_backwards
        )
        _check(result, _reference(X, H0, as_mask, go_backwards))


def test_rnn_last_output_only_and_nested_inputs():
    # Two input tensors whose sum is X: the step sees both and adds them.
    half = (X / 2).astype("float32")
    t = ops.convert_to_tensor
    inner = _step(ops, t(W), t(U), t(V))
    result = K.rnn(
        lambda xs, states: inner(xs[0] + xs[1], states),
        [half, half],
        [H0, ops.zeros((BATCH, 1))],
        mask=MASK,
        constants=[t(SHIFT)],
        return_all_outputs=False,
    )
    last, _, states = _reference(X, H0, MASK)
    _check(result, (last, last[:, None], states))


def test_rnn_inside_a_compiled_function():
    run = ADAPTER.compile_function(
        lambda values, x, h0: list(_run_rnn(x, h0, mask=MASK, go_backwards=True)[1:2]), []
    )
    (outputs,) = run(ops.convert_to_tensor(X), ops.convert_to_tensor(H0))
    np.testing.assert_allclose(
        K.get_value(outputs), _reference(X, H0, MASK, go_backwards=True)[1], **TOLERANCE
    )


@needs_training
def test_rnn_gradient_matches_finite_differences():
    upstream = RNG.normal(size=(BATCH, TIME, OUT))

    def loss(values):
        x, h0 = values
        _, outputs, _ = _run_rnn(x, h0, mask=MASK)
        return ops.sum(outputs * ops.convert_to_tensor(upstream.astype("float32"))), None

    t = ops.convert_to_tensor
    _, (grad_x, grad_h0) = ADAPTER.value_and_grad(loss)([t(X), t(H0)])

    def numeric(x, h0):
        return float(np.sum(_reference(x, h0, MASK)[1] * upstream))

    step = 1e-4
    for index, grad in enumerate((grad_x, grad_h0)):
        direction = RNG.normal(size=(X, H0)[index].shape)
        base = [X.astype("float64"), H0.astype("float64")]
        plus, minus = list(base), list(base)
        plus[index] = base[index] + step * direction
        minus[index] = base[index] - step * direction
        expected = (numeric(*plus) - numeric(*minus)) / (2 * step)
        got = float(np.sum(K.get_value(grad) * direction))
        assert got == pytest.approx(expected, rel=1e-3, abs=1e-4)


def test_rnn_errors_name_the_problem():
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        K.rnn(lambda x, s: (x, s), X[:, 0], [H0])
    with pytest.raises(ValueError, match="returned 2 new states; it received 1"):
        K.rnn(lambda x, s: (s[0], [s[0], s[0]]), X[..., :UNITS], [H0])


def test_map_fn_single_and_nested():
    xs = RNG.normal(size=(4, 2, 3)).astype("float32")
    got = K.map_fn(lambda x: ops.sum(x * x, axis=-1), xs)
    np.testing.assert_allclose(K.get_value(got), (xs * xs).sum(-1), **TOLERANCE)
    got = K.map_fn(lambda pair: [pair[0] + pair[1], pair[0] * 2.0], (xs, xs))
    np.testing.assert_allclose(K.get_value(got[0]), 2 * xs, **TOLERANCE)
    np.testing.assert_allclose(K.get_value(got[1]), 2 * xs, **TOLERANCE)
    with pytest.raises(ValueError, match="dtype='int32'"):
        K.map_fn(lambda x: x, xs, dtype="int32")


def test_folds_run_in_their_directions():
    xs = RNG.normal(size=(4, 3)).astype("float32")
    # acc * 0.5 + x depends on the order, so the direction shows.
    expected_left, expected_right = xs[0].astype("float64"), xs[-1].astype("float64")
    for x in xs[1:]:
        expected_left = expected_left * 0.5 + x
    for x in xs[-2::-1]:
        expected_right = expected_right * 0.5 + x
    halve_and_add = lambda acc, x: acc * 0.5 + x  # noqa: E731
    np.testing.assert_allclose(K.get_value(K.foldl(halve_and_add, xs)), expected_left, 1e-5)
    np.testing.assert_allclose(K.get_value(K.foldr(halve_and_add, xs)), expected_right, 1e-5)
    total = K.foldl(lambda acc, x: acc + x, xs, initializer=np.zeros(3, "float32"))
    np.testing.assert_allclose(K.get_value(total), xs.sum(0), **TOLERANCE)
    # Nested elements and accumulators.
    pair = K.foldr(
        lambda acc, x: (acc[0] + x[0], acc[1] * x[1]),
        (xs, xs + 2.0),
        initializer=(np.zeros(3, "float32"), np.ones(3, "float32")),
    )
    np.testing.assert_allclose(K.get_value(pair[0]), xs.sum(0), **TOLERANCE)
    np.testing.assert_allclose(K.get_value(pair[1]), (xs + 2.0).prod(0), **TOLERANCE)


def test_folds_inside_a_compiled_function():
    xs = RNG.normal(size=(4, 3)).astype("float32")
    run = ADAPTER.compile_function(
        lambda values, x: [K.foldl(lambda acc, e: acc + e * e, x), K.map_fn(ops.tanh, x)], []
    )
    total, mapped = run(ops.convert_to_tensor(xs))
    # Without an initializer the first entry starts the sum as it is.
    expected = xs[0] + (xs[1:] * xs[1:]).sum(0)
    np.testing.assert_allclose(K.get_value(total), expected, **TOLERANCE)
    np.testing.assert_allclose(K.get_value(mapped), np.tanh(xs), **TOLERANCE)


@needs_training
def test_a_model_with_k_rnn_in_a_lambda_trains():
    from kerasfront import layers
    from kerasfront.models import Model

    def leaky_sum(sequence):
        # A weight-free recurrence between two trained layers: h = tanh(x + h / 2).
        def step(x, states):
            h = ops.tanh(x + 0.5 * states[0])
            return h, [h]

        return K.rnn(step, sequence, [ops.zeros_like(sequence[:, 0])], go_backwards=True)[0]

    x = RNG.normal(size=(16, TIME, FEATURES)).astype("float32")
    y = x.sum(axis=(1, 2), keepdims=False)[:, None].astype("float32") / 4.0
    inputs = layers.Input(shape=(TIME, FEATURES))
    hidden = layers.Lambda(leaky_sum)(layers.Dense(UNITS)(inputs))
    model = Model(inputs, layers.Dense(1)(hidden))
    model.compile(optimizer="adam", loss="mse")
    losses = model.fit(x, y, batch_size=8, epochs=5, verbose=0).history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
