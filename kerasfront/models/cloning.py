"""`clone_model`: the same architecture with new layers and freshly initialized weights.

As in Keras 2, each layer is re-created from its class and `get_config()` (so custom
layers need no registration), a layer shared by several calls stays shared in the clone,
and the weights are NOT copied: call `clone.set_weights(model.get_weights())` for that.
"""

from __future__ import annotations

from kerasfront import tree
from kerasfront.layers.base import Layer
from kerasfront.layers.input_layer import Input, InputLayer
from kerasfront.layers.keras_tensor import KerasTensor
from kerasfront.models.model import Model
from kerasfront.models.sequential import Sequential


def _new_layer(layer: Layer) -> Layer:
    return type(layer).from_config(layer.get_config())


def _as_input_tensors(input_tensors, count: int, model: Model) -> list:
    tensors = list(input_tensors) if isinstance(input_tensors, (list, tuple)) else [input_tensors]
    if len(tensors) != count:
        raise ValueError(
            f"clone_model: model '{model.name}' has {count} inputs, received "
            f"{len(tensors)} input_tensors."
        )
    for tensor in tensors:
        if not isinstance(tensor, KerasTensor):
            raise TypeError(
                "clone_model: input_tensors must be graph tensors (from Input() or layer "
                f"outputs); received {type(tensor).__name__}: {tensor!r:.80}. Engine tensors "
                "cannot be graph inputs in kerasfront: make an Input of that shape instead."
            )
    return tensors


def clone_model(model: Model, input_tensors=None) -> Model:
    """A new model with the architecture of `model` (Sequential or functional), new layers
    and new weights.

    Args:
        model: the model to clone.
        input_tensors: optional graph tensors (one per model input) to build the clone
            on, e.g. `Input(...)` or another model's output; by default new `Input`s of
            the model's input shapes.

    Example:
        >>> clone = clone_model(model)
        >>> clone.set_weights(model.get_weights())
    """
    if not isinstance(model, Model):
        raise TypeError(
            f"clone_model expects a Model, received {type(model).__name__}: {model!r:.80}."
        )
    if isinstance(model, Sequential):
        return _clone_sequential(model, input_tensors)
    graph = getattr(model, "_graph", None)
    if graph is None:
        raise ValueError(
            f"clone_model: model '{model.name}' is a subclassed Model (its forward pass is "
            "Python code, not a graph of layers); create a new instance of its class instead."
        )
    return _clone_functional(model, graph, input_tensors)


def _clone_sequential(model: Sequential, input_tensors) -> Sequential:
    layers = [_new_layer(layer) for layer in model.layers]
    if input_tensors is not None:
        first = _as_input_tensors(input_tensors, 1, model)[0]
        return Sequential([first, *layers], name=model.name)
    start = []
    input_tensor = getattr(model, "_input_tensor", None)
    if input_tensor is not None:
        # The layers' configs may not say the input shape (an InputLayer came first).
        start = [Input(batch_shape=input_tensor.shape, dtype=input_tensor.dtype)]
    return Sequential([*start, *layers], name=model.name)


def _clone_functional(model: Model, graph, input_tensors) -> Model:
    new_by_tensor: dict[int, KerasTensor] = {}
    if input_tensors is None:
        new_inputs = []
        for tensor in graph.inputs:
            layer = tensor.keras_history[0]
            new_inputs.append(Input(batch_shape=tensor.shape, dtype=tensor.dtype, name=layer.name))
    else:
        new_inputs = _as_input_tensors(input_tensors, len(graph.inputs), model)
    for old, new in zip(graph.inputs, new_inputs):
        new_by_tensor[id(old)] = new

    new_layers: dict[int, Layer] = {}

    def mapped(value):
        return new_by_tensor[id(value)] if isinstance(value, KerasTensor) else value

    for node in graph.nodes:
        if node.is_input or isinstance(node.layer, InputLayer):
            continue
        layer = node.layer
        if id(layer) not in new_layers:
            new_layers[id(layer)] = _new_layer(layer)
        args = tree.map_structure(mapped, node.call_args)
        kwargs = {key: tree.map_structure(mapped, value) for key, value in node.call_kwargs.items()}
        outputs = new_layers[id(layer)](args, **kwargs)
        for old, new in zip(node.output_tensors, tree.flatten(outputs)):
            new_by_tensor[id(old)] = new

    inputs = tree.pack_like(graph.input_structure, new_inputs)
    outputs = tree.pack_like(graph.output_structure, [new_by_tensor[id(t)] for t in graph.outputs])
    return Model(inputs, outputs, name=model.name)
