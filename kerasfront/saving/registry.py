"""The one serialization registry (DESIGN rule 12): names in configs to kerasfront
classes and functions, plus the user's custom objects.

A name in a file is looked up in, first, the custom objects in force (the
`custom_objects=` argument, the `custom_object_scope`s, `get_custom_objects()`, which
`register_keras_serializable` fills), then kerasfront's own public classes and functions
under their Keras names. Nothing else: no module path from a file is ever imported, so a
config cannot reach `os.system` or any other gadget.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator

_GLOBAL_CUSTOM_OBJECTS: dict[str, object] = {}
_REGISTERED_NAMES: dict[int, str] = {}  # id(object) -> "Package>Name"
_SCOPES: list[dict] = []
_BUILTINS: dict[str, dict] = {}  # "classes" / "functions" -> {name: object}, made once


def get_custom_objects() -> dict:
    """The global dict of custom objects (name -> class or function). Changing it
    registers objects for every later load, as in Keras 2.

    Example:
        >>> get_custom_objects()["swish"] = swish
    """
    return _GLOBAL_CUSTOM_OBJECTS


class CustomObjectScope:
    """Makes custom objects resolvable while the scope is open.

    Example:
        >>> with custom_object_scope({"MyLayer": MyLayer}):
        ...     model = load_model("model.h5")
    """

    def __init__(self, *objects: dict | None):
        self.objects = {}
        for mapping in objects:
            if mapping is None:
                continue
            if not isinstance(mapping, dict):
                raise TypeError(
                    "custom_object_scope takes dicts of name -> class or function, received "
                    f"{type(mapping).__name__}: {mapping!r:.80}."
                )
            self.objects.update(mapping)

    def __enter__(self):
        _SCOPES.append(self.objects)
        return self

    def __exit__(self, *exc_info):
        _SCOPES.remove(self.objects)


custom_object_scope = CustomObjectScope


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Callable:
    """A decorator that registers a class or function as `"<package>>Name"`, the name
    it is saved under and found by when loading.

    Example:
        >>> @register_keras_serializable(package="my_package")
        ... class MyLayer(Layer): ...
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(
            f"register_keras_serializable: package must be a string without '>', received "
            f"{package!r}."
        )

    def decorate(obj):
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"register_keras_serializable: class {obj.__name__} must define get_config() "
                "so that it can be saved."
            )
        if not (inspect.isclass(obj) or callable(obj)):
            raise TypeError(
                "register_keras_serializable decorates classes and functions, received "
                f"{type(obj).__name__}."
            )
        registered = f"{package}>{name or obj.__name__}"
        _GLOBAL_CUSTOM_OBJECTS[registered] = obj
        _REGISTERED_NAMES[id(obj)] = registered
        return obj

    return decorate


def custom_objects_in_force(custom_objects: dict | None = None) -> dict:
    """Every custom object visible now, later sources winning: the global dict, the
    open scopes (innermost last) and `custom_objects`."""
    merged = dict(_GLOBAL_CUSTOM_OBJECTS)
    for scope in _SCOPES:
        merged.update(scope)
    merged.update(custom_objects or {})
    return merged


def with_plain_names(custom_objects: dict) -> dict:
    """`custom_objects` plus each registered `"Package>Name"` object under its plain
    `Name` too (when no other object has that name): the lookups of nested layers and
    cells match a config's class name against these keys directly."""
    extended = dict(custom_objects)
    plain: dict[str, list] = {}
    for key, value in custom_objects.items():
        if ">" in key:
            plain.setdefault(key.split(">", 1)[1], []).append(value)
    for name, values in plain.items():
        if name not in extended and len(values) == 1:
            extended[name] = values[0]
    return extended


def _builtins() -> dict[str, dict]:
    """kerasfront's public classes and functions by Keras name, collected on first use
    (the modules bind the engine, so not at import)."""
    if _BUILTINS:
        return _BUILTINS
    from kerasfront import (
        activations,
        constraints,
        initializers,
        layers,
        losses,
        metrics,
        optimizers,
        regularizers,
    )
    from kerasfront import backend as keras_backend
    from kerasfront.models import Model, Sequential
    from kerasfront.optimizers import schedules

    # A name may be a class in several modules (MeanSquaredError is a loss and a metric):
    # every candidate is kept, and a lookup takes the first of the kind it asks for.
    classes: dict[str, list[type]] = {}
    for module in (
        layers,
        initializers,
        constraints,
        regularizers,
        losses,
        metrics,
        schedules,
        optimizers,
    ):
        for attribute in dir(module):
            value = getattr(module, attribute)
            if inspect.isclass(value) and not attribute.startswith("_"):
                candidates = classes.setdefault(attribute, [])
                if value not in candidates:
                    candidates.append(value)
    # A functional model is "Model" in Keras 2.2 files and "Functional" in tf.keras 2.4+.
    classes.update({"Model": [Model], "Functional": [Model], "Sequential": [Sequential]})
    functions: dict[str, Callable] = {}
    for module in (activations, losses, metrics):
        for attribute in dir(module):
            value = getattr(module, attribute)
            if inspect.isfunction(value) and not attribute.startswith("_"):
                functions.setdefault(attribute, value)
    # Backend functions (a Lambda of K.abs) by a name that cannot clash with the above.
    for attribute in dir(keras_backend):
        value = getattr(keras_backend, attribute)
        if inspect.isfunction(value) and not attribute.startswith("_"):
            functions[f"keras.backend.{attribute}"] = value
    _BUILTINS["classes"] = classes
    _BUILTINS["functions"] = functions
    return _BUILTINS


def builtin_class(name: str, base: type | None = None):
    """kerasfront's class of that name (the one that subclasses `base`, when given)."""
    for candidate in _builtins()["classes"].get(name, ()):
        if base is None or issubclass(candidate, base):
            return candidate
    return None


def registered_name(obj) -> str | None:
    """The name `obj` is saved under when the registry knows it (a registered or global
    custom object, a kerasfront class or function), else None."""
    found = _REGISTERED_NAMES.get(id(obj))
    if found is not None:
        return found
    for name, value in custom_objects_in_force().items():
        if value is obj:
            return name
    builtins = _builtins()
    if inspect.isclass(obj):
        name = obj.__name__
        return name if obj in builtins["classes"].get(name, ()) else None
    for name, value in builtins["functions"].items():
        if value is obj:
            return name
    return None


def class_name_of(obj) -> str:
    """The `class_name` a config of `obj` carries."""
    from kerasfront.models import Model, Sequential

    cls = type(obj)
    if cls is Model:
        return "Model"
    found = _REGISTERED_NAMES.get(id(cls))
    if found is not None:
        return found
    if cls is Sequential:
        return "Sequential"
    return cls.__name__


def _lookup(name: str, custom_objects: dict | None, kind: str, base: type | None = None):
    custom = custom_objects_in_force(custom_objects)
    if name in custom:
        return custom[name]
    builtin = builtin_class(name, base) if kind == "classes" else _builtins()[kind].get(name)
    if builtin is not None:
        return builtin
    # A registered "Package>Name" found by its plain name, when that is unambiguous.
    matches = [v for k, v in custom.items() if ">" in k and k.split(">", 1)[1] == name]
    return matches[0] if len(matches) == 1 else None


def resolve_class(name, custom_objects: dict | None, where: str, base: type | None = None):
    """The class a config names, from custom objects or kerasfront; else a clear error."""
    if not isinstance(name, str):
        raise ValueError(f"{where}: class_name must be a string, received {name!r:.80}.")
    cls = _lookup(name, custom_objects, "classes", base)
    if cls is None:
        noun = "layer class" if base is not None and base.__name__ == "Layer" else "class"
        raise ValueError(
            f"{where}: unknown {noun} {name!r}. Only kerasfront classes and your custom objects "
            f"are loaded: pass custom_objects={{{name!r}: cls}}, use custom_object_scope, or "
            "register the class with @kerasfront.utils.register_keras_serializable()."
        )
    if not inspect.isclass(cls) or (base is not None and not issubclass(cls, base)):
        expected = base.__name__ if base is not None else "class"
        raise ValueError(
            f"{where}: {name!r} resolves to {cls!r:.80}, which is not a {expected} subclass."
        )
    return cls


def resolve_function(name, custom_objects: dict | None, where: str) -> Callable:
    """A function a config names (a Lambda's, a custom activation), from custom objects
    or kerasfront's activations, losses, metrics and backend."""
    if not isinstance(name, str):
        raise ValueError(f"{where}: a function name must be a string, received {name!r:.80}.")
    function = _lookup(name, custom_objects, "functions")
    if function is None or not callable(function):
        raise ValueError(
            f"{where}: unknown function {name!r}. Only kerasfront functions and your custom "
            f"objects are loaded: pass custom_objects={{{name!r}: function}}, use "
            "custom_object_scope, or register it with "
            "@kerasfront.utils.register_keras_serializable()."
        )
    return function


def custom_object(name, custom_objects: dict | None):
    """The custom object named `name`, or None (kerasfront's own names are not looked at)."""
    if not isinstance(name, str):
        return None
    return custom_objects_in_force(custom_objects).get(name)


def custom_from_identifier(identifier):
    """What a user's custom object in force (a `custom_object_scope`, or registered with
    `register_keras_serializable`) makes of `identifier`, or None: for a name, the object
    itself (a class is instantiated with no arguments); for a `{"class_name", "config"}`
    dict, the class built from its config. Used by `activations.get`, `initializers.get`,
    `regularizers.get` and `constraints.get`, so configs nested anywhere find them."""
    if isinstance(identifier, str):
        found = custom_object(identifier, None)
        return found() if isinstance(found, type) else found
    if isinstance(identifier, dict) and "class_name" in identifier:
        cls = custom_object(identifier["class_name"], None)
        if cls is None:
            return None
        arguments = dict(identifier.get("config") or {})
        return cls.from_config(arguments) if hasattr(cls, "from_config") else cls(**arguments)
    return None


@contextlib.contextmanager
def scope_for_loading(custom_objects: dict | None) -> Iterator[dict]:
    """Opens a custom-object scope with `custom_objects` (so that nested `from_config`
    calls that only look at the scopes find them) and yields everything in force."""
    with CustomObjectScope(custom_objects or {}):
        yield custom_objects_in_force()


__all__ = [
    "CustomObjectScope",
    "class_name_of",
    "custom_from_identifier",
    "custom_object",
    "custom_object_scope",
    "custom_objects_in_force",
    "get_custom_objects",
    "register_keras_serializable",
    "registered_name",
    "resolve_class",
    "resolve_function",
]
