"""AUC: the area under the ROC or precision-recall curve, approximated from confusion
counts at fixed thresholds, with tf.keras 2's thresholds, summation methods and
interpolation."""

from __future__ import annotations

import numpy as np

from kerasfront import config, ops
from kerasfront.metrics.base import Metric, as_tensor, divide_no_nan
from kerasfront.metrics.confusion import confusion_counts, parse_thresholds

_CURVES = ("ROC", "PR")
_SUMMATIONS = ("interpolation", "minoring", "majoring")


def auc_thresholds(num_thresholds: int, thresholds=None) -> list[float]:
    """tf.keras 2's thresholds: given ones (sorted) or `num_thresholds - 2` evenly spaced
    inside (0, 1), framed by -epsilon and 1 + epsilon so every score falls between two."""
    if thresholds is not None:
        inner = sorted(parse_thresholds(thresholds, 0.5, "AUC"))
    else:
        inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    eps = config.epsilon()
    return [0.0 - eps, *inner, 1.0 + eps]


class AUC(Metric):
    """The area under the ROC curve (recall against false-positive rate) or the PR curve
    (precision against recall), summed over the buckets between thresholds.

    Args:
        num_thresholds: how many thresholds (> 1); 200 as in Keras 2.
        curve: "ROC" or "PR".
        summation_method: "interpolation" (trapezoids for ROC; for PR the interpolation of
            Davis & Goadrich 2006, as tf.keras), "minoring" (left sums) or "majoring"
            (right sums).
        name: default "auc".
        dtype: of the state.
        thresholds: explicit thresholds in [0, 1] instead of `num_thresholds`.
        multi_label: one curve per label (last axis of 2-D data) averaged, instead of
            one curve over every label flattened.
        num_labels: the number of labels with `multi_label`; else taken from the data.
        label_weights: one non-negative weight per label (weights the counts; with
            `multi_label` weights the average of the per-label areas).
        from_logits: apply a sigmoid to the predictions first.
    """

    def __init__(
        self,
        num_thresholds=200,
        curve="ROC",
        summation_method="interpolation",
        name=None,
        dtype=None,
        thresholds=None,
        multi_label=False,
        num_labels=None,
        label_weights=None,
        from_logits=False,
    ):
        super().__init__(name, dtype)
        owner = f"AUC '{self.name}'"
        if str(curve).upper() not in _CURVES:
            raise ValueError(f"{owner}: curve must be one of {_CURVES}, received {curve!r}.")
        if str(summation_method).lower() not in _SUMMATIONS:
            raise ValueError(
                f"{owner}: summation_method must be one of {_SUMMATIONS}, received "
                f"{summation_method!r}."
            )
        if thresholds is None and (not isinstance(num_thresholds, int) or num_thresholds < 2):
            raise ValueError(
                f"{owner}: num_thresholds must be an integer > 1, received {num_thresholds!r}."
            )
        self.curve = str(curve).upper()
        self.summation_method = str(summation_method).lower()
        self.thresholds = auc_thresholds(num_thresholds, thresholds)
        self.num_thresholds = len(self.thresholds)
        self._init_thresholds = thresholds
        self.multi_label = bool(multi_label)
        self.from_logits = bool(from_logits)
        self.label_weights = None
        if label_weights is not None:
            weights = np.asarray(label_weights, "float32")
            if weights.ndim != 1 or (weights < 0).any():
                raise ValueError(
                    f"{owner}: label_weights must be a 1-D list of non-negative weights, "
                    f"received {label_weights!r}."
                )
            self.label_weights = weights
        self.num_labels = num_labels
        self.built = False
        if not self.multi_label:
            self._create_state(())
        elif num_labels is not None:
            self._create_state((int(num_labels),))

    def _create_state(self, labels: tuple) -> None:
        shape = (self.num_thresholds, *labels)
        self.true_positives = self.add_variable("true_positives", shape)
        self.true_negatives = self.add_variable("true_negatives", shape)
        self.false_positives = self.add_variable("false_positives", shape)
        self.false_negatives = self.add_variable("false_negatives", shape)
        self.built = True

    def build(self, y_true_shape, y_pred_shape) -> None:
        """With `multi_label` and no `num_labels`: one curve per label of `y_pred_shape`."""
        if self.built:
            return
        if len(y_pred_shape) != 2 or y_pred_shape[-1] is None:
            raise ValueError(
                f"AUC '{self.name}' with multi_label=True needs 2-D predictions (samples, "
                f"labels) with a known number of labels; received shape {tuple(y_pred_shape)}."
            )
        self.num_labels = int(y_pred_shape[-1])
        self._create_state((self.num_labels,))

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = as_tensor(y_pred, "float32")
        if not self.built:
            self.build(tuple(ops.shape(y_true)), tuple(ops.shape(y_pred)))
        if self.from_logits:
            y_pred = ops.sigmoid(y_pred)
        tp, fp, tn, fn = confusion_counts(
            y_true,
            y_pred,
            self.thresholds,
            sample_weight,
            label_weights=None if self.multi_label else self.label_weights,
            multi_label=self.multi_label,
            owner=f"AUC '{self.name}'",
        )
        for variable, count in (
            (self.true_positives, tp),
            (self.false_positives, fp),
            (self.true_negatives, tn),
            (self.false_negatives, fn),
        ):
            variable.assign(variable.value + count)

    def _average_labels(self, per_bucket):
        """The area: the sum over buckets; with multi_label, the (weighted) mean of the
        areas of the labels."""
        if not self.multi_label:
            return ops.sum(per_bucket)
        by_label = ops.sum(per_bucket, axis=0)
        if self.label_weights is None:
            return ops.mean(by_label)
        weights = ops.convert_to_tensor(self.label_weights)
        return divide_no_nan(ops.sum(by_label * weights), ops.sum(weights))

    def _interpolated_pr_auc(self, tp, fp, fn):
        """Precision interpolated between thresholds along the true positives (Davis &
        Goadrich): the exact area under that curve, bucket by bucket."""
        dtp = tp[:-1] - tp[1:]
        predicted = tp + fp
        dp = predicted[:-1] - predicted[1:]
        slope = divide_no_nan(dtp, ops.maximum(dp, 0.0))
        intercept = tp[1:] - slope * predicted[1:]
        both_positive = ops.logical_and(
            ops.greater(predicted[:-1], 0.0), ops.greater(predicted[1:], 0.0)
        )
        ratio = ops.where(
            both_positive,
            divide_no_nan(predicted[:-1], ops.maximum(predicted[1:], 0.0)),
            ops.ones_like(predicted[1:]),
        )
        increments = divide_no_nan(
            slope * (dtp + intercept * ops.log(ratio)), ops.maximum(tp[1:] + fn[1:], 0.0)
        )
        return self._average_labels(increments)

    def result(self):
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolated_pr_auc(tp, fp, fn)
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = ops.minimum(y[:-1], y[1:])
        else:
            heights = ops.maximum(y[:-1], y[1:])
        return self._average_labels((x[:-1] - x[1:]) * heights)

    def reset_state(self) -> None:
        if self.built:
            super().reset_state()

    def get_config(self):
        return {
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "thresholds": self._init_thresholds,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
            "from_logits": self.from_logits,
            **super().get_config(),
        }


CLASSES = [AUC]
