"""Keras 2's CTC functions (`K.ctc_batch_cost`, `K.ctc_decode`), and its sparse helpers.

Keras 2 conventions: `y_pred` holds softmax probabilities (samples, time, classes); the
last class is the blank; labels are dense (samples, max_label_length) with lengths
beside them. Like tf.keras 2, the loss and the decoders read `log(y_pred + epsilon())`
as logits, so the probabilities they use are `(y_pred + eps) / (1 + classes * eps)`.

The loss is the CTC forward algorithm in log space on the contract's `scan`: one engine
loop, differentiable, inside compiled steps on every engine (or the engine's own CTC
kernel where the adapter offers an exact one, see contract.OPTIONAL_NAMES).
"""

from __future__ import annotations

import numpy as np

from kerasfront import config, ops
from kerasfront.backend.ctc_beam_search import beam_search
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.variables import unwrap

__all__ = [
    "ctc_batch_cost",
    "ctc_decode",
    "ctc_label_dense_to_sparse",
    "is_sparse",
    "to_dense",
]

# log(0) stand-in: finite, so (log 0) - (log 0) and its gradients stay NaN-free; adding
# log-probabilities to it leaves it unchanged in float32.
_LOG_ZERO = -1e30


def _tensor(x, dtype=None):
    return ops.convert_to_tensor(unwrap(x), dtype)


def _lengths(x, what: str):
    """(samples,) int32 lengths from (samples, 1) or (samples,)."""
    lengths = ops.cast(_tensor(x), "int32")
    shape = ops.shape(lengths)
    if len(shape) == 2 and shape[1] == 1:
        return ops.reshape(lengths, (-1,))
    if len(shape) != 1:
        raise ValueError(f"{what} must be (samples, 1) or (samples,), received shape {shape}.")
    return lengths


def _check_host_lengths(x, limit: int, what: str, axis: str) -> None:
    """Lengths given on the host (NumPy, lists, numbers) must lie in [0, limit]: a longer
    one would read past the axis and be clipped silently. Tensors are not read back (a
    check there would wait for the device inside every step)."""
    if not isinstance(x, (np.ndarray, list, tuple, int, float, np.number)):
        return
    values = np.asarray(x).reshape(-1)
    bad = values[(values < 0) | (values > limit)]
    if bad.size:
        raise ValueError(
            f"{what}: every length must lie between 0 and the {axis} ({limit}); received "
            f"{bad[:5].tolist()}{' ...' if bad.size > 5 else ''}."
        )


def _log_inputs(y_pred, what: str):
    y_pred = _tensor(y_pred)
    shape = ops.shape(y_pred)
    if len(shape) != 3:
        raise ValueError(
            f"{what}: y_pred must be (samples, time, classes) softmax probabilities, "
            f"received shape {shape}."
        )
    return ops.log(y_pred + config.epsilon()), shape


def _log_add(*terms):
    """log(sum(exp(terms))) of same-shaped tensors, stable for large magnitudes."""
    top = terms[0]
    for term in terms[1:]:
        top = ops.maximum(top, term)
    total = sum(ops.exp(term - top) for term in terms)
    return top + ops.log(total)


def _shifted(alpha, by: int):
    """`alpha` moved `by` places right along the states, log(0) coming in on the left."""
    filler = ops.zeros_like(alpha[:, :by]) + _LOG_ZERO
    return ops.concatenate([filler, alpha[:, :-by]], axis=1)


def _forward_algorithm(log_probs, labels, input_length, label_length):
    """-log p(labels | inputs) per sample; `log_probs` (samples, time, classes) normalized."""
    batch, time, classes = ops.shape(log_probs)
    blank = classes - 1
    max_labels = ops.shape(labels)[1]
    # Padding past each label length becomes the blank: any id there is ignored (and an
    # id beyond the classes could not be gathered).
    positions = ops.convert_to_tensor(np.arange(max_labels, dtype="int32").reshape(1, -1))
    labels = ops.where(ops.less(positions, ops.reshape(label_length, (-1, 1))), labels, blank)
    # The extended label: blank, l1, blank, l2, ..., blank (2 L + 1 states).
    blanks = ops.zeros_like(labels) + blank
    extended = ops.reshape(ops.stack([blanks, labels], axis=-1), (-1, 2 * max_labels))
    extended = ops.concatenate([extended, blanks[:, :1]], axis=1)
    # A state may be reached from two states back when it is a label that differs from
    # the label before it (otherwise the blank between them is required).
    two_back = ops.concatenate([blanks[:, :1], blanks[:, :1], extended[:, :-2]], axis=1)
    may_skip = ops.logical_and(ops.not_equal(extended, blank), ops.not_equal(extended, two_back))

    states = 2 * max_labels + 1
    indices = ops.broadcast_to(ops.expand_dims(extended, 1), (batch, time, states))
    emissions = ops.transpose(ops.take_along_axis(log_probs, indices, axis=2), (1, 0, 2))
    steps = ops.convert_to_tensor(np.arange(time, dtype="int32").reshape(-1, 1))
    active = ops.less(steps, ops.reshape(input_length, (1, -1)))  # (time, samples)

    def step(carry, xs):
        (alpha,) = carry
        emission, step_active = xs
        from_two_back = ops.where(may_skip, _shifted(alpha, 2), _LOG_ZERO)
        new = _log_add(alpha, _shifted(alpha, 1), from_two_back) + emission
        return [ops.where(ops.expand_dims(step_active, 1), new, alpha)], []

    # Before the first step all the probability sits on a virtual state left of the
    # first blank; the recurrence then starts in the first blank or the first label.
    start = ops.convert_to_tensor(np.where(np.arange(states) == 0, 0.0, _LOG_ZERO))
    start = ops.zeros_like(emissions[0]) + ops.cast(start, ops.dtype(emissions))
    (alpha,), _ = ops.scan(step, [start], [emissions, active])

    last_blank = ops.reshape(2 * label_length, (-1, 1))
    last_label = ops.maximum(last_blank - 1, 0)
    end_blank = ops.take_along_axis(alpha, last_blank, axis=1)
    end_label = ops.take_along_axis(alpha, last_label, axis=1)
    end_label = ops.where(ops.greater(last_blank, 0), end_label, _LOG_ZERO)
    log_likelihood = _log_add(end_blank, end_label)
    # No alignment fits (a label longer than its input allows): an infinite loss, as
    # torch's ctc_loss gives (tf.keras 2 raises instead).
    impossible = ops.less(log_likelihood, _LOG_ZERO / 2)
    return ops.where(impossible, np.inf, -log_likelihood)[:, 0]


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """The CTC loss of each sample (Keras 2's `K.ctc_batch_cost`).

    Args:
        y_true: (samples, max_label_length) label ids (ints, or floats holding ints);
            entries past a sample's label length are ignored.
        y_pred: (samples, time, classes) softmax probabilities; class `classes - 1` is
            the blank.
        input_length: (samples, 1) number of valid steps of each sample in `y_pred`, at
            most its time axis (checked when given as NumPy values).
        label_length: (samples, 1) number of labels of each sample in `y_true`, at most
            its label axis (checked likewise).

    Returns:
        (samples, 1) negative log-likelihoods; infinite where no alignment fits (a
        label too long for its input; tf.keras 2 raises an error there).
    """
    log_inputs, shape = _log_inputs(y_pred, "ctc_batch_cost")
    log_probs = ops.log_softmax(log_inputs, axis=-1)
    labels = ops.cast(_tensor(y_true), "int32")
    if len(ops.shape(labels)) != 2:
        raise ValueError(
            "ctc_batch_cost: y_true must be (samples, max_label_length), received shape "
            f"{ops.shape(labels)}."
        )
    what = "ctc_batch_cost: input_length"
    _check_host_lengths(input_length, shape[1], what, "time axis of y_pred")
    input_length = _lengths(input_length, what)
    what = "ctc_batch_cost: label_length"
    _check_host_lengths(label_length, ops.shape(labels)[1], what, "label axis of y_true")
    label_length = _lengths(label_length, what)
    kernel = getattr(ADAPTER, "ctc_loss", None)
    if kernel is not None:
        loss = kernel(log_probs, labels, input_length, label_length)
    else:
        loss = _forward_algorithm(log_probs, labels, input_length, label_length)
    return ops.expand_dims(loss, 1)


def _greedy(log_inputs, input_length, shape):
    """Best path decoding in tensor ops (compiles): the most likely class at each step,
    repeats merged, blanks dropped; and minus the sum of the best logits."""
    _, time, classes = shape
    best = ops.cast(ops.argmax(log_inputs, axis=-1), "int32")  # (samples, time)
    steps = ops.convert_to_tensor(np.arange(time, dtype="int32").reshape(1, -1))
    active = ops.less(steps, ops.reshape(input_length, (-1, 1)))
    previous = ops.concatenate([ops.zeros_like(best[:, :1]) - 1, best[:, :-1]], axis=1)
    emitted = ops.logical_and(
        active, ops.logical_and(ops.not_equal(best, classes - 1), ops.not_equal(best, previous))
    )
    # Each emitted label moves to the slot counted by the emitted labels before it (a
    # cumulative count via a triangular mask, exact in integers on every engine).
    counts = ops.cast(emitted, "int32")
    up_to = ops.convert_to_tensor(np.tri(time, dtype="int32"))  # [t, t'] = t' <= t
    slot = ops.sum(ops.expand_dims(counts, 1) * ops.expand_dims(up_to, 0), axis=2) - 1
    slots = ops.convert_to_tensor(np.arange(time, dtype="int32").reshape(1, 1, -1))
    lands = ops.logical_and(
        ops.expand_dims(emitted, 2), ops.equal(ops.expand_dims(slot, 2), slots)
    )  # (samples, step, slot)
    decoded = ops.sum(ops.where(lands, ops.expand_dims(best + 1, 2), 0), axis=1) - 1
    best_logits = ops.where(active, ops.max(log_inputs, axis=-1), 0.0)
    return decoded, -ops.sum(best_logits, axis=1, keepdims=True)


def _label_dtype() -> str:
    """int64 as tf.keras 2 returns decoded labels, or the engine's widest integer (JAX
    without x64 mode keeps int32)."""
    return ops.dtype(ops.convert_to_tensor(np.zeros(1, dtype="int64")))


def _concrete(x, what: str) -> np.ndarray:
    try:
        return np.asarray(ops.convert_to_numpy(unwrap(x)))
    except Exception as error:  # a tracer or graph tensor of any engine
        raise ValueError(
            f"{what} runs in NumPy and needs concrete values; it cannot run inside a "
            "compiled function (jax.jit, tf.function) or a model's graph. Call it on the "
            "predictions, e.g. K.ctc_decode(model.predict(x), lengths, greedy=False), or "
            f"use greedy=True, which compiles. ({type(error).__name__}: {error})"
        ) from None


def ctc_decode(y_pred, input_length, greedy: bool = True, beam_width: int = 100, top_paths=1):
    """Decodes softmax outputs into label sequences (Keras 2's `K.ctc_decode`).

    Greedy decoding (best path) runs in tensor ops and compiles. Beam search runs in
    NumPy on concrete values and raises a ValueError on traced or symbolic tensors.
    Like tf.keras 2 (TensorFlow's v1 beam search decoder), repeated labels in a beam's
    result are merged, so a beam "a, blank, a" is returned as "a". A narrow beam may
    prune differently from TensorFlow's decoder at the pruning boundary; beams wide
    enough for the candidates give TensorFlow's results.

    Args:
        y_pred: (samples, time, classes) softmax probabilities; the last class is blank.
        input_length: (samples,) number of valid steps of each sample, at most the
            time axis (checked when given as NumPy values).
        greedy: best path decoding; else beam search.
        beam_width: beams kept at each step of the beam search.
        top_paths: how many of the most likely sequences the beam search returns.

    Returns:
        `(decoded, log_probabilities)`: `decoded` is a list (one entry for greedy, else
        `top_paths`) of int64 (int32 on JAX without x64) (samples, time) label ids
        padded with -1. Greedy gives
        (samples, 1) minus the sum over the steps of the largest `log(y_pred + eps)`,
        as TensorFlow's greedy decoder does; beam search gives (samples, top_paths) log
        probabilities of the sequences.
    """
    log_inputs, shape = _log_inputs(y_pred, "ctc_decode")
    _check_host_lengths(input_length, shape[1], "ctc_decode: input_length", "time axis")
    if greedy:
        lengths = _lengths(input_length, "ctc_decode: input_length")
        decoded, score = _greedy(log_inputs, lengths, shape)
        return [ops.cast(decoded, _label_dtype())], score
    if top_paths > beam_width:
        raise ValueError(
            f"ctc_decode: top_paths ({top_paths}) must not exceed beam_width ({beam_width})."
        )
    what = "ctc_decode with greedy=False (beam search)"
    probabilities = _concrete(y_pred, what).astype("float64")
    lengths = _concrete(input_length, what).reshape(-1).astype("int64")
    if lengths.shape != probabilities.shape[:1]:
        raise ValueError(
            f"ctc_decode: input_length must hold one length per sample ({shape[0]}), "
            f"received {lengths.shape[0]} lengths."
        )
    log_probs = np.log(probabilities + config.epsilon())
    log_probs -= np.log(np.exp(log_probs).sum(axis=-1, keepdims=True))
    decoded, scores = beam_search(log_probs, lengths, beam_width, top_paths)
    dtype = ops.dtype(log_inputs)
    labels = [ops.convert_to_tensor(d, _label_dtype()) for d in decoded]
    return labels, ops.convert_to_tensor(scores, dtype)


def ctc_label_dense_to_sparse(labels, label_lengths):
    """The labels of each sample, up to its length, as a `tf.SparseTensor` (TensorFlow
    only: the other engines have no sparse tensor type Keras code could use here)."""
    convert = getattr(ADAPTER, "ctc_label_dense_to_sparse", None)
    if convert is None:
        raise ValueError(
            "ctc_label_dense_to_sparse: sparse tensors exist only on the TensorFlow backend "
            f"(active: {ADAPTER.NAME}). K.ctc_batch_cost takes dense labels with their "
            "lengths directly; keep labels dense."
        )
    return convert(_tensor(labels, "int32"), _lengths(label_lengths, "label_lengths"))


def is_sparse(tensor) -> bool:
    """Whether `tensor` is a sparse tensor of the engine (False for every dense tensor)."""
    check = getattr(ADAPTER, "is_sparse", None)
    return bool(check(unwrap(tensor))) if check is not None else False


def to_dense(tensor):
    """A sparse tensor made dense; any other tensor is returned as it is."""
    return ADAPTER.sparse_to_dense(tensor) if is_sparse(tensor) else unwrap(tensor)
