"""Utilities: one-hot encoding, batch sequences, downloads, HDF5 slices, progress bars,
the custom objects that loading resolves (`register_keras_serializable`), and drawing
or printing a model (`plot_model`, `model_to_dot`, `print_summary`)."""

from kerasfront.models.summary import print_summary
from kerasfront.saving.registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    register_keras_serializable,
)
from kerasfront.utils.data_utils import get_file
from kerasfront.utils.io_utils import HDF5Matrix
from kerasfront.utils.multi_gpu_utils import multi_gpu_model
from kerasfront.utils.np_utils import normalize, to_categorical
from kerasfront.utils.progbar import Progbar
from kerasfront.utils.random_seed import set_random_seed
from kerasfront.utils.sequence import Sequence
from kerasfront.utils.vis_utils import model_to_dot, plot_model

__all__ = [
    "CustomObjectScope",
    "HDF5Matrix",
    "Progbar",
    "Sequence",
    "custom_object_scope",
    "get_custom_objects",
    "get_file",
    "model_to_dot",
    "multi_gpu_model",
    "normalize",
    "plot_model",
    "print_summary",
    "register_keras_serializable",
    "set_random_seed",
    "to_categorical",
]
