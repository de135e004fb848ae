"""Model weights in HDF5, in Keras 2's layout.

A weights group (the file's root for `save_weights`, `model_weights` in a whole-model
file) has an attribute `layer_names` (every layer of `model.layers`, in order) and one
group per layer with an attribute `weight_names` (`"dense_1/kernel:0"`, ...); each
weight is the dataset at that name inside the layer's group, so the path reads
`dense_1/dense_1/kernel:0`. Optimizer state goes in `optimizer_weights`, with its own
`weight_names`.

Every array is written with its CRC32 (`safe_h5.CHECKSUM_ATTRIBUTE`); loading checks
every shape against the layer and every checksum before assigning anything, so a
mismatch or a changed byte leaves the model as it was.
"""

from __future__ import annotations

import io
import os

import numpy as np

from kerasfront import __version__, user_warnings
from kerasfront.saving import safe_h5
from kerasfront.saving.atomic import atomic_path, may_write

KERAS_VERSION_ATTRIBUTE = f"kerasfront-{__version__}"
# The HDF5 1.8 format checksums the file's own structures (superblock, object headers,
# B-trees), so a changed byte there is detected too, not only in the weight arrays.
LIBVER = ("v108", "latest")


def _backend_name() -> str:
    from kerasfront import backend

    return backend.backend()


def weight_names(weights) -> list[str]:
    """Keras 2's `<layer>/<weight>:0` names, made unique within one layer's list (a
    name twice would make two datasets collide)."""
    names, seen = [], set()
    for weight in weights:
        base = weight.name if weight.name.endswith(":0") else f"{weight.name}:0"
        name, count = base, 0
        while name in seen:
            count += 1
            name = f"{base[:-2]}_{count}:0"
        seen.add(name)
        names.append(name)
    return names


def write_layer_weights(group, layers) -> None:
    """Writes `layers`' weights into `group` in Keras 2's layout."""
    safe_h5.write_string_list(group, "layer_names", [layer.name for layer in layers])
    # Fixed-length strings (np.bytes_), as Keras 2 reads them too: a variable-length
    # string lives in HDF5's global heap, which has no checksum, and a changed byte
    # there can make the HDF5 library loop while reading it.
    group.attrs["backend"] = np.bytes_(_backend_name().encode("utf8"))
    group.attrs["keras_version"] = np.bytes_(KERAS_VERSION_ATTRIBUTE.encode("utf8"))
    for layer in layers:
        layer_group = group.create_group(layer.name)
        weights = layer.weights
        names = weight_names(weights)
        safe_h5.write_string_list(layer_group, "weight_names", names)
        for name, weight in zip(names, weights):
            safe_h5.write_array(layer_group, name, weight.numpy())


def _layer_datasets(group, layer_name: str, where: str):
    """The (weight name, dataset) pairs of one layer group in the file."""
    layer_group = safe_h5.child(group, layer_name, where)
    names = safe_h5.read_attribute(layer_group, "weight_names", where, default=[])
    h5py = safe_h5.import_h5py()
    pairs = []
    for name in names:
        dataset = safe_h5.child(layer_group, name, where, scope=group.name)
        if not isinstance(dataset, h5py.Dataset):
            raise ValueError(f"{where}: '{dataset.name}' is a group, expected a weight dataset.")
        pairs.append((name, dataset))
    return pairs


def _check_shapes(layer, pairs, where: str, reshape: bool = False) -> str | None:
    """None when the file's weights fit `layer`, else what is wrong. With `reshape`, a
    weight of another shape but the same number of values fits (Keras 2's option)."""
    weights = layer.weights
    if len(pairs) != len(weights):
        return (
            f"{where}: layer '{layer.name}' ({type(layer).__name__}) has {len(weights)} "
            f"weights {[w.shape for w in weights]}, the file has {len(pairs)} for it "
            f"{[name for name, _ in pairs]}."
        )
    for weight, (name, dataset) in zip(weights, pairs):
        if reshape and int(np.prod(dataset.shape)) == int(np.prod(weight.shape)):
            continue
        if tuple(dataset.shape) != tuple(weight.shape):
            return (
                f"{where}: layer '{layer.name}' ({type(layer).__name__}), weight "
                f"{weight.name!r} expects shape {tuple(weight.shape)}, the file's {name!r} "
                f"has shape {tuple(dataset.shape)}."
            )
    return None


def load_layer_weights(
    group, layers, where: str, by_name=False, skip_mismatch=False, reshape=False
) -> None:
    """Loads `group`'s weights (Keras 2 layout) into `layers`.

    By order (Keras 2's default), the layers with weights in the file and in `layers`
    are matched in turn; by name, each layer takes the file's layer of its name (and
    layers missing from the file keep their weights). Every shape is checked before
    any weight is assigned. With `reshape`, a saved array with the weight's number of
    values but another shape is reshaped (row-major) to the weight's shape.
    """
    file_layers = safe_h5.read_attribute(group, "layer_names", where)
    if file_layers is None:
        raise ValueError(
            f"{where}: no 'layer_names' attribute; this is not a weights file in Keras's "
            "HDF5 layout."
        )
    if skip_mismatch and not by_name:
        raise ValueError(
            f"{where}: skip_mismatch=True only applies with by_name=True (Keras 2's rule)."
        )
    plan = []  # (layer, [(name, dataset)])
    if by_name:
        in_file = set(file_layers)
        for layer in layers:
            if layer.name not in in_file:
                continue
            pairs = _layer_datasets(group, layer.name, where)
            problem = _check_shapes(layer, pairs, where, reshape)
            if problem is not None:
                if not skip_mismatch:
                    raise ValueError(problem)
                user_warnings.warn(f"Skipping the weights of layer {layer.name!r}: {problem}")
                continue
            plan.append((layer, pairs))
    else:
        with_weights = []
        for name in file_layers:
            pairs = _layer_datasets(group, name, where)
            if pairs:
                with_weights.append((name, pairs))
        model_layers = [layer for layer in layers if layer.weights]
        if len(with_weights) != len(model_layers):
            raise ValueError(
                f"{where}: the file holds weights for {len(with_weights)} layers "
                f"{[name for name, _ in with_weights]}, the model has "
                f"{len(model_layers)} layers with weights {[x.name for x in model_layers]}. "
                "Load by_name=True to match layers by name."
            )
        for layer, (_, pairs) in zip(model_layers, with_weights):
            problem = _check_shapes(layer, pairs, where, reshape)
            if problem is not None:
                raise ValueError(problem)
            plan.append((layer, pairs))
    # Every array is read (and its checksum verified) before the first assignment, so a
    # corrupt file leaves the model as it was.
    values = [
        [
            safe_h5.read_array(dataset, _weight_where(where, layer.name, name))
            for name, dataset in pairs
        ]
        for layer, pairs in plan
    ]
    for (layer, _), arrays in zip(plan, values):
        for weight, array in zip(layer.weights, arrays):
            if reshape:
                array = array.reshape(tuple(weight.shape))
            weight.assign(_same_dtype(array, weight, layer))


def _weight_where(where: str, layer_name: str, weight_name: str) -> str:
    return f"{where}: layer '{layer_name}', weight {weight_name!r}"


def verify_checksums(weights_group, optimizer_group, where: str) -> None:
    """Reads every weight array under the two groups (either may be None) and verifies
    its checksum, raising an error that names the layer and the weight of the first
    that fails. Used to say where a file is damaged when a check of the whole file
    (the zip's CRC) has failed."""
    if weights_group is not None:
        for layer_name in safe_h5.read_attribute(weights_group, "layer_names", where) or []:
            for name, dataset in _layer_datasets(weights_group, layer_name, where):
                safe_h5.read_array(dataset, _weight_where(where, layer_name, name))
    if optimizer_group is not None:
        read_optimizer_weights(optimizer_group, where)


def _same_dtype(array: np.ndarray, weight, layer) -> np.ndarray:
    """Float weights take the file's floats in the weight's float type (a float64 file
    for a float32 model is Keras's own behaviour); other kinds must agree."""
    target = np.dtype(weight.dtype)
    if array.dtype == target:
        return array
    if array.dtype.kind == target.kind or (array.dtype.kind in "iub" and target.kind in "iu"):
        return array.astype(target)
    raise ValueError(
        f"Layer '{layer.name}': weight {weight.name!r} has dtype {target}, the file holds "
        f"{array.dtype}."
    )


# ---- optimizer ----------------------------------------------------------------------------
def write_optimizer_weights(group, optimizer) -> None:
    """The optimizer's state (`get_weights()`, Keras 2's order) under `group`."""
    variables = optimizer.weights
    arrays = optimizer.get_weights()
    if variables:
        names = weight_names(variables)
    else:  # not built yet: state kept from set_weights, without variables to name it
        names = [f"{optimizer.name}/state_{index}:0" for index in range(len(arrays))]
    safe_h5.write_string_list(group, "weight_names", names)
    for name, array in zip(names, arrays):
        safe_h5.write_array(group, name, array)


def read_optimizer_weights(group, where: str) -> list[np.ndarray]:
    """The arrays under `group` in the order of its `weight_names`."""
    names = safe_h5.read_attribute(group, "weight_names", where, default=[])
    h5py = safe_h5.import_h5py()
    arrays = []
    for name in names:
        dataset = safe_h5.child(group, name, where)
        if not isinstance(dataset, h5py.Dataset):
            raise ValueError(f"{where}: '{dataset.name}' is a group, expected a dataset.")
        arrays.append(safe_h5.read_array(dataset, f"{where}: optimizer weight {name!r}"))
    return arrays


# ---- save_weights / load_weights -----------------------------------------------------------
def _require_built(model, action: str) -> None:
    if not model.built:
        raise ValueError(
            f"Model '{model.name}' is not built, so it has no weights to {action}. Give its "
            "first layer an input_shape, or call it on data first."
        )


def save_weights(model, filepath, overwrite: bool = True, save_format=None) -> None:
    """Writes the model's weights to an HDF5 file (Keras 2's layout, any extension)."""
    if save_format not in (None, "h5", "hdf5", "keras"):
        raise ValueError(
            f"save_weights: save_format={save_format!r} is not supported; weights are saved "
            "in HDF5 (save_format='h5')."
        )
    filepath = os.fspath(filepath)
    _require_built(model, "save")
    if not may_write(filepath, overwrite):
        return
    h5py = safe_h5.import_h5py()
    with atomic_path(filepath) as temporary, h5py.File(temporary, "w", libver=LIBVER) as handle:
        write_layer_weights(handle, model.layers)


def load_weights(
    model, filepath, by_name: bool = False, skip_mismatch: bool = False, reshape: bool = False
) -> None:
    """Loads weights saved by `save_weights`, or the weights of a whole-model file
    (`.h5`, ours or Keras 2's, or `.keras`)."""
    filepath = os.fspath(filepath)
    where = f"load_weights({filepath!r})"
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"{where}: no such file.")
    _require_built(model, "load")
    from kerasfront.saving import keras_zip

    source = filepath
    if keras_zip.is_zip(filepath):  # a .keras file: its weights member
        contents = keras_zip.read(filepath, where)
        if contents["weights"] is None:
            raise ValueError(f"{where}: the archive has no {keras_zip.WEIGHTS_MEMBER!r}.")
        source = io.BytesIO(contents["weights"])
    with safe_h5.open_file(source, where) as handle:
        try:
            whole_model = "layer_names" not in handle.attrs and "model_weights" in handle
        except safe_h5.H5_READ_ERRORS as error:
            raise ValueError(
                f"{where}: the file's root cannot be read (corrupt file): {error}"
            ) from None
        group = safe_h5.child(handle, "model_weights", where) if whole_model else handle
        load_layer_weights(group, model.layers, where, by_name, skip_mismatch, reshape)


__all__ = [
    "load_layer_weights",
    "load_weights",
    "read_optimizer_weights",
    "save_weights",
    "verify_checksums",
    "weight_names",
    "write_layer_weights",
    "write_optimizer_weights",
]
