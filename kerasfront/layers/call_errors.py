"""Errors raised inside a layer's `call`, re-raised with the layer that broke.

A user Lambda, a custom layer or a missing backend function fails deep in an engine's
traceback, often while `fit` traces its step. The error that reaches the user keeps its
type and its traceback, and its message starts with the layer's name, class and the
shapes it received, so the culprit is on the last line of the report. Only the innermost
layer adds this: a model (itself a layer) around it passes the error on unchanged.
"""

from __future__ import annotations

from kerasfront import tree

# Set on an error once a layer has named itself in it.
_MARK = "_kerasfront_layer"


def input_shapes(inputs):
    """The shapes of `inputs` (tensors, KerasTensors or anything else, as None)."""

    def shape_of(x):
        shape = getattr(x, "shape", None)
        if shape is None:
            return None
        try:
            return tuple(None if d is None else int(d) for d in shape)
        except TypeError:  # symbolic dimensions while an engine traces
            return tuple(shape)

    return tree.map_structure(shape_of, inputs)


def _dtype_mismatch(layer, inputs) -> str:
    """' and dtype int32 (the layer computes in float32)' where the inputs' dtype is not
    the layer's: engines word that mix-up each in their own way (or not at all)."""
    from kerasfront import ops

    layer_dtype = str(getattr(layer, "dtype", "") or "")
    dtypes = set()
    for x in tree.flatten(inputs):
        if hasattr(x, "dtype") and hasattr(x, "shape"):
            try:
                dtypes.add(str(ops.dtype(x)))
            except Exception:  # an object the engine cannot read: say nothing of it
                return ""
    others = sorted(dtypes - {layer_dtype})
    if not layer_dtype or not others:
        return ""
    return f" and dtype {', '.join(others)} (the layer computes in {layer_dtype})"


def reraise_with_layer(layer, inputs, error: Exception, action: str = "failed on"):
    """Raises `error` again, its message prefixed by the layer and its input shapes.

    Call from an `except` block. The error keeps its type and traceback; where its type
    cannot be rebuilt from a message (engine errors with more constructor arguments), the
    same error is raised with the layer added as a note, printed under its message.
    """
    if getattr(error, _MARK, None) is not None:
        raise error
    context = (
        f"Layer '{layer.name}' ({type(layer).__name__}) {action} inputs of shape "
        f"{input_shapes(inputs)}{_dtype_mismatch(layer, inputs)}"
    )
    message = str(error)
    if f"'{layer.name}'" in message:
        # Our own errors name the layer already (input checks, Embedding's range check).
        _mark(error, layer)
        raise error
    rebuilt = _rebuilt(error, f"{context}: {message}")
    if rebuilt is None:
        _mark(error, layer)
        if hasattr(error, "add_note"):  # Python 3.11+
            error.add_note(context)
        raise error
    _mark(rebuilt, layer)
    raise rebuilt.with_traceback(error.__traceback__) from None


def _rebuilt(error: Exception, message: str):
    """A new error of the same type carrying `message`, or None where the type cannot be
    rebuilt from one message without changing what it says."""
    if error.args and (len(error.args) != 1 or not isinstance(error.args[0], str)):
        return None
    try:
        rebuilt = type(error)(message)
    except Exception:
        return None
    if str(rebuilt) != message:  # e.g. KeyError quotes its argument
        return None
    # Attributes of the old error are not carried over: TensorFlow's autograph keeps
    # the message it reports in one (`ag_error_metadata`), which would hide the layer.
    return rebuilt


def _mark(error: Exception, layer) -> None:
    try:
        setattr(error, _MARK, layer.name)
    except (AttributeError, TypeError):  # errors with slots: nesting may then repeat us
        pass
