"""Tensors handed to code the user wrote: their own copies where the engine's tensors change
in place.

Keras 2 code updates tensors with augmented assignment: the antirectifier example's layer
does `inputs -= K.mean(inputs, axis=1, keepdims=True)`, and custom losses copied from
Keras 2's TensorFlow backend do `y_pred /= K.sum(y_pred, axis=-1, keepdims=True)`. On a
TensorFlow or JAX tensor that rebinds the name; on a torch tensor it writes into the
tensor that other layers, metrics and autograd read. Engines of the second kind offer
`copy_for_user_code` (contract.OPTIONAL_NAMES), and user code gets copies there.
"""

from __future__ import annotations

from kerasfront import tree
from kerasfront.backend.registry import ADAPTER

COPY_FOR_USER_CODE = getattr(ADAPTER, "copy_for_user_code", None)
# The context a user's layer call runs in, where the engine needs one (torch: `a *= b`
# makes a new tensor there, as on TensorFlow).
USER_CODE_SCOPE = getattr(ADAPTER, "user_code_scope", None)


def is_users(function) -> bool:
    """Whether `function` (a function or method) was written outside kerasfront."""
    module = getattr(function, "__module__", None) or ""
    return not module.startswith("kerasfront.")


def private_copies(structure):
    """`structure` with each engine tensor copied where the engine needs it, else as is."""
    if COPY_FOR_USER_CODE is None:
        return structure
    return tree.map_structure(
        lambda leaf: COPY_FOR_USER_CODE(leaf) if ADAPTER.is_tensor(leaf) else leaf, structure
    )


def call_users(function, *args, **kwargs):
    """`function(*args, **kwargs)`, a function the user wrote (a loss), in the engine's
    user-code scope where it has one (torch: `a *= b` makes a new tensor there)."""
    if USER_CODE_SCOPE is None:
        return function(*args, **kwargs)
    with USER_CODE_SCOPE():
        return function(*args, **kwargs)
