"""What `compile` was given, saved as Keras 2's `training_config` and given back to
`compile` when a model is loaded.

`{"optimizer_config": {"class_name", "config"}, "loss", "metrics", "weighted_metrics",
"loss_weights", "sample_weight_mode"}`. Built-in losses and metrics are saved by name,
loss and metric objects as `{"class_name", "config"}`, other functions by their
registered name (or their own name, which loading resolves through custom objects).
"""

from __future__ import annotations

import inspect

from kerasfront.saving import registry

# Keras 2 files can name a built-in by its module path ("keras.losses.mse"); only the
# last part is used, and only as a name to look up.
_MODULE_PREFIXES = ("keras.losses.", "keras.metrics.", "tf.keras.losses.", "tf.keras.metrics.")
# tf-keras 2.13+ writes a function as {"module": ..., "class_name": "function", "config":
# its name}; the name is all that is used (the module is never imported).
_FUNCTION_CLASS_NAME = "function"
# tf.keras 2.11+ registers its built-in optimizers as "Custom>Adam" in some files.
_CUSTOM_PREFIX = "Custom>"
# The optimizers of tf.keras 2.11+ ("is_legacy_optimizer": False) save their state as
# iterations, then per model variable its two slots side by side (m1, v1, m2, v2...);
# kerasfront, Keras 2.2.4 and tf.keras's legacy optimizers save slot after slot.
_PAIRED_SLOTS = ("adam", "adamax", "adadelta")


def _serialize_value(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {key: _serialize_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_serialize_value(item) for item in value]
    name = registry.registered_name(value)
    if name is not None:
        return name
    if hasattr(value, "get_config") and not inspect.isclass(value):
        return {"class_name": registry.class_name_of(value), "config": value.get_config()}
    name = getattr(value, "__name__", None)
    if name is None:
        raise ValueError(
            f"compile argument {value!r:.80} cannot be saved: give a name, a function, or an "
            "object with get_config()."
        )
    return name


def compile_arguments(model) -> dict | None:
    """The model's `training_config`, or None when it was not compiled."""
    arguments = getattr(model, "_compile_arguments", None)
    optimizer = getattr(model, "optimizer", None)
    if not getattr(model, "compiled", False) or arguments is None or optimizer is None:
        return None
    from kerasfront import optimizers

    config = {
        "optimizer_config": optimizers.serialize(optimizer),
        "loss": _serialize_value(arguments.get("loss")),
        "metrics": _serialize_value(arguments.get("metrics")),
        "weighted_metrics": _serialize_value(arguments.get("weighted_metrics")),
        "loss_weights": _serialize_value(arguments.get("loss_weights")),
        "sample_weight_mode": _serialize_value(arguments.get("sample_weight_mode")),
    }
    # How the steps run, as Keras 3's compile_config keeps it, so that a loaded model
    # computes as the saved one did (eager and compiled steps may round differently);
    # written only when set, so other files read exactly as Keras 2's.
    for key in _EXECUTION_KEYS:
        if arguments.get(key) is True:
            config[key] = arguments[key]
    return config


_EXECUTION_KEYS = ("run_eagerly", "jit_compile")


def _from_module(module, name: str, base):
    value = getattr(module, name, None)
    return value if inspect.isclass(value) and issubclass(value, base) else None


def _deserialize_value(value, custom_objects: dict, kind: str):
    """A saved loss or metric: names stay names (kerasfront resolves them at compile)
    unless they name a custom object; `{"class_name", "config"}` becomes the object."""
    from kerasfront import losses, metrics

    if isinstance(value, list):
        return [_deserialize_value(item, custom_objects, kind) for item in value]
    if isinstance(value, str):
        found = registry.custom_object(value, custom_objects)
        if found is not None:
            return found
        for prefix in _MODULE_PREFIXES:
            if value.startswith(prefix):
                return value[len(prefix) :]
        return value
    if isinstance(value, dict) and value.get("class_name") == _FUNCTION_CLASS_NAME:
        name = value.get("config")
        if not isinstance(name, str):
            raise ValueError(
                f"training_config: a saved {kind} function has no name: {value!r:.80}."
            )
        return _deserialize_value(name, custom_objects, kind)
    if isinstance(value, dict) and "class_name" in value:
        name = value["class_name"]
        module, base = (losses, losses.Loss) if kind == "loss" else (metrics, metrics.Metric)
        cls = registry.custom_object(name, custom_objects) or _from_module(module, name, base)
        if cls is None:
            raise ValueError(
                f"training_config: unknown {kind} class {name!r}; pass it in custom_objects, "
                "or load with compile=False."
            )
        arguments = dict(value.get("config") or {})
        if hasattr(cls, "from_config"):
            return cls.from_config(arguments)
        return cls(**arguments)
    if isinstance(value, dict):
        return {key: _deserialize_value(item, custom_objects, kind) for key, item in value.items()}
    return value


def compile_from_config(model, training_config: dict, custom_objects: dict) -> None:
    """Compiles `model` as the saved `training_config` says."""
    from kerasfront import optimizers

    if not isinstance(training_config, dict):
        raise ValueError(f"training_config must be a dict, received {training_config!r:.80}.")
    optimizer_config = _builtin_optimizer_name(
        training_config.get("optimizer_config"), custom_objects
    )
    optimizer = (
        optimizers.deserialize(optimizer_config, custom_objects=custom_objects)
        if optimizer_config is not None
        else "rmsprop"
    )
    arguments = {
        "optimizer": optimizer,
        "loss": _deserialize_value(training_config.get("loss"), custom_objects, "loss"),
        "metrics": _deserialize_value(training_config.get("metrics"), custom_objects, "metric"),
        "loss_weights": training_config.get("loss_weights"),
    }
    weighted = training_config.get("weighted_metrics")
    if weighted is not None:
        arguments["weighted_metrics"] = _deserialize_value(weighted, custom_objects, "metric")
    if training_config.get("sample_weight_mode") is not None:
        arguments["sample_weight_mode"] = training_config["sample_weight_mode"]
    for key in _EXECUTION_KEYS:
        value = training_config.get(key)
        if value is not None:
            if not isinstance(value, bool):
                raise ValueError(
                    f"training_config: {key} must be true or false, received {value!r:.40}."
                )
            arguments[key] = value
    try:
        model.compile(**arguments)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"The saved compile settings of model '{model.name}' cannot be restored: {error} "
            "Pass the missing objects in custom_objects, or load with compile=False and "
            "compile the model yourself."
        ) from error


def _builtin_optimizer_name(optimizer_config, custom_objects: dict):
    """The config with tf.keras's "Custom>Adam" read as "Adam" (unless the user registered
    that name), so that a built-in optimizer is found."""
    if not isinstance(optimizer_config, dict):
        return optimizer_config
    name = optimizer_config.get("class_name")
    if (
        isinstance(name, str)
        and name.startswith(_CUSTOM_PREFIX)
        and registry.custom_object(name, custom_objects) is None
    ):
        return {**optimizer_config, "class_name": name[len(_CUSTOM_PREFIX) :]}
    return optimizer_config


def _slot_after_slot(arrays: list, training_config: dict, variable_count: int) -> list:
    """The saved state in slot-after-slot order (see `_PAIRED_SLOTS`)."""
    optimizer_config = training_config.get("optimizer_config") or {}
    arguments = optimizer_config.get("config") or {}
    name = str(optimizer_config.get("class_name", "")).split(">")[-1].lower()
    paired = 2 * variable_count
    if arguments.get("is_legacy_optimizer") is not False or name not in _PAIRED_SLOTS:
        return arrays
    if len(arrays) < 1 + paired:
        return arrays
    pairs = arrays[1 : 1 + paired]
    return [arrays[0], *pairs[0::2], *pairs[1::2], *arrays[1 + paired :]]


def restore_optimizer_state(model, arrays: list, training_config: dict, where: str, strict=True):
    """Gives the compiled model's optimizer the saved state and builds it for the model's
    trainable weights now, so that a state that does not fit is found at load time.

    With `strict=False` (a file written by Keras) a state that does not fit is dropped with
    a warning and training starts from a fresh optimizer, as Keras 2 does; kerasfront's
    own files must fit exactly (`fit` after loading continues the same training).
    """
    import warnings

    optimizer = model.optimizer
    trainable = model.trainable_weights
    arrays = _slot_after_slot(list(arrays), training_config, len(trainable))
    try:
        optimizer.set_weights(arrays)
        optimizer.build(trainable)
    except ValueError as error:
        if strict:
            raise ValueError(f"{where}: the saved optimizer state does not fit: {error}") from None
        optimizer.build(trainable)  # fresh slots (a failed set_weights assigns nothing)
        warnings.warn(
            f"{where}: the saved optimizer state was not loaded ({error}); the model is "
            "compiled with a freshly initialized optimizer.",
            stacklevel=3,
        )


__all__ = ["compile_arguments", "compile_from_config", "restore_optimizer_state"]
