"""Drawing a model's graph with pydot and Graphviz: `model_to_dot` and `plot_model`.

Each layer is one box (a shared layer too, with an arrow from every input of every
call); a nested model is one box, or with `expand_nested=True` a dashed cluster of its
own layers, the arrows going into its input layers and out of the layers that make
its outputs. pydot and Graphviz are optional: they are imported only here, with an
error that says how to install them.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from kerasfront.models.summary import format_shape

_INSTALL_HELP = (
    "Install pydot with `pip install pydot`, and Graphviz (the `dot` program) with "
    "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS), "
    "`conda install graphviz`, or from https://graphviz.org/download/."
)
# Characters that structure a Graphviz record label; in names they are escaped.
_RECORD_SPECIALS = "{}|<>\\"


def _require_pydot():
    """The pydot module, once it is known that Graphviz's `dot` can run."""
    try:
        import pydot
    except ImportError:
        raise ImportError(
            f"plot_model and model_to_dot need pydot, which is not installed. {_INSTALL_HELP}"
        ) from None
    try:
        # Rendering an empty graph is the surest check: pydot finds `dot` the way it
        # will when drawing (PATH, or its Windows names).
        pydot.Dot.create(pydot.Dot())
    except Exception as error:  # pydot raises OSError or its own exception types
        raise OSError(
            "plot_model and model_to_dot need Graphviz's `dot` program, which pydot could "
            f"not run ({type(error).__name__}: {error}). {_INSTALL_HELP}"
        ) from None
    return pydot


def _escape(text: str) -> str:
    return "".join("\\" + char if char in _RECORD_SPECIALS else char for char in text)


def _graph_nodes_of(layer, model) -> list:
    """The calls of `layer` that belong to `model`'s graph."""
    members = {id(node) for node in model._graph.nodes}
    return [node for node in layer._inbound_nodes if id(node) in members]


def _one_or_multiple(values: list[str]) -> str:
    """The text when every call agrees, else Keras's "multiple"."""
    if not values:
        return "multiple"
    return values[0] if all(value == values[0] for value in values) else "multiple"


def _shapes_text(tensors) -> str:
    shapes = [t.shape for t in tensors]
    return format_shape(shapes[0] if len(shapes) == 1 else shapes)


def _dtypes_text(tensors) -> str:
    dtypes = [t.dtype for t in tensors]
    return dtypes[0] if len(dtypes) == 1 else "[" + ", ".join(dtypes) + "]"


def _title(layer, show_layer_names: bool) -> str:
    class_name = type(layer).__name__
    name = layer.name
    inner = getattr(layer, "layer", None)
    if inner is not None and hasattr(inner, "_inbound_nodes"):
        # A wrapper (TimeDistributed, Bidirectional) names the layer it holds.
        class_name = f"{class_name}({type(inner).__name__})"
        name = f"{name}({inner.name})"
    return f"{name}: {class_name}" if show_layer_names else class_name


class _DotBuilder:
    """Adds the boxes and arrows of one model (and of the nested models it expands)."""

    def __init__(self, pydot, dot, options: dict[str, Any]):
        self.pydot = pydot
        self.dot = dot
        self.options = options
        self.edges: set[tuple[str, str]] = set()

    def node_id(self, layer, prefix: str) -> str:
        return f"{prefix}{id(layer)}"

    def expands(self, layer) -> bool:
        return self.options["expand_nested"] and getattr(layer, "_graph", None) is not None

    def inner_prefix(self, model, prefix: str) -> str:
        # Ids stay unique when the same layer object appears in two nested models.
        return f"n{prefix}{id(model)}_"

    def add_model(self, model, container, prefix: str) -> None:
        for layer in model._graph.layers:
            if self.expands(layer):
                cluster = self.pydot.Cluster(
                    graph_name=f"{prefix}{id(layer)}", label=layer.name, style="dashed"
                )
                self.add_model(layer, cluster, self.inner_prefix(layer, prefix))
                container.add_subgraph(cluster)
            else:
                label = self.label(layer, model)
                container.add_node(self.pydot.Node(self.node_id(layer, prefix), label=label))
        for node in model._graph.nodes:
            for position, tensor in enumerate(node.input_tensors):
                source = self.source_of(tensor, prefix)
                for target in self.targets_of(node, position, prefix):
                    self.add_edge(source, target)

    def source_of(self, tensor, prefix: str) -> str:
        """The box an arrow for `tensor` starts from: inside an expanded model, the
        layer that makes the matching output."""
        layer, _, tensor_index = tensor.keras_history
        if self.expands(layer):
            return self.source_of(layer.outputs[tensor_index], self.inner_prefix(layer, prefix))
        return self.node_id(layer, prefix)

    def targets_of(self, node, position: int, prefix: str) -> list[str]:
        """The boxes that the `position`-th input of `node` goes into: for an expanded
        model, its matching input layer (all of them if the call does not line up)."""
        layer = node.layer
        if not self.expands(layer):
            return [self.node_id(layer, prefix)]
        inner = self.inner_prefix(layer, prefix)
        inputs = layer.inputs
        chosen = [inputs[position]] if len(node.input_tensors) == len(inputs) else inputs
        return [self.node_id(tensor.keras_history[0], inner) for tensor in chosen]

    def add_edge(self, source: str, target: str) -> None:
        if (source, target) not in self.edges:
            self.edges.add((source, target))
            self.dot.add_edge(self.pydot.Edge(source, target))

    def label(self, layer, model) -> str:
        fields = [_escape(_title(layer, self.options["show_layer_names"]))]
        nodes = _graph_nodes_of(layer, model)
        if self.options["show_dtype"]:
            fields.append(
                _escape(_one_or_multiple([_dtypes_text(n.output_tensors) for n in nodes]))
            )
        if self.options["show_shapes"]:
            outputs = _one_or_multiple([_shapes_text(n.output_tensors) for n in nodes])
            # An InputLayer's call has no inputs; what it takes is what it gives.
            inputs = _one_or_multiple(
                [_shapes_text(n.input_tensors or n.output_tensors) for n in nodes]
            )
            fields.append(f"{{input:|output:}}|{{{{{_escape(inputs)}}}|{{{_escape(outputs)}}}}}")
        return "|".join(fields)


def model_to_dot(
    model,
    show_shapes: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    show_dtype: bool = False,
    expand_nested: bool = False,
    dpi: int = 96,
    subgraph: bool = False,
):
    """The model's graph as a `pydot.Dot` (a `pydot.Cluster` with `subgraph=True`).

    Args:
        model: a built Sequential or functional model; a subclassed model is one box.
        show_shapes: show each layer's input and output shapes.
        show_layer_names: show layer names before their class names.
        rankdir: Graphviz's direction: "TB" (top to bottom) or "LR" (left to right).
        show_dtype: show the dtype of each layer's outputs (after Keras 2's positional
            arguments, which end with `rankdir`).
        expand_nested: draw nested models' layers in a dashed cluster.
        dpi: the image resolution.
        subgraph: return a cluster to place inside another graph.

    Raises:
        ImportError: pydot is not installed.
        OSError: Graphviz's `dot` cannot be run.
    """
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(
            f"model_to_dot: `rankdir` must be 'TB', 'LR', 'BT' or 'RL', received {rankdir!r}."
        )
    pydot = _require_pydot()
    if subgraph:
        dot = pydot.Cluster(graph_name=f"{id(model)}", label=model.name, style="dashed")
    else:
        dot = pydot.Dot(graph_type="digraph")
        dot.set("rankdir", rankdir)
        dot.set("concentrate", True)
        dot.set("dpi", dpi)
        dot.set_node_defaults(shape="record")
    options = {
        "show_shapes": show_shapes,
        "show_dtype": show_dtype,
        "show_layer_names": show_layer_names,
        "expand_nested": expand_nested,
    }
    builder = _DotBuilder(pydot, dot, options)
    if getattr(model, "_graph", None) is None:
        if type(model).__name__ == "Sequential":
            raise ValueError(
                f"Sequential model '{model.name}' has not been built yet, so it has no graph "
                "to draw: give its first layer an input_shape, or call it on data first."
            )
        # A subclassed model's structure is Python code: one box, as Keras draws it.
        dot.add_node(pydot.Node(str(id(model)), label=_escape(_title(model, show_layer_names))))
        return dot
    builder.add_model(model, dot, "")
    return dot


def plot_model(
    model,
    to_file: str = "model.png",
    show_shapes: bool = False,
    show_layer_names: bool = True,
    rankdir: str = "TB",
    show_dtype: bool = False,
    expand_nested: bool = False,
    dpi: int = 96,
):
    """Draws the model's graph to an image file; the format comes from the extension
    of `to_file` (`.png`, `.svg`, `.pdf`, ... any Graphviz format; none means PNG).

    The other arguments are `model_to_dot`'s. In a notebook (IPython running) the
    image is also returned, so the cell shows it.

    Example:
        >>> plot_model(model, to_file="model.svg", show_shapes=True)
    """
    dot = model_to_dot(
        model,
        show_shapes=show_shapes,
        show_dtype=show_dtype,
        show_layer_names=show_layer_names,
        rankdir=rankdir,
        expand_nested=expand_nested,
        dpi=dpi,
    )
    extension = os.path.splitext(os.fspath(to_file))[1][1:].lower() or "png"
    try:
        dot.write(to_file, format=extension)
    except OSError:
        raise
    except Exception as error:  # Graphviz refusing the format comes back as a bare Exception
        raise ValueError(
            f"plot_model could not write {to_file!r} as {extension!r}: {error}. Use an "
            "extension Graphviz knows, such as .png, .svg, .pdf or .jpg."
        ) from None
    return _notebook_image(to_file, extension)


def _notebook_image(to_file, extension: str):
    # Only inside a running IPython shell or notebook: a script should not import
    # IPython, and a library (TensorFlow) may have imported it without a shell running.
    ipython = sys.modules.get("IPython")
    if ipython is None or getattr(ipython, "get_ipython", lambda: None)() is None:
        return None
    from IPython import display

    if extension == "svg":
        return display.SVG(filename=to_file)
    if extension in ("png", "jpg", "jpeg", "gif"):
        return display.Image(filename=to_file)
    return None
