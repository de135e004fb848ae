"""Keras 2's KerasClassifier / KerasRegressor: label encodings, scores against NumPy,
sk_params routing, clone, pickling, and use inside GridSearchCV, Pipeline and
cross_val_score. Scores are compared to NumPy at float32 tolerance (rtol 1e-5)."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from wrapper_models import (
    classification_data,
    keras2_classifier,
    keras2_regressor,
    mlp,
    regression_data,
)

from kerasfront.callbacks import Callback
from kerasfront.layers import Dense
from kerasfront.models import Sequential
from kerasfront.wrappers import KerasClassifier, KerasRegressor

QUIET = {"verbose": 0, "batch_size": 16}


def test_string_labels_categorical_crossentropy_compiled_model():
    """Labels come back in their own encoding; the model trains on one-hot targets (its
    loss is categorical_crossentropy); score is evaluate's accuracy = NumPy's."""
    x, labels = classification_data(labels=("emu", "cat", "dog"))
    seen = {}

    def build(meta=None):
        model = mlp(4, meta["n_classes_"], 8, "softmax", "categorical_crossentropy",
                    ["accuracy"], run_eagerly=False)  # fmt: skip
        fit = model.fit

        def recording_fit(x, y, **kwargs):
            seen["y"] = y
            return fit(x, y, **kwargs)

        model.fit = recording_fit
        return model

    estimator = KerasClassifier(build, epochs=3, **QUIET)
    assert estimator.fit(x, labels) is estimator
    np.testing.assert_array_equal(estimator.classes_, ["cat", "dog", "emu"])
    indices = np.searchsorted(estimator.classes_, labels)
    np.testing.assert_array_equal(seen["y"], np.eye(3)[indices])
    assert len(estimator.history["loss"]) == 3

    probabilities = estimator.model.predict(x, verbose=0)
    np.testing.assert_allclose(estimator.predict_proba(x), probabilities, rtol=1e-6)
    predicted = estimator.predict(x)
    np.testing.assert_array_equal(predicted, estimator.classes_[probabilities.argmax(axis=1)])
    np.testing.assert_allclose(estimator.score(x, labels), np.mean(predicted == labels), rtol=1e-5)

    with pytest.raises(ValueError, match="never saw.*'fox'"):
        estimator.score(x[:2], np.array(["cat", "fox"]))


def test_integer_labels_single_sigmoid_output():
    """One sigmoid unit: predict_proba gives [1 - p, p], predict thresholds at 0.5."""
    x, labels = classification_data(labels=(7, 3))

    def build():
        return mlp(4, 1, 4, "sigmoid", "binary_crossentropy", ["accuracy"])

    estimator = KerasClassifier(build, epochs=2, **QUIET).fit(x, labels)
    np.testing.assert_array_equal(estimator.classes_, [3, 7])
    p = estimator.model.predict(x, verbose=0)[:, 0]
    np.testing.assert_allclose(
        estimator.predict_proba(x), np.stack([1 - p, p], 1), rtol=1e-5, atol=1e-7
    )
    predicted = estimator.predict(x)
    assert predicted.shape == (len(x),)
    np.testing.assert_array_equal(predicted, np.where(p > 0.5, 7, 3))
    np.testing.assert_allclose(estimator.score(x, labels), np.mean(predicted == labels), rtol=1e-5)


def test_one_hot_targets_and_sparse_loss():
    x, labels = classification_data()
    one_hot = np.eye(3)[np.searchsorted(np.unique(labels), labels)]
    estimator = KerasClassifier(keras2_classifier, loss="categorical_crossentropy", **QUIET)
    estimator.fit(x, one_hot)
    np.testing.assert_array_equal(estimator.classes_, [0, 1, 2])
    assert estimator.predict(x).max() <= 2
    estimator = KerasClassifier(keras2_classifier, **QUIET).fit(x, labels)
    predicted = estimator.predict(x)
    np.testing.assert_allclose(estimator.score(x, labels), np.mean(predicted == labels), rtol=1e-5)


def test_classifier_needs_accuracy_and_two_classes():
    x, labels = classification_data()
    estimator = KerasClassifier(lambda: mlp(4, 3, 4, "softmax", "sparse_categorical_crossentropy"),
                                **QUIET).fit(x, labels)  # fmt: skip
    with pytest.raises(ValueError, match="accuracy"):
        estimator.score(x, labels)
    with pytest.raises(ValueError, match="one class"):
        KerasClassifier(keras2_classifier, **QUIET).fit(x, np.full(len(x), "ant"))


def test_regressor_score_is_negative_loss():
    x, y = regression_data()
    estimator = KerasRegressor(keras2_regressor, run_eagerly=False, epochs=2, **QUIET)
    estimator.fit(x, y)
    predicted = estimator.predict(x)
    assert predicted.shape == (len(x),)
    assert estimator.predict(x[:1]).shape == (1,)
    np.testing.assert_allclose(estimator.score(x, y), -np.mean((predicted - y) ** 2), rtol=1e-5)

    two_outputs = np.stack([y, -y], axis=1)
    estimator.fit(x, two_outputs)
    predicted = estimator.predict(x)
    assert predicted.shape == (len(x), 2)
    expected = -np.mean((predicted - two_outputs) ** 2)
    np.testing.assert_allclose(estimator.score(x, two_outputs), expected, rtol=1e-5)


class PredictBatches(Callback):
    def on_predict_begin(self, logs=None):
        self.batches = 0

    def on_predict_batch_end(self, batch, logs=None):
        self.batches += 1


def test_sk_params_routing_and_overrides():
    """sk_params reach the build function by its signature and fit/predict by theirs;
    keyword arguments given to the call win."""
    x, y = regression_data(n_samples=20)
    built_with = {}

    def build(hidden=2, meta=None):
        built_with.update(hidden=hidden, meta=meta)
        return mlp(4, 1, hidden, None, "mse")

    counter = PredictBatches()
    estimator = KerasRegressor(build, hidden=3, epochs=2, batch_size=5, verbose=0,
                               callbacks=[counter])  # fmt: skip
    estimator.fit(x, y)
    assert built_with["hidden"] == 3 and built_with["meta"]["n_features_in_"] == 4
    assert len(estimator.history["loss"]) == 2
    estimator.predict(x)
    assert counter.batches == 4  # batch_size=5 reached predict
    estimator.predict(x, batch_size=10)
    assert counter.batches == 2
    estimator.fit(x, y, epochs=1)
    assert len(estimator.history["loss"]) == 1


def test_build_fn_forms_and_illegal_params():
    x, y = regression_data(n_samples=20)

    class Builder:
        def __call__(self, width=2):
            return mlp(4, 1, width, None, "mse")

    class Subclassed(KerasRegressor):
        def __call__(self, width=2):
            return mlp(4, 1, width, None, "mse")

    for estimator in (KerasRegressor(Builder(), width=3, **QUIET), Subclassed(width=3, **QUIET)):
        estimator.fit(x, y)
        assert estimator.model.layers[0].units == 3

    with pytest.raises(ValueError, match="'widht' is not a legal parameter"):
        KerasRegressor(Builder(), widht=3)
    with pytest.raises(ValueError, match="'meta' is not a legal parameter"):
        KerasRegressor(keras2_regressor, meta={})
    with pytest.raises(ValueError, match="'bogus' is not a legal parameter"):
        KerasRegressor(Builder()).set_params(bogus=1)
    with pytest.raises(TypeError, match="build_fn must be a function"):
        KerasRegressor(build_fn=3).fit(x, y)
    with pytest.raises(ValueError, match="subclass must define"):
        KerasRegressor().fit(x, y)
    with pytest.raises(ValueError, match="not compiled"):
        KerasRegressor(lambda: Sequential([Dense(1)]), **QUIET).fit(x, y)


def test_get_set_params_clone_and_pickle():
    x, labels = classification_data()
    estimator = KerasClassifier(keras2_classifier, hidden=5, epochs=1, **QUIET)
    params = estimator.get_params()
    assert params == {"build_fn": keras2_classifier, "hidden": 5, "epochs": 1, **QUIET}
    copy = clone(estimator)
    assert copy.get_params() == params and not hasattr(copy, "model_")
    assert copy.set_params(hidden=2) is copy and copy.sk_params["hidden"] == 2
    assert estimator.sk_params["hidden"] == 5

    with pytest.raises(NotFittedError):
        estimator.predict(x)
    estimator.fit(x, labels)
    restored = pickle.loads(pickle.dumps(estimator))
    np.testing.assert_array_equal(restored.predict_proba(x), estimator.predict_proba(x))
    with pytest.raises(ValueError, match="4 features"):
        estimator.predict(x[:, :3])


def test_grid_search_pipeline_and_cross_val_score():
    x, labels = classification_data(n_samples=40)
    pipeline = Pipeline(
        [("scale", StandardScaler()), ("net", KerasClassifier(keras2_classifier, **QUIET))]
    )
    grid = {"net__hidden": [2, 6], "net__epochs": [1, 2]}
    search = GridSearchCV(pipeline, grid, cv=2).fit(x, labels)
    assert search.best_params_["net__hidden"] in (2, 6)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (4,) and np.all((scores >= 0) & (scores <= 1))
    best = search.best_estimator_
    assert best.named_steps["net"].get_params()["hidden"] == search.best_params_["net__hidden"]
    assert set(best.predict(x)) <= set(labels)

    x, y = regression_data(n_samples=40)
    regressor = Pipeline(
        [("scale", StandardScaler()), ("net", KerasRegressor(keras2_regressor, **QUIET))]
    )
    scores = cross_val_score(regressor, x, y, cv=2)
    assert scores.shape == (2,) and np.all(scores < 0)  # negative losses
