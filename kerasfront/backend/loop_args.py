"""Engine-free parts of every adapter's `scan` (see contract.LOOP_OPS): the checks, and the
plain step loop of the engines that run eagerly (the NumPy reference, torch)."""

from __future__ import annotations


def check_scan_inputs(xs, shapes) -> int:
    """The common length of the scanned tensors `xs` (their first axis), checked."""
    if not isinstance(xs, (list, tuple)) or not xs:
        raise ValueError(
            "scan: xs must be a non-empty list of tensors scanned along their first axis, "
            f"received {type(xs).__name__}."
        )
    lengths = {shape[0] if len(shape) else None for shape in shapes}
    if len(lengths) != 1 or None in lengths:
        raise ValueError(
            "scan: every tensor in xs needs the same first axis (the steps), received "
            f"shapes {[tuple(shape) for shape in shapes]}."
        )
    length = lengths.pop()
    if length == 0:
        raise ValueError("scan: xs have no steps (a first axis of size 0).")
    return length


def step_order(length: int, reverse: bool):
    return range(length - 1, -1, -1) if reverse else range(length)


def python_scan(fn, init, xs, reverse, shapes, stack):
    """`scan` as a Python loop over the steps; `stack(list_of_tensors)` stacks one output."""
    length = check_scan_inputs(xs, shapes)
    carry, per_step = list(init), [None] * length
    for t in step_order(length, reverse):
        carry, y = fn(carry, [x[t] for x in xs])
        carry, per_step[t] = list(carry), list(y)
    return carry, [stack([step[i] for step in per_step]) for i in range(len(per_step[0]))]
