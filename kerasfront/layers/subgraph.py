"""Parts of a functional graph between any tensors, and symbolic gradients through them.

A functional `Model` runs from its `Input`s to its outputs. Keras 2's `K.function` and
`K.gradients` cut graphs anywhere: `K.function([model.layers[2].input], [model.output])`
feeds an inner tensor; `K.gradients(loss, model.input)` differentiates through a part of
a graph. This module finds the nodes between given tensors, replays them, and records
gradients as a node (`GradientsOp`) whose outputs are computed by the engine's
`value_and_grad` when the graph runs.
"""

from __future__ import annotations

from kerasfront import ops, tree
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.scope import SCOPES, StatelessScope
from kerasfront.backend.tracing import Spec
from kerasfront.backend.variables import Variable, unique_name
from kerasfront.layers.backend_op import DropsMasks
from kerasfront.layers.base import Layer
from kerasfront.layers.input_source import source_node
from kerasfront.layers.keras_tensor import KerasTensor


def producer(tensor: KerasTensor):
    """The node that made `tensor`."""
    if tensor.keras_history is None:
        raise ValueError(
            f"{tensor!r} does not belong to a graph: it was not made by Input(), "
            "K.placeholder() or a layer call."
        )
    layer, node_index, _ = tensor.keras_history
    return layer._inbound_nodes[node_index]


def nodes_between(sources, targets, where: str, free_inputs: list | None = None) -> list:
    """The nodes that compute `targets` from `sources`, each after those it reads from.

    A graph input reached that is not among `sources` is appended to `free_inputs` when
    that list is given (it becomes an extra input), else it is an error naming `where`.
    """
    source_ids = {id(tensor) for tensor in sources}
    ordered, finished, visiting = [], set(), set()

    def visit(tensor, consumer):
        if id(tensor) in source_ids:
            return
        node = producer(tensor)
        if node.is_input:
            # An Input(tensor=...) not fed: computed from the tensor it stands for.
            node = source_node(node) or node
        if id(node) in finished:
            return
        if node.is_input:
            if free_inputs is None:
                raise ValueError(
                    f"{where}: {consumer} needs the value of {tensor!r}, which is not among "
                    "the inputs. Add that placeholder (or model input) to the inputs list."
                )
            free_inputs.append(tensor)
            finished.add(id(node))
            return
        if id(node) in visiting:
            raise ValueError(f"{where}: the graph has a cycle through layer '{node.layer.name}'.")
        visiting.add(id(node))
        for parent in node.input_tensors:
            visit(parent, f"layer '{node.layer.name}'")
        visiting.discard(id(node))
        finished.add(id(node))
        ordered.append(node)

    for tensor in targets:
        visit(tensor, "an output")
    return ordered


def variables_read_by(nodes) -> list[Variable]:
    """Every variable the layers of `nodes` hold or take as arguments, each once."""
    found = []
    for node in nodes:
        layer = node.layer
        found += layer.weights + layer.forward_state_variables
        found += getattr(layer, "referenced_variables", [])
    return tree.unique_objects(found)


def replay(sources, targets, nodes, values, training=None) -> list:
    """The values of `targets` given those of `sources`, running `nodes` (from
    `nodes_between`) as a functional model runs its graph (masks included)."""
    from kerasfront.models.functional import Graph

    # A Graph with inner tensors as inputs: `Graph.__init__` insists on Input()s, but
    # running nodes in order from given values is the same work.
    graph = Graph.__new__(Graph)
    graph.inputs = list(sources)
    graph.outputs = graph.output_structure = list(targets)
    graph.nodes = nodes
    return graph.run_with_masks(list(values), training)[0]


class GradientsOp(DropsMasks, Layer):
    """The gradients of the sum of `loss` with respect to variables and graph tensors.

    The node's inputs are the graph tensors differentiated (`wrt_tensors`) and the graph
    inputs `loss` needs besides them; running it replays the part of the graph between
    them under the engine's `value_and_grad`, with the variables at their current values
    (the values a compiled `K.function` maps them to).
    """

    def __init__(self, loss, wrt_variables, wrt_tensors, nodes, free_inputs):
        super().__init__(name=unique_name("k.gradients"))
        self._loss = loss
        self._wrt_variables = list(wrt_variables)
        self._wrt_tensors = list(wrt_tensors)
        self._nodes = nodes
        self._sources = [*wrt_tensors, *free_inputs]
        self.referenced_variables = tree.unique_objects(
            self._wrt_variables + variables_read_by(nodes)
        )
        self.built = True

    def graph_inputs(self) -> list:
        return list(self._sources)

    def compute_output_spec(self, inputs, *args, **kwargs):
        differentiated = self._wrt_variables + self._wrt_tensors
        return [Spec(tuple(item.shape), item.dtype) for item in differentiated]

    def call(self, inputs):
        count = len(self._wrt_tensors)
        tensor_values, other_values = list(inputs[:count]), list(inputs[count:])
        # Variables not differentiated keep the values the enclosing scope gives them.
        outer = dict(SCOPES[-1].values) if SCOPES else {}
        variables = self._wrt_variables

        def loss_of(differentiated, others):
            mapping = {**outer, **dict(zip(variables, differentiated[: len(variables)]))}
            with StatelessScope(mapping):
                fed = [*differentiated[len(variables) :], *others]
                (loss,) = replay(self._sources, [self._loss], self._nodes, fed)
            return ops.sum(loss), None

        start = [variable.value for variable in variables] + tensor_values
        _, grads = ADAPTER.value_and_grad(loss_of)(start, other_values)
        return list(grads)

    def get_config(self):
        raise ValueError(
            f"Layer '{self.name}' records K.gradients in a graph; it cannot be saved as a "
            "configuration."
        )


def symbolic_gradients(loss: KerasTensor, wrt: list) -> list:
    """Graph tensors for the gradients of `loss` with respect to each item of `wrt`
    (Variables or graph tensors); None for a graph tensor `loss` does not depend on."""
    wrt_variables = [item for item in wrt if isinstance(item, Variable)]
    wrt_tensors = [item for item in wrt if isinstance(item, KerasTensor)]
    free_inputs: list = []
    nodes = nodes_between(wrt_tensors, [loss], "K.gradients", free_inputs)
    reached = {id(loss)} | {id(t) for node in nodes for t in node.input_tensors}
    connected = [tensor for tensor in wrt_tensors if id(tensor) in reached]
    layer = GradientsOp(loss, wrt_variables, connected, nodes, free_inputs)
    outputs = iter(layer(layer.graph_inputs()))
    by_id = {id(item): next(outputs) for item in wrt_variables + connected}
    return [by_id.get(id(item)) for item in wrt]
