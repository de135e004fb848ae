"""What the Keras 2 and Keras 3 scikit-learn wrappers share: scikit-learn's imports (an
optional dependency, imported only when `kerasfront.wrappers` is), input checks, label
encoding, the loss-name rule and pickling a fitted model through the `.keras` format."""

from __future__ import annotations

import inspect
import os
import re
import tempfile
from typing import Any

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import _check_sample_weight, column_or_1d
except ImportError as error:  # pragma: no cover - exercised only without scikit-learn
    raise ImportError(
        "kerasfront.wrappers needs scikit-learn, which is not installed: "
        "`pip install scikit-learn` (1.2 or newer)."
    ) from error

try:  # scikit-learn 1.6 made input validation a function
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - scikit-learn < 1.6

    def _validate_data(estimator, *args, **kwargs):
        return estimator._validate_data(*args, **kwargs)


__all__ = [
    "BaseEstimator",
    "ClassifierMixin",
    "NotFittedError",
    "RegressorMixin",
    "TransformerMixin",
    "cast_for_model",
    "check_sample_weight",
    "encode_labels",
    "loss_name",
    "model_from_bytes",
    "model_to_bytes",
    "parameter_names",
    "require_fitted",
    "squeeze_outputs",
    "validate_features",
    "validate_targets",
]


def parameter_names(function) -> set[str]:
    """The names `function` takes by keyword (`*args`/`**kwargs` excluded, as Keras 2's
    `has_arg` did): what decides which sk_params reach it."""
    kinds = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    parameters = inspect.signature(function).parameters
    return {name for name, p in parameters.items() if p.kind not in kinds} - {"self"}


def validate_features(estimator, x, *, reset: bool):
    """Checks `x` as scikit-learn does (finite numbers, at least 2-D, at least one sample;
    records `n_features_in_` on fit and compares it afterwards). Images and sequences
    (rank > 2) pass; their dtype is kept, so integer token ids reach an Embedding as ints."""
    return _validate_data(estimator, x, reset=reset, dtype="numeric", allow_nd=True)


def validate_targets(estimator, x, y, *, numeric: bool):
    """Checks `x` and `y` together on fit (same number of samples, `y` finite; numeric for
    regressors, any labels for classifiers). A missing `y` is refused with scikit-learn's
    message."""
    return _validate_data(
        estimator, x, y, reset=True, dtype="numeric", allow_nd=True, multi_output=True,
        y_numeric=numeric,
    )  # fmt: skip


def check_sample_weight(sample_weight, x):
    """`sample_weight` as a float array of one weight per sample, or None."""
    if sample_weight is None:
        return None
    return _check_sample_weight(sample_weight, x)


def require_fitted(estimator, fitted: bool) -> None:
    """Raises scikit-learn's NotFittedError (a ValueError and an AttributeError) when a
    method that needs a trained model runs before `fit`."""
    if not fitted:
        raise NotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with "
            "appropriate arguments before using this estimator."
        )


def encode_labels(y) -> tuple[np.ndarray, np.ndarray, bool]:
    """Class labels (strings, ints, ...) as class indices, Keras 2's rule.

    Returns `(classes, targets, one_hot)`: a `y` of shape `(n, k)` with `k > 1` is taken
    as one-hot (classes `0..k-1`, targets unchanged); a `(n,)` or `(n, 1)` `y` gives the
    sorted unique labels and each sample's index among them (a column vector is flattened
    with scikit-learn's DataConversionWarning).
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return np.arange(y.shape[1]), y, True
    if y.ndim in (1, 2):
        check_classification_targets(y)
        y = column_or_1d(y, warn=True)
        classes = np.unique(y)
        return classes, np.searchsorted(classes, y), False
    raise ValueError(
        f"Classifier targets must have shape (samples,) or (samples, classes); received "
        f"an array of shape {y.shape}."
    )


def label_indices(classes: np.ndarray, y, who: str) -> np.ndarray:
    """Indices of `y`'s labels among `classes` (labels seen in `fit`); an unseen label is
    an error, never a silently wrong index."""
    y = column_or_1d(np.asarray(y), warn=True)
    indices = np.searchsorted(classes, y)
    clipped = np.clip(indices, 0, len(classes) - 1)
    unseen = classes[clipped] != y
    if np.any(unseen):
        raise ValueError(
            f"{who}: y holds labels that fit never saw: {np.unique(y[unseen])[:10].tolist()}; "
            f"the classes are {classes.tolist()}."
        )
    return indices


def loss_name(model) -> str | None:
    """The snake_case name of a single-output model's loss (`'categorical_crossentropy'`
    for the string, the function or a `CategoricalCrossentropy()` object), else None."""
    loss = getattr(model, "loss", None)
    if isinstance(loss, str):
        return loss
    if inspect.isfunction(loss) or inspect.isbuiltin(loss):
        return loss.__name__
    if loss is not None and not isinstance(loss, (list, tuple, dict)):
        return re.sub(r"(?<!^)(?=[A-Z])", "_", type(loss).__name__).lower()
    return None


def cast_for_model(model, x: np.ndarray) -> np.ndarray:
    """Integer or boolean samples as the model's input dtype (floatx when the model has
    not fixed one), as Keras 2 fed them through a float placeholder; float samples and
    samples for an integer input (token ids) are left as they are."""
    if np.issubdtype(x.dtype, np.floating):
        return x
    inputs = getattr(model, "inputs", None)
    dtype = inputs[0].dtype if inputs and len(inputs) == 1 else None
    if dtype is None:
        from kerasfront import config

        dtype = config.floatx()
    return x.astype(dtype) if "float" in str(dtype) else x


def squeeze_outputs(outputs: np.ndarray) -> np.ndarray:
    """Drops the size-1 axes of predictions, but never the sample axis (Keras 2 squeezed
    every axis, turning one sample's prediction into a 0-d array)."""
    axes = tuple(i for i in range(1, outputs.ndim) if outputs.shape[i] == 1)
    return np.squeeze(outputs, axis=axes) if axes else outputs


def check_compiled(model, who: str) -> None:
    """Refuses what the build function returned unless it is a compiled kerasfront model."""
    if not callable(getattr(model, "fit", None)) or not hasattr(model, "compiled"):
        raise TypeError(
            f"{who}: the build function must return a compiled kerasfront model; it returned "
            f"{type(model).__name__}: {model!r:.60}."
        )
    if not model.compiled:
        raise ValueError(
            f"{who}: the model '{model.name}' returned by the build function is not compiled; "
            "call model.compile(optimizer=..., loss=...) before returning it."
        )


def model_to_bytes(model) -> bytes:
    """The model (architecture, weights, compile settings, optimizer state) as the bytes of
    a `.keras` file: how a fitted wrapper is pickled (GridSearchCV with n_jobs, joblib)."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "model.keras")
        try:
            model.save(path)
        except Exception as error:
            raise TypeError(
                f"Cannot pickle the wrapper: its model '{model.name}' cannot be saved to a "
                f".keras file ({type(error).__name__}: {error}). Register custom layers with "
                "kerasfront.utils.register_keras_serializable."
            ) from error
        with open(path, "rb") as file:
            return file.read()


def model_from_bytes(data: bytes) -> Any:
    """The model `model_to_bytes` wrote."""
    from kerasfront.saving.api import load_model

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "model.keras")
        with open(path, "wb") as file:
            file.write(data)
        return load_model(path)
