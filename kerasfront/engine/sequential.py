"""Keras 2's `keras.engine.sequential` (`from keras.engine.sequential import Sequential`)."""

from kerasfront.models import Sequential

__all__ = ["Sequential"]
