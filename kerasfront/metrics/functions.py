"""Metric functions `f(y_true, y_pred)` with Keras 2's formulas: one value per sample
(the last axis is reduced), averaged over samples by `MeanMetricWrapper`.

Every loss function is a metric too; they are re-exported here under their Keras names.
Given graph tensors (`accuracy(labels, preds)` on placeholders or layer outputs, Keras 2's
"Keras as a simplified interface to TensorFlow"), each records a graph node, as the losses
and K functions do.
"""

from __future__ import annotations

from kerasfront import ops
from kerasfront.backend.symbolic import dispatching
from kerasfront.backend.variables import unwrap
from kerasfront.losses import (  # noqa: F401 (re-exported: losses are metrics too)
    binary_crossentropy,
    categorical_crossentropy,
    hinge,
    kullback_leibler_divergence,
    logcosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)


def _tensors(y_true, y_pred):
    """NumPy arrays, lists and Variables as engine tensors (torch ops refuse NumPy)."""
    return ops.convert_to_tensor(unwrap(y_true)), ops.convert_to_tensor(unwrap(y_pred))


def _matches(y_true, y_pred):
    return ops.cast(ops.equal(y_true, y_pred), "float32")


def _sparse_labels(y_true, y_pred):
    """Integer labels of shape `y_pred.shape[:-1]`; a trailing axis of 1 is dropped."""
    labels = y_true
    if len(ops.shape(labels)) == len(ops.shape(y_pred)) and ops.shape(labels)[-1] == 1:
        labels = ops.squeeze(labels, -1)
    return ops.cast(labels, "int32")


@dispatching
def accuracy(y_true, y_pred):
    """1 where the prediction equals the target exactly, else 0 (element-wise)."""
    y_true, y_pred = _tensors(y_true, y_pred)
    y_pred = ops.cast(y_pred, ops.dtype(y_true))
    return _matches(y_true, y_pred)


@dispatching
def binary_accuracy(y_true, y_pred, threshold=0.5):
    """The fraction of the last axis where (y_pred > threshold) equals y_true."""
    y_true, y_pred = _tensors(y_true, y_pred)
    predicted = ops.cast(ops.greater(y_pred, threshold), ops.dtype(y_pred))
    return ops.mean(_matches(ops.cast(y_true, ops.dtype(y_pred)), predicted), axis=-1)


@dispatching
def categorical_accuracy(y_true, y_pred):
    """1 where the arg max of the one-hot target equals the arg max of the prediction."""
    y_true, y_pred = _tensors(y_true, y_pred)
    return _matches(ops.argmax(y_true, -1), ops.argmax(y_pred, -1))


@dispatching
def sparse_categorical_accuracy(y_true, y_pred):
    """1 where the integer label equals the arg max of the prediction."""
    y_true, y_pred = _tensors(y_true, y_pred)
    labels = _sparse_labels(y_true, y_pred)
    return _matches(labels, ops.cast(ops.argmax(y_pred, -1), "int32"))


def _in_top_k(y_pred, labels, k):
    """Whether each label's score is among the `k` highest. A tie at the boundary counts
    as inside, as TensorFlow's `in_top_k` decides: fewer than `k` scores are higher."""
    target = ops.take_along_axis(y_pred, ops.expand_dims(labels, -1), axis=-1)
    higher = ops.sum(ops.cast(ops.greater(y_pred, target), "int32"), axis=-1)
    return ops.cast(ops.less(higher, k), "float32")


@dispatching
def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the one-hot target's class is among the `k` highest predictions."""
    y_true, y_pred = _tensors(y_true, y_pred)
    return _in_top_k(y_pred, ops.cast(ops.argmax(y_true, -1), "int32"), k)


@dispatching
def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1 where the integer label is among the `k` highest predictions."""
    y_true, y_pred = _tensors(y_true, y_pred)
    return _in_top_k(y_pred, _sparse_labels(y_true, y_pred), k)


def _l2_normalize(x, axis):
    return x / ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=axis, keepdims=True), 1e-12))


@dispatching
def cosine_similarity(y_true, y_pred, axis=-1):
    """The cosine of the angle between target and prediction (1 when aligned). Unlike
    the loss `cosine_proximity`, positive: the metric of tf.keras 2."""
    y_true, y_pred = _tensors(y_true, y_pred)
    y_true = ops.cast(y_true, ops.dtype(y_pred))
    return ops.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


@dispatching
def categorical_hinge(y_true, y_pred):
    """max(0, 1 + max over wrong classes of y_pred - y_pred of the true class)."""
    y_true, y_pred = _tensors(y_true, y_pred)
    y_true = ops.cast(y_true, ops.dtype(y_pred))
    positive = ops.sum(y_true * y_pred, axis=-1)
    negative = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(negative - positive + 1.0, 0.0)


# Keras 2's short names.
acc = ACC = accuracy
bce = BCE = binary_crossentropy
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence = kullback_leibler_divergence
log_cosh = logcosh
cosine = cosine_proximity = cosine_similarity

FUNCTIONS = {
    "accuracy": accuracy,
    "acc": accuracy,
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    "cosine_similarity": cosine_similarity,
    "cosine_proximity": cosine_similarity,
    "cosine": cosine_similarity,
    "categorical_hinge": categorical_hinge,
    "log_cosh": logcosh,
    "kl_divergence": kullback_leibler_divergence,
    "bce": binary_crossentropy,
}
