"""Utilities: one-hot encoding, batch sequences, downloads, HDF5 slices, progress bars,
the custom objects that loading resolves (`register_keras_serializable`), and drawing
or printing a model (`plot_model`, `model_to_dot`, `print_summary`)."""

from kerasfront.lazy_exports import lazy_exports

_EXPORTS = {
    "CustomObjectScope": "kerasfront.saving.registry",
    "HDF5Matrix": "kerasfront.utils.io_utils",
    "Progbar": "kerasfront.utils.progbar",
    "Sequence": "kerasfront.utils.sequence",
    "custom_object_scope": "kerasfront.saving.registry",
    "get_custom_objects": "kerasfront.saving.registry",
    "get_file": "kerasfront.utils.data_utils",
    "model_to_dot": "kerasfront.utils.vis_utils",
    "multi_gpu_model": "kerasfront.utils.multi_gpu_utils",
    "normalize": "kerasfront.utils.np_utils",
    "plot_model": "kerasfront.utils.vis_utils",
    "print_summary": "kerasfront.models.summary",
    "register_keras_serializable": "kerasfront.saving.registry",
    "set_random_seed": "kerasfront.utils.random_seed",
    "to_categorical": "kerasfront.utils.np_utils",
}
# Loaded on first use: see kerasfront/lazy_exports.py.
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
