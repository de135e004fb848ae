"""Fused optimizer updates for PyTorch: one `torch._foreach_*` call per operation over all
variables, updating the storages in place.

Eager PyTorch runs each elementwise op as its own pass over memory and allocates a
result for it; an Adam step written with plain ops makes about a dozen passes and as
many allocations per variable. These kernels make six passes and allocate one
temporary, as torch's own optimizers do. The optimizers in `kerasfront.optimizers`
call them when the adapter has them; the formulas are the same.

They receive the values the training step gave the optimizer, which on this engine are
the variables' storages themselves, update them in place and return them.
"""

from __future__ import annotations

import torch


def adam_update(variables, grads, ms, vs, alpha, beta_1, beta_2, epsilon, v_hats=None):
    """m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w -= alpha m / (sqrt(v) + eps).

    With `v_hats` (AMSGrad), v_hat = max(v_hat, v) replaces v in the denominator and the
    result has a fourth list, the new v_hats.
    """
    if not variables:  # foreach kernels refuse empty lists (a fully frozen model)
        return (variables, ms, vs) if v_hats is None else (variables, ms, vs, v_hats)
    with torch.no_grad():
        torch._foreach_lerp_(ms, grads, 1.0 - beta_1)  # m + (1 - b1)(g - m): the same m
        torch._foreach_mul_(vs, beta_2)
        torch._foreach_addcmul_(vs, grads, grads, value=1.0 - beta_2)
        if v_hats is not None:
            torch._foreach_maximum_(v_hats, vs)
        denominators = torch._foreach_sqrt(vs if v_hats is None else v_hats)
        torch._foreach_add_(denominators, epsilon)
        if alpha.device.type == "cpu":
            # Reading a CPU scalar costs nothing and lets one fused pass do the update.
            torch._foreach_addcdiv_(variables, ms, denominators, [-float(alpha)] * len(ms))
        else:
            # On an accelerator, reading alpha would wait for the device; keep it there.
            steps = torch._foreach_div(ms, denominators)
            torch._foreach_mul_(steps, alpha)
            torch._foreach_sub_(variables, steps)
    return (variables, ms, vs) if v_hats is None else (variables, ms, vs, v_hats)


def sgd_momentum_update(variables, grads, velocities, learning_rate, momentum, nesterov):
    """v = momentum v - lr g; w += v (Nesterov: w += momentum v - lr g)."""
    if not variables:
        return variables, velocities
    with torch.no_grad():
        scaled = torch._foreach_mul(grads, learning_rate)
        torch._foreach_mul_(velocities, momentum)
        torch._foreach_sub_(velocities, scaled)
        if nesterov:
            torch._foreach_add_(variables, velocities, alpha=momentum)
            torch._foreach_sub_(variables, scaled)
        else:
            torch._foreach_add_(variables, velocities)
    return variables, velocities
