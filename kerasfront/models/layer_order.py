"""The order in which Keras 2 lists a functional model's layers (`model.layers`), which is
also the order its `save_weights` writes them and `load_weights` reads them back, and the
order behind `model.layers[:n]` in transfer-learning code."""

from __future__ import annotations


def keras2_layer_order(outputs) -> list:
    """The layers that lead to `outputs` (symbolic tensors), as Keras 2 lists them.

    Keras 2 walks the graph depth-first from the outputs, parents in input order, giving
    each layer an index when first reached; a layer's depth is its longest distance to
    an output. Layers come deepest first (the inputs), ties broken by that index.
    """
    first_seen: dict[int, int] = {}
    post_order = []  # nodes, every node after its parents
    finished: set[int] = set()

    def visit(node):
        if id(node) in finished:
            return
        first_seen.setdefault(id(node.layer), len(first_seen))
        for parent in node.parent_nodes:
            visit(parent)
        finished.add(id(node))
        post_order.append(node)

    for tensor in outputs:
        layer, node_index, _ = tensor.keras_history
        visit(layer._inbound_nodes[node_index])

    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    layers: dict[int, object] = {}
    for node in reversed(post_order):  # every consumer before the nodes it reads
        depth = max(node_depth.get(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        layers[id(node.layer)] = node.layer
        for parent in node.parent_nodes:
            node_depth[id(parent)] = max(node_depth.get(id(parent), 0), depth + 1)
    return sorted(layers.values(), key=lambda item: (-layer_depth[id(item)], first_seen[id(item)]))
