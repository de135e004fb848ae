"""The train, test and predict steps: pure functions of (variable values, batch),
compiled once per model by the active engine.

Each step maps the model's variables to the values it was given (a stateless scope),
runs the ordinary stateful code (layer calls, `optimizer.apply`, `metric.update_state`)
and returns the values that code assigned. The same step therefore serves `jax.jit`,
`tf.function` and eager PyTorch.
"""

from __future__ import annotations

from kerasfront import tree
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.scope import StatelessScope
from kerasfront.layers import base as layer_base


def _forward_and_loss(model, x, y, sample_weights, training):
    """Runs the model and computes the compiled loss plus regularization and `add_loss`
    terms. Call inside a scope that holds the variables' values."""
    collected: list = []
    layer_base._LOSS_COLLECTORS.append(collected)
    try:
        y_pred = model(x, training=training)
    finally:
        layer_base._LOSS_COLLECTORS.pop()
    outputs = tree.flatten(y_pred)
    total, per_output = model._compiled_loss(y, outputs, sample_weights)
    for loss in model.regularization_losses() + collected:
        total = total + loss
    return total, outputs, per_output


def _batch_size(x) -> int:
    # Steps are traced per batch shape on every engine, so this is a plain int.
    return ADAPTER.shape(tree.flatten(x)[0])[0]


def make_train_step(model, jit_compile):
    """A compiled `run(x, y, sample_weights)` that updates the model's state."""
    trainable = model.trainable_weights
    compiled = model._compiled_metrics
    model.optimizer.build(trainable)
    # A trainable weight may also be listed as forward state (a K op node holding a
    # layer's weight); listed twice it would lose its gradient, so it counts as trainable.
    trainable_ids = {id(v) for v in trainable}
    others = [
        v
        for v in tree.unique_objects(
            model.non_trainable_weights
            + model.forward_state_variables
            + model.optimizer.variables
            + compiled.variables
        )
        if id(v) not in trainable_ids
    ]
    state = trainable + others
    count = len(trainable)

    def loss_fn(trainable_values, other_values, x, y, sample_weights):
        with StatelessScope(zip(state, [*trainable_values, *other_values])) as scope:
            total, outputs, per_output = _forward_and_loss(model, x, y, sample_weights, True)
            # Non-trainable state changed by the forward pass (seeds, running statistics).
            updated_others = [scope.values[v] for v in others]
        return total, (outputs, per_output, updated_others)

    gradient_fn = ADAPTER.value_and_grad(loss_fn)

    def step(read_only, values, x, y, sample_weights):
        trainable_values, other_values = values[:count], values[count:]
        (total, (outputs, per_output, other_values)), grads = gradient_fn(
            trainable_values, other_values, x, y, sample_weights
        )
        with StatelessScope(zip(state, [*trainable_values, *other_values])) as scope:
            model.optimizer.apply(grads, trainable)
            compiled.update(total, per_output, y, outputs, sample_weights, _batch_size(x))
            new_values = [scope.values[v] for v in state]
        return new_values, ()

    return ADAPTER.compile_state_step(step, [], state, jit_compile)


def make_test_step(model, jit_compile):
    """A compiled `run(x, y, sample_weights)` that updates the metrics and the state the
    forward pass carries (the states of stateful recurrent layers), not the weights."""
    compiled = model._compiled_metrics
    updated = tree.unique_objects(compiled.variables + model.forward_state_variables)
    carried = set(updated)
    read_only = [v for v in model.weights if v not in carried]

    def step(read_values, values, x, y, sample_weights):
        mapping = dict(zip(read_only, read_values))
        mapping.update(zip(updated, values))
        with StatelessScope(mapping) as scope:
            total, outputs, per_output = _forward_and_loss(model, x, y, sample_weights, False)
            compiled.update(total, per_output, y, outputs, sample_weights, _batch_size(x))
            new_values = [scope.values[v] for v in updated]
        return new_values, ()

    return ADAPTER.compile_state_step(step, read_only, updated, jit_compile)


def make_predict_step(model, jit_compile):
    """A compiled `run(x)` returning the model's outputs as engine tensors; the state the
    forward pass carries (stateful recurrent layers) is kept, as Keras 2's predict does."""
    updated = model.forward_state_variables
    carried = set(updated)
    read_only = [v for v in model.weights if v not in carried]

    def step(read_values, values, x):
        mapping = dict(zip(read_only, read_values))
        mapping.update(zip(updated, values))
        with StatelessScope(mapping) as scope:
            outputs = model(x, training=False)
            new_values = [scope.values[v] for v in updated]
        return new_values, outputs

    return ADAPTER.compile_state_step(step, read_only, updated, jit_compile)
