"""Metrics: running values kept in variables on the device, read only when shown.

`update_state` assigns to the metric's variables; inside a compiled step those
assignments are recorded by the step's scope, so metrics accumulate without a host
sync per batch.
"""

from __future__ import annotations

import numpy as np

from kerasfront import losses, ops
from kerasfront.backend.variables import Variable, unique_name


class Metric:
    """Base class: variables made with `add_variable`, `update_state`, `result`."""

    def __init__(self, name=None, dtype=None):
        self.name = name or unique_name(type(self).__name__.lower())
        self.dtype = dtype or "float32"
        self._variables: list[Variable] = []

    def add_variable(self, name, shape=(), initial=0.0) -> Variable:
        variable = Variable(
            np.full(shape, initial, self.dtype), trainable=False, name=f"{self.name}/{name}"
        )
        self._variables.append(variable)
        return variable

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    def reset_state(self) -> None:
        for variable in self._variables:
            variable.assign(np.zeros(variable.shape, variable.dtype))

    reset_states = reset_state

    def update_state(self, y_true, y_pred, sample_weight=None):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()


class Mean(Metric):
    """The (weighted) mean of every value passed to `update_state(values)`."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name, dtype)
        self.total = self.add_variable("total")
        self.count = self.add_variable("count")

    def update_state(self, values, sample_weight=None, count=None):
        """Adds `values`; `count` overrides how many samples they stand for."""
        values = ops.cast(values, self.dtype)
        if sample_weight is not None:
            weights = ops.cast(sample_weight, self.dtype)
            # One weight per sample, spread over any further axes of `values`.
            extra_axes = len(ops.shape(values)) - len(ops.shape(weights))
            values = values * ops.reshape(weights, ops.shape(weights) + (1,) * extra_axes)
            weight = ops.sum(weights) * (ops.size(values) / max(ops.size(weights), 1))
        else:
            weight = float(ops.size(values)) if count is None else count
        self.total.assign(self.total.value + ops.sum(values))
        self.count.assign(self.count.value + weight)

    def result(self):
        return ops.divide(self.total.value, ops.maximum(self.count.value, 1e-12))


class MeanMetricWrapper(Mean):
    """Averages `fn(y_true, y_pred)` over every sample seen.

    A function that returns one value per sample is averaged per sample; one that returns
    a scalar for the batch (like `mean_pred`) counts as many times as the batch has rows.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name or fn.__name__, dtype)
        self.fn = fn
        self.kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = self.fn(y_true, y_pred, **self.kwargs)
        if len(ops.shape(values)) == 0:
            batch = ops.shape(y_pred)[0]
            super().update_state(values * float(batch), count=batch)
        else:
            super().update_state(values, sample_weight)


def binary_accuracy(y_true, y_pred, threshold=0.5):
    predicted = ops.cast(ops.greater(y_pred, threshold), "float32")
    return ops.mean(ops.cast(ops.equal(ops.cast(y_true, "float32"), predicted), "float32"), axis=-1)


def categorical_accuracy(y_true, y_pred):
    return ops.cast(ops.equal(ops.argmax(y_true, -1), ops.argmax(y_pred, -1)), "float32")


def sparse_categorical_accuracy(y_true, y_pred):
    labels = ops.cast(y_true, "int32")
    if len(ops.shape(labels)) == len(ops.shape(y_pred)):
        labels = ops.squeeze(labels, -1)
    return ops.cast(ops.equal(labels, ops.cast(ops.argmax(y_pred, -1), "int32")), "float32")


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    target = ops.take_along_axis(y_pred, ops.expand_dims(ops.argmax(y_true, -1), -1), axis=-1)
    higher = ops.sum(ops.cast(ops.greater(y_pred, target), "int32"), axis=-1)
    return ops.cast(ops.less(higher, k), "float32")


class Accuracy(MeanMetricWrapper):
    def __init__(self, name="accuracy", dtype=None):
        super().__init__(_exact_match, name, dtype)


def _exact_match(y_true, y_pred):
    return ops.cast(ops.equal(y_true, y_pred), "float32")


def _wrapper_class(fn, class_name, default_name):
    def __init__(self, name=default_name, dtype=None, **kwargs):
        MeanMetricWrapper.__init__(self, fn, name, dtype, **kwargs)

    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__})


BinaryAccuracy = _wrapper_class(binary_accuracy, "BinaryAccuracy", "binary_accuracy")
CategoricalAccuracy = _wrapper_class(
    categorical_accuracy, "CategoricalAccuracy", "categorical_accuracy"
)
SparseCategoricalAccuracy = _wrapper_class(
    sparse_categorical_accuracy, "SparseCategoricalAccuracy", "sparse_categorical_accuracy"
)
MeanSquaredError = _wrapper_class(
    losses.mean_squared_error, "MeanSquaredError", "mean_squared_error"
)

# Keras 2 short names of metric functions.
acc = accuracy = binary_accuracy  # replaced by the right variant when compiled by name
mse = losses.mean_squared_error
mae = losses.mean_absolute_error

_FUNCTIONS = {
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
}


def choose_accuracy(loss_name: str | None, y_true_shape, y_pred_shape):
    """The accuracy Keras picks for `metrics=["accuracy"]` from the loss and shapes."""
    if loss_name == "binary_crossentropy":
        return binary_accuracy
    if loss_name == "sparse_categorical_crossentropy":
        return sparse_categorical_accuracy
    if loss_name == "categorical_crossentropy":
        return categorical_accuracy
    if y_pred_shape[-1] == 1:
        return binary_accuracy
    sparse_labels = len(y_true_shape) == len(y_pred_shape) - 1 or (
        len(y_true_shape) == len(y_pred_shape) and y_true_shape[-1] == 1
    )
    return sparse_categorical_accuracy if sparse_labels else categorical_accuracy


def function_for_name(name: str):
    """The function of a metric name other than 'accuracy'; raises for unknown names."""
    fn = _FUNCTIONS.get(name)
    if fn is None:
        try:
            fn = losses.get(name)
        except ValueError:
            raise ValueError(
                f"Unknown metric {name!r}. Expected 'accuracy', one of "
                f"{sorted(_FUNCTIONS)}, a loss name, a Metric or a function "
                "f(y_true, y_pred)."
            ) from None
    return fn


def get(identifier, loss=None, y_true_shape=None, y_pred_shape=None) -> Metric:
    """A metric object for a name, a function, or a Metric (returned as is)."""
    if isinstance(identifier, Metric):
        return identifier
    if identifier in ("accuracy", "acc"):
        fn = choose_accuracy(losses.canonical_name(loss), y_true_shape, y_pred_shape)
        return MeanMetricWrapper(fn, name=identifier)
    if isinstance(identifier, str):
        return MeanMetricWrapper(function_for_name(identifier), name=identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))
    raise TypeError(
        f"A metric must be a string, a Metric or a callable, received "
        f"{type(identifier).__name__}: {identifier!r:.80}."
    )
