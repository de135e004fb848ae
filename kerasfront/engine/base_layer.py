"""Keras 2's `keras.engine.base_layer` (`from keras.engine.base_layer import Layer`)."""

from kerasfront.layers import InputSpec, Layer

__all__ = ["InputSpec", "Layer"]
