"""Keras 2's `keras.backend.common` module path: the settings functions (float type,
epsilon, image data format), for code that imports them from there."""

from kerasfront.backend.keras22_functions import (  # noqa: F401
    image_dim_ordering,
    normalize_data_format,
    set_image_dim_ordering,
)
from kerasfront.config import (  # noqa: F401
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)


def cast_to_floatx(x):
    """`x` as a NumPy array of `floatx()` (as `K.cast_to_floatx`)."""
    from kerasfront import backend  # lazy: the backend module may still be loading

    return backend.cast_to_floatx(x)


__all__ = [
    "cast_to_floatx",
    "epsilon",
    "floatx",
    "image_data_format",
    "image_dim_ordering",
    "normalize_data_format",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "set_image_dim_ordering",
]
