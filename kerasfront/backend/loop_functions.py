"""Keras 2's loop functions: `K.rnn`, `K.map_fn`, `K.foldl` and `K.foldr`.

Each runs as one engine loop through the contract's `scan` (jax.lax.scan, a
tf.while_loop inside tf.function, a Python loop on eager torch), so a Lambda layer may
call them inside a compiled training step, and gradients flow through them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from kerasfront import ops
from kerasfront.backend.variables import unwrap

__all__ = ["foldl", "foldr", "map_fn", "rnn"]


def _tensor(x):
    return ops.convert_to_tensor(unwrap(x))


def _tensors(x) -> tuple[list, bool]:
    """(flat list of tensors, whether `x` was a list or tuple)."""
    if isinstance(x, (list, tuple)):
        return [_tensor(item) for item in x], True
    return [_tensor(x)], False


def _swap_first_axes(x):
    rank = len(ops.shape(x))
    return ops.transpose(x, (1, 0, *range(2, rank)))


def _reversed_steps(x):
    """`x` with its first axis in reverse order (one gather; `scan` needs a static length)."""
    length = ops.shape(x)[0]
    return ops.take(x, ops.convert_to_tensor(np.arange(length - 1, -1, -1, dtype="int32")), 0)


def _where_kept(kept, new, old):
    """`new` for the samples whose step is kept (`kept` is one flag per sample), else `old`."""
    flags = ops.reshape(kept, (-1,) + (1,) * (len(ops.shape(new)) - 1))
    return ops.where(flags, new, old)


def _as_state_list(states, count: int) -> list:
    states = list(states) if isinstance(states, (list, tuple)) else [states]
    if len(states) != count:
        raise ValueError(
            f"rnn: step_function returned {len(states)} new states; it received {count} "
            "states (constants are passed after the states and must not be returned)."
        )
    return states


def _kept_steps(mask, input_length, length: int, time_major: bool, go_backwards: bool):
    """Boolean (time, batch) in processing order: False where a step is skipped; or None."""
    if mask is not None:
        kept = ops.cast(_tensor(mask), "bool")
        shape = ops.shape(kept)
        if len(shape) == 3 and shape[2] == 1:
            kept = ops.squeeze(kept, 2)
        elif len(shape) != 2:
            raise ValueError(
                "rnn: mask must be (samples, time) or (samples, time, 1) (time first with "
                f"time_major=True), received shape {tuple(shape)}."
            )
        if not time_major:
            kept = ops.transpose(kept, (1, 0))
    elif input_length is not None and not isinstance(input_length, (int, np.integer)):
        lengths = ops.reshape(ops.cast(_tensor(input_length), "int32"), (1, -1))
        steps = ops.convert_to_tensor(np.arange(length, dtype="int32").reshape(-1, 1))
        kept = ops.less(steps, lengths)
    else:
        return None
    return _reversed_steps(kept) if go_backwards else kept


def rnn(
    step_function: Callable,
    inputs,
    initial_states,
    go_backwards: bool = False,
    mask=None,
    constants=None,
    unroll: bool = False,
    input_length=None,
    time_major: bool = False,
    zero_output_for_mask: bool = False,
    return_all_outputs: bool = True,
):
    """Runs `step_function` over the time axis of `inputs` (Keras 2's `K.rnn`).

    Masked steps (mask False) keep the states of the step before and output the previous
    step's output (zeros before the first output), or zeros with
    `zero_output_for_mask=True`, as tf.keras 2 does.

    Args:
        step_function: `(step_inputs, states) -> (output, new_states)`. `step_inputs` is
            one step of `inputs` (samples, ...) (a list when `inputs` is a list);
            `states` is the list of current states followed by `constants`;
            `new_states` lists the new states only, shaped like the old ones.
        inputs: (samples, time, ...) tensor, or a list of them.
        initial_states: the list of states before the first step.
        go_backwards: walk the steps from the last to the first; the outputs come back
            in that processing order.
        mask: None, or (samples, time) / (samples, time, 1) booleans: False skips a step.
        constants: tensors passed to every step after the states.
        unroll: write the steps out in Python instead of one engine loop.
        input_length: without a mask, a tensor of lengths (samples,) skips the steps at
            and beyond each sample's length, also when unrolled or going backwards
            (tf.keras 2 ignores it when unrolled, and going backwards counts from the
            longest length instead of the time axis). An int is only a hint.
        time_major: inputs, mask and outputs are (time, samples, ...).
        zero_output_for_mask: masked steps output zeros.
        return_all_outputs: False returns the last output alone as `outputs`, with a
            time axis of 1.

    Returns:
        `(last_output, outputs, new_states)`: the output of the last processed step
        (samples, ...), the outputs (samples, time, ...) and the list of final states.
    """
    steps, nested = _tensors(inputs)
    for x in steps:
        if len(ops.shape(x)) < 3:
            raise ValueError(
                "rnn: inputs need at least 3 dimensions (samples, time, ...), received "
                f"shape {tuple(ops.shape(x))}."
            )
    if not time_major:
        steps = [_swap_first_axes(x) for x in steps]
    length = ops.shape(steps[0])[0]
    if length is None:
        raise ValueError("rnn: the time axis needs a static length.")
    kept = _kept_steps(mask, input_length, length, time_major, go_backwards)
    if go_backwards:
        steps = [_reversed_steps(x) for x in steps]
    states = [_tensor(s) for s in (initial_states or [])]
    extras = [_tensor(c) for c in (constants or [])]

    def one_step(previous, current, step_inputs, step_kept):
        x = list(step_inputs) if nested else step_inputs[0]
        output, new_states = step_function(x, list(current) + extras)
        new_states = _as_state_list(new_states, len(current))
        if step_kept is not None:
            if zero_output_for_mask:
                skipped = ops.zeros_like(output)
            else:
                skipped = ops.zeros_like(output) if previous is None else previous
            output = _where_kept(step_kept, output, skipped)
            new_states = [_where_kept(step_kept, n, o) for n, o in zip(new_states, current)]
        return output, new_states

    def step_at(t):
        return [x[t] for x in steps], None if kept is None else kept[t]

    # The first step runs outside the loop: its output is the carried "previous output"
    # the loop needs from the start, which has a shape only the step function knows.
    last, states = one_step(None, states, *step_at(0))
    outputs = [last]
    if unroll:
        for t in range(1, length):
            last, states = one_step(last, states, *step_at(t))
            outputs.append(last)
        sequences = ops.stack(outputs, axis=0)
    elif length > 1:

        def scan_step(carry, xs):
            step_kept = xs[-1] if kept is not None else None
            output, new_states = one_step(carry[0], carry[1:], xs[: len(steps)], step_kept)
            return [output, *new_states], [output] if return_all_outputs else []

        rest = [x[1:] for x in steps] + ([] if kept is None else [kept[1:]])
        carry, ys = ops.scan(scan_step, [last, *states], rest)
        last, states = carry[0], carry[1:]
        if return_all_outputs:
            sequences = ops.concatenate([ops.expand_dims(outputs[0], 0), ys[0]], axis=0)
    else:
        sequences = ops.expand_dims(last, 0)
    if not return_all_outputs:
        sequences = ops.expand_dims(last, 0)
    if not time_major:
        sequences = _swap_first_axes(sequences)
    return last, sequences, list(states)


def map_fn(fn: Callable, elems, name=None, dtype=None):
    """`fn` applied to each entry of `elems` along its first axis; the results stacked.

    Args:
        fn: takes one entry (a tuple of entries when `elems` is a list or tuple) and
            returns a tensor, or a list/tuple of tensors.
        elems: a tensor, or a list/tuple of tensors with the same first axis.
        name: accepted for Keras compatibility (graph node names do not exist here).
        dtype: the dtype `fn` returns; checked, never used to cast.

    Returns:
        The stacked results (a list when `fn` returns several tensors).
    """
    tensors, nested = _tensors(elems)
    several = []

    def step(carry, xs):
        result = fn(tuple(xs) if nested else xs[0])
        several[:] = [isinstance(result, (list, tuple))]
        return [], list(result) if several[0] else [result]

    _, ys = ops.scan(step, [], tensors)
    if dtype is not None:
        for y in ys:
            if ops.dtype(y) != str(np.dtype(dtype)):
                raise ValueError(
                    f"map_fn: fn returned {ops.dtype(y)} values; dtype={dtype!r} was given."
                )
    return ys if several[0] else ys[0]


def _fold(fn, elems, initializer, reverse: bool):
    tensors, nested = _tensors(elems)
    length = ops.shape(tensors[0])[0]
    if initializer is None:
        first = length - 1 if reverse else 0
        initializer = tuple(x[first] for x in tensors) if nested else tensors[0][first]
        rest = slice(0, length - 1) if reverse else slice(1, length)
        tensors = [x[rest] for x in tensors]
        if length == 1:
            return initializer
    accumulators, several = _tensors(initializer)

    def step(carry, xs):
        new = fn(tuple(carry) if several else carry[0], tuple(xs) if nested else xs[0])
        new = list(new) if several else [new]
        # A Python scalar in fn (acc + 1.0) must not change the carried dtype on any engine.
        return [ops.cast(n, ops.dtype(a)) for n, a in zip(new, carry)], []

    carry, _ = ops.scan(step, accumulators, tensors, reverse=reverse)
    return tuple(carry) if several else carry[0]


def foldl(fn: Callable, elems, initializer=None, name=None):
    """Reduces `elems` along its first axis from the first entry to the last.

    Args:
        fn: `(accumulator, entry) -> new accumulator`, e.g. `lambda acc, x: acc + x`.
        elems: a tensor, or a list/tuple of tensors with the same first axis.
        initializer: the accumulator before the first entry; None starts from `elems[0]`.
        name: accepted for Keras compatibility.

    Returns:
        The final accumulator, shaped like `initializer`.
    """
    return _fold(fn, elems, initializer, reverse=False)


def foldr(fn: Callable, elems, initializer=None, name=None):
    """Reduces `elems` along its first axis from the last entry to the first.

    Args:
        fn: `(accumulator, entry) -> new accumulator`.
        elems: a tensor, or a list/tuple of tensors with the same first axis.
        initializer: the accumulator before the last entry; None starts from `elems[-1]`.
        name: accepted for Keras compatibility.

    Returns:
        The final accumulator, shaped like `initializer`.
    """
    return _fold(fn, elems, initializer, reverse=True)
