"""`save_model`, `load_model`, `model_from_json`: the format is chosen by the file.

`.keras` files are zips (`keras_zip`); anything else is Keras 2's HDF5 file
(`legacy_h5`). Loading opens a custom-object scope with `custom_objects` and a safe-mode
scope with `safe_mode`, then rebuilds the model from its config through the registry
only, loads the weights by layer name (every shape checked first), and compiles the
model as it was saved, with the optimizer's state.
"""

from __future__ import annotations

import io
import json
import os

from kerasfront.saving import (
    compile_config,
    functions,
    keras_zip,
    legacy_h5,
    registry,
    safe_h5,
    weights_h5,
)
from kerasfront.saving.atomic import may_write
from kerasfront.saving.config import deserialize_layer, serialize_layer

_FORMATS = {"keras": "keras", "h5": "h5", "hdf5": "h5"}


def _model_document(model) -> dict:
    try:
        return serialize_layer(model)
    except NotImplementedError as error:
        raise ValueError(f"Model '{model.name}' cannot be saved whole: {error}") from None


def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None) -> None:
    """Saves `model` (config, weights, compile settings and optimizer state).

    Args:
        model: the model.
        filepath: a path ending in `.keras` (zip format) or anything else (Keras 2's
            HDF5 format, e.g. `model.h5`).
        overwrite: replace an existing file without asking.
        include_optimizer: also save the optimizer's state (and compile settings).
        save_format: "keras" or "h5" to override the choice by extension.
    """
    filepath = os.fspath(filepath)
    if save_format is None:
        fmt = "keras" if filepath.endswith(".keras") else "h5"
    else:
        fmt = _FORMATS.get(str(save_format).lower())
        if fmt is None:
            raise ValueError(
                f"save: save_format={save_format!r} is not supported; use 'keras' (a .keras "
                "zip) or 'h5' (Keras 2's HDF5). TensorFlow SavedModel is not written."
            )
    if not may_write(filepath, overwrite):
        return
    document = _model_document(model)
    training_config = compile_config.compile_arguments(model) if include_optimizer else None
    if fmt == "keras":
        keras_zip.save(model, filepath, document, training_config, include_optimizer)
    else:
        legacy_h5.save(model, filepath, document, training_config, include_optimizer)


def _check_model(model, where: str):
    from kerasfront.models.model import Model

    if not isinstance(model, Model):
        raise ValueError(f"{where}: the file describes a {type(model).__name__}, not a model.")
    return model


def _restore(
    model, weights_group, optimizer_group, training_config, compile, custom, where, strict=True
):
    if weights_group is not None:
        in_file = set(safe_h5.read_attribute(weights_group, "layer_names", where) or [])
        missing = [
            layer.name for layer in model.layers if layer.weights and layer.name not in in_file
        ]
        if missing:
            raise ValueError(f"{where}: the file has no weights for layers {missing}.")
        weights_h5.load_layer_weights(weights_group, model.layers, where, by_name=True)
    if not compile or not training_config:
        return model
    compile_config.compile_from_config(model, training_config, custom)
    if optimizer_group is not None:
        arrays = weights_h5.read_optimizer_weights(optimizer_group, where)
        compile_config.restore_optimizer_state(model, arrays, training_config, where, strict)
    return model


def _load_h5(filepath: str, compile: bool, custom: dict, where: str):
    with safe_h5.open_file(filepath, where) as handle:
        parts = legacy_h5.read(handle, where)
        model = _check_model(deserialize_layer(parts["model_config"], custom, where), where)
        return _restore(
            model,
            parts["weights"],
            parts["optimizer_weights"],
            parts["training_config"],
            compile,
            custom,
            where,
            strict=not parts["written_by_keras"],
        )


def _load_keras(filepath: str, compile: bool, custom: dict, where: str):
    contents = keras_zip.read(filepath, where)
    document = contents["config"]
    training_config = document.get("compile_config") if isinstance(document, dict) else None
    if isinstance(document, dict):
        document = {k: v for k, v in document.items() if k in ("class_name", "config")}
    model = _check_model(deserialize_layer(document, custom, where), where)
    if contents["weights"] is None:
        raise ValueError(f"{where}: the archive has no {keras_zip.WEIGHTS_MEMBER!r}.")
    weights_where = f"{where}, {keras_zip.WEIGHTS_MEMBER}"
    with safe_h5.open_file(io.BytesIO(contents["weights"]), weights_where) as handle:
        weights_group, optimizer_group = legacy_h5.weight_groups(handle, weights_where)
        return _restore(
            model, weights_group, optimizer_group, training_config, compile, custom, weights_where
        )


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved by `model.save` (`.keras` or HDF5, also Keras 2's `.h5`).

    Args:
        filepath: the file.
        custom_objects: name -> class or function, for everything that is not a
            kerasfront object (custom layers, losses, activations).
        compile: compile the model as it was saved, with its optimizer's state.
        safe_mode: refuse to run code stored in the file (Lambda layers saved as
            bytecode). Set it to False only for files you trust.

    Returns:
        The model.
    """
    filepath = os.fspath(filepath)
    where = f"load_model({filepath!r})"
    if not os.path.isfile(filepath):
        raise FileNotFoundError(f"{where}: no such file.")
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise TypeError(
            f"{where}: custom_objects must be a dict of name -> class or function, received "
            f"{type(custom_objects).__name__}."
        )
    if not isinstance(safe_mode, bool):
        raise TypeError(f"{where}: safe_mode must be True or False, received {safe_mode!r}.")
    with registry.scope_for_loading(custom_objects) as custom, functions.safe_mode_scope(safe_mode):
        # By content first (a zip named .h5 is still a zip), then by name: a damaged
        # .keras file is reported as a broken zip, not as a broken HDF5 file.
        if keras_zip.is_zip(filepath) or filepath.endswith(".keras"):
            return _load_keras(filepath, compile, custom, where)
        return _load_h5(filepath, compile, custom, where)


def model_to_json(model, **kwargs) -> str:
    """`{"class_name", "config", "keras_version", "backend"}` as JSON."""
    document = {
        **_model_document(model),
        "keras_version": weights_h5.KERAS_VERSION_ATTRIBUTE,
        "backend": weights_h5._backend_name(),
    }
    text = legacy_h5.to_json_string(document, "to_json")
    return json.dumps(json.loads(text), **kwargs) if kwargs else text


def model_from_json(json_string: str, custom_objects=None, safe_mode: bool = True):
    """A model (new weights) from `model.to_json()`'s string; classes only from
    kerasfront and `custom_objects`, bytecode refused unless `safe_mode=False`."""
    try:
        document = json.loads(json_string)
    except (TypeError, ValueError) as error:
        raise ValueError(f"model_from_json: the string is not valid JSON: {error}") from None
    return model_from_document(document, custom_objects, safe_mode, "model_from_json")


def model_from_config(config, custom_objects=None, safe_mode: bool = True):
    """A model (new weights) from `{"class_name": ..., "config": ...}`, the dict a model
    file or `json.loads(model.to_json())` holds (Keras 2's `model_from_config`).

    A bare `model.get_config()` has no class name: give it to `Model.from_config` or
    `Sequential.from_config` instead.
    """
    if isinstance(config, list):
        raise TypeError(
            "model_from_config expects a dict with 'class_name' and 'config', received a "
            "list (a Keras 2 Sequential config?): use Sequential.from_config(config)."
        )
    if not isinstance(config, dict) or "class_name" not in config:
        keys = sorted(config) if isinstance(config, dict) else None
        raise ValueError(
            "model_from_config expects a dict with 'class_name' and 'config' (e.g. "
            f"json.loads(model.to_json())); received {type(config).__name__} with keys "
            f"{keys}. For model.get_config()'s dict use Model.from_config or "
            "Sequential.from_config."
        )
    return model_from_document(config, custom_objects, safe_mode, "model_from_config")


def model_from_document(document, custom_objects, safe_mode: bool, where: str):
    """A model from a parsed config document (`{"class_name", "config", ...}`), resolved
    through the registry only; `where` names the caller in errors."""
    if isinstance(document, dict):
        document = {k: v for k, v in document.items() if k in ("class_name", "config")}
    with registry.scope_for_loading(custom_objects) as custom, functions.safe_mode_scope(safe_mode):
        return _check_model(deserialize_layer(document, custom, where), where)


__all__ = ["load_model", "model_from_config", "model_from_json", "model_to_json", "save_model"]
