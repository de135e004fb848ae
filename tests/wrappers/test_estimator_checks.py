"""scikit-learn's estimator checks on every wrapper.

The full list runs on the torch engine (fast for tiny models); TensorFlow and JAX run a
representative subset (input validation, int inputs, fit/refit, pickling, training and
the outputs' shapes), to keep their runs short. The checks that cannot hold for a
neural network are listed, with the reasons, in `kerasfront.wrappers.estimator_checks`.
"""

import re

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks
from wrapper_models import keras2_classifier, keras2_regressor, keras3_classifier, keras3_regressor

from kerasfront import backend as K
from kerasfront.wrappers import (
    KerasClassifier,
    KerasRegressor,
    SKLearnClassifier,
    SKLearnRegressor,
    SKLearnTransformer,
)
from kerasfront.wrappers.estimator_checks import expected_failed_checks

FIT = {"epochs": 1, "batch_size": 16, "verbose": 0}
ESTIMATORS = [
    KerasClassifier(keras2_classifier, **FIT),
    KerasRegressor(keras2_regressor, **FIT),
    SKLearnClassifier(keras3_classifier, fit_kwargs=FIT),
    SKLearnRegressor(keras3_regressor, fit_kwargs=FIT),
    SKLearnTransformer(keras3_regressor, fit_kwargs=FIT),
]

SUBSET = {
    "check_estimators_dtypes",
    "check_estimators_fit_returns_self",
    "check_estimators_unfitted",
    "check_n_features_in_after_fitting",
    "check_estimators_pickle",
    "check_fit_idempotent",
    "check_classifiers_train",
    "check_regressors_train",
    "check_transformer_general",
}


def _check_name(check) -> str:
    function = getattr(check, "func", check)
    return function.__name__


def _parameters():
    mark = parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
    names, values = mark.args
    if K.backend() != "torch":
        values = [v for v in values if _check_name(_unwrap(v)[1]) in SUBSET]
    options = dict(mark.kwargs)
    if callable(options.get("ids")):
        # The ids name each estimator by its repr, which holds the build function's memory
        # address; without it they are the same in every process (pytest-xdist workers).
        make_id = options["ids"]
        options["ids"] = lambda value: re.sub(r"\s*at\s*0x[0-9a-f]+", "", str(make_id(value)))
    return names, values, options


def _unwrap(value):
    return value.values if hasattr(value, "values") else value


_NAMES, _VALUES, _OPTIONS = _parameters()


@pytest.mark.parametrize(_NAMES, _VALUES, **_OPTIONS)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
