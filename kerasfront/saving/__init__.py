"""Saving and loading models, weights and configurations (Keras 2's formats)."""

from kerasfront.saving.weights_h5 import load_weights, save_weights

__all__ = ["load_weights", "save_weights"]
