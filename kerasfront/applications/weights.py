"""Loading an application's weights: ImageNet files through `get_file`, or a local file.

Keras's own application weight files were written by Keras 2's `save_weights` and are
read by Keras in "topological" order: the n-th layer with weights in the file goes to
the n-th layer with weights in `model.layers`, where Keras 2 orders layers by their
depth in the graph (as `model.layers` does here too). Several of those files name the
layers Keras left unnamed after a global counter (`conv2d_1`, `batch_normalization_7`),
which a model built in another session does not reproduce. So a file is read by name
when it names every layer of the model that has weights (the files whose layers all have
fixed names, and our own files of a model built alike), else by order.
"""

from __future__ import annotations

import os

from kerasfront.saving import keras_zip, safe_h5, weights_h5
from kerasfront.utils import data_utils

WEIGHTS_CHOICES = "None (random initialization), 'imagenet' or the path to a weights file"


def check_weights_argument(weights, include_top: bool, classes: int, model_name: str) -> None:
    """Keras 2's checks of `weights` and `classes`, with our wording."""
    if not (weights in (None, "imagenet") or _is_existing_path(weights)):
        raise ValueError(
            f"{model_name}: weights must be {WEIGHTS_CHOICES}; received {weights!r}, which is "
            "neither (no such file)."
        )
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 1:
        raise ValueError(f"{model_name}: classes must be a positive integer, received {classes!r}.")
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(
            f"{model_name}: with weights='imagenet' and include_top=True, classes must be "
            f"1000 (ImageNet's classes); received classes={classes}."
        )


def _is_existing_path(weights) -> bool:
    return isinstance(weights, (str, os.PathLike)) and os.path.exists(weights)


def keras2_layer_order(model) -> list:
    """`model`'s layers in the order Keras 2 lists (and saves) them: `model.layers` of a
    functional model, which follows that order (kerasfront/models/layer_order.py)."""
    return list(model.layers)


def load_model_weights(model, filepath) -> None:
    """Loads a Keras 2 HDF5 weights file into an application model (see the module
    docstring for how layers are matched); every shape is checked before any weight
    is assigned, and an error names the layer that does not fit."""
    filepath = os.fspath(filepath)
    if keras_zip.is_zip(filepath):  # a `.keras` archive: written by us, in our layer order
        model.load_weights(filepath)
        return
    where = f"{model.name}: weights file {filepath!r}"
    with safe_h5.open_file(filepath, where) as handle:
        group = handle
        if "layer_names" not in handle.attrs and "model_weights" in handle:
            group = safe_h5.child(handle, "model_weights", where)
        names = safe_h5.read_attribute(group, "layer_names", where)
        if names is None:
            raise ValueError(
                f"{where} has no 'layer_names' attribute; it is not a weights file in Keras's "
                "HDF5 layout."
            )
        in_file = {
            name
            for name in names
            if safe_h5.read_attribute(safe_h5.child(group, name, where), "weight_names", where)
        }
        weighted = [layer for layer in model.layers if layer.weights]
        by_name = all(layer.name in in_file for layer in weighted)
        weights_h5.load_layer_weights(group, model.layers, where, by_name=by_name)


def load_imagenet_weights(model, file_name: str, origin: str, file_hash: str | None) -> None:
    """Fetches a Keras ImageNet weights file into the cache (`models/`) and loads it."""
    try:
        path = data_utils.get_file(file_name, origin, cache_subdir="models", file_hash=file_hash)
    except data_utils.DownloadError as error:
        raise data_utils.DownloadError(
            f"{model.name}: weights='imagenet' needs the file {file_name} and could not "
            f"download it. {error} Or build the model with weights=None, or with "
            "weights=<path of a local weights file>."
        ) from error
    load_model_weights(model, path)


def load_weights(model, weights, include_top: bool, files: dict) -> None:
    """Loads `weights` (None, 'imagenet' or a path) into a freshly built application.

    `files` maps `include_top` (True/False) to `(file name, origin URL, hash or None)`.
    """
    if weights is None:
        return
    if weights == "imagenet":
        load_imagenet_weights(model, *files[bool(include_top)])
    else:
        load_model_weights(model, weights)


__all__ = ["check_weights_argument", "keras2_layer_order", "load_weights"]
