"""Utilities: one-hot encoding, batch sequences, downloads, HDF5 slices, progress bars."""

from kerasfront.utils.data_utils import get_file
from kerasfront.utils.io_utils import HDF5Matrix
from kerasfront.utils.np_utils import normalize, to_categorical
from kerasfront.utils.progbar import Progbar
from kerasfront.utils.random_seed import set_random_seed
from kerasfront.utils.sequence import Sequence

__all__ = [
    "HDF5Matrix",
    "Progbar",
    "Sequence",
    "get_file",
    "normalize",
    "set_random_seed",
    "to_categorical",
]
