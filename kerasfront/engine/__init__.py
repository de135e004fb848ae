"""Keras 2 import paths (`from keras.engine.topology import Layer`), kept for old code."""

from kerasfront.layers import InputSpec, Layer

__all__ = ["InputSpec", "Layer"]
