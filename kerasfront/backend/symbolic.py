"""Symbolic dispatch of the K functions: given a graph tensor, record instead of compute.

Keras 2 code calls backend functions on placeholders and layer outputs while wiring a
graph (`y = K.sum(K.square(x), axis=1)`, `Model(inputs, K.mean(h, axis=1))`). Every
public K function that computes is wrapped here: when one of its arguments (also inside
lists, tuples and dicts) is a `SymbolicTensor`, the call becomes a node of a small layer
(`kerasfront/layers/backend_op.py`) that replays it on real tensors. A call on concrete
tensors pays one scan of its arguments and nothing else.

This module imports no layer: the layers import it (`KerasTensor` derives from
`SymbolicTensor`), and the backend module is loaded before any layer exists.
"""

from __future__ import annotations

import functools
import inspect

# Functions that read settings, shapes or graph structure, make graphs, or take shapes
# rather than tensors: a symbolic argument is what they work on, not a reason to record.
UNWRAPPED = frozenset(
    """
    backend floatx set_floatx epsilon set_epsilon image_data_format set_image_data_format
    int_shape ndim dtype count_params is_keras_tensor is_sparse is_placeholder is_tensor
    placeholder function gradients learning_phase set_learning_phase learning_phase_scope
    clear_session get_uid reset_uids name_scope get_session set_session
    manual_variable_initialization variable constant zeros ones eye cast_to_floatx
    get_value batch_get_value eval set_value batch_set_value convert_to_numpy unwrap
    get_variable_shape image_dim_ordering set_image_dim_ordering normalize_data_format
    """.split()
)


class SymbolicTensor:
    """Marks tensors of a graph being wired (`KerasTensor` derives from it)."""


def contains_symbolic(items) -> bool:
    """Whether a `SymbolicTensor` is among `items`, also inside lists, tuples and dicts."""
    for item in items:
        if isinstance(item, SymbolicTensor):
            return True
        if isinstance(item, (list, tuple)):
            if contains_symbolic(item):
                return True
        elif isinstance(item, dict) and contains_symbolic(item.values()):
            return True
    return False


def dispatching(function):
    """`function`, recording a graph node instead of computing when given a graph tensor."""

    @functools.wraps(function)
    def run(*args, **kwargs):
        if contains_symbolic(args) or (kwargs and contains_symbolic(kwargs.values())):
            from kerasfront.layers.backend_op import symbolic_call

            return symbolic_call(function, args, kwargs)
        return function(*args, **kwargs)

    run.dispatches_symbolic = True
    return run


def wrap_public_functions(namespace: dict) -> None:
    """Replaces every public function in `namespace` (the backend module's globals) that
    computes on tensors by its dispatching version; getters and graph functions stay."""
    for name, value in list(namespace.items()):
        if (
            name.startswith("_")
            or name in UNWRAPPED
            or not inspect.isfunction(value)
            or getattr(value, "dispatches_symbolic", False)
        ):
            continue
        namespace[name] = dispatching(value)
