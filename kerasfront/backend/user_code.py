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

import dis
import types

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
    user-code scope where it needs one (torch: `a *= b` makes a new tensor there)."""
    if USER_CODE_SCOPE is None or not augments_in_place(function):
        return function(*args, **kwargs)
    with USER_CODE_SCOPE():
        return function(*args, **kwargs)


# Code object -> whether it holds an augmented assignment (scanned once per function).
_AUGMENTS: dict = {}


def augments_in_place(function) -> bool:
    """Whether `function` (a function, method or callable object) writes `a op= b` in its
    own code or in a function defined inside it: only such code needs the user-code
    scope, which costs every engine call made under it (on torch a few microseconds per
    op). A helper the function calls is not looked into; an in-place update there on
    torch still fails loudly in autograd rather than computing something else.
    """
    code = _code_of(function)
    if code is None:
        return True  # nothing to read: assume it may
    known = _AUGMENTS.get(code)
    if known is None:
        known = _AUGMENTS[code] = _has_augmented_assignment(code)
    return known


def _code_of(function):
    function = getattr(function, "__func__", function)  # a bound method
    code = getattr(function, "__code__", None)
    if code is None and callable(function) and not isinstance(function, type):
        call = type(function).__call__  # a callable object
        code = getattr(getattr(call, "__func__", call), "__code__", None)
    return code


def _has_augmented_assignment(code: types.CodeType) -> bool:
    for instruction in dis.get_instructions(code):
        if instruction.opname.startswith("INPLACE_"):  # Python 3.10
            return True
        if instruction.opname == "BINARY_OP" and instruction.argrepr.endswith("="):  # 3.11+
            return True
    return any(
        _has_augmented_assignment(inner)
        for inner in code.co_consts
        if isinstance(inner, types.CodeType)
    )
