"""Augmented assignment in the user's layers rebinds the name, as on TensorFlow.

Keras 2 layers written for TensorFlow update intermediate tensors with augmented
assignment: the classic attention layer computes `a = K.exp(e)`, then `a *= mask` and
`a /= K.sum(a, ...)`. A TensorFlow tensor never changes, so `a *= mask` makes a new tensor;
a torch tensor changes in place, and autograd, which kept `exp`'s output for the backward
pass, then refuses to differentiate. Inside the call of a user's layer, this mode turns
the in-place arithmetic that `+=`, `-=`, `*=`, `/=`, `//=`, `%=` and `**=` run into the
out-of-place operation, whose result Python binds to the name.
"""

from __future__ import annotations

import contextlib
import threading

import torch
from torch.overrides import TorchFunctionMode

# What `x op= y` runs on a torch tensor -> the out-of-place operation. kerasfront's own
# layer code calls none of these methods explicitly (they would stop changing `x`).
_OUT_OF_PLACE = {
    torch.Tensor.add_: torch.Tensor.add,
    torch.Tensor.sub_: torch.Tensor.sub,
    torch.Tensor.mul_: torch.Tensor.mul,
    torch.Tensor.div_: torch.Tensor.div,
    torch.Tensor.floor_divide_: torch.Tensor.floor_divide,
    torch.Tensor.remainder_: torch.Tensor.remainder,
    torch.Tensor.pow_: torch.Tensor.pow,
}


# How many of these modes this thread has entered (torch's mode stack is per thread): a
# user's layer inside a user's model enters once, as every torch call under a mode pays.
_ACTIVE = threading.local()


class _RebindingAugmentedAssignment(TorchFunctionMode):
    def __torch_function__(self, func, types, args=(), kwargs=None):
        return _OUT_OF_PLACE.get(func, func)(*args, **(kwargs or {}))

    def __enter__(self):
        _ACTIVE.depth = getattr(_ACTIVE, "depth", 0) + 1
        return super().__enter__()

    def __exit__(self, *exception):
        _ACTIVE.depth -= 1
        return super().__exit__(*exception)


def user_code_scope():
    """A context in which `x op= y` on torch tensors makes a new tensor (see the module)."""
    if getattr(_ACTIVE, "depth", 0):
        return contextlib.nullcontext()
    return _RebindingAugmentedAssignment()
