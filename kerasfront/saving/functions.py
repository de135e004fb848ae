"""Python functions in configs (a Lambda's function, output_shape and mask), and the
safe mode that decides whether bytecode from a file may run.

A function the registry knows (a registered or custom object, a kerasfront function) is
saved by name. Any other function is saved as Keras 2 did: `[code, defaults, closure]`
with the marshalled bytecode in base64. Such bytecode is code from the file: it is loaded
only with `safe_mode=False` (and only by the Python version that wrote it).
"""

from __future__ import annotations

import base64
import contextlib
import marshal
import sys
import types
from collections.abc import Callable, Iterator

import numpy as np

from kerasfront.saving import registry

_SAFE_MODE: list[bool] = [True]


@contextlib.contextmanager
def safe_mode_scope(safe_mode: bool) -> Iterator[None]:
    """Sets whether loading may run bytecode from a file, for the duration of a load."""
    _SAFE_MODE.append(bool(safe_mode))
    try:
        yield
    finally:
        _SAFE_MODE.pop()


def in_safe_mode() -> bool:
    return _SAFE_MODE[-1]


def serialize_function(function: Callable) -> tuple[object, str, str | None]:
    """`(value, type, module)`: `(name, "function", ...)` for a function the registry
    knows, else `([code, defaults, closure], "lambda", ...)`."""
    module = getattr(function, "__module__", None)
    name = registry.registered_name(function)
    if name is not None:
        return name, "function", module
    code = getattr(function, "__code__", None)
    if code is None:
        raise ValueError(
            f"Cannot save the function {function!r:.80}: it is neither registered nor Python "
            "code. Register it with @kerasfront.utils.register_keras_serializable()."
        )
    return list(bytecode_of(function)), "lambda", module


def bytecode_of(function: Callable) -> tuple:
    """`(code, defaults, closure)` in Keras's marshal format: the function's code object
    marshalled in base64 (readable by the same Python version only), its defaults and
    its closure values (None without a closure)."""
    raw = base64.b64encode(marshal.dumps(function.__code__)).decode("ascii")
    closure = None
    if function.__closure__:
        closure = tuple(cell.cell_contents for cell in function.__closure__)
    return raw, function.__defaults__, closure


def deserialize_function(
    value, function_type: str, where: str, custom_objects=None, module: str | None = None
) -> Callable:
    """The function `serialize_function` saved. Bytecode is refused in safe mode."""
    if function_type == "function":
        return registry.resolve_function(value, custom_objects, where)
    if function_type != "lambda":
        raise ValueError(
            f"{where}: unknown function type {function_type!r}; expected 'function' or 'lambda'."
        )
    if in_safe_mode():
        raise ValueError(
            f"{where} holds Python bytecode (a lambda or unregistered function saved by "
            "Keras's marshal format). Running it could execute arbitrary code, so it is "
            "refused in safe mode. If you trust this file, load it with safe_mode=False; "
            "better, register the function with "
            "@kerasfront.utils.register_keras_serializable() before saving, so that it is "
            "saved by name."
        )
    return _load_bytecode(value, where, custom_objects, module)


def _load_bytecode(value, where: str, custom_objects, module: str | None) -> Callable:
    if isinstance(value, (list, tuple)) and len(value) == 3:
        raw, defaults, closure = value
    else:  # the oldest Keras files stored the code alone
        raw, defaults, closure = value, None, None
    globals_ = _globals_for(module, custom_objects)
    return function_from_bytecode(raw, defaults, closure, globals_, where)


def function_from_bytecode(raw, defaults, closure, globals_: dict, where: str) -> Callable:
    """The function Keras's marshal format describes: `raw` its code object marshalled in
    base64, `defaults` and `closure` its defaults and closure values; it sees `globals_`.
    Runs nothing itself, but calling the result runs that bytecode. `where` names the
    source in errors."""
    try:
        code = marshal.loads(base64.b64decode(str(raw).encode("ascii")))
    except (ValueError, EOFError, TypeError) as error:
        raise ValueError(
            f"{where}: the saved bytecode cannot be read by Python "
            f"{sys.version_info.major}.{sys.version_info.minor} (bytecode is specific to the "
            f"Python version that wrote it): {error}"
        ) from None
    if not isinstance(code, types.CodeType):
        raise ValueError(f"{where}: the saved function is not Python code.")
    cells = None
    if closure is not None:
        cells = tuple(types.CellType(item) for item in closure)
    if len(cells or ()) != len(code.co_freevars):
        raise ValueError(
            f"{where}: the saved function needs {len(code.co_freevars)} closure values, "
            f"received {len(cells or ())}."
        )
    return types.FunctionType(
        code, globals_, code.co_name, tuple(defaults) if defaults is not None else None, cells
    )


def _globals_for(module: str | None, custom_objects) -> dict:
    """What names a loaded lambda sees: the module it was written in when that module is
    already imported (never imported for it), else the names Keras code usually has."""
    import kerasfront
    from kerasfront import backend, ops

    found = sys.modules.get(module) if isinstance(module, str) else None
    names = dict(vars(found)) if found is not None else {"__builtins__": __builtins__}
    names.setdefault("K", backend)
    names.setdefault("keras", kerasfront)
    names.setdefault("ops", ops)
    names.setdefault("np", np)
    names.update(registry.custom_objects_in_force(custom_objects))
    return names


def to_json_value(value):
    """NumPy arrays in a Lambda's `arguments` as `{"type": "ndarray", "value": ...}`
    (tf.keras's form), so the config stays JSON."""
    if isinstance(value, np.ndarray):
        return {"type": "ndarray", "value": value.tolist(), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    return value


def from_json_value(value):
    if isinstance(value, dict) and value.get("type") == "ndarray" and "value" in value:
        return np.asarray(value["value"], dtype=value.get("dtype"))
    return value


__all__ = [
    "deserialize_function",
    "in_safe_mode",
    "safe_mode_scope",
    "serialize_function",
]
