"""Keras 2's time loop (its backend `rnn`), written once on the contract's `scan`.

Semantics (Keras 2.2.4, `keras.backend.rnn`):
- `inputs` are (batch, time, ...); the step function sees one step (batch, ...) and the
  current states, and returns the step's output and the new states.
- `go_backwards` walks the steps from the last to the first, and the outputs come back in
  that processing order (the first output belongs to the last input step).
- With a mask (batch, time), a masked step leaves the states unchanged and repeats the
  previous output: Keras 2's compiled loop takes `states[0]` as that previous output,
  which for every Keras cell is the output of the step before. Cells whose output is not
  shaped like their first state carry their own previous output, zeros at first.
- The last output is the output of the last processed step (after masking).

`scan` runs the loop as one engine loop (lax.scan, tf.while_loop, a loop on torch);
`unroll=True` writes the steps out in Python instead, as Keras's `unroll` does.
"""

from __future__ import annotations

import numpy as np

from kerasfront import ops
from kerasfront.backend.registry import ADAPTER


def _as_list(states) -> list:
    if isinstance(states, (list, tuple)):
        return list(states)
    return [states]


def _time_major(x, rank: int):
    return ops.transpose(x, (1, 0, *range(2, rank)))


def _reversed_steps(x, length: int):
    """`x` with its first axis (the steps) in reverse order."""
    return ops.take(x, ADAPTER.convert_to_tensor(np.arange(length - 1, -1, -1, dtype="int32")), 0)


def _where_kept(kept, new, old):
    """`new` where the step is kept (one flag per sample), else `old`."""
    rank = len(ops.shape(new))
    flags = ops.reshape(kept, (-1,) + (1,) * (rank - 1))
    return ops.where(flags, new, old)


def rnn(
    step_function,
    inputs,
    initial_states,
    go_backwards: bool = False,
    mask=None,
    unroll: bool = False,
    initial_output=None,
    return_sequences: bool = True,
    zero_output_for_mask: bool = False,
):
    """Runs `step_function` over the time axis of `inputs`.

    Args:
        step_function: `(step_inputs, states) -> (output, new_states)`; `states` is a list
            and `new_states` a list of tensors with the same shapes.
        inputs: a tensor (batch, time, ...).
        initial_states: the list of states before the first step.
        go_backwards: process the steps from the last to the first.
        mask: None, or a boolean tensor (batch, time): False marks steps to skip.
        unroll: write the loop out step by step in Python (short sequences).
        initial_output: the "previous output" of a masked first step, for cells whose
            output is not shaped like their first state; None takes the first state.
        return_sequences: whether to collect the output of every step (else only the last
            output is kept, which saves stacking them).
        zero_output_for_mask: masked steps output zeros instead (Keras 3's option; the
            states still carry over).

    Returns:
        `(last_output, outputs, final_states)`: outputs is (batch, time, ...) in processing
        order, or None when `return_sequences` is False.
    """
    shape = ops.shape(inputs)
    rank, length = len(shape), shape[1]
    steps = _time_major(inputs, rank)
    kept = None
    if mask is not None:
        kept = ops.transpose(ops.cast(mask, "bool"), (1, 0))
    if go_backwards:
        steps = _reversed_steps(steps, length)
        kept = None if kept is None else _reversed_steps(kept, length)
    states = _as_list(initial_states)
    count = len(states)
    previous = states[0] if initial_output is None else initial_output

    def one_step(carry, step_inputs, step_kept):
        last, current = carry[0], carry[1:]
        output, new_states = step_function(step_inputs, list(current))
        new_states = _as_list(new_states)
        if len(new_states) != count:
            raise ValueError(
                f"The RNN cell returned {len(new_states)} new states; it has {count} states."
            )
        if step_kept is not None:
            skipped = ops.zeros_like(output) if zero_output_for_mask else last
            output = _where_kept(step_kept, output, skipped)
            new_states = [_where_kept(step_kept, new, old) for new, old in zip(new_states, current)]
        return [output, *new_states], output

    if unroll:
        carry, outputs = [previous, *states], []
        for t in range(length):
            carry, output = one_step(carry, steps[t], None if kept is None else kept[t])
            if return_sequences:
                outputs.append(output)
        sequences = ops.stack(outputs, axis=1) if return_sequences else None
        return carry[0], sequences, carry[1:]

    def scan_step(carry, xs):
        new_carry, output = one_step(carry, xs[0], xs[1] if len(xs) > 1 else None)
        return new_carry, [output] if return_sequences else []

    xs = [steps] if kept is None else [steps, kept]
    carry, ys = ops.scan(scan_step, [previous, *states], xs)
    sequences = None
    if return_sequences:
        sequences = _time_major(ys[0], len(ops.shape(ys[0])))
    return carry[0], sequences, carry[1:]
