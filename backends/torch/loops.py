"""The contract's `scan` for eager PyTorch: a Python loop over the steps (each step's ops
run as torch kernels; the recurrent layers use torch's fused RNN kernels where they can)."""

from __future__ import annotations

import torch

from kerasfront.backend.loop_args import check_scan_inputs, step_order


def scan(fn, init, xs, reverse=False, unroll=1):
    length = check_scan_inputs(xs, [tuple(x.shape) for x in xs])
    carry, per_step = list(init), [None] * length
    for t in step_order(length, reverse):
        carry, y = fn(carry, [x[t] for x in xs])
        carry, per_step[t] = list(carry), list(y)
    ys = [torch.stack([step[i] for step in per_step]) for i in range(len(per_step[0]))]
    return carry, ys
