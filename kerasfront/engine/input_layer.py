"""Keras 2's `keras.engine.input_layer` (`from keras.engine.input_layer import Input`)."""

from kerasfront.layers.input_layer import Input, InputLayer

__all__ = ["Input", "InputLayer"]
