"""`model.summary()`: Keras 2's table of layers, output shapes and parameter counts.

A model whose graph is a plain chain (Sequential, or a functional model with one input,
one output and no branch or shared layer) gets three columns; any other functional
model gets a fourth, "Connected to", naming each input of each call of a layer as
`layer_name[node_index][tensor_index]`, the indices Keras 2 prints.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kerasfront.layers.base import is_single_shape

_CHAIN_HEADERS = ["Layer (type)", "Output Shape", "Param #"]
_GRAPH_HEADERS = [*_CHAIN_HEADERS, "Connected to"]
_CHAIN_DEFAULTS = (65, [0.45, 0.85, 1.0])
_GRAPH_DEFAULTS = (98, [0.33, 0.55, 0.67, 1.0])
# Rows of an expanded nested model start with one of these per level of nesting, so
# the reader sees where the inner model's layers end.
_NEST_MARK = "| "


def format_shape(shape) -> str:
    """A shape as Keras prints it: `(None, 32)`; several as a list `[(None, 32), (None, 4)]`."""
    if shape is None:
        return "multiple"
    if is_single_shape(shape):
        return str(tuple(shape))
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k!r}: {format_shape(v)}" for k, v in shape.items()) + "}"
    return "[" + ", ".join(format_shape(s) for s in shape) + "]"


def output_shape_text(layer) -> str:
    """The layer's output shape, or "multiple" when its calls differ or it has none
    (a layer used only eagerly, inside a subclassed model)."""
    try:
        shape = layer.output_shape
        # A nested model's own graph counts as one of its calls, as in Keras 2: called on
        # other shapes than its graph's (an encoder built for (None, None) called on
        # (None, 10)), it has no single output shape.
        calls = [layer.get_output_shape_at(i) for i in range(len(layer._inbound_nodes))]
        if any(_as_lists(call) != _as_lists(shape) for call in calls):
            return "multiple"
        return format_shape(shape)
    except (AttributeError, ValueError):
        return "multiple"


def _as_lists(shapes):
    """Shapes compared regardless of tuple or list packing."""
    if isinstance(shapes, (tuple, list)):
        return [_as_lists(item) for item in shapes]
    return shapes


def graph_node_ids(model) -> set[int]:
    """The ids of the nodes (layer calls) that belong to `model`'s graph; empty for a
    subclassed model. A layer's calls in other models are not part of this table."""
    graph = getattr(model, "_graph", None)
    return {id(node) for node in graph.nodes} if graph is not None else set()


def is_chain(model) -> bool:
    """Whether the model prints as a chain (three columns), as Keras 2 decides: a
    Sequential or subclassed model; a functional one with one input, one output, one
    call per layer and one input per call (so no branch can exist)."""
    graph = getattr(model, "_graph", None)
    if type(model).__name__ == "Sequential" or graph is None:
        return True
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        return False
    layer_ids = [id(node.layer) for node in graph.nodes]
    if len(set(layer_ids)) != len(layer_ids):
        return False
    return all(len(node.input_tensors) <= 1 for node in graph.nodes)


def connections(layer, node_ids: set[int]) -> list[str]:
    """`parent[node_index][tensor_index]` for every input of every call of `layer`
    that belongs to the model (a shared layer lists the inputs of all its calls)."""
    names = []
    for node in layer._inbound_nodes:
        if id(node) not in node_ids:
            continue
        for tensor in node.input_tensors:
            parent, node_index, tensor_index = tensor.keras_history
            names.append(f"{parent.name}[{node_index}][{tensor_index}]")
    return names


def _row(fields: Sequence, positions: Sequence[int], line_length: int) -> str:
    """Each field starts where the previous column ends and is cut to its column."""
    line = ""
    for index, (field, end) in enumerate(zip(fields, positions)):
        if index > 0:
            line = line[:-1] + " "  # at least one space between columns
        line = (line + str(field))[:end]
        line = line.ljust(end)
    return line[:line_length]


def _resolve_layout(line_length, positions, chain: bool) -> tuple[int, list[int]]:
    default_length, default_positions = _CHAIN_DEFAULTS if chain else _GRAPH_DEFAULTS
    columns = len(default_positions)
    if line_length is None:
        line_length = default_length
    if not isinstance(line_length, int) or isinstance(line_length, bool) or line_length < 1:
        raise ValueError(
            f"summary(): `line_length` must be a positive integer, received {line_length!r}."
        )
    if positions is None:
        positions = default_positions
    positions = list(positions)
    if len(positions) != columns:
        raise ValueError(
            f"summary(): `positions` must give the end of each of the {columns} columns "
            f"({', '.join(_GRAPH_HEADERS[:columns])}), received {len(positions)}: {positions}."
        )
    if positions[-1] <= 1:
        # Fractions of the line length.
        positions = [int(line_length * p) for p in positions]
    return line_length, [int(p) for p in positions]


class _Table:
    """Writes the rows of one summary: a row per layer, nested models optionally expanded."""

    def __init__(self, print_fn, line_length, positions, with_connections, expand_nested):
        self.print_fn = print_fn
        self.line_length = line_length
        self.positions = positions
        self.with_connections = with_connections
        self.expand_nested = expand_nested

    def layers(self, model, level: int = 0) -> None:
        layers = model.layers
        node_ids = graph_node_ids(model)
        for index, layer in enumerate(layers):
            self.layer(layer, node_ids, level)
            last = index == len(layers) - 1
            if level == 0:
                self.print_fn(("=" if last else "_") * self.line_length)
            elif not last:  # the enclosing table's rule closes the nested block
                self.print_fn(self._indent(level) + "_" * (self.line_length - 2 * level))

    def layer(self, layer, node_ids: set[int], level: int) -> None:
        params = layer.count_params() if layer.built else 0
        name = f"{self._indent(level)}{layer.name} ({type(layer).__name__})"
        fields = [name, output_shape_text(layer), params]
        if not self.with_connections:
            self.print_fn(_row(fields, self.positions, self.line_length))
        else:
            linked = connections(layer, node_ids) or [""]
            self.print_fn(_row([*fields, linked[0]], self.positions, self.line_length))
            for extra in linked[1:]:
                blank = [self._indent(level), "", "", extra]
                self.print_fn(_row(blank, self.positions, self.line_length))
        if self.expand_nested and _is_model(layer) and layer.layers:
            self.print_fn(self._indent(level + 1) + "_" * (self.line_length - 2 * (level + 1)))
            self.layers(layer, level + 1)

    @staticmethod
    def _indent(level: int) -> str:
        return _NEST_MARK * level


def _is_model(layer) -> bool:
    from kerasfront.models.model import Model

    return isinstance(layer, Model)


def _count(weights) -> int:
    total = 0
    for weight in weights:
        size = 1
        for dim in weight.shape:
            size *= int(dim)
        total += size
    return total


def print_summary(
    model,
    line_length: int | None = None,
    positions: Sequence[float] | None = None,
    print_fn: Callable[[str], object] | None = None,
    expand_nested: bool = False,
) -> None:
    """Prints Keras 2's summary table of `model`.

    Args:
        model: a built model.
        line_length: the width of the table (default 65, or 98 with "Connected to").
        positions: where each column ends, as characters or as fractions of
            `line_length` (when the last is at most 1).
        print_fn: called with each line (default `print`).
        expand_nested: also list the layers of nested models, under the model's row,
            each marked with "| " per level of nesting.

    Example:
        >>> lines = []
        >>> print_summary(model, print_fn=lines.append)
    """
    print_fn = print_fn or print
    chain = is_chain(model)
    line_length, positions = _resolve_layout(line_length, positions, chain)
    table = _Table(print_fn, line_length, positions, not chain, expand_nested)
    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    print_fn(_row(_CHAIN_HEADERS if chain else _GRAPH_HEADERS, positions, line_length))
    print_fn("=" * line_length)
    table.layers(model)
    # Weights are counted once each, however many layers share them; a frozen layer's
    # weights and BatchNormalization's moving statistics are the non-trainable ones.
    trainable = _count(model.trainable_weights)
    non_trainable = _count(model.non_trainable_weights)
    print_fn(f"Total params: {trainable + non_trainable:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {non_trainable:,}")
    print_fn("_" * line_length)
