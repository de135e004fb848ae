"""Keras 2's `keras.engine.network`. Keras 2 split the layer graph (`Network`) from the
training methods (`Model`, its subclass); here one class holds both, so `Network` is
`Model` and `isinstance(model, Network)` holds for every model."""

from kerasfront.models import Model

Network = Model

__all__ = ["Network"]
