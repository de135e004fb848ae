"""An error inside a layer's `call` names the layer, its class and its input shapes, at
model construction and inside `fit`, keeping the error's type."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers


def _missing_method(z):
    return z.no_such_method()


def test_lambda_error_at_construction_names_the_layer():
    inputs = layers.Input((3,))
    with pytest.raises(AttributeError) as caught:
        layers.Lambda(_missing_method, name="broken_lambda")(inputs)
    message = str(caught.value)
    assert "Layer 'broken_lambda' (Lambda) cannot be called on inputs of shape (None, 3)" in message
    assert "no_such_method" in message


class FailsWhenTraining(layers.Layer):
    """Passes its input through, except in training (so it builds and predicts)."""

    def call(self, inputs, training=None):
        if training:
            raise ValueError("refuses to train")
        return inputs


def test_error_inside_fit_names_the_innermost_layer_once():
    inner = keras.Sequential([FailsWhenTraining(name="refuser")], name="inner_block")
    model = keras.Sequential([layers.Dense(2, input_shape=(3,)), inner])
    model.compile("sgd", "mse")
    assert model.predict(np.ones((2, 3)), verbose=0).shape == (2, 2)
    with pytest.raises(ValueError) as caught:
        model.fit(np.ones((4, 3)), np.ones((4, 2)), batch_size=4, verbose=0)
    message = str(caught.value)
    assert "Layer 'refuser' (FailsWhenTraining) failed on inputs of shape (4, 2)" in message
    assert "refuses to train" in message
    assert message.count("failed on inputs") == 1
    assert "inner_block" not in message


class EngineStyleError(Exception):
    """An error type that cannot be rebuilt from one message (two constructor arguments)."""

    def __init__(self, code, detail):
        super().__init__(code, detail)


class RaisesEngineStyleError(layers.Layer):
    def call(self, inputs):
        raise EngineStyleError(7, "device lost")


def test_error_that_cannot_be_rebuilt_keeps_its_identity_and_gets_a_note():
    layer = RaisesEngineStyleError(name="odd_one")
    with pytest.raises(EngineStyleError) as caught:
        layer(np.ones((2, 5), dtype="float32"))
    assert caught.value.args == (7, "device lost")
    if sys.version_info >= (3, 11):
        assert caught.value.__notes__ == [
            "Layer 'odd_one' (RaisesEngineStyleError) failed on inputs of shape (2, 5)"
        ]


def _report(error: BaseException) -> str:
    """What Python prints for the error: its message, then its notes."""
    return "\n".join([str(error), *getattr(error, "__notes__", [])])


def test_eager_call_error_of_the_engine_names_layer():
    # The engine's own error type (TensorFlow's needs more than a message: it gets a note).
    layer = layers.Lambda(lambda z: z[:, 10:] + np.ones((1, 4), dtype="float32"), name="slicer")
    with pytest.raises(Exception) as caught:
        layer(np.ones((2, 3), dtype="float32"))
    if sys.version_info >= (3, 11):  # notes exist from Python 3.11
        assert "Layer 'slicer' (Lambda) failed on inputs of shape (2, 3)" in _report(caught.value)
