"""The contract's optional fused recurrent kernels, `lstm` and `gru`, as one `lax.scan`
each, with the input projection taken out of the loop.

The generic loop (`kerasfront.layers.recurrent_loop`) calls the cell once per step, so
each step multiplies that step's inputs by the kernel: T small matmuls forward and as
many backward. Here the inputs of every step are projected by one (time x batch,
features) x (features, G units) matmul before the loop, which then carries only the
recurrent matmul and the gate arithmetic. The math is Keras's (sigmoid gates, tanh
activation, the weight layout of `kerasfront.layers.recurrent_cells`); only the order of
the work changes, which XLA's CPU and GPU code both run faster (measured on the stacked
LSTM benchmark, see benchmarks/README.md).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from kerasfront.backends.layer_args import recurrent_units


def _projected_steps(inputs, kernel, bias, go_backwards):
    """x_t W + b for every step, time first and in processing order: (time, batch, G units)."""
    steps = jnp.swapaxes(inputs, 0, 1)
    if go_backwards:
        steps = jnp.flip(steps, 0)
    projected = jnp.matmul(steps, kernel)
    return projected if bias is None else projected + bias


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

    def step(carry, projected):
        h, c = carry
        z = projected + jnp.matmul(h, recurrent_kernel)
        x_i, x_f, x_c, x_o = jnp.split(z, 4, axis=-1)
        c = jax.nn.sigmoid(x_f) * c + jax.nn.sigmoid(x_i) * jnp.tanh(x_c)
        h = jax.nn.sigmoid(x_o) * jnp.tanh(c)
        return (h, c), h

    h, c = initial_states
    (h, c), outputs = jax.lax.scan(
        step, (h, c), _projected_steps(inputs, kernel, bias, go_backwards)
    )
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
    input_bias = None if bias is None else bias[0]

    def step(h, projected):
        recurrent = jnp.matmul(h, recurrent_kernel)
        if bias is not None:
            recurrent = recurrent + bias[1]
        x_z, x_r, x_h = jnp.split(projected, 3, axis=-1)
        h_z, h_r, h_h = jnp.split(recurrent, 3, axis=-1)
        z = jax.nn.sigmoid(x_z + h_z)
        r = jax.nn.sigmoid(x_r + h_r)
        # reset_after: the reset gate scales the recurrent part after its bias is added.
        candidate = jnp.tanh(x_h + r * h_h)
        h = z * h + (1.0 - z) * candidate
        return h, h

    (h,) = initial_states
    h, outputs = jax.lax.scan(step, h, _projected_steps(inputs, kernel, input_bias, go_backwards))
    return jnp.swapaxes(outputs, 0, 1), [h]
