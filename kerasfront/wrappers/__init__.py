"""scikit-learn wrappers for Keras models (scikit-learn is needed, and imported, only here).

Keras 2's names live in `kerasfront.wrappers.scikit_learn` (`KerasClassifier`,
`KerasRegressor`, with `build_fn` and `**sk_params`), Keras 3's in
`kerasfront.wrappers.sklearn_wrapper` (`SKLearnClassifier`, `SKLearnRegressor`,
`SKLearnTransformer`, with `model`, `model_kwargs`, `fit_kwargs`); all are exported here.
"""

from kerasfront.wrappers.scikit_learn import KerasClassifier, KerasRegressor
from kerasfront.wrappers.sklearn_wrapper import (
    SKLearnClassifier,
    SKLearnRegressor,
    SKLearnTransformer,
)

__all__ = [
    "KerasClassifier",
    "KerasRegressor",
    "SKLearnClassifier",
    "SKLearnRegressor",
    "SKLearnTransformer",
]
