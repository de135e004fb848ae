"""The contract's `scan` for eager PyTorch: a Python loop over the steps (each step's ops
run as torch kernels; the recurrent layers use torch's fused RNN kernels where they can)."""

from __future__ import annotations

import torch

from kerasfront.backend.loop_args import python_scan


def scan(fn, init, xs, reverse=False, unroll=1):
    return python_scan(fn, init, xs, reverse, [tuple(x.shape) for x in xs], torch.stack)
