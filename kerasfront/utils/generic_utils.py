"""Keras 2's `keras.utils.generic_utils` module path: its public names that user code
imports from there (`from keras.utils.generic_utils import Progbar`), plus the small
list helpers custom layers of that era call (`to_list`, `unpack_singleton`)."""

from __future__ import annotations

from kerasfront import tree
from kerasfront.lazy_exports import lazy_exports
from kerasfront.utils.generic_helpers import *  # noqa: F403
from kerasfront.utils.generic_helpers import __all__ as _helper_names

_EXPORTS = {
    "CustomObjectScope": "kerasfront.saving.registry",
    "Progbar": "kerasfront.utils.progbar",
    "custom_object_scope": "kerasfront.saving.registry",
    "get_custom_objects": "kerasfront.saving.registry",
}


def to_list(x, allow_tuple: bool = False) -> list:
    """`x` as a list: a list stays as it is, anything else becomes `[x]` (a tuple too,
    unless `allow_tuple`, which turns it into a list of its items)."""
    if isinstance(x, list):
        return x
    if allow_tuple and isinstance(x, tuple):
        return list(x)
    return [x]


def unpack_singleton(x):
    """The only item of a one-item list or tuple; anything else unchanged."""
    return tree.unpack_singleton(x)


# Loaded on first use, as the package's own names: see kerasfront/lazy_exports.py.
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted([*_EXPORTS, *_helper_names, "to_list", "unpack_singleton"])
