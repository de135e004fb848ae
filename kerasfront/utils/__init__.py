"""Utilities: one-hot encoding, batch sequences, downloads, HDF5 slices, progress bars,
the custom objects that loading resolves (`register_keras_serializable`), and drawing
or printing a model (`plot_model`, `model_to_dot`, `print_summary`)."""

import importlib

from kerasfront.lazy_exports import lazy_exports

_EXPORTS = {
    "CustomObjectScope": "kerasfront.saving.registry",
    "GeneratorEnqueuer": "kerasfront.utils.enqueuers",
    "HDF5Matrix": "kerasfront.utils.io_utils",
    "OrderedEnqueuer": "kerasfront.utils.enqueuers",
    "SequenceEnqueuer": "kerasfront.utils.enqueuers",
    "convert_all_kernels_in_model": "kerasfront.utils.layer_utils",
    "deserialize_keras_object": "kerasfront.utils.generic_helpers",
    "get_source_inputs": "kerasfront.utils.layer_utils",
    "h5dict": "kerasfront.utils.hdf5_dict",
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
    "serialize_keras_object": "kerasfront.utils.generic_helpers",
    "set_random_seed": "kerasfront.utils.random_seed",
    "to_categorical": "kerasfront.utils.np_utils",
}
# Keras 2's submodules, reachable as attributes (`keras.utils.np_utils.to_categorical`)
# as its package imported them all.
_SUBMODULES = (
    "conv_utils data_utils generic_utils io_utils layer_utils multi_gpu_utils np_utils vis_utils"
).split()
_EXPORTS.update({name: f"kerasfront.utils.{name}" for name in _SUBMODULES})


def _submodule_or_name(name: str):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    return _lazy_getattr(name)


# Loaded on first use: see kerasfront/lazy_exports.py.
_lazy_getattr, __dir__ = lazy_exports(__name__, _EXPORTS)
__getattr__ = _submodule_or_name
__all__ = sorted(_EXPORTS)
