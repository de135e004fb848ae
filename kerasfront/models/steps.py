"""The train, test and predict steps: pure functions of (variable values, batch),
compiled once per model by the active engine.

Each step maps the model's variables to the values it was given (a stateless scope),
runs the ordinary stateful code (layer calls, `optimizer.apply`, `metric.update_state`)
and returns the values that code assigned. The same step therefore serves `jax.jit`,
`tf.function` and eager PyTorch.

Under a distribution (`kerasfront.distribution`) the model's plan compiles the steps and
runs them per replica; the train step asks it to combine the replicas' gradients,
forward state and metric accumulators, so each replica applies the same update.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

from kerasfront import ops, tree, user_warnings
from kerasfront.backend import random_functions, user_code
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.scope import StatelessScope
from kerasfront.backend.variables import SeedGenerator
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
    y = _targets_in_output_dtypes(y, outputs)
    with _seeded(model.__dict__.get("_loss_seed_generator")):
        total, per_output = model._compiled_loss(y, outputs, sample_weights)
    for loss in model.regularization_losses() + collected:
        total = total + loss
    return total, outputs, per_output, y


def _targets_in_output_dtypes(y, outputs) -> list:
    """Integer and boolean targets of float outputs in the output's float type. Keras 2
    fed targets to placeholders of their output's dtype, so losses and metrics written
    for it receive float targets: the siamese example's `y_true * K.square(y_pred)` with
    int64 labels works there, while TensorFlow refuses to multiply int64 by float32.
    Half-precision outputs keep integer targets: class ids above 256 (bfloat16) or 2048
    (float16) would not survive the cast."""
    converted = []
    for target, output in zip(y, outputs):
        if target is not None:
            output_dtype, target_dtype = ops.dtype(output), ops.dtype(target)
            if output_dtype in ("float32", "float64") and target_dtype.startswith(
                ("int", "uint", "bool")
            ):
                target = ops.cast(target, output_dtype)
        converted.append(target)
    return converted


def loss_seeds(model) -> SeedGenerator | None:
    """The seeds of unseeded K draws in the model's losses and metrics (outside any
    layer, e.g. `K.random_normal` in a custom loss), or None when every loss and metric
    is kerasfront's own (none draws; carrying a state costs a few microseconds a step).

    The steps carry this generator's state like the layers' seeds, so every step draws
    afresh. It is made by the first step builder, outside any trace (a generator made
    inside one would keep a traced value as its state), and is no weight: it stays out
    of get_weights and saved files."""
    generator = model.__dict__.get("_loss_seed_generator")
    if generator is None and _runs_user_losses(model):
        generator = SeedGenerator(name="loss_seed_generator")
        model.__dict__["_loss_seed_generator"] = generator  # not tracked as layer state
    return generator


def _runs_user_losses(model) -> bool:
    compiled_metrics = model._compiled_metrics
    pieces = list(model._compiled_loss.functions)
    if compiled_metrics.metrics is not None:
        pieces += [m for group in compiled_metrics.metrics for m in group]
    return any(piece is not None and _users(piece) for piece in pieces)


def _users(piece) -> bool:
    """Whether a loss or metric (a function, a wrapper of one, or an object) runs code
    written outside kerasfront."""
    function = getattr(piece, "fn", None)
    if function is not None and user_code.is_users(function):
        return True
    return user_code.is_users(
        piece if callable(piece) and not hasattr(piece, "fn") else type(piece)
    )


_NO_SEEDS = contextlib.nullcontext()


def _seeded(generator):
    return _NO_SEEDS if generator is None else random_functions.seed_source(generator)


def _batch_size(x) -> int:
    # Steps are traced per batch shape on every engine, so this is a plain int.
    return ADAPTER.shape(tree.flatten(x)[0])[0]


def _plan(model):
    """The distribution plan the model was compiled under, or None (one device)."""
    strategy = getattr(model, "_distribution", None)
    return None if strategy is None else strategy.plan


def _compiler(plan):
    return ADAPTER.compile_state_step if plan is None else plan.compile_state_step


def _collected_trainable_weights(model) -> list:
    """The weights compile fixed for training (Keras 2), or those trainable now when
    compile could not know them (an unbuilt model); warns, as Keras 2 does, when
    `trainable` was changed since without compiling again."""
    collected = getattr(model, "_collected_trainable_weights", None)
    current = model.trainable_weights
    if collected is None:
        model._collected_trainable_weights = list(current)
        return list(current)
    if {id(v) for v in collected} != {id(v) for v in current}:
        user_warnings.warn(
            f"Model '{model.name}': its trainable weights changed since compile (a "
            "`trainable` attribute was set): training updates the "
            f"{len(collected)} weights that were trainable at compile, not the "
            f"{len(current)} trainable now, as in Keras 2. Call compile again to train "
            "the weights trainable now."
        )
    return list(collected)


def make_train_step(model, jit_compile):
    """A compiled `run(x, y, sample_weights)` that updates the model's state."""
    plan = _plan(model)
    trainable = _collected_trainable_weights(model)
    compiled = model._compiled_metrics
    model.optimizer.build(trainable)
    # A trainable weight may also be listed as forward state (a K op node holding a
    # layer's weight); listed twice it would lose its gradient, so it counts as trainable.
    trainable_ids = {id(v) for v in trainable}
    seeds = loss_seeds(model)
    others = [
        v
        for v in tree.unique_objects(
            model.non_trainable_weights
            + model.forward_state_variables
            + model.optimizer.variables
            + compiled.variables
            + ([] if seeds is None else [seeds.state])
        )
        if id(v) not in trainable_ids
    ]
    state = trainable + others
    count = len(trainable)
    # Under a distribution: what each replica's forward pass changed (float state such as
    # BatchNorm statistics) is averaged, metric accumulators add up; optimizer state
    # follows from the shared gradients and integer state (seeds) is the same everywhere.
    metric_ids = {id(v) for v in compiled.variables}
    optimizer_ids = {id(v) for v in model.optimizer.variables}
    averaged = [
        i
        for i, v in enumerate(others)
        if id(v) not in metric_ids | optimizer_ids and v.dtype.startswith(("float", "bfloat"))
    ]
    summed = [count + i for i, v in enumerate(others) if id(v) in metric_ids]
    # A plan whose replicas each run the forward pass on their share (torch, TensorFlow)
    # shifts the seeds of random layers by the replica's index for that pass, so the
    # replicas draw different dropout masks; the shift is undone after it, keeping the
    # seed state the same everywhere. (JAX runs one program over the global batch.)
    shifts_seeds = plan is not None and hasattr(plan, "replica_index")
    seeded = _seed_state_positions(model, others) if shifts_seeds else []

    def loss_fn(trainable_values, other_values, x, y, sample_weights):
        with StatelessScope(zip(state, [*trainable_values, *other_values])) as scope:
            total, outputs, per_output, y = _forward_and_loss(model, x, y, sample_weights, True)
            # Non-trainable state changed by the forward pass (seeds, running statistics).
            updated_others = [scope.values[v] for v in others]
        return total, (outputs, per_output, updated_others, y)

    gradient_fn = ADAPTER.value_and_grad(loss_fn)

    def step(read_only, values, x, y, sample_weights):
        trainable_values, other_values = values[:count], values[count:]
        if seeded:
            shift = _seed_shift(plan.replica_index())
            other_values = _replaced(
                other_values, seeded, [other_values[i] + shift for i in seeded]
            )
        (total, (outputs, per_output, other_values, y)), grads = gradient_fn(
            trainable_values, other_values, x, y, sample_weights
        )
        if seeded:
            other_values = _replaced(
                other_values, seeded, [other_values[i] - shift for i in seeded]
            )
        if plan is not None:
            grads = plan.reduce_gradients(grads, _batch_size(x))
            other_values = _replaced(
                other_values,
                averaged,
                plan.average_state([other_values[i] for i in averaged], _batch_size(x)),
            )
        with StatelessScope(zip(state, [*trainable_values, *other_values])) as scope:
            model.optimizer.apply(grads, trainable)
            with _seeded(seeds):
                compiled.update(total, per_output, y, outputs, sample_weights, _batch_size(x))
            new_values = [scope.values[v] for v in state]
        if plan is not None:
            old_values = [*trainable_values, *other_values]
            new_values = _replaced(
                new_values,
                summed,
                plan.sum_deltas([old_values[i] for i in summed], [new_values[i] for i in summed]),
            )
        return new_values, ()

    return _compiler(plan)(step, [], state, jit_compile)


def _seed_states(model) -> list:
    """The seed states of the model's random layers (Dropout, noise, RNN dropout)."""
    states, pending = [], [model]
    while pending:
        layer = pending.pop()
        states.extend(generator.state for generator in layer._seed_generators)
        pending.extend(layer._sublayers)
    return tree.unique_objects(states)


def _seed_state_positions(model, others) -> list[int]:
    """Positions in `others` of the seed states of the model's random layers."""
    states = {id(state) for state in _seed_states(model)}
    return [i for i, v in enumerate(others) if id(v) in states]


# A seed state is [seed, draws so far]: replicas shift the seed by index * a large prime,
# far from the seeds of other layers (made from consecutive user seeds).
_REPLICA_SEED_STRIDE = 1_000_003


def _seed_shift(replica_index):
    stride = ADAPTER.convert_to_tensor(np.array([_REPLICA_SEED_STRIDE, 0], dtype="int32"))
    return stride * replica_index


def _replaced(values: list, positions: list[int], replacements: list) -> list:
    values = list(values)
    for position, value in zip(positions, replacements):
        values[position] = value
    return values


def make_test_step(model, jit_compile):
    """A compiled `run(x, y, sample_weights)` that updates the metrics and the state the
    forward pass carries (the states of stateful recurrent layers), not the weights."""
    plan = _plan(model)
    compiled = model._compiled_metrics
    seeds = loss_seeds(model)
    updated = tree.unique_objects(
        compiled.variables
        + model.forward_state_variables
        + ([] if seeds is None else [seeds.state])
    )
    carried = set(updated)
    read_only = [v for v in model.weights if v not in carried]
    metric_ids = {id(v) for v in compiled.variables}
    summed = [i for i, v in enumerate(updated) if id(v) in metric_ids]

    def step(read_values, values, x, y, sample_weights):
        mapping = dict(zip(read_only, read_values))
        mapping.update(zip(updated, values))
        with StatelessScope(mapping) as scope:
            total, outputs, per_output, y = _forward_and_loss(model, x, y, sample_weights, False)
            with _seeded(seeds):
                compiled.update(total, per_output, y, outputs, sample_weights, _batch_size(x))
            new_values = [scope.values[v] for v in updated]
        if plan is not None:
            new_values = _replaced(
                new_values,
                summed,
                plan.sum_deltas([values[i] for i in summed], [new_values[i] for i in summed]),
            )
        return new_values, ()

    return _one_at_a_time(model, _compiler(plan)(step, read_only, updated, jit_compile), updated)


def make_predict_step(model, jit_compile, training: bool = False):
    """A compiled `run(x)` returning the model's outputs as engine tensors; the state the
    forward pass carries (stateful recurrent layers) is kept, as Keras 2's predict does.

    `training=True` is Keras 2's predict after `K.set_learning_phase(1)` (Monte Carlo
    dropout): random layers draw afresh at every batch and call (their seeds are carried),
    BatchNormalization normalizes with the batch's statistics and leaves its moving ones
    as they are (Keras 2's predict ran no updates).
    """
    updated = model.forward_state_variables
    if training:
        updated = tree.unique_objects(updated + _seed_states(model))
    carried = set(updated)
    read_only = [v for v in model.weights if v not in carried]

    def step(read_values, values, x):
        mapping = dict(zip(read_only, read_values))
        mapping.update(zip(updated, values))
        with StatelessScope(mapping) as scope:
            outputs = model(x, training=training)
            new_values = [scope.values[v] for v in updated]
        return new_values, outputs

    # A plan runs predict per replica and gives back the outputs of the whole batch.
    return _one_at_a_time(
        model, _compiler(_plan(model))(step, read_only, updated, jit_compile), updated
    )


def _one_at_a_time(model, run, updated: list):
    """`run` serialized across threads when it updates state: a server predicting from
    several threads at once (the Keras blog's REST API) must not have two steps read
    the same state, which JAX donates (the second step would find its buffers deleted)
    and every engine would update twice from one old value. One lock per model, so
    steps two threads built at once share it too. Steps without state run as they are."""
    if not updated:
        return run
    # dict.setdefault is atomic: two threads get the same lock. Reentrant, in case a
    # step's own code (a user's layer) predicts with the same model.
    lock = model.__dict__.setdefault("_state_step_lock", threading.RLock())

    def locked(*batch):
        with lock:
            return run(*batch)

    return locked
