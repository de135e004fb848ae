"""The classes of the function metrics (`BinaryAccuracy`, `MeanSquaredError`, ...), with
tf.keras 2's names, default names and arguments."""

from __future__ import annotations

from kerasfront import ops
from kerasfront.metrics import functions
from kerasfront.metrics.base import (
    Mean,
    MeanMetricWrapper,
    align_targets,
    as_tensor,
    divide_no_nan,
)


def _wrapper_class(class_name: str, fn, default_name: str, **defaults):
    """A MeanMetricWrapper subclass `class_name(name=default_name, dtype=None, **defaults)`
    that accepts exactly the arguments in `defaults` (others raise)."""

    def __init__(self, name=default_name, dtype=None, **kwargs):
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(
                f"{class_name} got unexpected arguments {sorted(unknown)}; it takes name, "
                f"dtype{''.join(', ' + key for key in defaults)}."
            )
        MeanMetricWrapper.__init__(self, fn, name, dtype, **{**defaults, **kwargs})

    arguments = "".join(f", {key}={value!r}" for key, value in defaults.items())
    doc = (
        f"The mean of `{fn.__name__}` over every sample seen.\n\n"
        f"`{class_name}(name={default_name!r}, dtype=None{arguments})`."
    )
    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc})


def _smoothed_binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0):
    y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return functions.binary_crossentropy(y_true, y_pred, from_logits=from_logits)


def _smoothed_categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0):
    classes = ops.shape(y_pred)[-1]
    y_true = y_true * (1.0 - label_smoothing) + label_smoothing / classes
    return functions.categorical_crossentropy(y_true, y_pred, from_logits=from_logits)


_smoothed_binary_crossentropy.__name__ = "binary_crossentropy"
_smoothed_categorical_crossentropy.__name__ = "categorical_crossentropy"

Accuracy = _wrapper_class("Accuracy", functions.accuracy, "accuracy")
BinaryAccuracy = _wrapper_class(
    "BinaryAccuracy", functions.binary_accuracy, "binary_accuracy", threshold=0.5
)
CategoricalAccuracy = _wrapper_class(
    "CategoricalAccuracy", functions.categorical_accuracy, "categorical_accuracy"
)
SparseCategoricalAccuracy = _wrapper_class(
    "SparseCategoricalAccuracy",
    functions.sparse_categorical_accuracy,
    "sparse_categorical_accuracy",
)
TopKCategoricalAccuracy = _wrapper_class(
    "TopKCategoricalAccuracy",
    functions.top_k_categorical_accuracy,
    "top_k_categorical_accuracy",
    k=5,
)
SparseTopKCategoricalAccuracy = _wrapper_class(
    "SparseTopKCategoricalAccuracy",
    functions.sparse_top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy",
    k=5,
)
MeanSquaredError = _wrapper_class(
    "MeanSquaredError", functions.mean_squared_error, "mean_squared_error"
)
MeanAbsoluteError = _wrapper_class(
    "MeanAbsoluteError", functions.mean_absolute_error, "mean_absolute_error"
)
MeanAbsolutePercentageError = _wrapper_class(
    "MeanAbsolutePercentageError",
    functions.mean_absolute_percentage_error,
    "mean_absolute_percentage_error",
)
MeanSquaredLogarithmicError = _wrapper_class(
    "MeanSquaredLogarithmicError",
    functions.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error",
)
Hinge = _wrapper_class("Hinge", functions.hinge, "hinge")
SquaredHinge = _wrapper_class("SquaredHinge", functions.squared_hinge, "squared_hinge")
CategoricalHinge = _wrapper_class(
    "CategoricalHinge", functions.categorical_hinge, "categorical_hinge"
)
LogCoshError = _wrapper_class("LogCoshError", functions.logcosh, "logcosh")
KLDivergence = _wrapper_class(
    "KLDivergence", functions.kullback_leibler_divergence, "kullback_leibler_divergence"
)
Poisson = _wrapper_class("Poisson", functions.poisson, "poisson")
CosineSimilarity = _wrapper_class(
    "CosineSimilarity", functions.cosine_similarity, "cosine_similarity", axis=-1
)
BinaryCrossentropy = _wrapper_class(
    "BinaryCrossentropy",
    _smoothed_binary_crossentropy,
    "binary_crossentropy",
    from_logits=False,
    label_smoothing=0.0,
)
CategoricalCrossentropy = _wrapper_class(
    "CategoricalCrossentropy",
    _smoothed_categorical_crossentropy,
    "categorical_crossentropy",
    from_logits=False,
    label_smoothing=0.0,
)
SparseCategoricalCrossentropy = _wrapper_class(
    "SparseCategoricalCrossentropy",
    functions.sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy",
    from_logits=False,
)


class RootMeanSquaredError(Mean):
    """sqrt of the (weighted) mean of the squared errors over every element seen."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = as_tensor(y_true, self.dtype), as_tensor(y_pred, self.dtype)
        y_true = align_targets(y_true, y_pred)
        super().update_state(ops.square(y_pred - y_true), sample_weight)

    def result(self):
        return ops.sqrt(divide_no_nan(self.total.value, self.count.value))


CLASSES = [
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    MeanSquaredError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError,
    Hinge,
    SquaredHinge,
    CategoricalHinge,
    LogCoshError,
    KLDivergence,
    Poisson,
    CosineSimilarity,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    SparseCategoricalCrossentropy,
    RootMeanSquaredError,
]
