"""The helpers of Keras 2's `keras.utils.generic_utils` that code of that era imports:
object (de)serialization by config, function bytecode dumps, argument checks and the
small list and shape helpers custom layers and training loops call.
"""

from __future__ import annotations

import inspect

from kerasfront.saving import registry
from kerasfront.saving.functions import bytecode_of, function_from_bytecode

__all__ = [
    "deserialize_keras_object",
    "func_dump",
    "func_load",
    "has_arg",
    "is_all_none",
    "object_list_uid",
    "serialize_keras_object",
    "slice_arrays",
    "transpose_shape",
]


def serialize_keras_object(instance):
    """`{"class_name", "config"}` for an object with `get_config`, the name of a function
    or class, None for None (Keras 2's rule)."""
    if instance is None:
        return None
    if hasattr(instance, "get_config"):
        return {"class_name": registry.class_name_of(instance), "config": instance.get_config()}
    if hasattr(instance, "__name__"):
        return registry.registered_name(instance) or instance.__name__
    raise ValueError(
        f"serialize_keras_object: cannot serialize {instance!r:.80}: it has no get_config() "
        "and no __name__."
    )


def _find(name, module_objects, custom_objects, printable_module_name):
    """Custom objects (the argument, the open scopes, the global dict) first, then
    `module_objects`, then kerasfront's own registered names."""
    found = registry.custom_objects_in_force(custom_objects).get(name)
    if found is None and module_objects:
        found = module_objects.get(name)
    if found is None:
        found = registry.builtin_class(name) or registry._builtins()["functions"].get(name)
    if found is None:
        raise ValueError(
            f"Unknown {printable_module_name}: {name!r}. Pass it in custom_objects, open a "
            "custom_object_scope, or register it with "
            "@kerasfront.utils.register_keras_serializable()."
        )
    return found


def deserialize_keras_object(
    identifier, module_objects=None, custom_objects=None, printable_module_name="object"
):
    """The object a config or name stands for.

    Args:
        identifier: `{"class_name": ..., "config": ...}` (the class is built with its
            `from_config`, else its constructor) or a name (the object itself).
        module_objects: a dict name -> object searched after the custom objects.
        custom_objects: a dict name -> object searched first.
        printable_module_name: the word naming the kind of object in errors.
    """
    if isinstance(identifier, dict):
        if "class_name" not in identifier or "config" not in identifier:
            raise ValueError(
                f"deserialize_keras_object: a {printable_module_name} config needs "
                f"'class_name' and 'config', received {identifier!r:.100}."
            )
        cls = _find(identifier["class_name"], module_objects, custom_objects, printable_module_name)
        config = identifier["config"]
        if not hasattr(cls, "from_config"):
            return cls(**config)
        if has_arg(cls.from_config, "custom_objects"):
            merged = registry.custom_objects_in_force(custom_objects)
            return cls.from_config(config, custom_objects=merged)
        with registry.CustomObjectScope(custom_objects or {}):
            return cls.from_config(config)
    if isinstance(identifier, str):
        return _find(identifier, module_objects, custom_objects, printable_module_name)
    raise ValueError(
        f"deserialize_keras_object: could not interpret the serialized "
        f"{printable_module_name} {identifier!r:.80} (expected a config dict or a name)."
    )


def func_dump(func) -> tuple:
    """`(code, defaults, closure)` of a Python function: its bytecode marshalled in
    base64 (readable by the same Python version only), its defaults and closure values."""
    return bytecode_of(func)


def func_load(code, defaults=None, closure=None, globs=None):
    """The function `func_dump` dumped. This runs bytecode: load only dumps you trust.

    Args:
        code: the base64 text of `func_dump` (or the tuple it returned).
        defaults, closure: as `func_dump` returned them.
        globs: the globals the function sees (default: this module's).
    """
    if isinstance(code, (tuple, list)):
        code, defaults, closure = code
    globals_ = globs if globs is not None else globals()
    return function_from_bytecode(code, defaults, closure, globals_, "func_load")


def has_arg(fn, name, accept_all=False) -> bool:
    """Whether `fn` takes an argument `name` by keyword (with `accept_all`, a `**kwargs`
    counts too)."""
    parameters = inspect.signature(fn).parameters
    if accept_all and any(p.kind == p.VAR_KEYWORD for p in parameters.values()):
        return True
    parameter = parameters.get(name)
    return parameter is not None and parameter.kind in (
        parameter.POSITIONAL_OR_KEYWORD,
        parameter.KEYWORD_ONLY,
    )


def object_list_uid(object_list) -> str:
    """A string naming the objects of a list (or one object) by identity."""
    items = object_list if isinstance(object_list, (list, tuple)) else [object_list]
    return ", ".join(str(abs(id(item))) for item in items)


def is_all_none(iterable_or_element) -> bool:
    """Whether every item (or the one element) is None."""
    if not isinstance(iterable_or_element, (list, tuple)):
        iterable_or_element = [iterable_or_element]
    return all(item is None for item in iterable_or_element)


def slice_arrays(arrays, start=None, stop=None):
    """`arrays[start:stop]`, or each array of a list sliced so (None entries stay None);
    a list or array of indices as `start` picks those rows instead.

    Returns:
        The slice (a list for a list), or `[None]` for `arrays=None`.
    """
    if arrays is None:
        return [None]
    if hasattr(start, "__len__"):
        start = start.tolist() if hasattr(start, "tolist") else list(start)
        pick = lambda array: array[start]  # noqa: E731
    else:
        pick = lambda array: array[start:stop]  # noqa: E731
    if isinstance(arrays, list):
        return [None if array is None else pick(array) for array in arrays]
    return pick(arrays)


def transpose_shape(shape, target_format, spatial_axes):
    """A channels_last `shape` in `target_format`: for 'channels_first', the channels
    (last entry) move in front of the entries at `spatial_axes`; a list stays a list.

    Example:
        >>> transpose_shape((16, 128, 128, 32), "channels_first", spatial_axes=(1, 2))
        (16, 32, 128, 128)
    """
    if target_format == "channels_last":
        return shape
    if target_format != "channels_first":
        raise ValueError(
            f"transpose_shape: target_format must be 'channels_first' or 'channels_last', "
            f"received {target_format!r}."
        )
    moved = (*shape[: spatial_axes[0]], shape[-1], *(shape[axis] for axis in spatial_axes))
    return list(moved) if isinstance(shape, list) else moved
