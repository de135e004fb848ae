"""Printing values (K.print_tensor): torch computes eagerly, so printing is immediate;
only shape-inference stand-ins (meta tensors) are skipped, as they have no values."""

from __future__ import annotations

import sys

import numpy as np
import torch


def debug_print(x, message: str, summarize: int):
    """Prints `message` and the value of `x`, and returns `x`."""
    if isinstance(x, torch.Tensor) and x.device.type == "meta":
        return x
    array = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    if summarize < 0:
        text = np.array2string(array, threshold=sys.maxsize)
    else:
        text = np.array2string(array, threshold=0, edgeitems=max(summarize, 1))
    print(message, text, flush=True)
    return x
