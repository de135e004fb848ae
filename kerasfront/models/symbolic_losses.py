"""Losses a model is given as symbolic tensors, Keras 2's `model.add_loss(K.mean(...))`
(the variational autoencoder of the Keras examples): tensors built with layers and K ops
from the model's inputs, computed again at every training or evaluation step and added
to its objective.

The model's graph is extended with those tensors as extra outputs, so the nodes they
need (also nodes off the path to the outputs, such as an inner model's `z_mean`) are
replayed with the forward pass; predictions run the plain graph and pay nothing.
"""

from __future__ import annotations

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


def graph_with_losses(model) -> Graph:
    """The model's graph with its symbolic losses as extra outputs, built once per graph
    and list of losses. Its outputs are `[model outputs, [loss, ...]]`."""
    losses = model._symbolic_losses
    key = (id(model._graph), len(losses))
    cached = model.__dict__.get("_graph_with_losses")
    if cached is not None and cached[0] == key:
        return cached[1]
    base = model._graph
    graph = Graph(base.input_structure, [base.output_structure, list(losses)])
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
    if not model._symbolic_losses or not layer_base._LOSS_COLLECTORS:
        return model._graph.run(flat_inputs, training=training, input_masks=input_masks)
    outputs, losses = graph_with_losses(model).run(
        flat_inputs, training=training, input_masks=input_masks
    )
    layer_base._LOSS_COLLECTORS[-1].extend(losses)
    return outputs
