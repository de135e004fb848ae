"""What a conformance worker measures on its engine: every layer's output and the
gradient of the loss with respect to every trainable weight.

Both run in inference mode (`training=False`): Dropout passes its input through and
BatchNormalization uses its moving statistics, so every engine computes the same
deterministic function and any difference is the engine's arithmetic, not its random
numbers.
"""

from __future__ import annotations

import numpy as np

OUTPUT_LABEL = "(model output)"


def layer_output_tensors(model) -> tuple[list, list[str]]:
    """The symbolic output of every layer call in the model's graph, in the order the
    graph runs them, with a label each: `name (Class)`, plus `#k` for the k-th call of a
    shared layer and `[i]` for the i-th output of a layer with several.

    A subclassed model has no graph to look into: ([], []).
    """
    graph = getattr(model, "_graph", None)
    if graph is None:
        return [], []
    tensors, labels, calls = [], [], {}
    for node in graph.nodes:
        if node.is_input:
            continue
        layer = node.layer
        calls[id(layer)] = calls.get(id(layer), -1) + 1
        label = f"{layer.name} ({type(layer).__name__})"
        if calls[id(layer)]:
            label = f"{layer.name}#{calls[id(layer)]} ({type(layer).__name__})"
        outputs = list(node.output_tensors)
        for index, tensor in enumerate(outputs):
            tensors.append(tensor)
            labels.append(label if len(outputs) == 1 else f"{label}[{index}]")
    return tensors, labels


def _unique_state(model) -> list:
    """Every variable a forward pass reads: weights and carried state, each once."""
    from kerasfront import tree

    return tree.unique_objects(model.weights + model.forward_state_variables)


def layer_outputs(model, x, jit_compile=None) -> tuple[list[np.ndarray], list[str]]:
    """Every layer's output on the batch `x`, computed by a model whose outputs are all
    the layers' outputs, compiled as the engine compiles `predict` (`jit_compile`: see
    the backend contract; "eager" for none). A subclassed model gives only its final
    outputs."""
    from kerasfront.backend.registry import ADAPTER
    from kerasfront.backend.scope import StatelessScope
    from kerasfront.models import Model

    tensors, labels = layer_output_tensors(model)
    if tensors:
        probe = Model(model.inputs, tensors, name=f"{model.name}_conformance_probe")
    else:
        probe = model
    state = _unique_state(probe)

    def forward(values, inputs):
        with StatelessScope(zip(state, values)):
            return probe(inputs, training=False)

    data = model._adapter(x, purpose="predict", whole=True)
    (batch_x,) = next(iter(data.batches(0)))
    data.close()
    results = ADAPTER.compile_function(forward, state, jit_compile)(batch_x)
    results = list(results) if isinstance(results, (list, tuple)) else [results]
    if not tensors:
        labels = (
            [OUTPUT_LABEL]
            if len(results) == 1
            else [f"{OUTPUT_LABEL}[{index}]" for index in range(len(results))]
        )
    return [np.asarray(ADAPTER.convert_to_numpy(result)) for result in results], labels


def gradient_labels(model) -> list[str]:
    """A distinct label per trainable weight: its name, numbered when two share one."""
    labels, seen = [], {}
    for weight in model.trainable_weights:
        name = weight.name
        seen[name] = seen.get(name, 0) + 1
        labels.append(name if seen[name] == 1 else f"{name}#{seen[name] - 1}")
    return labels


def loss_gradients(model, x, y, jit_compile=None) -> tuple[list[np.ndarray], list[str]]:
    """The gradients of the compiled loss (with regularization and `add_loss` terms) on
    the batch `(x, y)` with respect to `model.trainable_weights`, in inference mode,
    compiled as `layer_outputs` is.

    The forward pass and loss are those of the model's own training step; only the
    training flag differs (see the module docstring).
    """
    from kerasfront.backend.registry import ADAPTER
    from kerasfront.backend.scope import StatelessScope
    from kerasfront.models import steps

    trainable = model.trainable_weights
    trainable_ids = {id(variable) for variable in trainable}
    # The losses' seed state, made here outside the compiled function (see steps.loss_seeds).
    seeds = steps.loss_seeds(model)
    seed_state = [] if seeds is None else [seeds.state]
    others = [v for v in _unique_state(model) + seed_state if id(v) not in trainable_ids]
    state, count = trainable + others, len(trainable)

    def loss_of(trainable_values, other_values, inputs, targets, weights):
        with StatelessScope(zip(state, [*trainable_values, *other_values])):
            total, _, _, _ = steps._forward_and_loss(model, inputs, targets, weights, False)
        return total, None

    gradient_function = ADAPTER.value_and_grad(loss_of)

    def gradients(values, inputs, targets, weights):
        _, grads = gradient_function(values[:count], values[count:], inputs, targets, weights)
        return list(grads)

    data = model._adapter(x, y, None, purpose="evaluate", whole=True)
    batch = next(iter(data.batches(0)))
    data.close()
    grads = ADAPTER.compile_function(gradients, state, jit_compile)(*batch)
    return [np.asarray(ADAPTER.convert_to_numpy(g)) for g in grads], gradient_labels(model)
