"""The contract's `scan` as a plain Python loop: the reference the engines are checked
against."""

from __future__ import annotations

import numpy as np

from kerasfront.backend.loop_args import python_scan


def scan(fn, init, xs, reverse=False, unroll=1):
    return python_scan(fn, init, xs, reverse, [np.shape(x) for x in xs], np.stack)
