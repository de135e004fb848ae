"""The contract's `scan` as a plain Python loop: the reference the engines are checked
against."""

from __future__ import annotations

import numpy as np

from kerasfront.backend.loop_args import check_scan_inputs, step_order


def scan(fn, init, xs, reverse=False, unroll=1):
    length = check_scan_inputs(xs, [np.shape(x) for x in xs])
    carry, per_step = list(init), [None] * length
    for t in step_order(length, reverse):
        carry, y = fn(carry, [x[t] for x in xs])
        carry, per_step[t] = list(carry), list(y)
    ys = [np.stack([step[i] for step in per_step]) for i in range(len(per_step[0]))]
    return carry, ys
