"""Layer and model configurations in Keras 2's layout, and back.

A layer is `{"class_name": ..., "config": layer.get_config()}`. A functional model's
config lists its layers, each with `name` and `inbound_nodes`: one entry per call of the
layer inside this model, each a list of `[layer_name, node_index, tensor_index, kwargs]`
for the tensors it took; `input_layers` and `output_layers` name the model's tensors the
same way. A Sequential model's config lists its layers in order.
"""

from __future__ import annotations

import inspect

from kerasfront import tree
from kerasfront.saving import keras2_compat, registry

# Config keys whose values name activations, initializers, regularizers or constraints:
# where a custom object's name is swapped for the object before the layer is made.
_CUSTOMIZABLE_SUFFIXES = ("activation", "initializer", "regularizer", "constraint")


def serialize_layer(layer) -> dict:
    """`{"class_name": ..., "config": ...}` of a layer or model."""
    return {"class_name": registry.class_name_of(layer), "config": layer.get_config()}


def _with_custom_objects(config_: dict, custom_objects: dict) -> dict:
    """Replaces custom activations and the like, given by name (or as a class's config),
    with the objects, since the built-in lookups know only kerasfront's names."""
    if not custom_objects:
        return config_
    config_ = dict(config_)
    for key, value in config_.items():
        if not key.endswith(_CUSTOMIZABLE_SUFFIXES):
            continue
        name = value.get("class_name") if isinstance(value, dict) else value
        found = registry.custom_object(name, custom_objects)
        if found is None:
            continue
        if inspect.isclass(found):
            arguments = value.get("config") or {} if isinstance(value, dict) else {}
            config_[key] = (
                found.from_config(arguments) if hasattr(found, "from_config") else found()
            )
        else:
            config_[key] = found
    return config_


def deserialize_layer(layer_config, custom_objects: dict | None = None, where: str = "config"):
    """A layer or model from `{"class_name": ..., "config": ...}`, its class found only
    in the registry and the custom objects."""
    from kerasfront.layers.base import Layer

    if not isinstance(layer_config, dict) or "class_name" not in layer_config:
        raise ValueError(
            f"{where}: a layer configuration must be a dict with 'class_name' and 'config', "
            f"received {layer_config!r:.100}."
        )
    name = (
        layer_config.get("config", {}).get("name")
        if isinstance(layer_config.get("config"), dict)
        else None
    )
    here = f"{where}, layer {name!r}" if name else where
    cls = registry.resolve_class(layer_config["class_name"], custom_objects, here, base=Layer)
    arguments = layer_config.get("config")
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, (dict, list)):
        raise ValueError(f"{here}: 'config' must be a dict, received {arguments!r:.80}.")
    in_force = registry.with_plain_names(registry.custom_objects_in_force(custom_objects))
    if isinstance(arguments, dict):
        arguments = keras2_compat.layer_arguments(arguments, in_force, here)
        arguments = _with_custom_objects(arguments, in_force)
    try:
        if "custom_objects" in inspect.signature(cls.from_config).parameters:
            return cls.from_config(arguments, custom_objects=in_force)
        return cls.from_config(arguments)
    except TypeError as error:
        raise TypeError(f"{here} ({layer_config['class_name']}): {error}") from error


# ---- functional models ------------------------------------------------------------------
def _skips_first_node(layer) -> bool:
    """Keras 2 counts a functional model's own input-to-output node as its node 0, so its
    calls inside another model are numbered from 1."""
    from kerasfront.models.model import Model

    return isinstance(layer, Model) and getattr(layer, "_graph", None) is not None


def _node_numbers(model) -> dict:
    """(id(layer), index in layer._inbound_nodes) -> the node index a config uses."""
    in_model = {id(node) for node in model._graph.nodes}
    numbers = {}
    for layer in model.layers:
        kept = 1 if _skips_first_node(layer) else 0
        for index, node in enumerate(layer._inbound_nodes):
            if id(node) in in_model:
                numbers[(id(layer), index)] = kept
                kept += 1
    return numbers


def _tensor_reference(tensor, numbers) -> list:
    layer, node_index, tensor_index = tensor.keras_history
    return [layer.name, numbers[(id(layer), node_index)], tensor_index]


def _serialize_call_kwargs(kwargs: dict, numbers) -> dict:
    from kerasfront.layers.keras_tensor import KerasTensor

    def encode(value):
        if isinstance(value, KerasTensor):
            return {"__keras_tensor__": _tensor_reference(value, numbers)}
        return value

    return {
        key: tree.map_structure(encode, value) for key, value in kwargs.items() if key != "training"
    }


def functional_config(model) -> dict:
    """Keras 2's config of a functional model."""
    from kerasfront.layers.keras_tensor import KerasTensor

    numbers = _node_numbers(model)
    in_model = {id(node) for node in model._graph.nodes}
    layers = []
    for layer in model.layers:
        inbound = []
        for node in layer._inbound_nodes:
            if id(node) not in in_model or node.is_input:
                continue
            kwargs = _serialize_call_kwargs(node.call_kwargs, numbers)
            inbound.append(
                [
                    [*_tensor_reference(tensor, numbers), kwargs]
                    for tensor in tree.flatten(node.call_args)
                    if isinstance(tensor, KerasTensor)
                ]
            )
        entry = serialize_layer(layer)
        layers.append({**entry, "name": layer.name, "inbound_nodes": inbound})
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layers,
        "input_layers": [_tensor_reference(t, numbers) for t in model.inputs],
        "output_layers": [_tensor_reference(t, numbers) for t in model.outputs],
    }


class _Rebuild:
    """The state of rebuilding a functional model: layers by name and their nodes."""

    def __init__(self, config_: dict, custom_objects: dict | None):
        self.where = f"Model '{config_.get('name')}' config"
        self.custom_objects = custom_objects
        self.layers: dict = {}
        self.order: list = []
        for layer_data in config_.get("layers") or []:
            if not isinstance(layer_data, dict):
                raise ValueError(f"{self.where}: a layer entry must be a dict: {layer_data!r:.80}.")
            layer = deserialize_layer(layer_data, custom_objects, self.where)
            name = layer_data.get("name", layer.name)
            if name in self.layers:
                raise ValueError(f"{self.where}: two layers are named {name!r}.")
            self.layers[name] = layer
            self.order.append((name, list(layer_data.get("inbound_nodes") or [])))

    def tensor(self, reference):
        """The tensor a `[layer_name, node_index, tensor_index]` reference names, or None
        when that node is not made yet."""
        if not isinstance(reference, (list, tuple)) or len(reference) < 3:
            raise ValueError(f"{self.where}: bad tensor reference {reference!r:.80}.")
        name, node_index, tensor_index = reference[:3]
        layer = self.layers.get(name)
        if layer is None:
            raise ValueError(f"{self.where}: a node reads from unknown layer {name!r}.")
        index = int(node_index) - (1 if _skips_first_node(layer) else 0)
        if index >= len(layer._inbound_nodes):
            return None
        if index < 0:
            raise ValueError(f"{self.where}: bad node index {node_index} for layer {name!r}.")
        outputs = tree.flatten(layer._inbound_nodes[index].outputs)
        if not 0 <= int(tensor_index) < len(outputs):
            raise ValueError(
                f"{self.where}: layer {name!r} node {node_index} has {len(outputs)} outputs, "
                f"the config reads output {tensor_index}."
            )
        return outputs[int(tensor_index)]

    def _decode_kwargs(self, kwargs):
        """The call's keyword arguments with tensor references made tensors, and whether
        all of those exist yet."""
        ready = [True]

        def decode(value):
            if isinstance(value, dict) and "__keras_tensor__" in value:
                found = self.tensor(value["__keras_tensor__"])
                ready[0] = ready[0] and found is not None
                return found
            if isinstance(value, dict):
                return {key: decode(item) for key, item in value.items()}
            if isinstance(value, list):
                return [decode(item) for item in value]
            return value

        decoded = decode(dict(kwargs or {}))
        return decoded, ready[0]

    def call_node(self, layer, node_data) -> bool:
        """Calls `layer` as one inbound node says; False when its inputs are not ready."""
        if not isinstance(node_data, list) or not node_data:
            raise ValueError(f"{self.where}: bad inbound node {node_data!r:.80} of '{layer.name}'.")
        inputs = []
        for reference in node_data:
            found = self.tensor(reference)
            if found is None:
                return False
            inputs.append(found)
        kwargs = node_data[0][3] if len(node_data[0]) > 3 else {}
        kwargs, ready = self._decode_kwargs(kwargs)
        if not ready:
            return False
        layer(inputs[0] if len(inputs) == 1 else inputs, **kwargs)
        return True

    def run(self) -> None:
        """Makes every node, deferring those whose inputs come from later nodes."""
        pending = {name: nodes for name, nodes in self.order if nodes}
        while pending:
            progress = False
            for name, _ in self.order:
                nodes = pending.get(name)
                while nodes:
                    if not self.call_node(self.layers[name], nodes[0]):
                        break
                    nodes.pop(0)
                    progress = True
                if name in pending and not nodes:
                    del pending[name]
            if not progress:
                raise ValueError(
                    f"{self.where}: the nodes of layers {sorted(pending)} read tensors that no "
                    "node makes (a broken or cyclic config)."
                )

    def tensors(self, key: str, config_: dict) -> list:
        references = config_.get(key)
        if not isinstance(references, list) or not references:
            raise ValueError(f"{self.where}: '{key}' must be a non-empty list.")
        if isinstance(references[0], str):  # a single [name, node, index] reference
            references = [references]
        found = [self.tensor(reference) for reference in references]
        if any(t is None for t in found):
            raise ValueError(f"{self.where}: '{key}' names a node that does not exist.")
        return found


def functional_from_config(cls, config_: dict, custom_objects: dict | None = None):
    """A functional model (of class `cls`) from `functional_config`'s dict."""
    if not isinstance(config_, dict):
        raise ValueError(f"A functional model config must be a dict, received {config_!r:.80}.")
    rebuild = _Rebuild(config_, custom_objects)
    rebuild.run()
    inputs = rebuild.tensors("input_layers", config_)
    outputs = rebuild.tensors("output_layers", config_)
    model = cls(
        inputs=inputs[0] if len(inputs) == 1 else inputs,
        outputs=outputs[0] if len(outputs) == 1 else outputs,
        name=config_.get("name"),
    )
    if config_.get("trainable") is False:
        model.trainable = False
    return model


# ---- Sequential ---------------------------------------------------------------------------
def sequential_config(model) -> dict:
    """Keras 2's Sequential config; an `InputLayer` entry comes first when the input
    shape is not in the first layer's own config (a model started with `Input` or built
    from data), as tf.keras writes it."""
    layers = [serialize_layer(layer) for layer in model._stack]
    input_tensor = model._input_tensor
    if input_tensor is not None and (not layers or "batch_input_shape" not in layers[0]["config"]):
        layers.insert(0, serialize_layer(input_tensor.keras_history[0]))
    return {"name": model.name, "trainable": model.trainable, "layers": layers}


def sequential_from_config(cls, config_, custom_objects: dict | None = None):
    """A Sequential model from its config (Keras 2.0's plain list of layers too)."""
    if isinstance(config_, list):
        config_ = {"layers": config_}
    if not isinstance(config_, dict):
        raise ValueError(f"A Sequential config must be a dict, received {config_!r:.80}.")
    where = f"Sequential '{config_.get('name')}' config"
    model = cls(name=config_.get("name"))
    for layer_config in config_.get("layers") or []:
        model.add(deserialize_layer(layer_config, custom_objects, where))
    build_shape = config_.get("build_input_shape")
    if not model.built and build_shape is not None:
        model.build(tuple(build_shape))
    if config_.get("trainable") is False:
        model.trainable = False
    return model


__all__ = [
    "deserialize_layer",
    "functional_config",
    "functional_from_config",
    "sequential_config",
    "sequential_from_config",
    "serialize_layer",
]
