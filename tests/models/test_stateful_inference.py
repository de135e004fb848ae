"""predict and evaluate carry the states of stateful recurrent layers from batch to batch,
as Keras 2 does, and leave the weights alone."""

import numpy as np

import kerasfront as keras
from kerasfront import layers

X = np.random.default_rng(0).random((4, 3, 4)).astype("float32")


def stateful_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.SimpleRNN(2, stateful=True, batch_input_shape=(2, None, 4))])
    model.compile(optimizer="sgd", loss="mse")
    return model


def states_of(model):
    return [state.numpy() for state in model.layers[0].states]


def test_predict_carries_states_across_batches_and_calls():
    model = stateful_model()
    weights = model.get_weights()
    # Two batches of 2 in one call: the second starts where the first ended.
    together = model.predict(X, batch_size=2, verbose=0)
    model.layers[0].reset_states()
    first = model.predict(X[:2], batch_size=2, verbose=0)
    after_first = states_of(model)
    assert np.abs(after_first[0]).sum() > 0
    second = model.predict(X[2:], batch_size=2, verbose=0)
    np.testing.assert_allclose(np.concatenate([first, second]), together, rtol=1e-6)
    model.layers[0].reset_states()
    np.testing.assert_allclose(model.predict(X[:2], batch_size=2, verbose=0), first, rtol=1e-6)
    for now, before in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(now, before)


def test_evaluate_carries_states_and_keeps_weights():
    model = stateful_model()
    weights = model.get_weights()
    model.evaluate(X[:2], np.zeros((2, 2), "float32"), batch_size=2, verbose=0)
    assert np.abs(states_of(model)[0]).sum() > 0
    for now, before in zip(model.get_weights(), weights):
        np.testing.assert_array_equal(now, before)


def test_model_reset_states_zeroes_every_stateful_layer_also_nested():
    inner = stateful_model()
    outer = keras.Sequential([inner, layers.Dense(1)])
    outer.predict(X[:2], batch_size=2, verbose=0)
    assert np.abs(states_of(inner)[0]).sum() > 0
    outer.reset_states()
    np.testing.assert_array_equal(states_of(inner)[0], np.zeros((2, 2), "float32"))
