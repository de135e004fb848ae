"""Keras 2's `keras.engine.topology`: the Layer base class and InputSpec."""

from kerasfront.layers import Input, InputLayer, InputSpec, Layer

__all__ = ["Input", "InputLayer", "InputSpec", "Layer"]
