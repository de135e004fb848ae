"""K.ctc_batch_cost and K.ctc_decode against NumPy references written here: all
alignments enumerated for tiny cases, the forward algorithm, best path by hand; the
sparse helpers; and a model trained with a CTC loss in a Lambda (Keras's OCR pattern)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kerasfront import backend as K
from kerasfront import layers, ops
from kerasfront.backend import ctc as ctc_module
from kerasfront.backend.registry import ADAPTER
from kerasfront.models import Model

needs_training = pytest.mark.skipif(
    not ADAPTER.SUPPORTS_TRAINING, reason="this backend has no gradients"
)
EPSILON = 1e-7  # K.epsilon()'s default
RNG = np.random.default_rng(5)


def _probabilities(shape, sharpness=2.0):
    logits = sharpness * RNG.normal(size=shape)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    return (p / p.sum(-1, keepdims=True)).astype("float32")


def _log_normalized(y_pred):
    """tf.keras 2 reads log(y_pred + eps) as logits: these are the log-probabilities."""
    logits = np.log(y_pred.astype("float64") + EPSILON)
    return logits - np.log(np.exp(logits).sum(-1, keepdims=True))


def _collapse(path, blank):
    merged = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
    return tuple(c for c in merged if c != blank)


def _sequence_probabilities(log_probs):
    """{label sequence: probability}, by enumerating every alignment (time, classes)."""
    time, classes = log_probs.shape
    totals: dict = {}
    for path in itertools.product(range(classes), repeat=time):
        labels = _collapse(path, classes - 1)
        totals[labels] = totals.get(labels, 0.0) + np.exp(log_probs[np.arange(time), path].sum())
    return totals


def _forward(log_probs, labels):
    """-log p(labels) by the forward algorithm in probability space (float64)."""
    time, classes = log_probs.shape
    blank = classes - 1
    extended = [blank]
    for label in labels:
        extended += [label, blank]
    probs = np.exp(log_probs)
    alpha = np.zeros(len(extended))
    alpha[0] = probs[0, blank]
    if labels:
        alpha[1] = probs[0, extended[1]]
    for t in range(1, time):
        new = np.zeros_like(alpha)
        for s, label in enumerate(extended):
            total = alpha[s] + (alpha[s - 1] if s >= 1 else 0.0)
            if s >= 2 and label != blank and label != extended[s - 2]:
                total += alpha[s - 2]
            new[s] = total * probs[t, label]
        alpha = new
    likelihood = alpha[-1] + (alpha[-2] if labels else 0.0)
    return -np.log(likelihood) if likelihood > 0 else np.inf


def _batch_reference(y_true, y_pred, input_length, label_length):
    log_probs = _log_normalized(y_pred)
    return np.array(
        [
            _forward(
                log_probs[b, : input_length[b]], [int(v) for v in y_true[b, : label_length[b]]]
            )
            for b in range(len(y_pred))
        ]
    )


# Four samples of 6 steps, 4 classes (blank = 3): labels padded with -1 and with an id
# out of range past their lengths, a repeated label, an empty label, a shorter input.
Y_PRED = _probabilities((4, 6, 4))
Y_TRUE = np.array([[0, 1, 1], [2, 0, -1], [1, 9, 9], [0, 0, 0]], dtype="float32")
LABEL_LENGTH = np.array([3, 2, 1, 0])
INPUT_LENGTH = np.array([6, 4, 6, 3])


def test_forward_reference_matches_enumerated_alignments():
    log_probs = _log_normalized(_probabilities((4, 3)))
    for labels, probability in _sequence_probabilities(log_probs).items():
        assert _forward(log_probs, list(labels)) == pytest.approx(-np.log(probability), rel=1e-9)


def test_ctc_batch_cost_matches_the_forward_algorithm():
    loss = K.ctc_batch_cost(Y_TRUE, Y_PRED, INPUT_LENGTH[:, None], LABEL_LENGTH[:, None])
    assert K.int_shape(loss) == (4, 1)
    expected = _batch_reference(Y_TRUE, Y_PRED, INPUT_LENGTH, LABEL_LENGTH)
    np.testing.assert_allclose(K.get_value(loss)[:, 0], expected, rtol=1e-5, atol=1e-5)


def test_scan_forward_algorithm_matches_on_every_engine():
    # torch's ctc_batch_cost uses torch's kernel: check the scan version there too.
    log_probs = ops.convert_to_tensor(_log_normalized(Y_PRED).astype("float32"))
    loss = ctc_module._forward_algorithm(
        log_probs,
        ops.convert_to_tensor(Y_TRUE.astype("int32")),
        ops.convert_to_tensor(INPUT_LENGTH.astype("int32")),
        ops.convert_to_tensor(LABEL_LENGTH.astype("int32")),
    )
    expected = _batch_reference(Y_TRUE, Y_PRED, INPUT_LENGTH, LABEL_LENGTH)
    np.testing.assert_allclose(K.get_value(loss), expected, rtol=1e-5, atol=1e-5)


def test_a_label_too_long_for_its_input_costs_infinity():
    # Two equal labels need three steps (a blank between them); two steps are given.
    loss = K.ctc_batch_cost(np.array([[1, 1]]), Y_PRED[:1], np.array([[2]]), np.array([[2]]))
    assert np.isposinf(K.get_value(loss)[0, 0])


def test_ctc_batch_cost_inside_a_compiled_function():
    run = ADAPTER.compile_function(
        lambda values, y_true, y_pred, il, ll: K.ctc_batch_cost(y_true, y_pred, il, ll), []
    )
    t = ops.convert_to_tensor
    loss = run(t(Y_TRUE), t(Y_PRED), t(INPUT_LENGTH[:, None]), t(LABEL_LENGTH[:, None]))
    expected = _batch_reference(Y_TRUE, Y_PRED, INPUT_LENGTH, LABEL_LENGTH)
    np.testing.assert_allclose(K.get_value(loss)[:, 0], expected, rtol=1e-5, atol=1e-5)


@needs_training
def test_ctc_batch_cost_gradient_matches_finite_differences():
    weights = RNG.random(4)
    t = ops.convert_to_tensor

    def objective(values):
        loss = K.ctc_batch_cost(Y_TRUE, values[0], INPUT_LENGTH[:, None], LABEL_LENGTH[:, None])
        return ops.sum(loss[:, 0] * t(weights.astype("float32"))), None

    _, (grad,) = ADAPTER.value_and_grad(objective)([t(Y_PRED)])
    direction = RNG.normal(size=Y_PRED.shape)
    step = 1e-5
    base = Y_PRED.astype("float64")

    def numeric(y_pred):
        return float(np.sum(_batch_reference(Y_TRUE, y_pred, INPUT_LENGTH, LABEL_LENGTH) * weights))

    expected = (numeric(base + step * direction) - numeric(base - step * direction)) / (2 * step)
    assert float(np.sum(K.get_value(grad) * direction)) == pytest.approx(expected, rel=1e-3)


def _greedy_by_hand(y_pred, lengths):
    time, blank = y_pred.shape[1], y_pred.shape[2] - 1
    decoded = np.full((len(y_pred), time), -1)
    scores = np.zeros((len(y_pred), 1))
    for b, length in enumerate(lengths):
        logits = np.log(y_pred[b, :length].astype("float64") + EPSILON)
        labels = _collapse(list(logits.argmax(-1)), blank)
        decoded[b, : len(labels)] = labels
        scores[b, 0] = -logits.max(-1).sum()
    return decoded, scores


def test_greedy_decoding_by_hand_eagerly_and_compiled():
    y_pred = Y_PRED.copy()
    y_pred[0, 1:3] = [0.1, 0.1, 0.7, 0.1]  # a label held over two steps is one label
    decoded, scores = _greedy_by_hand(y_pred, INPUT_LENGTH)
    (got,), got_scores = K.ctc_decode(y_pred, INPUT_LENGTH)
    assert K.int_shape(got) == y_pred.shape[:2]
    np.testing.assert_array_equal(K.get_value(got), decoded)
    np.testing.assert_allclose(K.get_value(got_scores), scores, rtol=1e-5)
    run = ADAPTER.compile_function(lambda values, p, n: K.ctc_decode(p, n)[0][0], [])
    compiled = run(ops.convert_to_tensor(y_pred), ops.convert_to_tensor(INPUT_LENGTH))
    np.testing.assert_array_equal(K.get_value(compiled), decoded)


def test_beam_search_finds_the_most_likely_sequences():
    # A beam wider than the number of prefixes makes the search exact: the best label
    # sequences by total probability over their alignments (repeats then merged, as
    # tf.keras 2 returns them).
    y_pred = _probabilities((2, 4, 3), sharpness=1.0)
    lengths = np.array([4, 3])
    (first, second), scores = K.ctc_decode(
        y_pred, lengths, greedy=False, beam_width=100, top_paths=2
    )
    for b, length in enumerate(lengths):
        totals = _sequence_probabilities(_log_normalized(y_pred[b, :length]))
        ranked = sorted(totals.items(), key=lambda item: -item[1])[:2]
        for rank, (decoded, (labels, probability)) in enumerate(zip((first, second), ranked)):
            merged = [c for i, c in enumerate(labels) if i == 0 or c != labels[i - 1]]
            row = K.get_value(decoded)[b]
            assert list(row[: len(merged)]) == merged and (row[len(merged) :] == -1).all()
            assert K.get_value(scores)[b, rank] == pytest.approx(np.log(probability), rel=1e-5)


def test_beam_search_needs_concrete_values():
    if ADAPTER.NAME != "numpy":  # the others trace a graph tensor's shape symbolically
        with pytest.raises(ValueError, match="needs concrete values"):
            K.ctc_decode(layers.Input(shape=(6, 4)), INPUT_LENGTH, greedy=False)
    if ADAPTER.NAME in ("jax", "tensorflow"):  # their compiled functions trace
        run = ADAPTER.compile_function(
            lambda values, p: K.ctc_decode(p, INPUT_LENGTH, greedy=False)[1], []
        )
        with pytest.raises(ValueError, match="cannot run inside a compiled function"):
            run(ops.convert_to_tensor(Y_PRED))
    with pytest.raises(ValueError, match="must not exceed beam_width"):
        K.ctc_decode(Y_PRED, INPUT_LENGTH, greedy=False, beam_width=2, top_paths=3)
    with pytest.raises(ValueError, match="one length per sample"):
        K.ctc_decode(Y_PRED, INPUT_LENGTH[:2], greedy=False)


def test_sparse_helpers():
    dense = ops.convert_to_tensor(Y_TRUE)
    assert K.is_sparse(dense) is False and K.is_sparse(Y_TRUE) is False
    assert K.to_dense(dense) is dense
    labels = Y_TRUE.astype("int32")
    if ADAPTER.NAME != "tensorflow":
        with pytest.raises(ValueError, match="only on the TensorFlow backend"):
            K.ctc_label_dense_to_sparse(labels, LABEL_LENGTH)
        return
    sparse = K.ctc_label_dense_to_sparse(labels, LABEL_LENGTH)
    assert K.is_sparse(sparse)
    kept = np.arange(3)[None, :] < LABEL_LENGTH[:, None]
    np.testing.assert_array_equal(K.get_value(K.to_dense(sparse)), np.where(kept, labels, 0))


@needs_training
def test_a_model_with_a_ctc_loss_in_a_lambda_trains():
    # Keras 2's OCR example: the model's output is the CTC loss, and the compiled loss
    # passes it through.
    time, features, classes, max_labels, samples = 8, 5, 4, 3, 16
    x = RNG.normal(size=(samples, time, features)).astype("float32")
    labels = RNG.integers(0, classes - 1, size=(samples, max_labels)).astype("float32")
    label_length = RNG.integers(1, max_labels + 1, size=(samples, 1))
    input_length = np.full((samples, 1), time)

    inputs = layers.Input(shape=(time, features))
    y_pred = layers.Dense(classes, activation="softmax")(layers.Dense(16, "tanh")(inputs))
    label_input = layers.Input(shape=(max_labels,))
    input_length_input = layers.Input(shape=(1,), dtype="int64")
    label_length_input = layers.Input(shape=(1,), dtype="int64")
    loss_out = layers.Lambda(lambda args: K.ctc_batch_cost(*args), output_shape=(1,))(
        [label_input, y_pred, input_length_input, label_length_input]
    )
    model = Model([inputs, label_input, input_length_input, label_length_input], loss_out)
    model.compile(optimizer="adam", loss=lambda y_true, y_pred: y_pred)
    history = model.fit(
        [x, labels, input_length, label_length],
        np.zeros(samples, "float32"),
        batch_size=8,
        epochs=6,
        verbose=0,
    )
    losses = history.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]


def test_lengths_given_on_the_host_are_checked_against_their_axis():
    probabilities = np.full((2, 4, 3), 1 / 3, dtype="float32")  # time axis 4
    labels = np.zeros((2, 2), dtype="int32")  # label axis 2
    with pytest.raises(ValueError, match=r"ctc_decode: input_length.*time axis \(4\).*\[5\]"):
        K.ctc_decode(probabilities, np.array([4, 5]))
    with pytest.raises(ValueError, match=r"input_length.*\[-1\]"):
        K.ctc_decode(probabilities, [-1, 2], greedy=False)
    with pytest.raises(ValueError, match=r"ctc_batch_cost: label_length.*\(2\).*\[3\]"):
        K.ctc_batch_cost(labels, probabilities, np.array([[4], [4]]), np.array([[1], [3]]))
    # The full axes are accepted.
    decoded, _ = K.ctc_decode(probabilities, np.array([4, 4]))
    assert K.int_shape(decoded[0]) == (2, 4)
