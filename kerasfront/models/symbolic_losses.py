"""Losses a model is given as symbolic tensors, Keras 2's `model.add_loss(K.mean(...))`
(the variational autoencoder of the Keras examples): tensors built with layers and K ops
from the model's inputs, computed again at every training or evaluation step and added
to its objective.

The model's graph is extended with those tensors as extra outputs, so the nodes they
need (also nodes off the path to the outputs, such as an inner model's `z_mean`) are
replayed with the forward pass; predictions run the plain graph and pay nothing.
"""

from __future__ import annotations

import threading

from kerasfront.layers import base as layer_base
from kerasfront.layers.input_layer import InputLayer
from kerasfront.models.functional import Graph


def check_symbolic_loss(model, loss) -> None:
    """Raises a clear error for a symbolic loss `model` cannot take."""
    if model._graph is None:
        raise ValueError(
            f"Model '{model.name}': add_loss received the symbolic tensor {loss!r}, but "
            "the model has no graph of inputs and outputs (a subclassed model, or a "
            "Sequential model without an input shape yet). Build the model first, or call "
            "self.add_loss(value) inside call()."
        )
    if tuple(loss.shape) != ():
        raise ValueError(
            f"Model '{model.name}': add_loss expects a scalar loss tensor; received "
            f"{loss!r} of shape {tuple(loss.shape)}. Reduce it first, e.g. with K.mean(...)."
        )


# The values, in the step this thread runs now, of the graph tensors that loss functions
# read (by id of the tensor); see `run_collecting_losses`.
_STEP = threading.local()


def loss_read_values() -> dict:
    """The values of this thread's latest forward pass for the tensors losses read."""
    return getattr(_STEP, "values", {})


def graph_with_losses(model, read=()) -> Graph:
    """The model's graph with its symbolic losses as extra outputs, built once per graph
    and list of losses. Its outputs are `[model outputs, [loss, ...]]`, and
    `[..., [tensor, ...]]` after them when loss functions `read` inner tensors."""
    losses = model._symbolic_losses
    key = (id(model._graph), len(losses), tuple(id(t) for t in read))
    cached = model.__dict__.get("_graph_with_losses")
    if cached is not None and cached[0] == key:
        return cached[1]
    base = model._graph
    groups = [base.output_structure, list(losses)] + ([list(read)] if read else [])
    graph = Graph(base.input_structure, groups)
    # A layer only the losses use (none in the usual case) trains with the model too.
    known = {id(weight) for weight in model.weights}
    for layer in graph.layers:
        if not isinstance(layer, InputLayer) and any(id(w) not in known for w in layer.weights):
            model._sublayers.append(layer)
            known.update(id(w) for w in layer.weights)
    model.__dict__["_graph_with_losses"] = (key, graph)
    return graph


def run_collecting_losses(model, flat_inputs, training, input_masks):
    """Runs the model's forward pass; where a step collects losses (training and
    evaluation), its symbolic losses are computed with it and added to the collection."""
    if not layer_base._LOSS_COLLECTORS:
        return model._graph.run(flat_inputs, training=training, input_masks=input_masks)
    read = _tensors_losses_read(model)
    if not model._symbolic_losses and not read:
        return model._graph.run(flat_inputs, training=training, input_masks=input_masks)
    outputs, losses, *values = graph_with_losses(model, read).run(
        flat_inputs, training=training, input_masks=input_masks
    )
    layer_base._LOSS_COLLECTORS[-1].extend(losses)
    if read:
        _STEP.values = dict(zip(map(id, read), values[0]))
    return outputs


def _tensors_losses_read(model) -> list:
    """The inner tensors of the model's graph that its compiled loss functions read
    (Keras 2 graph-mode losses closing over `z_mean`: the blog's VAE), found once per
    compile. They are computed with each step's forward pass, so the loss sees this
    step's values; tensors the model's inputs do not reach are left out (the loss then
    reports them)."""
    compiled = getattr(model, "_compiled_loss", None)
    cached = model.__dict__.get("_tensors_losses_read")
    if cached is not None and cached[0] is compiled:
        return cached[1]
    read = []
    if compiled is not None and model._graph is not None:
        from kerasfront.models.compile_utils import graph_tensors_read_by_losses

        for tensor in graph_tensors_read_by_losses(compiled):
            try:
                Graph(model._graph.input_structure, [tensor])
            except ValueError:
                continue
            read.append(tensor)
    model.__dict__["_tensors_losses_read"] = (compiled, read)
    return read
