"""Keras 3's scikit-learn wrappers: `SKLearnClassifier`, `SKLearnRegressor` and
`SKLearnTransformer` (`keras.wrappers` in Keras 3).

Each takes `model`, a callable `model(X=..., y=..., **model_kwargs)` returning a compiled
model (called anew at every `fit`, with the data as the model will see it, so it can size
the input and output layers), or a compiled model instance. `fit_kwargs` go to
`model.fit`; keyword arguments given to `fit` itself win over them. After `fit`,
`model_` is the trained model and `history_` the per-epoch dict of its History.

As in Keras 3: the classifier one-hot encodes the labels (the model needs one output unit
per class, e.g. softmax with `categorical_crossentropy`), `predict` returns the label of
the largest output and `decision_function` the raw outputs; the regressor and transformer
give the model a `(samples, 1)` target for a 1-D `y` and `predict` undoes that; `score` is
scikit-learn's (accuracy, R^2), not Keras 2's. A model instance is copied (architecture,
current weights, compile settings, through the `.keras` format) before each fit unless
`warm_start=True`, when it is trained in place; Keras 3 re-initialises the copy's weights
instead, which needs `clone_model`, not available here.

Which scikit-learn estimator checks do not apply to a stochastic neural network, and why:
see `kerasfront.wrappers.estimator_checks`.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.utils.multiclass import type_of_target

from kerasfront.models import Model
from kerasfront.utils.np_utils import to_categorical
from kerasfront.wrappers import sklearn_support as support

__all__ = ["SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer"]


class SKLearnBase(support.BaseEstimator):
    """What the three Keras 3 wrappers share.

    Args:
        model: a callable `model(X=..., y=..., **model_kwargs)` returning a compiled
            model, or a compiled model.
        warm_start: keep training the model of the previous `fit` (or the given model
            instance) instead of starting from a new one.
        model_kwargs: keyword arguments for `model` when it is a callable.
        fit_kwargs: keyword arguments for `model.fit` (`epochs`, `batch_size`, ...).
    """

    def __init__(self, model, warm_start=False, model_kwargs=None, fit_kwargs=None):
        self.model = model
        self.warm_start = warm_start
        self.model_kwargs = model_kwargs
        self.fit_kwargs = fit_kwargs

    def fit(self, X, y, **kwargs):
        """Trains a model on `(X, y)`; `kwargs` go to `model.fit` over `fit_kwargs`.

        Returns:
            The estimator.
        """
        X, y = support.validate_targets(self, X, y, numeric=self._numeric_targets)
        targets = self._encode_targets(y)
        model = self._get_model(X, targets)
        support.check_compiled(model, type(self).__name__)
        X = support.cast_for_model(model, X)
        history = model.fit(X, targets, **{**(self.fit_kwargs or {}), **kwargs})
        self.history_ = history.history
        self.model_ = model
        return self

    _numeric_targets = True

    def _get_model(self, X, y):
        if self.warm_start and hasattr(self, "model_"):
            return self.model_
        if isinstance(self.model, Model):
            if self.warm_start:
                return self.model
            return support.model_from_bytes(support.model_to_bytes(self.model))
        if callable(self.model):
            return self.model(X=X, y=y, **(self.model_kwargs or {}))
        raise TypeError(
            f"{type(self).__name__}: model must be a compiled model or a callable "
            f"model(X, y, **model_kwargs) returning one; received "
            f"{type(self.model).__name__}: {self.model!r:.60}."
        )

    def _encode_targets(self, y):
        # A 1-D target is given to the model as a column; predict undoes it.
        self._target_ndim = y.ndim
        return y.reshape(-1, 1) if y.ndim == 1 else y

    def _decode_outputs(self, outputs):
        if self._target_ndim == 1 and outputs.ndim == 2 and outputs.shape[1] == 1:
            return outputs[:, 0]
        return outputs

    def _raw_predict(self, X) -> np.ndarray:
        support.require_fitted(self, self.__sklearn_is_fitted__())
        X = support.validate_features(self, X, reset=False)
        X = support.cast_for_model(self.model_, X)
        return np.asarray(self.model_.predict(X, verbose=0))

    def predict(self, X) -> np.ndarray:
        """The model's predictions for `X`, in the encoding of the `y` given to `fit`."""
        return self._decode_outputs(self._raw_predict(X))

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "model_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Weights start random and batches are shuffled: two fits differ.
        tags.non_deterministic = True
        # Regressor and transformer targets of shape (samples, outputs) are trained as is.
        tags.target_tags.multi_output = True
        return tags

    def __sklearn_clone__(self):
        # A model instance cannot be deep-copied; it is shared (fit copies it first).
        params = self.get_params(deep=False)
        model = params.pop("model")
        return type(self)(model=model, **{k: clone(v, safe=False) for k, v in params.items()})

    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())
        for key in ("model", "model_"):
            if isinstance(state.get(key), Model):
                state[key] = support.model_to_bytes(state[key])
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        for key in ("model", "model_"):
            if isinstance(state.get(key), bytes):
                state[key] = support.model_from_bytes(state[key])
        super().__setstate__(state)


class SKLearnClassifier(support.ClassifierMixin, SKLearnBase):
    """scikit-learn classifier over a Keras model (Keras 3's API).

    The model receives one-hot targets of shape `(samples, classes)` (classes sorted, in
    `classes_`) and must output one column per class.

    Example:
        >>> def build(X, y, hidden=8):
        ...     model = Sequential([Input((X.shape[1],)), Dense(hidden, activation="relu"),
        ...                         Dense(y.shape[1], activation="softmax")])
        ...     model.compile("adam", "categorical_crossentropy")
        ...     return model
        >>> SKLearnClassifier(build, model_kwargs={"hidden": 16},
        ...                   fit_kwargs={"epochs": 5, "verbose": 0}).fit(x, labels)
    """

    _numeric_targets = False

    def _encode_targets(self, y):
        target_type = type_of_target(y, input_name="y", raise_unknown=True)
        if target_type not in ("binary", "multiclass"):
            raise ValueError(
                f"{type(self).__name__} supports binary and multiclass targets; received "
                f"a target of type {target_type!r}."
            )
        self.classes_, indices, _ = support.encode_labels(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes to train; y holds "
                f"one class only: {self.classes_.tolist()}."
            )
        return to_categorical(indices, num_classes=len(self.classes_))

    def decision_function(self, X) -> np.ndarray:
        """The model's raw outputs, shape `(samples, classes)`."""
        return self._raw_predict(X)

    def predict(self, X) -> np.ndarray:
        """The label of the largest output for each sample."""
        outputs = self._raw_predict(X)
        if outputs.ndim != 2 or outputs.shape[1] != len(self.classes_):
            raise ValueError(
                f"{type(self).__name__}: the model must output one column per class "
                f"({len(self.classes_)} for {self.classes_.tolist()}); predict gave shape "
                f"{outputs.shape}."
            )
        return self.classes_[outputs.argmax(axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.poor_score = True
        tags.target_tags.multi_output = False  # one label per sample
        return tags


class SKLearnRegressor(support.RegressorMixin, SKLearnBase):
    """scikit-learn regressor over a Keras model (Keras 3's API); `score` is R^2."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        return tags


class SKLearnTransformer(support.TransformerMixin, SKLearnBase):
    """scikit-learn transformer whose `transform` is the model's prediction (for example
    an embedding model as a feature step of a Pipeline)."""

    def transform(self, X) -> np.ndarray:
        """The model's outputs for `X`."""
        return self._raw_predict(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The output dtype is the model's (floatx), whatever the input's.
        tags.transformer_tags.preserves_dtype = []
        return tags
