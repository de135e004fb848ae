"""CTC prefix beam search in NumPy, for `K.ctc_decode(..., greedy=False)`.

A beam is a label prefix with two log-probabilities: of the alignments so far that end
in a blank, and of those that end in the prefix's last label. Telling them apart is what
lets "a a" (two labels, a blank between) and "a" (one label held for two steps) differ.
"""

from __future__ import annotations

import math

import numpy as np

_NO_PATH = -math.inf


def _log_add(a: float, b: float) -> float:
    """log(exp(a) + exp(b)) of Python floats (np.logaddexp costs more per scalar call)."""
    if a < b:
        a, b = b, a
    if b == _NO_PATH:
        return a
    return a + math.log1p(math.exp(b - a))


def _best(beams: dict, count: int) -> list:
    """The `count` most likely prefixes (ties keep the order the prefixes were found)."""
    ranked = sorted(beams.items(), key=lambda item: -_log_add(*item[1]))
    return ranked[:count]


def _add(beams: dict, prefix: tuple, in_blank=_NO_PATH, in_label=_NO_PATH) -> None:
    """Adds probability (in logs) to the two halves of a prefix's score."""
    old_blank, old_label = beams.get(prefix, (_NO_PATH, _NO_PATH))
    beams[prefix] = (_log_add(old_blank, in_blank), _log_add(old_label, in_label))


def _one_sample(log_probs: np.ndarray, beam_width: int, top_paths: int) -> list:
    """[(labels, log probability)] of the best `top_paths` prefixes for one sample's
    normalized log-probabilities (time, classes); the last class is the blank."""
    blank = log_probs.shape[1] - 1
    beams = {(): (0.0, _NO_PATH)}  # prefix -> (ends in blank, ends in its last label)
    for step in log_probs.tolist():
        extended: dict = {}
        for prefix, (ends_blank, ends_label) in beams.items():
            total = _log_add(ends_blank, ends_label)
            _add(extended, prefix, in_blank=total + step[blank])
            if prefix:
                # The last label held one more step: the prefix does not grow.
                _add(extended, prefix, in_label=ends_label + step[prefix[-1]])
            for label in range(blank):
                if prefix and label == prefix[-1]:
                    # A repeated label needs a blank between the two.
                    _add(extended, prefix + (label,), in_label=ends_blank + step[label])
                else:
                    _add(extended, prefix + (label,), in_label=total + step[label])
        beams = dict(_best(extended, beam_width))
    return [(prefix, _log_add(*scores)) for prefix, scores in _best(beams, top_paths)]


def _merge_repeats(labels: tuple) -> list:
    return [label for index, label in enumerate(labels) if index == 0 or label != labels[index - 1]]


def beam_search(log_probs: np.ndarray, lengths: np.ndarray, beam_width: int, top_paths: int):
    """Beam search over a batch, as tf.keras 2's `ctc_decode(greedy=False)` returns it.

    Args:
        log_probs: (samples, time, classes) normalized log-probabilities.
        lengths: (samples,) valid steps of each sample.
        beam_width: prefixes kept after each step.
        top_paths: prefixes returned per sample.

    Returns:
        `(decoded, scores)`: a list of `top_paths` int64 arrays (samples, time) padded
        with -1, repeated labels merged (TensorFlow's v1 decoder default); and
        (samples, top_paths) log probabilities.
    """
    samples, time, _ = log_probs.shape
    decoded = [np.full((samples, time), -1, dtype="int64") for _ in range(top_paths)]
    scores = np.zeros((samples, top_paths))
    for sample in range(samples):
        length = int(lengths[sample])
        if not 0 <= length <= time:
            raise ValueError(
                f"ctc_decode: input_length {length} of sample {sample} is outside [0, {time}]."
            )
        found = _one_sample(log_probs[sample, :length], beam_width, top_paths)
        if len(found) < top_paths:
            raise ValueError(
                f"ctc_decode: sample {sample} has {len(found)} possible label sequences in "
                f"{length} steps, fewer than top_paths={top_paths}; ask for fewer paths."
            )
        for rank, (prefix, score) in enumerate(found):
            labels = _merge_repeats(prefix)
            decoded[rank][sample, : len(labels)] = labels
            scores[sample, rank] = score
    return decoded, scores
