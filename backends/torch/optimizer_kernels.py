"""Fused optimizer updates for PyTorch: one `torch._foreach_*` call per operation over all
variables, updating the storages in place.

Eager PyTorch runs each elementwise op as its own pass over memory and allocates a
result for it; an Adam step written with plain ops makes about a dozen passes and as
many allocations per variable. Adam uses torch's own fused kernel (one pass per
variable) where it applies, the foreach form (six passes, one temporary) elsewhere. The
optimizers in `kerasfront.optimizers` call them when the adapter has them; the formulas
are the same.

They receive the values the training step gave the optimizer, which on this engine are
the variables' storages themselves, update them in place and return them.
"""

from __future__ import annotations

import torch

# A step count so large that beta ** step is 0: torch's fused Adam then applies no bias
# correction of its own, and the learning rate it is given (Keras 2's `alpha`, with both
# corrections folded in) and `epsilon` act exactly as in Keras 2's formula.
_NO_BIAS_CORRECTION: dict = {}
# torch's fused kernel reads its tensors as dense memory in this order, so it only takes
# contiguous ones; these are the dtypes it computes in float precision or more.
_FUSED_DTYPES = (torch.float32, torch.float64)


def host_scalar(value):
    """The value of a one-element CPU tensor as a Python float, or None where reading it
    would cost a device sync (an accelerator) or break a graph (torch.compile tracing).

    The optimizers use it to do their per-step scalar arithmetic (Adam's bias-corrected
    step size) on the host: each eager torch op on a scalar costs a few microseconds of
    dispatch, reading a CPU scalar about one.
    """
    if value.device.type != "cpu" or torch.compiler.is_compiling():
        return None
    return value.item()


def _row_major(variables, grads, ms, vs, v_hats):
    """The update's tensors as dense row-major tensors for the fused kernel, which reads
    memory in order: (variables, grads, ms, vs, v_hats), each a list; None where some
    tensor does not fit it (a dtype it does not compute in, a layout not handled here).

    A variable stored permuted (a column-major recurrent kernel, see
    rnn.lay_out_fused_rnn_weight; a conv kernel, see nn.lay_out_conv_kernel) goes in as
    the permuted view that is row-major, together with its gradient and slots: the update
    is elementwise, so the permuted problem is the same problem. Slots created row-major
    are laid out like their variable once, at the first update. Any other gradient that
    comes strided is copied: cheaper than leaving the fused kernel for the foreach path."""
    if not hasattr(torch, "_fused_adam_"):
        return None
    groups = [variables, grads, ms, vs] + ([v_hats] if v_hats is not None else [])
    lists: tuple = ([], [], [], [], [])
    for tensors in zip(*groups):  # plain loops: this runs at every step
        variable, grad = tensors[0], tensors[1]
        if variable.dtype not in _FUSED_DTYPES or grad.dtype != variable.dtype:
            return None
        if variable.is_contiguous():
            tensors = list(tensors)
            tensors[1] = grad if grad.is_contiguous() else grad.contiguous()
            if not all(slot.is_contiguous() for slot in tensors[2:]):
                return None
        else:
            order = _dense_order(variable)
            if order is None:
                return None
            layout = variable.stride()  # slots and gradient laid out alike
            slots = [_row_major_view(_like(s, variable, layout), order) for s in tensors[2:]]
            grad = _like(grad, variable, layout).permute(order)
            tensors = [_row_major_view(variable, order), grad, *slots]
        for target, tensor in zip(lists, tensors):
            target.append(tensor)
    return lists


_ORDERS: dict = {}  # (shape, strides) -> _dense_order's answer; a model has few layouts


def _dense_order(tensor):
    """The axes of `tensor` from the largest stride to the smallest, where permuting them
    gives a row-major tensor; None for a tensor with gaps or overlaps."""
    key = (tensor.shape, tensor.stride())
    if key not in _ORDERS:
        strides = key[1]
        order = sorted(range(len(strides)), key=strides.__getitem__, reverse=True)
        _ORDERS[key] = order if tensor.permute(order).is_contiguous() else None
    return _ORDERS[key]


def _like(tensor, variable, layout):
    """`tensor` (a gradient or slot of `variable`) laid out like `variable`, whose
    strides are `layout`: its data is replaced by a copy in that layout, which keeps its
    values, so a slot takes the copy once, at its first update."""
    if tensor.stride() != layout:
        tensor.data = torch.empty_like(variable).copy_(tensor)
    return tensor


def _row_major_view(tensor, order):
    """`tensor.permute(order)`, kept on the tensor between steps (a view op costs about a
    microsecond of dispatch, several per weight and step). The kept view is used only
    while it still reads the tensor's memory: an assignment replaces that memory (and
    the view, holding the old memory, keeps its address from being reused)."""
    kept = getattr(tensor, "_kerasfront_row_major", None)
    if kept is None or kept.data_ptr() != tensor.data_ptr():
        kept = tensor.permute(order)
        tensor._kerasfront_row_major = kept
    return kept


def adam_update(variables, grads, ms, vs, alpha, beta_1, beta_2, epsilon, v_hats=None):
    """m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w -= alpha m / (sqrt(v) + eps).

    `alpha` is a scalar tensor or a Python float.

    With `v_hats` (AMSGrad), v_hat = max(v_hat, v) replaces v in the denominator and the
    result has a fourth list, the new v_hats.
    """
    if not variables:  # foreach kernels refuse empty lists (a fully frozen model)
        return (variables, ms, vs) if v_hats is None else (variables, ms, vs, v_hats)
    with torch.no_grad():
        # Under torch.compile (jit_compile=True) the foreach form, which it traces into
        # its own fused code; the fused kernel's in-place update of the step's inputs is
        # not something it can trace.
        compiling = torch.compiler.is_compiling()
        tensor_lists = None if compiling else _row_major(variables, grads, ms, vs, v_hats)
        if tensor_lists is not None:
            _fused_adam(*tensor_lists[:4], tensor_lists[4] or None, alpha, beta_1, beta_2, epsilon)
        else:
            _foreach_adam(
                variables, grads, ms, vs, v_hats, alpha, beta_1, beta_2, epsilon, compiling
            )
    return (variables, ms, vs) if v_hats is None else (variables, ms, vs, v_hats)


def _fused_adam(variables, grads, ms, vs, v_hats, alpha, beta_1, beta_2, epsilon):
    """torch's fused Adam: one pass over each variable, no temporaries."""
    device = variables[0].device
    no_correction = _NO_BIAS_CORRECTION.get(device)
    if no_correction is None:
        no_correction = _NO_BIAS_CORRECTION[device] = torch.tensor(1e30, device=device)
    # alpha may come as a Python float (computed on the host); reading a CPU scalar
    # costs nothing; on an accelerator alpha stays on the device (the kernel takes it).
    lr = alpha if isinstance(alpha, float) else host_scalar(alpha)
    if lr is None:
        lr = alpha
    torch._fused_adam_(
        variables,
        grads,
        ms,
        vs,
        v_hats or [],
        [no_correction] * len(variables),
        lr=lr,
        beta1=beta_1,
        beta2=beta_2,
        weight_decay=0.0,
        eps=epsilon,
        amsgrad=v_hats is not None,
        maximize=False,
    )


def _foreach_adam(variables, grads, ms, vs, v_hats, alpha, beta_1, beta_2, epsilon, compiling):
    torch._foreach_lerp_(ms, grads, 1.0 - beta_1)  # m + (1 - b1)(g - m): the same m
    torch._foreach_mul_(vs, beta_2)
    torch._foreach_addcmul_(vs, grads, grads, value=1.0 - beta_2)
    if v_hats is not None:
        torch._foreach_maximum_(v_hats, vs)
    denominators = torch._foreach_sqrt(vs if v_hats is None else v_hats)
    torch._foreach_add_(denominators, epsilon)
    if isinstance(alpha, float) or (alpha.device.type == "cpu" and not compiling):
        # Reading a CPU scalar costs nothing and lets one fused pass do the update (a
        # compiled step would break its graph there).
        torch._foreach_addcdiv_(variables, ms, denominators, [-float(alpha)] * len(ms))
    else:
        # On an accelerator, reading alpha would wait for the device; keep it there.
        steps = torch._foreach_div(ms, denominators)
        torch._foreach_mul_(steps, alpha)
        torch._foreach_sub_(variables, steps)


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
