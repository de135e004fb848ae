"""Where a layer sits in functional graphs: its inbound nodes, and the inputs, outputs and
shapes of each call (Keras's `get_input_at`, `output_shape`, ...)."""

from __future__ import annotations

from kerasfront import tree
from kerasfront.layers.keras_tensor import Node


class NodeAccessors:
    """Mixed into `Layer`: reads `self._inbound_nodes`, one `Node` per symbolic call."""

    def _node(self, node_index: int, what: str) -> Node:
        if not self._inbound_nodes:
            raise AttributeError(
                f"Layer '{self.name}' has never been called on symbolic inputs, so it has no "
                f"{what}."
            )
        try:
            return self._inbound_nodes[node_index]
        except IndexError:
            raise ValueError(
                f"Layer '{self.name}' has {len(self._inbound_nodes)} inbound nodes; asked for "
                f"node {node_index}."
            ) from None

    def get_input_at(self, node_index: int):
        return self._node(node_index, "input").call_args

    def get_output_at(self, node_index: int):
        return self._node(node_index, "output").outputs

    def get_input_shape_at(self, node_index: int):
        return self._node(node_index, "input shape").input_shapes()

    def get_output_shape_at(self, node_index: int):
        return self._node(node_index, "output shape").output_shapes()

    # Keras 2 also answered the masks of each call (None where a tensor carries none).
    def get_input_mask_at(self, node_index: int):
        return _masks_of(self._node(node_index, "input mask").call_args)

    def get_output_mask_at(self, node_index: int):
        return _masks_of(self._node(node_index, "output mask").outputs)

    def _only(self, getter, what):
        values = [getter(index) for index in range(len(self._inbound_nodes))]
        if not values:
            self._node(0, what)
        if any(value != values[0] for value in values[1:]) or (
            what in ("input", "output", "input mask", "output mask") and len(values) > 1
        ):
            raise AttributeError(
                f"Layer '{self.name}' has {len(values)} inbound nodes with different {what}s; "
                f"use get_{what.replace(' ', '_')}_at(node_index)."
            )
        return values[0]

    @property
    def input(self):
        return self._only(self.get_input_at, "input")

    @property
    def output(self):
        return self._only(self.get_output_at, "output")

    @property
    def input_shape(self):
        return self._only(self.get_input_shape_at, "input shape")

    @property
    def output_shape(self):
        return self._only(self.get_output_shape_at, "output shape")

    @property
    def input_mask(self):
        return self._only(self.get_input_mask_at, "input mask")

    @property
    def output_mask(self):
        return self._only(self.get_output_mask_at, "output mask")


def _masks_of(tensors):
    """The masks `tensors` carry, in their structure (None for a tensor without one)."""
    return tree.map_structure(lambda tensor: getattr(tensor, "keras_mask", None), tensors)
