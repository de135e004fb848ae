"""A `Lambda` whose function only works on graph tensors, run by replaying its graph.

Keras 2 code may call graph-only backend functions inside a `Lambda`: the what-where
autoencoder of the Keras examples computes its unpooling switches with
`Lambda(lambda t: K.gradients(K.sum(t[1]), t[0]))([before_pool, after_pool])`. Under
TensorFlow 1 the function ran once, on graph tensors. Here a layer's `call` runs on
engine tensors, where `K.gradients` has nothing to differentiate (a JAX tracer keeps no
record of how `after_pool` came from `before_pool`). So such a Lambda calls its function
once on the graph tensors of its call, which records the backend functions as graph
nodes (`K.gradients` becomes a node that re-runs the pooling under the engine's
`value_and_grad`), and from then on runs those nodes on the values it receives.
"""

from __future__ import annotations

from kerasfront import tree
from kerasfront.layers.keras_tensor import KerasTensor, symbolic_leaves
from kerasfront.layers.subgraph import nodes_between, replay


def graph_call_args(layer):
    """The graph tensors `layer` (a Lambda) was called on: its one symbolic call's."""
    nodes = layer._inbound_nodes
    if len(nodes) != 1:
        raise TypeError(
            f"Lambda '{layer.name}': its function uses graph-only backend functions (such "
            "as K.gradients), so the layer must be called on graph tensors exactly once "
            f"(Input() or layer outputs); it was called symbolically {len(nodes)} times. "
            "Make one Lambda per call."
        )
    return nodes[0].call_args


def record(layer, call_args):
    """A function computing `layer`'s outputs from values shaped like `call_args` (its
    graph inputs), by replaying what `layer.function` records on those graph tensors."""
    where = f"Lambda '{layer.name}'"
    if layer._function_takes_mask:
        outputs = layer.function(call_args, mask=None, **layer.arguments)
    else:
        outputs = layer.function(call_args, **layer.arguments)
    outputs = tree.unpack_singleton(outputs)
    targets = tree.flatten(outputs)
    for target in targets:
        if not isinstance(target, KerasTensor):
            raise TypeError(
                f"{where}: its function uses graph-only backend functions, so it must "
                "return graph tensors when called on graph tensors; it returned a "
                f"{type(target).__name__}."
            )
    sources = symbolic_leaves(call_args)
    nodes = nodes_between(sources, targets, where)

    def run(inputs):
        values = replay(sources, targets, nodes, tree.flatten(inputs))
        return tree.pack_like(outputs, values)

    return run
