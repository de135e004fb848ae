"""The optional fused recurrent kernels `lstm` and `gru` (contract OPTIONAL_NAMES), where
the active adapter has them: against Keras's LSTM and reset_after GRU equations written
here in float64 NumPy, forward and backward, eagerly and inside compiled functions."""

from __future__ import annotations

import contextlib
import sys
import warnings

import numpy as np
import pytest

from kerasfront.backend.registry import ADAPTER

BATCH, TIME, FEATURES, UNITS = 3, 5, 4, 6
# Float32 results against the float64 reference: a few roundings per step over 5 steps.
FLOAT32_TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _steps(inputs, go_backwards):
    order = range(inputs.shape[1])
    return order[::-1] if go_backwards else order


def _reference_lstm(inputs, states, kernel, recurrent_kernel, bias, go_backwards):
    """Keras's LSTM: gates i, f, c, o; c = f c + i tanh(.); h = o tanh(c)."""
    h, c = states
    outputs = []
    for step in _steps(inputs, go_backwards):
        pre = inputs[:, step] @ kernel + h @ recurrent_kernel + bias
        i, f, candidate, o = np.split(pre, 4, axis=-1)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(candidate)
        h = _sigmoid(o) * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1), [h, c]


def _reference_gru(inputs, states, kernel, recurrent_kernel, bias, go_backwards):
    """Keras's GRU with reset_after=True: gates z, r, h; the recurrent bias (row 1) sits
    inside the reset product; h = z h_prev + (1 - z) hh."""
    (h,) = states
    outputs = []
    for step in _steps(inputs, go_backwards):
        x_z, x_r, x_h = np.split(inputs[:, step] @ kernel + bias[0], 3, axis=-1)
        h_z, h_r, h_h = np.split(h @ recurrent_kernel + bias[1], 3, axis=-1)
        z = _sigmoid(x_z + h_z)
        r = _sigmoid(x_r + h_r)
        candidate = np.tanh(x_h + r * h_h)
        h = z * h + (1.0 - z) * candidate
        outputs.append(h)
    return np.stack(outputs, axis=1), [h]


KINDS = {
    # name: (reference, gates, number of states, bias shape)
    "lstm": (_reference_lstm, 4, 2, (4 * UNITS,)),
    "gru": (_reference_gru, 3, 1, (2, 3 * UNITS)),
}
ARGUMENT_NAMES = ("inputs", "initial_states", "kernel", "recurrent_kernel", "bias")


def _fused(kind):
    if not hasattr(ADAPTER, kind):
        pytest.skip(f"the {ADAPTER.NAME} adapter has no fused {kind}")
    return getattr(ADAPTER, kind)


def _arguments(kind, seed):
    """Random float64 (inputs, initial_states, kernel, recurrent_kernel, bias)."""
    _, gates, state_count, bias_shape = KINDS[kind]
    rng = np.random.default_rng(seed)
    return (
        rng.normal(size=(BATCH, TIME, FEATURES)),
        [rng.normal(size=(BATCH, UNITS)) for _ in range(state_count)],
        0.5 * rng.normal(size=(FEATURES, gates * UNITS)),
        0.5 * rng.normal(size=(UNITS, gates * UNITS)),
        0.5 * rng.normal(size=bias_shape),
    )


def _as_tensors(arguments, dtype):
    t = ADAPTER.convert_to_tensor
    inputs, states, *weights = arguments
    return (t(inputs.astype(dtype)), [t(s.astype(dtype)) for s in states]) + tuple(
        t(w.astype(dtype)) for w in weights
    )


def _flat(arguments):
    inputs, states, *weights = arguments
    return [inputs, *states, *weights]


def _nested(flat, state_count):
    return (flat[0], list(flat[1 : 1 + state_count]), *flat[1 + state_count :])


def _to_numpy(structure):
    return [ADAPTER.convert_to_numpy(x) for x in structure]


@contextlib.contextmanager
def _no_cudnn_weight_copies():
    # cuDNN warns when the weights are not one buffer (and then copies them every call);
    # the adapter builds that buffer itself, so the warning must never appear.
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*contiguous chunk of memory.*")
        yield


@pytest.fixture(params=["as_chosen", "one_buffer", "separate"])
def weight_layout(request, monkeypatch):
    """The adapter's own choice of how torch gets the weights, then each way forced where
    the adapter has both (torch: one buffer, as cuDNN wants, on CUDA devices; separate
    views elsewhere), so the way a GPU takes is checked on a CPU too, and back."""
    if request.param != "as_chosen":
        module = sys.modules.get(ADAPTER.__name__ + ".rnn")
        if getattr(module, "_one_buffer", None) is None:
            pytest.skip(f"the {ADAPTER.NAME} adapter has one way to pass the weights")
        forced = request.param == "one_buffer"
        if not forced and ADAPTER.convert_to_tensor(np.zeros(1)).is_cuda:
            pytest.skip("cuDNN takes the weights only as one buffer: no other way on a GPU")
        monkeypatch.setattr(module, "_one_buffer", lambda tensor: forced)
    return request.param


@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_forward_matches_keras_equations(kind, go_backwards, weight_layout):
    fused, (reference, *_), arguments = _fused(kind), KINDS[kind], _arguments(kind, 1)
    outputs, states = fused(*_as_tensors(arguments, "float32"), go_backwards)
    expected_outputs, expected_states = reference(*arguments, go_backwards)
    assert tuple(outputs.shape) == (BATCH, TIME, UNITS) and len(states) == len(expected_states)
    np.testing.assert_allclose(
        ADAPTER.convert_to_numpy(outputs), expected_outputs, **FLOAT32_TOLERANCE
    )
    for got, want in zip(_to_numpy(states), expected_states):
        assert got.shape == (BATCH, UNITS) and got.dtype == np.float32
        np.testing.assert_allclose(got, want, **FLOAT32_TOLERANCE)


def _loss_weights(kind):
    """Random weights for every output and final state, so each one reaches the loss."""
    rng = np.random.default_rng(7)
    return rng.normal(size=(BATCH, TIME, UNITS)), [
        rng.normal(size=(BATCH, UNITS)) for _ in range(KINDS[kind][2])
    ]


def _gradient_function(kind, go_backwards):
    fused, state_count = _fused(kind), KINDS[kind][2]
    output_weights, state_weights = _loss_weights(kind)

    def loss(values):
        outputs, states = fused(*_nested(values, state_count), go_backwards)
        t = ADAPTER.convert_to_tensor
        total = ADAPTER.sum(outputs * t(output_weights.astype(ADAPTER.dtype(outputs))))
        for state, weight in zip(states, state_weights):
            total = total + ADAPTER.sum(state * t(weight.astype(ADAPTER.dtype(state))))
        return total, None

    return ADAPTER.value_and_grad(loss)


@pytest.mark.skipif(not ADAPTER.SUPPORTS_TRAINING, reason="the NumPy reference has no gradients")
@pytest.mark.parametrize("go_backwards", [False, True], ids=["forwards", "backwards"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_gradients_match_finite_differences(kind, go_backwards, weight_layout):
    if ADAPTER.dtype(ADAPTER.convert_to_tensor(np.zeros(1, "float64"))) != "float64":
        pytest.skip(
            f"{ADAPTER.NAME} holds float64 as float32 unless floatx is float64 (JAX's x64 "
            "mode); the float32 gradients are checked against NumPy in tests/layers"
        )
    reference, _, state_count, _ = KINDS[kind]
    arguments = _arguments(kind, 2)
    gradient = _gradient_function(kind, go_backwards)
    with _no_cudnn_weight_copies():
        _, grads64 = gradient(_flat(_as_tensors(arguments, "float64")))
        _, grads32 = gradient(_flat(_as_tensors(arguments, "float32")))
    grads64, grads32 = _to_numpy(grads64), _to_numpy(grads32)
    output_weights, state_weights = _loss_weights(kind)

    def numeric_loss(flat):
        outputs, states = reference(*_nested(flat, state_count), go_backwards)
        return np.sum(outputs * output_weights) + sum(
            np.sum(s * w) for s, w in zip(states, state_weights)
        )

    # One directional derivative per argument, so a wrong gradient of one argument cannot
    # hide behind the others. Central differences in float64 with step 1e-5 converge as
    # step**2 here (about 1e-8 off at most, measured); the fused float64 gradient must agree
    # to 1e-7 absolute plus 1e-7 relative.
    rng, flat, step = np.random.default_rng(3), _flat(arguments), 1e-5
    names = (
        ["inputs"] + [f"initial_state_{i}" for i in range(state_count)] + list(ARGUMENT_NAMES[2:])
    )
    for index, (name, grad) in enumerate(zip(names, grads64)):
        direction = rng.normal(size=flat[index].shape)
        plus, minus = list(flat), list(flat)
        plus[index] = flat[index] + step * direction
        minus[index] = flat[index] - step * direction
        expected = (numeric_loss(plus) - numeric_loss(minus)) / (2 * step)
        assert grad.shape == flat[index].shape, name
        assert float(np.sum(grad * direction)) == pytest.approx(expected, rel=1e-7, abs=1e-7), name
        # The float32 kernels (oneDNN / cuDNN) against the float64 gradient.
        np.testing.assert_allclose(grads32[index], grad, rtol=1e-4, atol=1e-4, err_msg=name)


@pytest.mark.parametrize("kind", list(KINDS))
def test_runs_inside_compiled_functions(kind):
    """Forward under the compiled function's no-grad context, and gradients through
    value_and_grad inside it, as a training step takes them."""
    fused, (reference, *_), arguments = _fused(kind), KINDS[kind], _arguments(kind, 4)
    tensors = _flat(_as_tensors(arguments, "float32"))
    state_count = KINDS[kind][2]
    forward = ADAPTER.compile_function(
        lambda values, *flat: fused(*_nested(list(flat), state_count), True), []
    )
    outputs, states = forward(*tensors)
    expected_outputs, expected_states = reference(*arguments, True)
    np.testing.assert_allclose(
        ADAPTER.convert_to_numpy(outputs), expected_outputs, **FLOAT32_TOLERANCE
    )
    for got, want in zip(_to_numpy(states), expected_states):
        np.testing.assert_allclose(got, want, **FLOAT32_TOLERANCE)
    if not ADAPTER.SUPPORTS_TRAINING:
        return
    gradient = _gradient_function(kind, True)
    compiled_gradient = ADAPTER.compile_function(lambda values, *flat: gradient(list(flat))[1], [])
    with _no_cudnn_weight_copies():
        compiled = _to_numpy(compiled_gradient(*tensors))
        eager = _to_numpy(gradient(tensors)[1])
    for got, want in zip(compiled, eager):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("kind", list(KINDS))
def test_refuses_weights_of_the_wrong_shape(kind):
    fused = _fused(kind)
    inputs, states, kernel, recurrent_kernel, bias = _as_tensors(_arguments(kind, 5), "float32")
    with pytest.raises(ValueError, match="kernel.*received \\(4, "):
        fused(inputs, states, kernel[:, 1:], recurrent_kernel, bias)
    with pytest.raises(ValueError, match="bias"):
        fused(inputs, states, kernel, recurrent_kernel, bias[..., 1:])
    with pytest.raises(ValueError, match="inputs of rank 3"):
        fused(inputs[0], states, kernel, recurrent_kernel, bias)


@pytest.mark.skipif(ADAPTER.NAME != "torch", reason="bias=None is a torch adapter extension")
@pytest.mark.parametrize("kind", list(KINDS))
def test_no_bias_is_a_zero_bias(kind):
    fused = _fused(kind)
    inputs, states, kernel, recurrent_kernel, bias = _as_tensors(_arguments(kind, 6), "float32")
    without, without_states = fused(inputs, states, kernel, recurrent_kernel, None)
    zero, zero_states = fused(inputs, states, kernel, recurrent_kernel, bias * 0.0)
    for got, want in zip(_to_numpy([without, *without_states]), _to_numpy([zero, *zero_states])):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kind", list(KINDS))
def test_inference_reuses_the_weight_buffer_until_a_weight_changes(kind, weight_layout):
    # With nothing differentiated, cuDNN's one-buffer copy of the weights is kept between
    # calls; an in-place update (an optimizer's) or new memory (an assignment) must
    # rebuild it. Checked on a CPU by forcing the one-buffer way (`weight_layout`).
    fused, (reference, *_), arguments = _fused(kind), KINDS[kind], _arguments(kind, 3)
    inputs, states, kernel, recurrent_kernel, bias = _as_tensors(arguments, "float32")
    if ADAPTER.NAME == "torch":  # stored as the layers store them (lay_out_fused_rnn_weight)
        kernel, recurrent_kernel = (
            ADAPTER.lay_out_fused_rnn_weight(w) for w in (kernel, recurrent_kernel)
        )
        assert kernel.t().is_contiguous()
    kernel_values = arguments[2]

    def check(kernel_now):
        outputs, _ = fused(inputs, states, kernel, recurrent_kernel, bias)
        expected, _ = reference(arguments[0], arguments[1], kernel_now, *arguments[3:], False)
        np.testing.assert_allclose(ADAPTER.convert_to_numpy(outputs), expected, **FLOAT32_TOLERANCE)

    check(kernel_values)
    check(kernel_values)  # the kept buffer, when there is one
    if ADAPTER.NAME == "torch":
        import torch

        kept = getattr(kernel, "_kerasfront_cudnn_weights", None)
        assert (kept is not None) == (kernel.is_cuda or weight_layout == "one_buffer")
        with torch.no_grad():
            kernel.mul_(0.5)  # in place: same memory, a new version
        check(kernel_values * 0.5)
        kernel.data = kernel.data * 2.0  # new memory
        check(kernel_values)
