"""Graphs, the learning phase and state: Keras 2's placeholders, `K.function`,
`K.gradients`, `K.in_train_phase`, `K.print_tensor`, sessions and names, and the
`K.update*` functions (written in update_functions.py, exported from here).

Keras 2 graphs are functional graphs here: `K.placeholder` is an `Input`, a K function
called on graph tensors records a node (`kerasfront/backend/symbolic.py`), and
`K.function` replays the graph between its inputs and outputs, compiled by the engine.
There are no TensorFlow 1 sessions: the functions that managed them say what to use.
"""

from __future__ import annotations

import contextlib
import sys

import numpy as np

from kerasfront import config, ops
from kerasfront.backend import variables as _variables
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.update_functions import (
    moving_average_update,
    update,
    update_add,
    update_sub,
)
from kerasfront.backend.variables import Variable, unwrap

__all__ = [
    "clear_session",
    "function",
    "get_session",
    "get_uid",
    "gradients",
    "in_test_phase",
    "in_train_phase",
    "is_placeholder",
    "learning_phase",
    "learning_phase_scope",
    "manual_variable_initialization",
    "moving_average_update",
    "name_scope",
    "placeholder",
    "print_tensor",
    "reset_uids",
    "set_learning_phase",
    "set_session",
    "update",
    "update_add",
    "update_sub",
]


# ---- graphs ------------------------------------------------------------------------------
def placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None, ragged=False):
    """A graph input of the given whole shape (batch axis included; None: any size).

    Args:
        shape: e.g. `(None, 3)`; or give `ndim` for a shape of that many unknown sizes.
        dtype: defaults to `floatx()`.

    Example:
        x = K.placeholder(shape=(None, 3))
        f = K.function([x], [K.sum(K.square(x) * 2, axis=1)])
        f([np.ones((2, 3))])  # [array([6., 6.], dtype=float32)]
    """
    if sparse or ragged:
        kind = "sparse" if sparse else "ragged"
        raise ValueError(
            f"K.placeholder: {kind} placeholders are not supported by kerasfront; make a dense "
            "placeholder and feed dense arrays."
        )
    if shape is None:
        if ndim is None:
            raise ValueError("K.placeholder needs shape=(...) or ndim=; received neither.")
        shape = (None,) * int(ndim)
    elif ndim is not None and len(shape) != ndim:
        raise ValueError(f"K.placeholder: shape {tuple(shape)} does not have ndim={ndim} axes.")
    from kerasfront.layers.input_layer import Input

    return Input(batch_shape=tuple(shape), dtype=dtype or config.floatx(), name=name)


def is_placeholder(x) -> bool:
    """Whether `x` is a graph input (`K.placeholder()`, `Input()`, the learning phase)."""
    from kerasfront.layers.input_layer import InputLayer

    history = getattr(x, "keras_history", None)
    return history is not None and isinstance(history[0], InputLayer)


def function(inputs, outputs, updates=None, name=None, **kwargs):
    """A callable that feeds a list of arrays to `inputs` and returns `outputs` as NumPy.

    Args:
        inputs: graph tensors (placeholders, `model.input`, inner layer inputs) and
            optionally `K.learning_phase()`, whose fed value (0 or 1) sets the training mode.
        outputs: a graph tensor or a list of them.
        updates: `(variable, new_value)` pairs and results of `K.update*` on graph tensors,
            applied after each call.

    Example:
        get_hidden = K.function([model.input, K.learning_phase()], [model.layers[1].output])
        hidden = get_hidden([x_batch, 0])[0]
    """
    if kwargs:
        raise ValueError(
            f"K.function: {sorted(kwargs)} are TensorFlow 1 session arguments; sessions do "
            "not exist in kerasfront. Pass only inputs, outputs, updates and name."
        )
    from kerasfront.backend.graph_runner import KerasFunction

    return KerasFunction(inputs, outputs, updates=updates, name=name)


class EagerGradientsError(TypeError):
    """K.gradients called on engine tensors. A `Lambda` catches it to run its function on
    graph tensors instead (`kerasfront/layers/lambda_graph.py`)."""


def gradients(loss, variables) -> list:
    """The gradients of `loss` (summed) with respect to `variables`, as graph tensors.

    `loss` is a graph tensor; `variables` holds weights (`model.trainable_weights`) and/or
    graph tensors (`model.input`, for saliency maps). Evaluate the result with
    `K.function`. A graph tensor `loss` does not depend on gets None, as in Keras 2.
    """
    from kerasfront.layers.keras_tensor import KerasTensor
    from kerasfront.layers.subgraph import symbolic_gradients

    if not isinstance(loss, KerasTensor):
        raise EagerGradientsError(
            "K.gradients is symbolic: loss must be a graph tensor computed from "
            "K.placeholder(), Input() or a model's output, then evaluated with K.function; "
            f"received an eager {type(loss).__name__}. To differentiate eager values, use "
            "the engine's own tool (tf.GradientTape, torch.autograd.grad, jax.grad)."
        )
    wrt = list(variables) if isinstance(variables, (list, tuple)) else [variables]
    for item in wrt:
        if not isinstance(item, (Variable, KerasTensor)):
            raise TypeError(
                "K.gradients differentiates with respect to variables (weights) or graph "
                f"tensors; received an eager {type(item).__name__}."
            )
    return symbolic_gradients(loss, wrt)


# ---- the learning phase ------------------------------------------------------------------
def _training_context() -> list:
    # The stack of `training` flags of the layer calls in progress; its first entry is
    # the phase set for the session (None: none set).
    from kerasfront.layers.base import _TRAINING_CONTEXT

    return _TRAINING_CONTEXT


def check_phase(value, what: str = "value") -> int:
    if isinstance(value, (bool, int, np.bool_, np.integer)) and value in (0, 1):
        return int(value)
    raise ValueError(
        f"Expected the learning phase {what} to be 0 (test) or 1 (train), received {value!r}."
    )


def learning_phase_value():
    """The training flag in force now: the layer call's, a scope's, the session's, or None."""
    return _training_context()[-1]


def learning_phase():
    """The learning phase: 1 (train) or 0 (test) inside a layer call or where one was set;
    else the learning phase placeholder, which `K.function` inputs accept and which reads
    as 0 outside graphs (Keras 2's value when no phase is set)."""
    phase = learning_phase_value()
    if phase is None:
        from kerasfront.layers.backend_op import learning_phase_placeholder

        return learning_phase_placeholder()
    if isinstance(phase, (bool, int, np.bool_, np.integer)):
        return int(bool(phase))
    return phase  # a tensor passed as `training`


def set_learning_phase(value) -> None:
    """Sets the phase (0 test, 1 train) of the session: layer calls made without
    `training` use it, as Keras 2's built-in layers do."""
    _training_context()[0] = bool(check_phase(value))


@contextlib.contextmanager
def learning_phase_scope(value):
    """Within the block, the learning phase is `value` (0 or 1)."""
    context = _training_context()
    check_phase(value)
    depth = len(context)
    context.append(bool(value))
    try:
        yield
    finally:
        del context[depth:]


def in_train_phase(x, alt, training=None):
    """`x` in the training phase, `alt` otherwise (either may be a function returning it).

    `training` None means the `training` flag of the layer call in progress, else the
    learning phase. A tensor `training` selects element by element at run time.
    """
    explicit = training
    if training is None:
        training = learning_phase()
    from kerasfront.backend.symbolic import SymbolicTensor, contains_symbolic

    if isinstance(training, SymbolicTensor):
        # While wiring a graph no phase is known: the choice is made when the graph runs
        # (with `training` None, by the flag of that run).
        x_value, alt_value = (x() if callable(x) else x), (alt() if callable(alt) else alt)
        if explicit is not None or contains_symbolic((x_value, alt_value)):
            from kerasfront.layers.backend_op import symbolic_call

            kwargs = {} if explicit is None else {"training": explicit}
            return symbolic_call(in_train_phase, (x_value, alt_value), kwargs)
        return alt_value  # outside graphs the phase is 0
    if isinstance(training, (bool, int, np.bool_, np.integer)):
        chosen = x if check_phase(training, "training") else alt
        return chosen() if callable(chosen) else chosen
    x_value, alt_value = (x() if callable(x) else x), (alt() if callable(alt) else alt)
    condition = ops.not_equal(unwrap(training), 0)
    return ops.where(
        condition,
        ops.convert_to_tensor(unwrap(x_value)),
        ops.convert_to_tensor(unwrap(alt_value)),
    )


def in_test_phase(x, alt, training=None):
    """`x` in the test phase, `alt` in the training phase (see `in_train_phase`)."""
    return in_train_phase(alt, x, training=training)


# ---- session state -----------------------------------------------------------------------
def clear_session() -> None:
    """Starts afresh: layer names count from the start again, the learning phase set for
    the session is dropped, and a new learning phase placeholder is made on next use."""
    from kerasfront.layers.backend_op import reset_learning_phase_placeholder

    reset_uids()
    _training_context()[0] = None
    reset_learning_phase_placeholder()


def get_uid(prefix: str = "") -> int:
    """1, 2, 3, ... for successive calls with `prefix`, counting the layer names made with
    that prefix (after one `Dense`, `get_uid("dense")` is 2)."""
    count = _variables._NAME_COUNTS.get(prefix, 0) + 1
    _variables._NAME_COUNTS[prefix] = count
    return count


def reset_uids() -> None:
    _variables._NAME_COUNTS.clear()


def get_session(*args, **kwargs):
    raise ValueError(_NO_SESSIONS.format(function="get_session"))


def set_session(session):
    raise ValueError(_NO_SESSIONS.format(function="set_session"))


_NO_SESSIONS = (
    "K.{function}: TensorFlow 1 sessions do not exist in kerasfront; models and K functions "
    "run eagerly or in steps the engine compiles. Use K.function to evaluate graph tensors, "
    "model.predict for a model, and K.get_value/K.set_value for variables."
)


def manual_variable_initialization(value) -> None:
    """Variables are always initialised when created: only False is accepted."""
    if value:
        raise ValueError(
            "K.manual_variable_initialization(True) is not supported: kerasfront initialises "
            "every variable when it is created. Set values afterwards with K.set_value or "
            "layer.set_weights."
        )


@contextlib.contextmanager
def name_scope(name: str):
    """The engine's name scope (TensorFlow's name_scope, JAX's named_scope) where it has
    one; elsewhere names are left as they are."""
    if not isinstance(name, str):
        raise TypeError(f"K.name_scope: name must be a string, received {type(name).__name__}.")
    scope = getattr(ADAPTER, "name_scope", None)
    with scope(name) if scope is not None else contextlib.nullcontext():
        yield name


# ---- printing ----------------------------------------------------------------------------
def print_tensor(x, message: str = "", summarize: int = 3):
    """Prints `message` and the value of `x` when it is computed (also inside compiled
    steps: jax.debug callbacks, tf.print) and returns `x`; use the returned tensor.

    `summarize`: the entries shown at each end of every axis (-1: all).
    """
    value = unwrap(x)
    if summarize is None:
        summarize = 3
    printer = getattr(ADAPTER, "debug_print", None)
    if printer is not None:
        return printer(value, message, summarize)
    print(message, format_for_print(ops.convert_to_numpy(value), summarize), flush=True)
    return value


def format_for_print(array, summarize: int) -> str:
    """`array` as text, with `summarize` entries at each end of every axis (-1: all)."""
    if summarize < 0:
        return np.array2string(np.asarray(array), threshold=sys.maxsize)
    return np.array2string(np.asarray(array), threshold=0, edgeitems=max(summarize, 1))
