"""Whole models in Keras 2's HDF5 file (`model.save("model.h5")`).

Root attributes: `keras_version`, `backend`, `model_config` (the JSON of
`{"class_name", "config"}`) and, for a compiled model, `training_config` (JSON). Groups:
`model_weights` (the weights layout of `weights_h5`) and `optimizer_weights` (with
`weight_names`).
"""

from __future__ import annotations

import json
import zlib

import numpy as np

from kerasfront.saving import safe_h5, weights_h5
from kerasfront.saving.atomic import atomic_path


def to_json_string(value, where: str) -> str:
    """JSON of a config; NumPy values become numbers and lists, anything else that JSON
    cannot hold is named in the error."""
    import numpy as np

    def default(item):
        if isinstance(item, np.generic):
            return item.item()
        if isinstance(item, np.ndarray):
            return item.tolist()
        raise TypeError(
            f"{where}: {type(item).__name__} {item!r:.80} in the configuration cannot be "
            "written as JSON. Give the layer JSON-friendly arguments, or register the object "
            "with @kerasfront.utils.register_keras_serializable()."
        )

    return json.dumps(value, default=default)


def write_model(handle, model, model_config: dict, training_config, include_optimizer) -> None:
    """Writes everything into an open h5py File (or group)."""
    # Fixed-length strings (np.bytes_), which Keras 2 reads too: HDF5 does not checksum
    # where variable-length strings live, and one changed byte there can make it loop.
    handle.attrs["keras_version"] = np.bytes_(weights_h5.KERAS_VERSION_ATTRIBUTE.encode("utf8"))
    handle.attrs["backend"] = np.bytes_(weights_h5._backend_name().encode("utf8"))
    _write_json_attribute(handle, "model_config", model_config)
    if training_config is not None:
        _write_json_attribute(handle, "training_config", training_config)
    write_weights(handle, model, include_optimizer and training_config is not None)


def _write_json_attribute(handle, name: str, value) -> None:
    """The JSON of `value` as a fixed-length string, with its CRC32 beside it, so that a
    changed byte is reported instead of silently changing a setting (0.1 -> 0.0)."""
    data = to_json_string(value, "model.save").encode("utf8")
    handle.attrs[name] = np.bytes_(data)
    handle.attrs[name + _CHECKSUM_SUFFIX] = np.uint32(zlib.crc32(data) & 0xFFFFFFFF)


_CHECKSUM_SUFFIX = "_" + safe_h5.CHECKSUM_ATTRIBUTE


def write_weights(handle, model, include_optimizer: bool) -> None:
    """`model_weights` and, when asked and there is state, `optimizer_weights`."""
    weights_h5.write_layer_weights(handle.create_group("model_weights"), model.layers)
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None and optimizer.get_weights():
        weights_h5.write_optimizer_weights(handle.create_group("optimizer_weights"), optimizer)


def save(model, filepath: str, model_config: dict, training_config, include_optimizer) -> None:
    h5py = safe_h5.import_h5py()
    with atomic_path(filepath) as temporary:
        # The 1.8 file format stores attributes over 64 KiB (a large model's config).
        with h5py.File(temporary, "w", libver=("v108", "latest")) as handle:
            write_model(handle, model, model_config, training_config, include_optimizer)


def _json_attribute(handle, name: str, where: str):
    text = safe_h5.read_attribute(handle, name, where)
    if text is None:
        return None
    expected = safe_h5.read_attribute(handle, name + _CHECKSUM_SUFFIX, where)
    if expected is not None:  # written by kerasfront (Keras's own files carry none)
        computed = zlib.crc32(str(text).encode("utf8")) & 0xFFFFFFFF
        if int(expected) != computed:
            raise safe_h5.ChecksumError(
                f"{where}: the {name!r} attribute fails its checksum (CRC32 stored "
                f"{int(expected):#010x}, computed {computed:#010x}): the file is corrupt."
            )
    try:
        return json.loads(text)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: the {name!r} attribute is not valid JSON: {error}") from None


def read(handle, where: str) -> dict:
    """The parts of an open whole-model HDF5 file: model_config, training_config, the
    groups of the weights and optimizer weights (None where absent), and whether Keras
    (not kerasfront) wrote it."""
    model_config = _json_attribute(handle, "model_config", where)
    if model_config is None:
        raise ValueError(
            f"{where}: no 'model_config' attribute, so no model can be made from this file "
            "(a weights-only file?). Build the model in code and use model.load_weights()."
        )
    weights_group, optimizer_group = weight_groups(handle, where)
    version = safe_h5.read_attribute(handle, "keras_version", where)
    return {
        "written_by_keras": not str(version or "").startswith("kerasfront"),
        "model_config": model_config,
        "training_config": _json_attribute(handle, "training_config", where),
        "weights": weights_group,
        "optimizer_weights": optimizer_group,
    }


def weight_groups(handle, where: str):
    """The `model_weights` and `optimizer_weights` groups (None where absent)."""
    try:
        return _weight_groups(handle, where)
    except safe_h5.UnsafeFileError:
        raise
    except safe_h5.H5_READ_ERRORS as error:
        raise ValueError(
            f"{where}: the weight groups cannot be read (truncated or corrupt file): {error}"
        ) from None


def _weight_groups(handle, where: str):
    if "model_weights" in handle:
        weights_group = safe_h5.child(handle, "model_weights", where)
    elif "layer_names" in handle.attrs:  # the oldest Keras files kept weights at the root
        weights_group = handle
    else:
        weights_group = None
    optimizer_group = None
    if "optimizer_weights" in handle:
        optimizer_group = safe_h5.child(handle, "optimizer_weights", where)
    return weights_group, optimizer_group


__all__ = ["read", "save", "to_json_string", "weight_groups", "write_model", "write_weights"]
