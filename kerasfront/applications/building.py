"""What every application shares around its body: the input, the optional pooling head,
the model, and its weights."""

from __future__ import annotations

import numpy as np

from kerasfront import config, layers
from kerasfront.applications import weights as weights_module
from kerasfront.applications.imagenet_utils import obtain_input_shape
from kerasfront.models import Model

POOLING_CHOICES = (None, "avg", "max")


def channel_axis() -> int:
    """The axis of the channels in 4D image batches, from `image_data_format`."""
    return 1 if config.image_data_format() == "channels_first" else 3


def prepare(
    model_name: str,
    *,
    include_top: bool,
    weights,
    input_tensor,
    input_shape,
    pooling,
    classes: int,
    default_size: int,
    min_size: int,
    kwargs: dict,
):
    """Checks an application's arguments and returns its image input tensor."""
    _check_keras2_injections(model_name, kwargs)
    weights_module.check_weights_argument(weights, include_top, classes, model_name)
    if pooling not in POOLING_CHOICES:
        raise ValueError(
            f"{model_name}: pooling must be None, 'avg' or 'max'; received {pooling!r}."
        )
    input_shape = obtain_input_shape(
        input_shape,
        default_size=default_size,
        min_size=min_size,
        data_format=config.image_data_format(),
        require_flatten=include_top,
        weights=weights,
    )
    return image_input(input_tensor, input_shape, model_name)


def _check_keras2_injections(model_name: str, kwargs: dict) -> None:
    # keras-applications took the Keras modules as keyword arguments; callers that pass
    # them keep working, anything else is a typo worth reporting.
    unknown = sorted(set(kwargs) - {"backend", "layers", "models", "utils"})
    if unknown:
        raise TypeError(f"{model_name}() got unexpected keyword arguments {unknown}.")


def image_input(input_tensor, input_shape: tuple, model_name: str):
    """The model's image input: a new `Input(input_shape)` without `input_tensor`; the
    tensor itself when a layer made it; else `Input(tensor=input_tensor)`.

    The last case is Keras 2's: a tensor that no layer made (a K function's result such
    as `K.concatenate([K.variable(a), K.placeholder(...)])` in the style-transfer and
    doodle examples, a Variable, an engine tensor) is wrapped in an Input, so the model
    starts with an InputLayer, as `zip(model.layers, other_model.layers)` code expects.
    """
    from kerasfront.layers.backend_op import DropsMasks

    if input_tensor is None:
        return layers.Input(shape=input_shape)
    if isinstance(input_tensor, np.ndarray):
        # As Keras 2's is_keras_tensor check: a tensor, not data.
        raise ValueError(
            f"{model_name}: input_tensor must be a symbolic tensor (Input(), a layer's or "
            "a K function's output), a Variable or an engine tensor; received a NumPy "
            "array. Pass input_shape= and feed the array to the model."
        )
    shape = tuple(input_tensor.shape) if hasattr(input_tensor, "shape") else ()
    if len(shape) != 4:
        raise ValueError(
            f"{model_name}: input_tensor must be a batch of images (4 dimensions); received "
            f"{type(input_tensor).__name__} of shape {shape}."
        )
    history = getattr(input_tensor, "keras_history", None)
    # DropsMasks marks the layers that record K functions applied to graph tensors.
    if history is None or isinstance(history[0], DropsMasks):
        return layers.Input(tensor=input_tensor)
    return input_tensor


def source_inputs(tensor) -> list:
    """The `Input` tensors that `tensor` is computed from (Keras 2's get_source_inputs)."""
    found, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        if node.is_input:
            found.extend(node.output_tensors)
        for parent in node.parent_nodes:
            visit(parent)

    layer, node_index, _ = tensor.keras_history
    visit(layer._inbound_nodes[node_index])
    return found


def pooling_head(x, pooling, named: bool = False):
    """The `pooling='avg'|'max'` head of a model built without its top.

    Keras 2.2's applications leave these layers unnamed, except ResNet50 (keras-applications
    1.0.8) which names them `avg_pool`/`max_pool` (`named=True`).
    """
    if pooling == "avg":
        name = "avg_pool" if named else None
        return layers.GlobalAveragePooling2D(name=name)(x)
    if pooling == "max":
        name = "max_pool" if named else None
        return layers.GlobalMaxPooling2D(name=name)(x)
    return x


def finish(img_input, input_tensor, outputs, name: str, *, weights, include_top, files):
    """The model from the image input to `outputs`, with its weights loaded."""
    inputs = source_inputs(img_input) if input_tensor is not None else img_input
    if isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    model = Model(inputs, outputs, name=name)
    weights_module.load_weights(model, weights, include_top, files)
    return model


def classifier(x, classes: int, name: str = "predictions"):
    """Global average pooling (`avg_pool`) then a softmax `Dense` (the usual top)."""
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return layers.Dense(classes, activation="softmax", name=name)(x)


__all__ = ["channel_axis", "classifier", "finish", "image_input", "pooling_head", "prepare"]
