"""Keras 3's SKLearnClassifier / SKLearnRegressor / SKLearnTransformer: what the model
callable receives, predictions and scikit-learn's scores against NumPy (float32, rtol
1e-5), model instances and warm_start, and use inside GridSearchCV, Pipeline and
cross_val_score."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from wrapper_models import (
    classification_data,
    keras3_classifier,
    keras3_regressor,
    mlp,
    regression_data,
)

from kerasfront.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer

QUIET = {"verbose": 0, "batch_size": 16}


def test_classifier_one_hot_targets_predict_and_accuracy():
    x, labels = classification_data(labels=("emu", "cat", "dog"))
    received = {}

    def build(X, y, hidden=4):
        received.update(X=X, y=y, hidden=hidden)
        return mlp(X.shape[1], y.shape[1], hidden, "softmax", "categorical_crossentropy",
                   run_eagerly=False)  # fmt: skip

    estimator = SKLearnClassifier(build, model_kwargs={"hidden": 6}, fit_kwargs=QUIET)
    assert estimator.fit(x, labels) is estimator
    np.testing.assert_array_equal(estimator.classes_, ["cat", "dog", "emu"])
    np.testing.assert_array_equal(received["X"], x)
    np.testing.assert_array_equal(received["y"], np.eye(3)[np.searchsorted(estimator.classes_,
                                                                           labels)])  # fmt: skip
    assert received["hidden"] == 6 and estimator.n_features_in_ == 4

    raw = estimator.model_.predict(x, verbose=0)
    np.testing.assert_allclose(estimator.decision_function(x), raw, rtol=1e-6)
    predicted = estimator.predict(x)
    np.testing.assert_array_equal(predicted, estimator.classes_[raw.argmax(axis=1)])
    np.testing.assert_allclose(estimator.score(x, labels), np.mean(predicted == labels), rtol=1e-5)

    with pytest.raises(ValueError, match="binary and multiclass"):
        estimator.fit(x, np.linspace(0, 1, len(x)))


def test_regressor_column_targets_and_r2_score():
    x, y = regression_data()
    shapes = []

    def build(X, y):
        shapes.append(y.shape)
        return mlp(X.shape[1], y.shape[1], 4, None, "mse")

    estimator = SKLearnRegressor(build, fit_kwargs={"epochs": 2, **QUIET}).fit(x, y)
    assert shapes == [(len(x), 1)] and len(estimator.history_["loss"]) == 2
    predicted = estimator.predict(x)
    assert predicted.shape == (len(x),)
    np.testing.assert_allclose(predicted, estimator.model_.predict(x, verbose=0)[:, 0], rtol=1e-6)
    r2 = 1 - np.sum((y - predicted) ** 2) / np.sum((y - y.mean()) ** 2)
    np.testing.assert_allclose(estimator.score(x, y), r2, rtol=1e-5)

    estimator.fit(x, y, epochs=1)  # fit's own kwargs win over fit_kwargs
    assert len(estimator.history_["loss"]) == 1
    two_outputs = np.stack([y, 2 * y], axis=1)
    assert estimator.fit(x, two_outputs).predict(x).shape == (len(x), 2)


def test_transformer_in_a_pipeline():
    x, y = regression_data()
    transformer = SKLearnTransformer(keras3_regressor, fit_kwargs=QUIET)
    features = transformer.fit_transform(x, np.stack([y, -y], axis=1))
    np.testing.assert_allclose(features, transformer.model_.predict(x, verbose=0), rtol=1e-6)
    assert features.shape == (len(x), 2)
    pipeline = make_pipeline(StandardScaler(), SKLearnTransformer(keras3_regressor,
                             fit_kwargs=QUIET), LinearRegression())  # fmt: skip
    assert pipeline.fit(x, y).predict(x).shape == (len(x),)


def test_model_instance_is_copied_unless_warm_start():
    x, y = regression_data(n_samples=20)
    model = mlp(4, 1, 3, None, "mse")
    before = [w.copy() for w in model.get_weights()]
    estimator = SKLearnRegressor(model, fit_kwargs=QUIET).fit(x, y)
    assert estimator.model_ is not model
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert clone(estimator).model is model  # a model instance is shared, not deep-copied

    warm = SKLearnRegressor(model, warm_start=True, fit_kwargs=QUIET).fit(x, y)
    assert warm.model_ is model
    assert not np.array_equal(before[0], model.get_weights()[0])
    trained = model.get_weights()[0].copy()
    warm.fit(x, y)  # trains the same model further
    assert warm.model_ is model and not np.array_equal(trained, model.get_weights()[0])

    restored = pickle.loads(pickle.dumps(estimator))
    np.testing.assert_array_equal(restored.predict(x), estimator.predict(x))
    with pytest.raises(TypeError, match="model must be a compiled model or a callable"):
        SKLearnRegressor("mlp").fit(x, y)


def test_grid_search_pipeline_and_cross_val_score():
    x, labels = classification_data(n_samples=40)
    pipeline = Pipeline(
        [("scale", StandardScaler()),
         ("net", SKLearnClassifier(keras3_classifier, fit_kwargs=QUIET))]
    )  # fmt: skip
    grid = {"net__model_kwargs": [{"hidden": 2}, {"hidden": 6}],
            "net__fit_kwargs": [{"epochs": 1, **QUIET}, {"epochs": 2, **QUIET}]}  # fmt: skip
    search = GridSearchCV(pipeline, grid, cv=2).fit(x, labels)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (4,) and np.all((scores >= 0) & (scores <= 1))
    best = search.best_estimator_.named_steps["net"]
    assert best.model_kwargs == search.best_params_["net__model_kwargs"]
    assert best.model_.layers[0].units == best.model_kwargs["hidden"]

    x, y = regression_data(n_samples=40)
    scores = cross_val_score(SKLearnRegressor(keras3_regressor, fit_kwargs=QUIET), x, y, cv=2)
    assert scores.shape == (2,) and np.all(np.isfinite(scores))
