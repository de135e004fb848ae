"""Keras 2's predict after `K.set_learning_phase(1)`: the training phase, the basis of Monte
Carlo dropout. Dropout draws a new mask at every batch and every call; BatchNormalization
normalizes with the batch's statistics and keeps its moving ones (predict runs no updates)."""

import numpy as np

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import layers


def test_predict_in_the_training_phase_draws_fresh_dropout_masks():
    keras.utils.set_random_seed(4)
    model = keras.Sequential([layers.Dropout(0.5, input_shape=(64,))])
    x = np.ones((8, 64), "float32")
    np.testing.assert_array_equal(model.predict(x, batch_size=4), x)  # inference: identity
    try:
        K.set_learning_phase(1)
        first, second = model.predict(x, batch_size=4), model.predict(x, batch_size=4)
    finally:
        K.clear_session()  # drops the session's phase
    for sample in (first, second):
        assert set(np.unique(sample)) == {0.0, 2.0}  # kept units scaled by 1 / (1 - rate)
        assert 0.25 < np.mean(sample == 0.0) < 0.75
    assert not np.array_equal(first, second)  # a new mask per call
    assert not np.array_equal(first[:4], first[4:])  # and per batch
    np.testing.assert_array_equal(model.predict(x, batch_size=4), x)


def test_batch_normalization_uses_batch_statistics_and_keeps_its_moving_ones():
    model = keras.Sequential([layers.BatchNormalization(input_shape=(3,), epsilon=1e-3)])
    x = np.random.default_rng(0).normal(2.0, 3.0, size=(6, 3)).astype("float32")
    before = model.get_weights()
    with K.learning_phase_scope(1):
        predicted = model.predict(x, batch_size=6)
    expected = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-3)
    np.testing.assert_allclose(predicted, expected, rtol=1e-4, atol=1e-5)
    for kept, now in zip(before, model.get_weights()):
        np.testing.assert_array_equal(kept, now)
