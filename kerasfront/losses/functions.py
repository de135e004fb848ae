"""The Keras 2 loss functions: `f(y_true, y_pred)` gives one value per sample.

Each reduces the last axis (the class or feature axis) and keeps the others, so a batch
of shape `(batch, features)` gives `(batch,)`. The training loop, or a `Loss` object,
then weights and averages those values. Formulas follow Keras 2 (tf.keras 2): the
crossentropies clip probabilities to `[epsilon, 1 - epsilon]` and take their logarithm as
it is (the `K` crossentropies); hinge losses turn 0/1 targets into -1/1.

The functions take engine tensors, `Variable`s, NumPy arrays and lists; called on graph
tensors (model inputs, layer outputs) they record a graph node, as the `K` functions do,
so Keras 2's `model.add_loss(K.mean(binary_crossentropy(inputs, outputs)))` works.
"""

from __future__ import annotations

import functools

from kerasfront import config, ops
from kerasfront.backend import crossentropy_functions
from kerasfront.backend.symbolic import dispatching
from kerasfront.backend.tensor_args import as_tensor

_LOG_2 = 0.6931471805599453


def _is_floating(dtype) -> bool:
    return str(dtype).startswith(("float", "bfloat"))


def _compatible(shape_a, shape_b) -> bool:
    return len(shape_a) == len(shape_b) and all(
        a is None or b is None or a == b for a, b in zip(shape_a, shape_b)
    )


def _float_predictions(y_pred):
    """`y_pred` as a tensor; integer predictions (NumPy ints, lists) become floatx."""
    y_pred = as_tensor(y_pred)
    if not _is_floating(ops.dtype(y_pred)):
        y_pred = ops.cast(y_pred, config.floatx())
    return y_pred


def _matched(name: str, y_true, y_pred):
    """Both as tensors of `y_pred`'s float dtype, of one shape.

    Targets of shape `(batch,)` for predictions `(batch, 1)` gain the last axis, as Keras's
    loss classes do; any other mismatch is an error rather than a silent broadcast.
    """
    y_pred = _float_predictions(y_pred)
    y_true = as_tensor(y_true)
    true_shape, pred_shape = tuple(ops.shape(y_true)), tuple(ops.shape(y_pred))
    if len(true_shape) == len(pred_shape) - 1 and pred_shape and pred_shape[-1] == 1:
        y_true = ops.expand_dims(y_true, -1)
        true_shape = (*true_shape, 1)
    if not _compatible(true_shape, pred_shape):
        raise ValueError(
            f"Loss '{name}': y_true and y_pred must have the same shape; received y_true of "
            f"shape {true_shape} and y_pred of shape {pred_shape}."
        )
    return ops.cast(y_true, ops.dtype(y_pred)), y_pred


def _loss_function(function):
    """Public form of a loss: prepared arguments, graph tensors recorded as nodes."""

    @functools.wraps(function)
    def run(y_true, y_pred, *args, **kwargs):
        y_true, y_pred = _matched(function.__name__, y_true, y_pred)
        return function(y_true, y_pred, *args, **kwargs)

    return dispatching(run)


@_loss_function
def mean_squared_error(y_true, y_pred):
    """mean((y_pred - y_true) ** 2) over the last axis."""
    return ops.mean(ops.square(y_pred - y_true), axis=-1)


@_loss_function
def mean_absolute_error(y_true, y_pred):
    """mean(|y_pred - y_true|) over the last axis."""
    return ops.mean(ops.abs(y_pred - y_true), axis=-1)


@_loss_function
def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|(y_true - y_pred) / max(|y_true|, epsilon)|) over the last axis."""
    scale = ops.maximum(ops.abs(y_true), config.epsilon())
    return 100.0 * ops.mean(ops.abs((y_true - y_pred) / scale), axis=-1)


@_loss_function
def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2) over the last axis."""
    first = ops.log(ops.maximum(y_pred, config.epsilon()) + 1.0)
    second = ops.log(ops.maximum(y_true, config.epsilon()) + 1.0)
    return ops.mean(ops.square(first - second), axis=-1)


def _signed_labels(y_true):
    # tf.keras 2 reads targets that are all 0 or 1 as the classes -1 and 1; the test is on
    # the values, so it is a `where`, which also works inside compiled steps.
    is_binary = ops.all(ops.logical_or(ops.equal(y_true, 0.0), ops.equal(y_true, 1.0)))
    return ops.where(is_binary, 2.0 * y_true - 1.0, y_true)


@_loss_function
def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)) over the last axis; targets -1/1 (or 0/1)."""
    return ops.mean(ops.maximum(1.0 - _signed_labels(y_true) * y_pred, 0.0), axis=-1)


@_loss_function
def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0) ** 2) over the last axis; targets -1/1 (or 0/1)."""
    margin = ops.maximum(1.0 - _signed_labels(y_true) * y_pred, 0.0)
    return ops.mean(ops.square(margin), axis=-1)


@_loss_function
def categorical_hinge(y_true, y_pred):
    """max(max((1 - t) * p) - sum(t * p) + 1, 0), t one-hot, along the last axis."""
    positive = ops.sum(y_true * y_pred, axis=-1)
    negative = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(negative - positive + 1.0, 0.0)


@_loss_function
def huber(y_true, y_pred, delta=1.0):
    """mean over the last axis of e ** 2 / 2 where |e| <= delta, else
    delta * |e| - delta ** 2 / 2 (e = y_pred - y_true)."""
    error = ops.abs(y_pred - y_true)
    quadratic = 0.5 * ops.square(error)
    linear = delta * error - 0.5 * delta * delta
    return ops.mean(ops.where(ops.less_equal(error, delta), quadratic, linear), axis=-1)


@_loss_function
def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))) over the last axis."""
    x = y_pred - y_true
    # log(cosh(x)) = x + softplus(-2x) - log(2): cosh itself overflows for |x| > ~89.
    return ops.mean(x + ops.softplus(-2.0 * x) - _LOG_2, axis=-1)


@_loss_function
def kl_divergence(y_true, y_pred):
    """sum(t * log(t / p)) over the last axis, t and p clipped to [epsilon, 1]."""
    y_true = ops.clip(y_true, config.epsilon(), 1.0)
    y_pred = ops.clip(y_pred, config.epsilon(), 1.0)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


@_loss_function
def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + epsilon)) over the last axis."""
    return ops.mean(y_pred - y_true * ops.log(y_pred + config.epsilon()), axis=-1)


def _unit(x, axis):
    # l2 normalisation with the squared norm floored at 1e-12, so zero vectors stay zero.
    squared = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return x / ops.sqrt(ops.maximum(squared, 1e-12))


@_loss_function
def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred)) along `axis`: -1 for vectors
    pointing the same way, so minimising it aligns them (the loss's sign, as in Keras)."""
    return -ops.sum(_unit(y_true, axis) * _unit(y_pred, axis), axis=axis)


@_loss_function
def cosine_proximity(y_true, y_pred, axis=-1):
    """Keras 2's name of `cosine_similarity` (same sign: negative for aligned vectors)."""
    return -ops.sum(_unit(y_true, axis) * _unit(y_pred, axis), axis=axis)


@_loss_function
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """mean(-(t log p + (1 - t) log(1 - p))) along `axis`, p clipped to [eps, 1 - eps].

    `label_smoothing` s moves the targets towards 0.5: t * (1 - s) + s / 2.
    """
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    values = crossentropy_functions.binary_crossentropy(y_true, y_pred, from_logits)
    return ops.mean(values, axis=axis)


@_loss_function
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(t log p) along `axis`; probabilities are scaled to sum to 1, then clipped.

    `label_smoothing` s spreads s of each target over the classes: t * (1 - s) + s / k.
    """
    if label_smoothing:
        classes = ops.shape(y_true)[axis]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / classes
    # _matched gave both one shape and dtype: straight to the arithmetic.
    return crossentropy_functions.categorical_crossentropy_of_matched(
        y_true, y_pred, from_logits, axis
    )


@dispatching
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1, ignore_class=None):
    """The categorical crossentropy with integer class targets (any int dtype, or whole
    floats): `y_true` has `y_pred`'s shape without the class axis, or with it of size 1.
    Targets equal to `ignore_class` give 0."""
    y_pred = _float_predictions(y_pred)
    y_true = as_tensor(y_true)
    true_shape, pred_shape = tuple(ops.shape(y_true)), tuple(ops.shape(y_pred))
    axis = axis % len(pred_shape) if pred_shape else axis
    without_classes = pred_shape[:axis] + pred_shape[axis + 1 :]
    with_unit_classes = pred_shape[:axis] + (1,) + pred_shape[axis + 1 :]
    if not (_compatible(true_shape, without_classes) or _compatible(true_shape, with_unit_classes)):
        raise ValueError(
            "Loss 'sparse_categorical_crossentropy': y_true must hold one class index per "
            f"sample, of shape {without_classes} or {with_unit_classes} for y_pred of shape "
            f"{pred_shape}; received y_true of shape {true_shape}. One-hot targets need "
            "categorical_crossentropy."
        )
    if len(true_shape) == len(pred_shape):
        y_true = ops.squeeze(y_true, axis)
    return crossentropy_functions.sparse_categorical_crossentropy(
        y_true, y_pred, from_logits, axis, ignore_class
    )


# Keras 2 and tf.keras names of the same functions.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
huber_loss = huber
bce = BCE = binary_crossentropy
cosine = cosine_proximity

# name -> function, for `get` and the string form of `compile`.
FUNCTIONS = {
    "mean_squared_error": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
    "mean_absolute_percentage_error": mean_absolute_percentage_error,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error,
    "hinge": hinge,
    "squared_hinge": squared_hinge,
    "categorical_hinge": categorical_hinge,
    "huber": huber,
    "log_cosh": log_cosh,
    "kl_divergence": kl_divergence,
    "poisson": poisson,
    "cosine_similarity": cosine_similarity,
    "cosine_proximity": cosine_proximity,
    "binary_crossentropy": binary_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
}
ALIASES = {
    "mse": "mean_squared_error",
    "MSE": "mean_squared_error",
    "mae": "mean_absolute_error",
    "MAE": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "MAPE": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "MSLE": "mean_squared_logarithmic_error",
    "kld": "kl_divergence",
    "KLD": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence",
    "logcosh": "log_cosh",
    "huber_loss": "huber",
    "bce": "binary_crossentropy",
    "BCE": "binary_crossentropy",
    "cosine": "cosine_proximity",
}
