"""Saving and loading: whole models (`.keras` zips and Keras 2's HDF5 files), weights,
JSON configs, and the serialization registry of names and custom objects.

Loading is safe by default: names resolve only to kerasfront's classes and functions and
the user's custom objects, bytecode runs only with `safe_mode=False`, and HDF5 and zip
tricks (links to other files, virtual datasets, decompression bombs) are refused.
"""

from kerasfront.lazy_exports import lazy_exports

_EXPORTS = {
    "CustomObjectScope": "kerasfront.saving.registry",
    "UnsafeFileError": "kerasfront.saving.safe_h5",
    "custom_object_scope": "kerasfront.saving.registry",
    "deserialize_layer": "kerasfront.saving.config",
    "get_custom_objects": "kerasfront.saving.registry",
    "load_model": "kerasfront.saving.api",
    "load_weights": "kerasfront.saving.weights_h5",
    "model_from_json": "kerasfront.saving.api",
    "model_from_yaml": "kerasfront.saving.yaml_config",
    "model_to_json": "kerasfront.saving.api",
    "model_to_yaml": "kerasfront.saving.yaml_config",
    "register_keras_serializable": "kerasfront.saving.registry",
    "save_model": "kerasfront.saving.api",
    "save_weights": "kerasfront.saving.weights_h5",
    "serialize_layer": "kerasfront.saving.config",
}
# Loaded on first use (the HDF5 and zip formats are not needed to build a model): see
# kerasfront/lazy_exports.py.
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
