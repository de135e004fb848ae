"""Saving and loading: whole models (`.keras` zips and Keras 2's HDF5 files), weights,
JSON configs, and the serialization registry of names and custom objects.

Loading is safe by default: names resolve only to kerasfront's classes and functions and
the user's custom objects, bytecode runs only with `safe_mode=False`, and HDF5 and zip
tricks (links to other files, virtual datasets, decompression bombs) are refused.
"""

from kerasfront.saving.api import load_model, model_from_json, model_to_json, save_model
from kerasfront.saving.config import deserialize_layer, serialize_layer
from kerasfront.saving.registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    register_keras_serializable,
)
from kerasfront.saving.safe_h5 import UnsafeFileError
from kerasfront.saving.weights_h5 import load_weights, save_weights

__all__ = [
    "CustomObjectScope",
    "UnsafeFileError",
    "custom_object_scope",
    "deserialize_layer",
    "get_custom_objects",
    "load_model",
    "load_weights",
    "model_from_json",
    "model_to_json",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_layer",
]
