"""Loss functions: `f(y_true, y_pred)` returns one value per sample (the last axis is
reduced); the training loop averages them over the batch, with sample weights."""

from __future__ import annotations

import functools

from kerasfront import config, ops


def _targets_as_predictions(loss):
    """Casts `y_true` to the dtype of `y_pred` first: integer labels (0/1, one-hot) meet
    float predictions, as they did in Keras 2 where targets were floatx placeholders."""

    @functools.wraps(loss)
    def wrapped(y_true, y_pred, *args, **kwargs):
        return loss(ops.cast(y_true, ops.dtype(y_pred)), y_pred, *args, **kwargs)

    return wrapped


def _clip_probabilities(y_pred):
    eps = config.epsilon()
    return ops.clip(y_pred, eps, 1.0 - eps)


@_targets_as_predictions
def mean_squared_error(y_true, y_pred):
    return ops.mean(ops.square(y_pred - y_true), axis=-1)


@_targets_as_predictions
def mean_absolute_error(y_true, y_pred):
    return ops.mean(ops.abs(y_pred - y_true), axis=-1)


@_targets_as_predictions
def mean_absolute_percentage_error(y_true, y_pred):
    scale = ops.maximum(ops.abs(y_true), config.epsilon())
    return 100.0 * ops.mean(ops.abs((y_true - y_pred) / scale), axis=-1)


@_targets_as_predictions
def mean_squared_logarithmic_error(y_true, y_pred):
    first = ops.log(ops.maximum(y_pred, config.epsilon()) + 1.0)
    second = ops.log(ops.maximum(y_true, config.epsilon()) + 1.0)
    return ops.mean(ops.square(first - second), axis=-1)


@_targets_as_predictions
def hinge(y_true, y_pred):
    return ops.mean(ops.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


@_targets_as_predictions
def squared_hinge(y_true, y_pred):
    return ops.mean(ops.square(ops.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


@_targets_as_predictions
def logcosh(y_true, y_pred):
    x = y_pred - y_true
    # log(cosh(x)) = x + softplus(-2x) - log(2), stable for large |x|
    return ops.mean(x + ops.softplus(-2.0 * x) - 0.6931471805599453, axis=-1)


@_targets_as_predictions
def kullback_leibler_divergence(y_true, y_pred):
    y_true = _clip_probabilities(y_true)
    y_pred = _clip_probabilities(y_pred)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


@_targets_as_predictions
def poisson(y_true, y_pred):
    return ops.mean(y_pred - y_true * ops.log(y_pred + config.epsilon()), axis=-1)


@_targets_as_predictions
def binary_crossentropy(y_true, y_pred, from_logits=False):
    """Mean over the last axis of -(t log p + (1 - t) log(1 - p)), p clipped to
    [epsilon, 1 - epsilon] as in Keras."""
    if from_logits:
        # max(x, 0) - x t + log(1 + exp(-|x|)): no overflow for large |x|
        per_element = (
            ops.relu(y_pred) - y_pred * y_true + ops.log1p(ops.exp(ops.negative(ops.abs(y_pred))))
        )
    else:
        p = _clip_probabilities(y_pred)
        per_element = -(y_true * ops.log(p) + (1.0 - y_true) * ops.log(1.0 - p))
    return ops.mean(per_element, axis=-1)


@_targets_as_predictions
def categorical_crossentropy(y_true, y_pred, from_logits=False):
    """-sum(t log p) over the last axis; probabilities are renormalised and clipped."""
    if from_logits:
        return -ops.sum(y_true * ops.log_softmax(y_pred, axis=-1), axis=-1)
    p = y_pred / ops.sum(y_pred, axis=-1, keepdims=True)
    return -ops.sum(y_true * ops.log(_clip_probabilities(p)), axis=-1)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False):
    """Categorical cross-entropy with integer class labels instead of one-hot rows."""
    labels = ops.cast(y_true, "int32")
    if len(ops.shape(labels)) == len(ops.shape(y_pred)):
        labels = ops.squeeze(labels, -1)
    if from_logits:
        log_p = ops.log_softmax(y_pred, axis=-1)
    else:
        log_p = ops.log(_clip_probabilities(y_pred / ops.sum(y_pred, axis=-1, keepdims=True)))
    picked = ops.take_along_axis(log_p, ops.expand_dims(labels, -1), axis=-1)
    return -ops.squeeze(picked, -1)


@_targets_as_predictions
def cosine_proximity(y_true, y_pred):
    def unit(x):
        return x / ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=-1, keepdims=True), 1e-12))

    return -ops.sum(unit(y_true) * unit(y_pred), axis=-1)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence
cosine = cosine_proximity

_FUNCTIONS = {
    f.__name__: f
    for f in (
        mean_squared_error,
        mean_absolute_error,
        mean_absolute_percentage_error,
        mean_squared_logarithmic_error,
        hinge,
        squared_hinge,
        logcosh,
        kullback_leibler_divergence,
        poisson,
        binary_crossentropy,
        categorical_crossentropy,
        sparse_categorical_crossentropy,
        cosine_proximity,
    )
}
ALIASES = {
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "kld": "kullback_leibler_divergence",
    "cosine": "cosine_proximity",
}


class Loss:
    """A loss object: `Loss(fn, **kwargs)(y_true, y_pred)` gives per-sample values."""

    def __init__(self, fn, name=None, **kwargs):
        self.fn = fn
        self.name = name or fn.__name__
        self.kwargs = kwargs

    def __call__(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self.kwargs)

    def get_config(self):
        return {"name": self.name, **self.kwargs}


def _loss_class(fn, class_name):
    def __init__(self, name=None, **kwargs):
        Loss.__init__(self, fn, name=name or fn.__name__, **kwargs)

    return type(class_name, (Loss,), {"__init__": __init__, "__doc__": fn.__doc__})


MeanSquaredError = _loss_class(mean_squared_error, "MeanSquaredError")
MeanAbsoluteError = _loss_class(mean_absolute_error, "MeanAbsoluteError")
BinaryCrossentropy = _loss_class(binary_crossentropy, "BinaryCrossentropy")
CategoricalCrossentropy = _loss_class(categorical_crossentropy, "CategoricalCrossentropy")
SparseCategoricalCrossentropy = _loss_class(
    sparse_categorical_crossentropy, "SparseCategoricalCrossentropy"
)


def canonical_name(loss) -> str | None:
    """The full Keras name of a built-in loss (for choosing the accuracy metric)."""
    fn = loss.fn if isinstance(loss, Loss) else loss
    name = getattr(fn, "__name__", None)
    return name if name in _FUNCTIONS else None


def get(identifier):
    """Resolves a loss name, a Loss object or a function `f(y_true, y_pred)`."""
    if isinstance(identifier, str):
        name = ALIASES.get(identifier, identifier)
        if name not in _FUNCTIONS:
            raise ValueError(
                f"Unknown loss {identifier!r}. Expected one of "
                f"{sorted(set(_FUNCTIONS) | set(ALIASES))} or a function f(y_true, y_pred)."
            )
        return _FUNCTIONS[name]
    if callable(identifier):
        return identifier
    raise TypeError(
        f"loss must be a string, a Loss or a callable, received {type(identifier).__name__}: "
        f"{identifier!r:.80}."
    )
