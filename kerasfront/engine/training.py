"""Keras 2's `keras.engine.training` (`from keras.engine.training import Model`)."""

from kerasfront.models import Model

__all__ = ["Model"]
