"""Tiny models and data shared by the wrapper tests.

Builders seed the run (`set_random_seed(0)`), so two fits on the same data give the same
model: scikit-learn's checks that compare fits then apply. `run_eagerly=True` skips the
engine compilation, much the slower part for models this small that are built many times.
"""

import numpy as np

from kerasfront.layers import Dense, Input
from kerasfront.models import Sequential
from kerasfront.utils import set_random_seed


def mlp(n_features, n_outputs, hidden, activation, loss, metrics=None, run_eagerly=True):
    set_random_seed(0)
    model = Sequential(
        [
            Input((n_features,)),
            Dense(hidden, activation="relu"),
            Dense(n_outputs, activation=activation),
        ]
    )
    model.compile("adam", loss, metrics=metrics, run_eagerly=run_eagerly)
    return model


def keras2_classifier(hidden=4, loss="sparse_categorical_crossentropy", run_eagerly=True,
                      meta=None):  # fmt: skip
    """A Keras 2 build function: softmax over the classes fit saw (`meta`)."""
    return mlp(meta["n_features_in_"], meta["n_classes_"], hidden, "softmax", loss,
               ["accuracy"], run_eagerly)  # fmt: skip


def keras2_regressor(hidden=4, run_eagerly=True, meta=None):
    return mlp(meta["n_features_in_"], meta["n_outputs_"], hidden, None, "mse",
               run_eagerly=run_eagerly)  # fmt: skip


def keras3_classifier(X, y, hidden=4, run_eagerly=True):
    """A Keras 3 model callable: y arrives one-hot, one column per class."""
    return mlp(X.shape[1], y.shape[1], hidden, "softmax", "categorical_crossentropy",
               run_eagerly=run_eagerly)  # fmt: skip


def keras3_regressor(X, y, hidden=4, run_eagerly=True):
    return mlp(X.shape[1], y.shape[1], hidden, None, "mse", run_eagerly=run_eagerly)


def classification_data(n_samples=48, n_features=4, labels=("ant", "bee", "cat")):
    """Separable blobs with the given labels (in an unsorted order, to test the encoding)."""
    rng = np.random.default_rng(0)
    index = rng.integers(0, len(labels), n_samples)
    centers = rng.normal(0, 3, (len(labels), n_features))
    x = centers[index] + rng.normal(0, 0.5, (n_samples, n_features))
    return x.astype("float32"), np.asarray(labels)[index]


def regression_data(n_samples=48, n_features=4):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n_samples, n_features)).astype("float32")
    y = x @ rng.normal(size=n_features) + 0.1 * rng.normal(size=n_samples)
    return x, y.astype("float32")
