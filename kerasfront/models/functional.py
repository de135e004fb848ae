"""The graph of a functional model: which layer calls to replay, in which order.

`Model(inputs, outputs)` walks the `keras_history` of the outputs back to the inputs,
orders the nodes so that each runs after the nodes it reads from, and on `call` replays
them on real tensors.
"""

from __future__ import annotations

from kerasfront import tree
from kerasfront.layers.input_layer import InputLayer
from kerasfront.layers.keras_tensor import KerasTensor
from kerasfront.models.layer_order import keras2_layer_order


def _check_keras_tensors(structure, argument: str):
    for leaf in tree.flatten(structure):
        if not isinstance(leaf, KerasTensor):
            raise TypeError(
                f"Model {argument} must be symbolic tensors from Input() or from calling "
                f"layers on them; received {type(leaf).__name__}: {leaf!r:.100}."
            )


def _node_of(tensor: KerasTensor):
    layer, node_index, _ = tensor.keras_history
    return layer._inbound_nodes[node_index]


class Graph:
    """The ordered nodes between a model's input and output tensors."""

    def __init__(self, inputs, outputs):
        _check_keras_tensors(inputs, "inputs")
        _check_keras_tensors(outputs, "outputs")
        self.input_structure = inputs
        self.output_structure = outputs
        self.inputs = tree.flatten(inputs)
        self.outputs = tree.flatten(outputs)
        for tensor in self.inputs:
            if not isinstance(tensor.keras_history[0], InputLayer):
                raise ValueError(
                    f"Model inputs must come from Input(); {tensor!r} is the output of layer "
                    f"'{tensor.keras_history[0].name}'."
                )
        self.nodes = self._ordered_nodes()
        self.layers = self._layers_in_order()
        # Decided once: whether any node can make a mask by itself. Without such a node a
        # run given no input masks has no mask anywhere and skips their bookkeeping.
        self._makes_masks = any(
            node.produces_masks or "mask" in node.call_kwargs
            for node in self.nodes
            if not node.is_input
        )
        self._plain_steps = self._plain_replay_steps()

    def _ordered_nodes(self):
        """Depth-first post-order from the outputs: every node after its parents."""
        input_ids = {id(t) for t in self.inputs}
        ordered, finished, visiting = [], set(), set()

        def visit(tensor, consumer):
            node = _node_of(tensor)
            if id(node) in finished:
                return
            if node.is_input and id(tensor) not in input_ids:
                reached = [n.layer.name for n in ordered]
                raise ValueError(
                    f"Graph disconnected: cannot obtain the value of tensor {tensor!r} needed by "
                    f"layer '{consumer}'. Add its Input to the model's inputs. Layers reached "
                    f"without issue: {reached}."
                )
            if id(node) in visiting:
                raise ValueError(f"The graph has a cycle through layer '{node.layer.name}'.")
            visiting.add(id(node))
            for parent_tensor in node.input_tensors:
                visit(parent_tensor, node.layer.name)
            visiting.discard(id(node))
            finished.add(id(node))
            ordered.append(node)

        for tensor in self.inputs:
            visit(tensor, "(model input)")
        for tensor in self.outputs:
            visit(tensor, "(model output)")
        return ordered

    def _layers_in_order(self):
        """Keras 2's order (`model.layers`, saved weights, `layers[:n]` in fine-tuning
        code); inputs that no output uses come last."""
        layers = keras2_layer_order(self.outputs)
        seen = {id(layer) for layer in layers}
        for node in self.nodes:
            if id(node.layer) not in seen:
                seen.add(id(node.layer))
                layers.append(node.layer)
        return layers

    def _plain_replay_steps(self):
        """`(layer, input id, output ids)` per node when every node takes one tensor and
        no keyword tensors (a chain such as a Sequential model's), else None."""
        steps = []
        for node in self.nodes:
            if node.is_input:
                continue
            if not isinstance(node.call_args, KerasTensor) or any(
                key != "training" for key in node.call_kwargs
            ):
                return None
            steps.append((node.layer, id(node.call_args), [id(t) for t in node.output_tensors]))
        return steps

    def run(self, flat_inputs, training=None, input_masks=None):
        """Replays the nodes on real tensors; returns the outputs in their structure."""
        without_masks = input_masks is None or all(mask is None for mask in input_masks)
        if without_masks and not self._makes_masks and self._plain_steps is not None:
            # The hot path of a compiled step: no mask can appear, one tensor per call.
            values = {id(tensor): value for tensor, value in zip(self.inputs, flat_inputs)}
            for layer, input_id, output_ids in self._plain_steps:
                outputs = layer(values[input_id], training=training)
                if len(output_ids) == 1 and not tree.is_nested(outputs):
                    values[output_ids[0]] = outputs
                else:
                    values.update(zip(output_ids, tree.flatten(outputs)))
            return tree.pack_like(self.output_structure, [values[id(t)] for t in self.outputs])
        return self.run_with_masks(flat_inputs, training, input_masks)[0]

    def run_with_masks(self, flat_inputs, training=None, input_masks=None):
        """`run`, also returning the output masks (a list, None where unmasked).

        Masks are computed only where one exists: for nodes whose inputs carry a mask
        and for nodes that make one (their outputs were given a mask when the graph was
        built), so a graph without masks pays nothing for them.
        """
        values = {id(tensor): value for tensor, value in zip(self.inputs, flat_inputs)}
        masks = {
            id(tensor): mask
            for tensor, mask in zip(self.inputs, input_masks or ())
            if mask is not None
        }

        def lookup(item):
            return values[id(item)] if isinstance(item, KerasTensor) else item

        for node in self.nodes:
            if node.is_input:
                continue
            arguments = tree.map_structure(lookup, node.call_args)
            kwargs = {
                key: tree.map_structure(lookup, value)
                for key, value in node.call_kwargs.items()
                if key != "training"
            }
            node_masks = None
            if masks and "mask" not in kwargs:
                node_masks = tree.map_structure(
                    lambda t: masks.get(id(t)) if isinstance(t, KerasTensor) else None,
                    node.call_args,
                )
                if all(mask is None for mask in tree.flatten(node_masks)):
                    node_masks = None
                elif node.layer._call_accepts_mask:
                    kwargs["mask"] = node_masks
            outputs = node.layer(arguments, training=training, **kwargs)
            flat_outputs = tree.flatten(outputs)
            for tensor, value in zip(node.output_tensors, flat_outputs):
                values[id(tensor)] = value
            if node_masks is not None or node.produces_masks or "mask" in kwargs:
                given = kwargs.get("mask", node_masks)
                output_masks = tree.flatten(node.layer.compute_mask(arguments, given))
                if len(output_masks) == len(flat_outputs):
                    for tensor, mask in zip(node.output_tensors, output_masks):
                        if mask is not None:
                            masks[id(tensor)] = mask
        outputs = tree.pack_like(self.output_structure, [values[id(t)] for t in self.outputs])
        return outputs, [masks.get(id(t)) for t in self.outputs]
