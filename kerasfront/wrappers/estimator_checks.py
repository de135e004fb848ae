"""The scikit-learn estimator checks that do not apply to the wrappers, and why.

`expected_failed_checks(estimator)` gives them as scikit-learn's `check_estimator` and
`parametrize_with_checks` take them (`expected_failed_checks=`, scikit-learn 1.6+). Every
other check passes, given a build function that sizes the model from the data (`meta` for
the Keras 2 wrappers, `X`/`y` for the Keras 3 ones) and, for the checks that compare two
fits, seeds the run (`kerasfront.utils.set_random_seed`) so that two fits on the same data
give the same model. Skipped, for every wrapper:

- `check_sample_weight_equivalence_on_dense_data` (and `..._on_sparse_data`): fitting
  with a weight of 2 is not the same as fitting on the sample repeated, nor a weight of 0
  the same as leaving the sample out. Mini-batch gradient descent sees different batches
  and a different number of steps per epoch, and a zero-weight sample still takes a
  place in its batch, so the trained weights differ however the run is seeded (Keras 3
  skips it too).

Skipped for the regressors (`KerasRegressor`, `SKLearnRegressor`):

- `check_regressor_multioutput`: it requires float64 predictions for several outputs.
  Predictions come in the model's dtype (floatx, float32 by default), as in Keras;
  widening them would look like more precision than the model has. Everything else that
  check tests (training on `(samples, outputs)` targets, the predictions' shape) is
  covered by the wrappers' own tests.

Skipped for `SKLearnClassifier` only:

- `check_classifiers_train` and `check_classifiers_classes`: they expect a two-class
  `decision_function` to return one score per sample whose sign gives the class. Keras 3
  documents `decision_function` as the model's raw outputs, one column per class, so it
  returns shape `(samples, 2)` (Keras 3 skips these checks too). `KerasClassifier` has no
  `decision_function` and passes them.

Not skipped but made to hold: the wrappers are tagged `non_deterministic` (scikit-learn
then leaves out the checks that compare results across fits without a seed) and
`poor_score` (one epoch on the checks' small data sets does not reach their accuracy or
R^2 thresholds).
"""

from __future__ import annotations

_EVERY_WRAPPER = {
    "check_sample_weight_equivalence_on_dense_data": (
        "mini-batch training on repeated or zero-weight samples is not training on "
        "weighted samples: the batches and the steps per epoch differ"
    ),
    "check_sample_weight_equivalence_on_sparse_data": (
        "mini-batch training on repeated or zero-weight samples is not training on "
        "weighted samples: the batches and the steps per epoch differ"
    ),
}

_DECISION_FUNCTION = (
    "decision_function returns the model's raw outputs, one column per class (Keras 3's "
    "API), where scikit-learn expects one score per sample for two classes"
)

_FLOATX_PREDICTIONS = (
    "predictions are in the model's floatx (float32 by default), as in Keras; the check "
    "requires float64 for several outputs"
)

_BY_CLASS = {
    "KerasRegressor": {"check_regressor_multioutput": _FLOATX_PREDICTIONS},
    "SKLearnRegressor": {"check_regressor_multioutput": _FLOATX_PREDICTIONS},
    "SKLearnClassifier": {
        "check_classifiers_train": _DECISION_FUNCTION,
        "check_classifiers_classes": _DECISION_FUNCTION,
    },
}


def expected_failed_checks(estimator) -> dict[str, str]:
    """The scikit-learn checks `estimator` (a kerasfront wrapper) is not expected to pass,
    each with the reason, for `parametrize_with_checks(..., expected_failed_checks=...)`."""
    names = [cls.__name__ for cls in type(estimator).__mro__]
    reasons = dict(_EVERY_WRAPPER)
    for name in names:
        reasons.update(_BY_CLASS.get(name, {}))
    return reasons
