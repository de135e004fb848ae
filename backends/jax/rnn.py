"""The contract's optional fused recurrent kernels, `lstm` and `gru`: one `lax.scan` each
over Keras's equations (sigmoid gates, tanh activation, the weight layout of
`kerasfront.layers.recurrent_cells`).

Why not the generic loop (`kerasfront.layers.recurrent_loop` calling the cell): the
cell cuts its gate blocks out of the fused pre-activation by slicing, whose gradient
XLA builds as padded blocks added together; `jnp.split`'s gradient is one
concatenation. On the stacked-LSTM benchmark that made the loop's training step about
1.3x slower on a CPU. Taking the input projection out of the loop (one matmul for all
steps) was measured too: XLA's CPU backend then computes the kernel's gradient as one
large transposed matmul, slower than the per-step ones, so the projection stays inside.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from kerasfront.backends.layer_args import recurrent_units


def _steps(inputs, go_backwards):
    """The inputs time first, in processing order: (time, batch, features)."""
    steps = jnp.swapaxes(inputs, 0, 1)
    return jnp.flip(steps, 0) if go_backwards else steps


def lstm(inputs, initial_states, kernel, recurrent_kernel, bias, go_backwards=False):
    """Keras's LSTM (sigmoid gates, tanh activation) over the whole sequence.

    Args:
        inputs: (batch, time, features).
        initial_states: [h, c], each (batch, units).
        kernel: (features, 4 units), gates i, f, c, o.
        recurrent_kernel: (units, 4 units), same gate order.
        bias: (4 units,), or None for no bias.
        go_backwards: whether to run over the time axis from its end.

    Returns:
        (outputs (batch, time, units) in step order, [h, c] after the last step).
    """
    recurrent_units("lstm", 4, inputs, kernel, recurrent_kernel, lambda u: (4 * u,), bias)

    def step(carry, x_t):
        h, c = carry
        z = jnp.matmul(x_t, kernel) + jnp.matmul(h, recurrent_kernel)
        if bias is not None:
            z = z + bias
        x_i, x_f, x_c, x_o = jnp.split(z, 4, axis=-1)
        c = jax.nn.sigmoid(x_f) * c + jax.nn.sigmoid(x_i) * jnp.tanh(x_c)
        h = jax.nn.sigmoid(x_o) * jnp.tanh(c)
        return (h, c), h

    (h, c), outputs = jax.lax.scan(step, tuple(initial_states), _steps(inputs, go_backwards))
    return jnp.swapaxes(outputs, 0, 1), [h, c]


def gru(inputs, initial_states, kernel, recurrent_kernel, bias, go_backwards=False):
    """Keras's GRU with reset_after=True (sigmoid gates, tanh activation).

    Args:
        inputs: (batch, time, features).
        initial_states: [h], (batch, units).
        kernel: (features, 3 units), gates z, r, h.
        recurrent_kernel: (units, 3 units), same gate order.
        bias: (2, 3 units): the input bias row, then the recurrent bias row; or None.
        go_backwards: whether to run over the time axis from its end.

    Returns:
        (outputs (batch, time, units) in step order, [h] after the last step).
    """
    recurrent_units("gru", 3, inputs, kernel, recurrent_kernel, lambda u: (2, 3 * u), bias)

    def step(h, x_t):
        projected = jnp.matmul(x_t, kernel)
        recurrent = jnp.matmul(h, recurrent_kernel)
        if bias is not None:
            projected, recurrent = projected + bias[0], recurrent + bias[1]
        x_z, x_r, x_h = jnp.split(projected, 3, axis=-1)
        h_z, h_r, h_h = jnp.split(recurrent, 3, axis=-1)
        z = jax.nn.sigmoid(x_z + h_z)
        r = jax.nn.sigmoid(x_r + h_r)
        # reset_after: the reset gate scales the recurrent part after its bias is added.
        candidate = jnp.tanh(x_h + r * h_h)
        h = z * h + (1.0 - z) * candidate
        return h, h

    (h,) = initial_states
    h, outputs = jax.lax.scan(step, h, _steps(inputs, go_backwards))
    return jnp.swapaxes(outputs, 0, 1), [h]
