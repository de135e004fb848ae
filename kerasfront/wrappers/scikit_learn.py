"""Keras 2's scikit-learn wrappers: `KerasClassifier` and `KerasRegressor`.

`build_fn` builds and compiles a fresh model at every `fit`. It is a function, an object
with a `__call__` method, or None in a subclass that defines `__call__(self, ...)`.
`**sk_params` hold both the build function's arguments and the arguments of `fit`,
`predict`, `predict_proba` and `score`; each call receives the sk_params its Keras method
names (`Model.fit`, `Model.predict`, `Model.evaluate`) plus the keyword arguments given to
the call itself, which win. So `GridSearchCV` can tune `epochs` and `batch_size` as well as
the build function's own arguments. Scores follow Keras 2: the classifier's is the
accuracy reported by `evaluate` (compile the model with `metrics=["accuracy"]`), the
regressor's is the negative loss (greater is better, as scikit-learn expects).

Where scikit-learn's contract required a change from Keras 2 (so that the wrappers work in
`Pipeline`, `GridSearchCV`, `clone` and pass scikit-learn's estimator checks):

- `fit` returns the estimator (Keras 2 returned the `History`); `estimator.history` holds
  the History's per-epoch dict, so `est.fit(x, y).history["loss"]` still reads the same.
- Inputs are checked as scikit-learn does (finite numbers, one array with samples first;
  images and sequences of rank > 2 pass; `n_features_in_` is recorded).
- Predictions keep the sample axis: a single sigmoid output gives labels of shape
  `(samples,)` (Keras 2 gave `(samples, 1)`), a regressor's one-sample prediction `(1,)`.
- Labels in `score` that `fit` never saw raise a ValueError (Keras 2 mapped them to a
  wrong class); categorical one-hot targets always have one column per class of `fit`.
- A build function with a parameter named `meta` receives a dict of facts about the data
  (`n_features_in_`, `input_shape`, and `classes_`/`n_classes_` or `n_outputs_`), so one
  function can build a model for data it has not seen (not in Keras 2; the scikit-learn
  estimator checks need it). `meta` cannot be set through sk_params.

Which scikit-learn estimator checks do not apply to a stochastic neural network, and why:
see `kerasfront.wrappers.estimator_checks`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kerasfront.models import Model
from kerasfront.utils.np_utils import to_categorical
from kerasfront.wrappers import sklearn_support as support

__all__ = ["BaseWrapper", "KerasClassifier", "KerasRegressor"]

# The Keras method whose arguments each wrapper method takes from sk_params.
_ROUTES = {"fit": Model.fit, "predict": Model.predict, "evaluate": Model.evaluate}
_NOT_SK_PARAMS = {"x", "y", "meta", "build_fn"}


class BaseWrapper(support.BaseEstimator):
    """The Keras 2 wrapper logic; use `KerasClassifier` or `KerasRegressor`.

    Args:
        build_fn: a function or callable object returning a compiled model, or None when a
            subclass defines `__call__`. Its arguments should all have defaults, so the
            estimator can be built without sk_params.
        **sk_params: arguments of `build_fn` and of `fit`/`predict`/`evaluate`
            (`epochs`, `batch_size`, `verbose`, ...). A name that none of them takes is a
            ValueError (a typo would otherwise be ignored).
    """

    def __init__(self, build_fn=None, **sk_params):
        self.build_fn = build_fn
        # Private: scikit-learn's checks allow only constructor arguments as public
        # attributes set by __init__; `sk_params` reads it.
        self._sk_params = dict(sk_params)
        self.check_params(sk_params)

    @property
    def sk_params(self) -> dict:
        """The sk_params, as Keras 2 exposed them."""
        return self._sk_params

    @property
    def model(self):
        """The model trained by the last `fit` (Keras 2's attribute; also `model_`)."""
        try:
            return self.model_
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__} has no model before fit() is called."
            ) from None

    @property
    def history(self) -> dict:
        """The per-epoch logs of the last `fit` (the `History` callback's dict)."""
        try:
            return self.history_
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__} has no history before fit() is called."
            ) from None

    # ---- parameters ----------------------------------------------------------------------
    def _build_function(self):
        """The build function, or None when there is none to call (checked at fit)."""
        if self.build_fn is not None:
            return self.build_fn if callable(self.build_fn) else None
        defines_call = any("__call__" in vars(k) for k in type(self).__mro__[:-1])
        return self.__call__ if defines_call else None

    def _require_build_function(self):
        build = self._build_function()
        if build is None:
            if self.build_fn is None:
                raise ValueError(
                    f"{type(self).__name__}: build_fn is None, so a subclass must define "
                    "__call__(self, ...) returning a compiled model."
                )
            raise TypeError(
                f"{type(self).__name__}: build_fn must be a function or an object with a "
                f"__call__ method returning a compiled model; received "
                f"{type(self.build_fn).__name__}: {self.build_fn!r:.60}."
            )
        return build

    def check_params(self, params: dict) -> None:
        """Raises a ValueError for a parameter that neither the build function nor
        `fit`/`predict`/`evaluate` takes. Without a usable build function the names
        cannot be judged: `fit` raises instead (scikit-learn builds estimators with
        placeholder values and expects no error before fit)."""
        build = self._build_function()
        if build is None:
            return
        legal = support.parameter_names(build)
        for method in _ROUTES.values():
            legal |= support.parameter_names(method)
        legal = (legal - _NOT_SK_PARAMS) | {"nb_epoch"}
        for name in params:
            if name not in legal:
                raise ValueError(
                    f"{type(self).__name__}: {name!r} is not a legal parameter: it is not an "
                    f"argument of the build function nor of fit/predict/evaluate. Legal: "
                    f"{sorted(legal)}."
                )

    def get_params(self, deep: bool = True) -> dict:
        """`build_fn` and the sk_params (the same objects, so `sklearn.base.clone` can
        check them)."""
        return {**self._sk_params, "build_fn": self.build_fn}

    def set_params(self, **params) -> BaseWrapper:
        """Updates `build_fn` and sk_params (checked as the constructor checks them)."""
        if "build_fn" in params:
            self.build_fn = params.pop("build_fn")
        self.check_params(params)
        self._sk_params.update(params)
        return self

    def filter_sk_params(self, fn, override: dict | None = None) -> dict:
        """The sk_params that `fn` takes by name, updated with `override`."""
        names = support.parameter_names(fn)
        chosen = {k: v for k, v in self._sk_params.items() if k in names}
        chosen.update(override or {})
        return chosen

    def _method_params(self, route: str, override: dict) -> dict:
        chosen = self.filter_sk_params(_ROUTES[route], override)
        if route == "fit" and "nb_epoch" in self._sk_params and "epochs" not in chosen:
            chosen["epochs"] = self._sk_params["nb_epoch"]  # Keras 1's name
        return chosen

    # ---- training ------------------------------------------------------------------------
    def fit(self, x, y, **kwargs) -> BaseWrapper:
        """Builds a new model with `build_fn` and trains it on `(x, y)` as given (Keras
        2's base `fit`, for direct subclasses of BaseWrapper; KerasClassifier and
        KerasRegressor check and encode their targets first). `kwargs` are arguments of
        `Model.fit` that override sk_params. Returns the estimator."""
        x, y = np.asarray(x), np.asarray(y)
        return self._fit_model(x, y, self._data_meta(x), kwargs)

    def _build_model(self, meta: dict):
        build = self._require_build_function()
        self.check_params(self._sk_params)
        arguments = self.filter_sk_params(build)
        if "meta" in support.parameter_names(build):
            arguments["meta"] = meta
        model = build(**arguments)
        support.check_compiled(model, type(self).__name__)
        return model

    def _data_meta(self, x) -> dict:
        return {"n_features_in_": x.shape[1], "input_shape": tuple(x.shape[1:])}

    def _fit_model(self, x, y, meta: dict, kwargs: dict):
        self.model_ = self._build_model(meta)
        y = self._targets_for_model(y)
        x = support.cast_for_model(self.model_, x)
        history = self.model_.fit(x, y, **self._method_params("fit", kwargs))
        self.history_ = history.history
        return self

    def _targets_for_model(self, y):
        return y

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "model_")

    def _check_fitted(self) -> None:
        support.require_fitted(self, self.__sklearn_is_fitted__())

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # Weights start random and batches are shuffled: two fits differ.
        tags.non_deterministic = True
        return tags

    # ---- pickling (joblib workers, saving a fitted search) -------------------------------
    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())
        if "model_" in state:
            state["model_"] = support.model_to_bytes(state["model_"])
        return state

    def __setstate__(self, state: dict) -> None:
        if isinstance(state.get("model_"), bytes):
            state = {**state, "model_": support.model_from_bytes(state["model_"])}
        super().__setstate__(state)


class KerasClassifier(support.ClassifierMixin, BaseWrapper):
    """scikit-learn classifier over a Keras model (Keras 2's API).

    Labels may be any sortable values (strings, ints); `classes_` holds them sorted and
    the model is trained on their indices, one-hot encoded when the model's loss is
    `categorical_crossentropy`. A `y` of shape `(samples, k)` with `k > 1` is taken as
    already one-hot (classes `0..k-1`).

    Example:
        >>> def build(hidden=8, meta=None):
        ...     model = Sequential([Dense(hidden, activation="relu"),
        ...                         Dense(meta["n_classes_"], activation="softmax")])
        ...     model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        ...     return model
        >>> search = GridSearchCV(KerasClassifier(build, epochs=5, verbose=0),
        ...                       {"hidden": [4, 16]}).fit(x, labels)
    """

    def fit(self, x, y, sample_weight=None, **kwargs) -> KerasClassifier:
        """Builds a new model with `build_fn` and trains it on `(x, y)`.

        Args:
            x: samples, shape `(samples, features...)`.
            y: labels `(samples,)`, or one-hot targets `(samples, classes)`.
            sample_weight: optional weight per sample.
            **kwargs: arguments of `Model.fit`; they override sk_params.

        Returns:
            The estimator; `self.model` is the trained model, `self.history` its
            per-epoch logs.
        """
        x, y = support.validate_targets(self, x, y, numeric=False)
        self.classes_, y, self._one_hot_targets = support.encode_labels(y)
        self.n_classes_ = len(self.classes_)
        if self.n_classes_ < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes to train; y holds "
                f"one class only: {self.classes_.tolist()}."
            )
        if sample_weight is not None:
            kwargs["sample_weight"] = support.check_sample_weight(sample_weight, x)
        meta = {**self._data_meta(x), "classes_": self.classes_, "n_classes_": self.n_classes_}
        return self._fit_model(x, y, meta, kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # A few epochs on small data sets need not reach scikit-learn's score thresholds.
        tags.classifier_tags.poor_score = True
        return tags

    def _targets_for_model(self, y):
        if not self._one_hot_targets and support.loss_name(self.model_) == (
            "categorical_crossentropy"
        ):
            return to_categorical(y, num_classes=self.n_classes_)
        return y

    def _probabilities(self, x, kwargs: dict) -> np.ndarray:
        self._check_fitted()
        x = support.cast_for_model(self.model_, support.validate_features(self, x, reset=False))
        outputs = self.model_.predict(x, **self._method_params("predict", kwargs))
        if not isinstance(outputs, np.ndarray) or outputs.ndim != 2:
            raise ValueError(
                f"{type(self).__name__}: the model must have one output of shape (samples, "
                f"classes) or (samples, 1); predict gave {_describe(outputs)}."
            )
        columns = outputs.shape[1]
        if columns > 1 and columns != self.n_classes_:
            raise ValueError(
                f"{type(self).__name__}: the model outputs {columns} columns but fit saw "
                f"{self.n_classes_} classes {self.classes_.tolist()}; give the last layer "
                "one unit per class (the build function's `meta['n_classes_']`)."
            )
        return outputs

    def predict(self, x, **kwargs) -> np.ndarray:
        """The predicted labels (in `classes_`' encoding), shape `(samples,)`: the
        most probable class, or for a single output, class 1 where it exceeds 0.5."""
        outputs = self._probabilities(x, kwargs)
        if outputs.shape[1] > 1:
            indices = outputs.argmax(axis=1)
        else:
            indices = (outputs[:, 0] > 0.5).astype("int64")
        return self.classes_[indices]

    def predict_proba(self, x, **kwargs) -> np.ndarray:
        """Class probabilities, shape `(samples, classes)`; a single sigmoid output gives
        the two columns `[1 - p, p]`, as scikit-learn expects for two classes."""
        outputs = self._probabilities(x, kwargs)
        if outputs.shape[1] == 1:
            return np.hstack([1 - outputs, outputs])
        return outputs

    def score(self, x, y, **kwargs) -> float:
        """The accuracy on `(x, y)` that `model.evaluate` reports (Keras 2); the model must
        be compiled with `metrics=["accuracy"]`. `kwargs` go to `evaluate`."""
        self._check_fitted()
        x = support.cast_for_model(self.model_, support.validate_features(self, x, reset=False))
        y = np.asarray(y)
        if not self._one_hot_targets:
            y = support.label_indices(self.classes_, y, f"{type(self).__name__}.score")
            y = self._targets_for_model(y)
        outputs = self.model_.evaluate(x, y, **self._method_params("evaluate", kwargs))
        values = outputs if isinstance(outputs, list) else [outputs]
        for name, value in zip(self.model_.metrics_names, values):
            if name in ("accuracy", "acc"):
                return float(value)
        raise ValueError(
            f"{type(self).__name__}.score: model '{self.model_.name}' does not compute accuracy "
            f"(its metrics are {self.model_.metrics_names}); compile it with "
            'metrics=["accuracy"].'
        )


class KerasRegressor(support.RegressorMixin, BaseWrapper):
    """scikit-learn regressor over a Keras model (Keras 2's API); `score` is the negative
    loss that `model.evaluate` reports."""

    def fit(self, x, y, sample_weight=None, **kwargs) -> KerasRegressor:
        """Builds a new model with `build_fn` and trains it on `(x, y)`; `kwargs` are
        arguments of `Model.fit` that override sk_params. Returns the estimator."""
        x, y = support.validate_targets(self, x, y, numeric=True)
        if sample_weight is not None:
            kwargs["sample_weight"] = support.check_sample_weight(sample_weight, x)
        outputs = 1 if y.ndim == 1 else int(np.prod(y.shape[1:]))
        return self._fit_model(x, y, {**self._data_meta(x), "n_outputs_": outputs}, kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.regressor_tags.poor_score = True
        tags.target_tags.multi_output = True  # y of shape (samples, outputs) is trained as is
        return tags

    def predict(self, x, **kwargs) -> np.ndarray:
        """The model's predictions, size-1 axes after the sample axis dropped."""
        self._check_fitted()
        x = support.cast_for_model(self.model_, support.validate_features(self, x, reset=False))
        outputs = self.model_.predict(x, **self._method_params("predict", kwargs))
        return support.squeeze_outputs(np.asarray(outputs))

    def score(self, x, y, **kwargs) -> float:
        """The negative of the loss `model.evaluate` reports on `(x, y)` (Keras 2), so
        greater is better; `kwargs` go to `evaluate`."""
        self._check_fitted()
        x = support.cast_for_model(self.model_, support.validate_features(self, x, reset=False))
        outputs = self.model_.evaluate(x, np.asarray(y), **self._method_params("evaluate", kwargs))
        return -float(outputs[0] if isinstance(outputs, list) else outputs)


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"{type(value).__name__}"
