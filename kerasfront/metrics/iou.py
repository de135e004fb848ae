"""Intersection over union from an accumulated confusion matrix: IoU (chosen classes)
and MeanIoU (every class), with tf.keras 2's arguments."""

from __future__ import annotations

import numpy as np

from kerasfront import ops
from kerasfront.metrics.base import Metric, as_tensor, broadcast_weights, divide_no_nan


class IoU(Metric):
    """true positives / (true positives + false positives + false negatives) of each
    class in `target_class_ids`, averaged over those classes that occurred (in the
    targets or the predictions).

    Rows of the confusion matrix are true classes, columns predicted classes. Labels
    outside [0, num_classes) are not counted.

    Args:
        num_classes: the number of classes (the matrix is num_classes x num_classes).
        target_class_ids: the classes whose IoU is averaged.
        name: default "io_u".
        dtype: of the state.
        ignore_class: a label whose samples are not counted (a "void" class).
        sparse_y_true: targets are class indices; False: one score per class (argmax).
        sparse_y_pred: predictions are class indices (as in Keras 2: cast to integers,
            so probabilities must be turned into classes first); False: argmax.
        axis: the class axis for the argmax of non-sparse values.
    """

    def __init__(
        self,
        num_classes,
        target_class_ids,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        super().__init__(name, dtype)
        owner = f"{type(self).__name__} '{self.name}'"
        if not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
            raise ValueError(
                f"{owner}: num_classes must be a positive integer, received {num_classes!r}."
            )
        ids = [int(i) for i in target_class_ids]
        if not ids or any(not 0 <= i < num_classes for i in ids):
            raise ValueError(
                f"{owner}: target_class_ids must be classes in [0, {num_classes}), received "
                f"{target_class_ids!r}."
            )
        self.num_classes = int(num_classes)
        self.target_class_ids = ids
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable("total_confusion_matrix", (num_classes, num_classes))

    def _one_hot(self, classes):
        # A comparison, not a gather: an out-of-range label gives a zero row on every
        # engine instead of an error on one and a wrong index on another.
        return ops.cast(
            ops.equal(ops.expand_dims(classes, -1), ops.arange(self.num_classes, dtype="int32")),
            self.dtype,
        )

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = as_tensor(y_true), as_tensor(y_pred)
        if not self.sparse_y_true:
            y_true = ops.argmax(y_true, self.axis)
        if not self.sparse_y_pred:
            y_pred = ops.argmax(y_pred, self.axis)
        y_true = ops.cast(as_tensor(y_true, self.dtype), "int32")
        y_pred = ops.cast(as_tensor(y_pred, self.dtype), "int32")
        if ops.size(y_true) != ops.size(y_pred):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': y_true of shape "
                f"{tuple(ops.shape(y_true))} and y_pred of shape {tuple(ops.shape(y_pred))} "
                "must hold one class per element each."
            )
        y_pred = ops.reshape(y_pred, ops.shape(y_true))
        weights = (
            ops.ones(ops.shape(y_true), self.dtype)
            if sample_weight is None
            else broadcast_weights(
                sample_weight, ops.cast(y_true, self.dtype), f"{type(self).__name__}"
            )
        )
        if self.ignore_class is not None:
            ignored = ops.equal(y_true, int(self.ignore_class))
            weights = ops.where(ignored, ops.zeros_like(weights), weights)
        y_true, y_pred, weights = (ops.reshape(t, (-1,)) for t in (y_true, y_pred, weights))
        true_one_hot = self._one_hot(y_true) * ops.expand_dims(weights, -1)
        matrix = ops.matmul(ops.transpose(true_one_hot), self._one_hot(y_pred))
        self.total_cm.assign(self.total_cm.value + matrix)

    def result(self):
        matrix = self.total_cm.value
        true_positives = ops.sum(matrix * ops.eye(self.num_classes, dtype=self.dtype), axis=1)
        union = ops.sum(matrix, axis=0) + ops.sum(matrix, axis=1) - true_positives
        ids = ops.convert_to_tensor(np.asarray(self.target_class_ids, "int32"))
        true_positives, union = ops.take(true_positives, ids), ops.take(union, ids)
        present = ops.sum(ops.cast(ops.not_equal(union, 0.0), self.dtype))
        return divide_no_nan(ops.sum(divide_no_nan(true_positives, union)), present)

    def get_config(self):
        return {
            "num_classes": self.num_classes,
            "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class,
            "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred,
            "axis": self.axis,
            **super().get_config(),
        }


class MeanIoU(IoU):
    """The mean IoU over every class that occurred; the arguments are IoU's without
    `target_class_ids` (default name "mean_io_u", as tf.keras 2)."""

    def __init__(
        self,
        num_classes,
        name=None,
        dtype=None,
        ignore_class=None,
        sparse_y_true=True,
        sparse_y_pred=True,
        axis=-1,
    ):
        super().__init__(
            num_classes,
            list(range(num_classes)) if isinstance(num_classes, (int, np.integer)) else [],
            name,
            dtype,
            ignore_class,
            sparse_y_true,
            sparse_y_pred,
            axis,
        )

    def get_config(self):
        config = super().get_config()
        del config["target_class_ids"]
        return config


CLASSES = [IoU, MeanIoU]
