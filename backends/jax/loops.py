"""The contract's `scan` on `jax.lax.scan`: one XLA loop, also inside `jax.jit`."""

from __future__ import annotations

import jax

from kerasfront.backend.loop_args import check_scan_inputs


def scan(fn, init, xs, reverse=False, unroll=1):
    check_scan_inputs(xs, [x.shape for x in xs])

    def body(carry, x):
        new_carry, y = fn(list(carry), list(x))
        return list(new_carry), list(y)

    carry, ys = jax.lax.scan(body, list(init), list(xs), reverse=reverse, unroll=unroll)
    return list(carry), list(ys)
