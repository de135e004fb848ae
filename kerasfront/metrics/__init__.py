"""Metrics with Keras 2's names, arguments and formulas.

Functions `f(y_true, y_pred)` (`binary_accuracy`, `top_k_categorical_accuracy`, every
loss) give one value per sample; `Metric` objects keep running state in variables that
the compiled training and test steps update on the device (`Mean`, `Precision`, `AUC`,
`MeanIoU`, ...): `update_state`, `result`, `reset_state`, `get_config`/`from_config`.

Example:
    >>> from kerasfront import metrics
    >>> model.compile("adam", "binary_crossentropy",
    ...               metrics=["accuracy", metrics.AUC(), metrics.Precision(top_k=1)])
    >>> m = metrics.Recall(thresholds=[0.3, 0.7])
    >>> m.update_state([[0, 1, 1]], [[0.2, 0.5, 0.9]])
    >>> m.result()  # one recall per threshold: [1.0, 0.5]
"""

from __future__ import annotations

import inspect

from kerasfront import losses as _losses
from kerasfront.metrics import auc as _auc
from kerasfront.metrics import confusion as _confusion
from kerasfront.metrics import iou as _iou
from kerasfront.metrics import wrappers as _wrappers
from kerasfront.metrics.auc import AUC
from kerasfront.metrics.base import Mean, MeanMetricWrapper, Metric, Reduce, Sum
from kerasfront.metrics.confusion import (
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from kerasfront.metrics.functions import (
    ACC,
    BCE,
    KLD,
    MAE,
    MAPE,
    MSE,
    MSLE,
    acc,
    accuracy,
    bce,
    binary_accuracy,
    binary_crossentropy,
    categorical_accuracy,
    categorical_crossentropy,
    categorical_hinge,
    cosine,
    cosine_proximity,
    cosine_similarity,
    hinge,
    kl_divergence,
    kld,
    kullback_leibler_divergence,
    log_cosh,
    logcosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
    poisson,
    sparse_categorical_accuracy,
    sparse_categorical_crossentropy,
    sparse_top_k_categorical_accuracy,
    squared_hinge,
    top_k_categorical_accuracy,
)
from kerasfront.metrics.functions import FUNCTIONS as _FUNCTIONS
from kerasfront.metrics.iou import IoU, MeanIoU
from kerasfront.metrics.wrappers import (
    Accuracy,
    BinaryAccuracy,
    BinaryCrossentropy,
    CategoricalAccuracy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    KLDivergence,
    LogCoshError,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    RootMeanSquaredError,
    SparseCategoricalAccuracy,
    SparseCategoricalCrossentropy,
    SparseTopKCategoricalAccuracy,
    SquaredHinge,
    TopKCategoricalAccuracy,
)

_CLASSES = {
    cls.__name__: cls
    for cls in [
        Mean,
        Sum,
        MeanMetricWrapper,
        *_wrappers.CLASSES,
        *_confusion.CLASSES,
        *_auc.CLASSES,
        *_iou.CLASSES,
    ]
}


def serialize(metric: Metric) -> dict:
    """`{"class_name": ..., "config": ...}` for a Metric, which `deserialize` turns back
    into an equal, fresh metric; a function gives its name."""
    if isinstance(metric, Metric):
        return {"class_name": type(metric).__name__, "config": metric.get_config()}
    name = getattr(metric, "__name__", None)
    if callable(metric) and name is not None:
        return name
    raise TypeError(
        f"serialize takes a Metric or a named metric function, received "
        f"{type(metric).__name__}: {metric!r:.80}."
    )


def deserialize(config, custom_objects=None):
    """A Metric from `serialize`'s dict, or a function from its name; `custom_objects`
    maps other names to user classes or functions."""
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        if config in custom_objects:
            found = custom_objects[config]
            return found() if inspect.isclass(found) else found
        return get(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            f"A metric config must be a name or a dict with 'class_name' and 'config', "
            f"received {config!r:.120}."
        )
    name = config["class_name"]
    cls = custom_objects.get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(
            f"Unknown metric class {name!r}. Expected one of {sorted(_CLASSES)}, or pass the "
            f"class in custom_objects={{{name!r}: cls}}."
        )
    return cls.from_config(dict(config.get("config") or {}))


def resolve_name(name: str):
    """The function or the Metric class a metric name stands for (nothing is created);
    raises a ValueError that lists the names for an unknown one."""
    if name in _FUNCTIONS:
        return _FUNCTIONS[name]
    if name in _CLASSES and name != "MeanMetricWrapper":
        return _CLASSES[name]
    try:
        return _losses.get(name)
    except (ValueError, TypeError):
        raise ValueError(
            f"Unknown metric {name!r}. Expected 'accuracy', a metric function name "
            f"({', '.join(sorted(_FUNCTIONS))}), a loss name, a metric class name "
            f"({', '.join(sorted(_CLASSES))}), a Metric or a function f(y_true, y_pred)."
        ) from None


def get(identifier):
    """What a metric identifier stands for, as tf.keras 2's `metrics.get`: a function for
    a function's name ("mse", "binary_accuracy", any loss name), a fresh Metric for a
    class name ("AUC") or a config dict, and Metrics and functions as they are."""
    if isinstance(identifier, Metric) or (callable(identifier) and not inspect.isclass(identifier)):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        found = resolve_name(identifier)
        return found() if inspect.isclass(found) else found
    if inspect.isclass(identifier) and issubclass(identifier, Metric):
        return identifier()
    raise TypeError(
        f"A metric must be a string, a Metric, a config dict or a function f(y_true, "
        f"y_pred), received {type(identifier).__name__}: {identifier!r:.80}."
    )


__all__ = [
    "ACC",
    "AUC",
    "Accuracy",
    "BCE",
    "BinaryAccuracy",
    "BinaryCrossentropy",
    "CategoricalAccuracy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "CosineSimilarity",
    "FalseNegatives",
    "FalsePositives",
    "Hinge",
    "IoU",
    "KLD",
    "KLDivergence",
    "LogCoshError",
    "MAE",
    "MAPE",
    "MSE",
    "MSLE",
    "Mean",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanIoU",
    "MeanMetricWrapper",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Metric",
    "Poisson",
    "Precision",
    "Recall",
    "Reduce",
    "RootMeanSquaredError",
    "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy",
    "SquaredHinge",
    "Sum",
    "TopKCategoricalAccuracy",
    "TrueNegatives",
    "TruePositives",
    "acc",
    "accuracy",
    "bce",
    "binary_accuracy",
    "binary_crossentropy",
    "categorical_accuracy",
    "categorical_crossentropy",
    "categorical_hinge",
    "cosine",
    "cosine_proximity",
    "cosine_similarity",
    "deserialize",
    "get",
    "hinge",
    "kl_divergence",
    "kld",
    "kullback_leibler_divergence",
    "log_cosh",
    "logcosh",
    "mae",
    "mape",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "mse",
    "msle",
    "poisson",
    "resolve_name",
    "serialize",
    "sparse_categorical_accuracy",
    "sparse_categorical_crossentropy",
    "sparse_top_k_categorical_accuracy",
    "squared_hinge",
    "top_k_categorical_accuracy",
]
