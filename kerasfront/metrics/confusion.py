"""Metrics counted from a thresholded confusion matrix: TruePositives, FalsePositives,
TrueNegatives, FalseNegatives, Precision and Recall (tf.keras 2's arguments and rules).

A prediction is positive at threshold t when `y_pred > t` (strictly); a label is positive
when it is non-zero. Each threshold has its own count, so a list of thresholds gives a
vector result.
"""

from __future__ import annotations

import numpy as np

from kerasfront import ops
from kerasfront.metrics.base import (
    Metric,
    align_targets,
    as_tensor,
    broadcast_weights,
    divide_no_nan,
)

# tf.keras 2 marks the scores outside the top k with this value, below every threshold.
NEG_INF = -1e10


def parse_thresholds(thresholds, default: float, owner: str) -> list[float]:
    """The thresholds as a list of floats in [0, 1]; `[default]` when None."""
    if thresholds is None:
        return [default]
    values = np.atleast_1d(np.asarray(thresholds, dtype="float64")).ravel().tolist()
    if not values or any(not 0.0 <= value <= 1.0 for value in values):
        raise ValueError(f"{owner}: thresholds must be in [0, 1], received {thresholds!r}.")
    return values


def filter_top_k(y_pred, k: int):
    """Keeps the `k` highest scores of the last axis and sets the others to NEG_INF.
    Equal scores are ranked by position, the lower index first (as tf.math.top_k)."""
    classes = ops.shape(y_pred)[-1]
    mine = ops.expand_dims(y_pred, -1)  # (..., C, 1): the entry being ranked
    other = ops.expand_dims(y_pred, -2)  # (..., 1, C): the entries it is compared with
    positions = np.arange(classes)
    earlier = ops.convert_to_tensor(positions[None, :] < positions[:, None])
    ahead = ops.logical_or(
        ops.greater(other, mine), ops.logical_and(ops.equal(other, mine), earlier)
    )
    rank = ops.sum(ops.cast(ahead, "int32"), axis=-1)
    return ops.where(ops.less(rank, k), y_pred, ops.full(ops.shape(y_pred), NEG_INF, "float32"))


def confusion_counts(
    y_true,
    y_pred,
    thresholds,
    sample_weight=None,
    *,
    top_k=None,
    class_id=None,
    label_weights=None,
    multi_label=False,
    owner="metric",
):
    """The weighted (true positives, false positives, true negatives, false negatives)
    at each threshold: four tensors of shape (thresholds,), or (thresholds, labels) with
    `multi_label` (the last axis of y_pred holds the labels then)."""
    y_pred = as_tensor(y_pred, "float32")
    y_true = align_targets(as_tensor(y_true, "float32"), y_pred)
    if tuple(ops.shape(y_true)) != tuple(ops.shape(y_pred)):
        raise ValueError(
            f"{owner}: y_true of shape {tuple(ops.shape(y_true))} and y_pred of shape "
            f"{tuple(ops.shape(y_pred))} must have the same shape (one label per score)."
        )
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        classes = ops.shape(y_pred)[-1]
        if not 0 <= class_id < classes:
            raise ValueError(
                f"{owner}: class_id={class_id} is outside the {classes} classes of y_pred."
            )
        y_true, y_pred = y_true[..., class_id], y_pred[..., class_id]
    weights = (
        ops.ones_like(y_pred)
        if sample_weight is None
        else broadcast_weights(sample_weight, y_pred, owner)
    )
    if label_weights is not None:
        weights = weights * as_tensor(label_weights, "float32")
    positive = ops.cast(ops.not_equal(y_true, 0.0), "float32")
    if multi_label:
        labels = ops.shape(y_pred)[-1]
        flat = (-1, labels)
        thresholds_shape = (len(thresholds), 1, 1)
    else:
        flat = (-1,)
        thresholds_shape = (len(thresholds), 1)
    y_pred, positive, weights = (ops.reshape(t, flat) for t in (y_pred, positive, weights))
    cut = ops.convert_to_tensor(np.asarray(thresholds, "float32").reshape(thresholds_shape))
    # (thresholds, samples[, labels]): whether each score is predicted positive.
    predicted = ops.cast(ops.greater(ops.expand_dims(y_pred, 0), cut), "float32")
    weighted_positive = positive * weights
    weighted_negative = (1.0 - positive) * weights
    true_positives = ops.sum(predicted * weighted_positive, axis=1)
    false_positives = ops.sum(predicted * weighted_negative, axis=1)
    false_negatives = ops.sum((1.0 - predicted) * weighted_positive, axis=1)
    true_negatives = ops.sum((1.0 - predicted) * weighted_negative, axis=1)
    return true_positives, false_positives, true_negatives, false_negatives


class _Counts(Metric):
    """One confusion count per threshold (default 0.5)."""

    _index = 0  # position in confusion_counts' result

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name, dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(thresholds, 0.5, f"{type(self).__name__}")
        self.accumulator = self.add_variable("accumulator", (len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = confusion_counts(
            y_true,
            y_pred,
            self.thresholds,
            sample_weight,
            owner=f"{type(self).__name__} '{self.name}'",
        )
        self.accumulator.assign(self.accumulator.value + counts[self._index])

    def result(self):
        value = self.accumulator.value
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {"thresholds": self.init_thresholds, **super().get_config()}


class TruePositives(_Counts):
    """The weighted number of positive labels predicted positive."""

    _index = 0


class FalsePositives(_Counts):
    """The weighted number of negative labels predicted positive."""

    _index = 1


class TrueNegatives(_Counts):
    """The weighted number of negative labels predicted negative."""

    _index = 2


class FalseNegatives(_Counts):
    """The weighted number of positive labels predicted negative."""

    _index = 3


class _PrecisionRecall(Metric):
    """Shared by Precision and Recall: true positives plus one other count."""

    _other = "false_positives"

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name, dtype)
        owner = f"{type(self).__name__} '{self.name}'"
        if top_k is not None and (not isinstance(top_k, int) or top_k < 1):
            raise ValueError(f"{owner}: top_k must be a positive integer, received {top_k!r}.")
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        # With top_k every kept score counts as predicted positive unless thresholds say.
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_thresholds(thresholds, default, owner)
        size = (len(self.thresholds),)
        self.true_positives = self.add_variable("true_positives", size)
        self.other = self.add_variable(self._other, size)

    def update_state(self, y_true, y_pred, sample_weight=None):
        tp, fp, _, fn = confusion_counts(
            y_true,
            y_pred,
            self.thresholds,
            sample_weight,
            top_k=self.top_k,
            class_id=self.class_id,
            owner=f"{type(self).__name__} '{self.name}'",
        )
        other = fp if self._other == "false_positives" else fn
        self.true_positives.assign(self.true_positives.value + tp)
        self.other.assign(self.other.value + other)

    def result(self):
        tp = self.true_positives.value
        value = divide_no_nan(tp, tp + self.other.value)
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self):
        return {
            "thresholds": self.init_thresholds,
            "top_k": self.top_k,
            "class_id": self.class_id,
            **super().get_config(),
        }


class Precision(_PrecisionRecall):
    """true positives / (true positives + false positives), per threshold.

    Args:
        thresholds: a float or list of floats in [0, 1]; default 0.5 (no threshold, only
            the top k, when `top_k` is set). A list gives one precision per threshold.
        top_k: count only the `k` highest scores of each sample as predicted.
        class_id: count only this class (an index on the last axis).
        name: default "precision".
        dtype: of the state.
    """

    _other = "false_positives"


class Recall(_PrecisionRecall):
    """true positives / (true positives + false negatives), per threshold; the
    arguments are Precision's (default name "recall")."""

    _other = "false_negatives"


CLASSES = [TruePositives, FalsePositives, TrueNegatives, FalseNegatives, Precision, Recall]
