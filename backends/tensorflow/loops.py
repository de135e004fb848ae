"""The contract's `scan` on `tf.while_loop` with TensorArrays: one graph loop inside
`tf.function`, a Python loop when eager."""

from __future__ import annotations

import tensorflow as tf

from kerasfront.backend.loop_args import check_scan_inputs


def scan(fn, init, xs, reverse=False, unroll=1):
    xs = [tf.convert_to_tensor(x) for x in xs]
    length = check_scan_inputs(xs, [x.shape.as_list() for x in xs])

    def index(t):
        return length - 1 - t if reverse else t

    # The first step runs before the loop: it gives the dtypes and shapes of the outputs,
    # which the TensorArrays need.
    carry, y = fn(list(init), [x[index(0)] for x in xs])
    arrays = [
        tf.TensorArray(value.dtype, size=length, element_shape=value.shape).write(index(0), value)
        for value in y
    ]
    if unroll is True:
        for t in range(1, length):
            carry, y = fn(list(carry), [x[index(t)] for x in xs])
            arrays = [array.write(index(t), value) for array, value in zip(arrays, y)]
        return list(carry), [array.stack() for array in arrays]

    def body(t, carry, arrays):
        new_carry, y = fn(list(carry), [tf.gather(x, index(t)) for x in xs])
        return t + 1, list(new_carry), [a.write(index(t), v) for a, v in zip(arrays, y)]

    _, carry, arrays = tf.while_loop(
        lambda t, *_: t < length,
        body,
        (tf.constant(1), list(carry), arrays),
        maximum_iterations=length - 1,
    )
    return list(carry), [array.stack() for array in arrays]
