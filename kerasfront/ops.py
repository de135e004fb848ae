"""Array operations on the active backend's tensors, with NumPy's names and semantics.

Each name is bound once, at import, to the active adapter's own function: calling
`ops.matmul` on engine tensors costs nothing beyond the engine's call. The full list is
`kerasfront.backend.contract.OP_NAMES`.

Example:
    >>> from kerasfront import ops
    >>> ops.sum(ops.ones((2, 3)), axis=1)  # a tensor of the active engine: [3., 3.]
"""

from __future__ import annotations

from kerasfront.backend.contract import OP_NAMES
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.variables import Variable

globals().update({name: getattr(ADAPTER, name) for name in OP_NAMES})

_adapter_convert = ADAPTER.convert_to_tensor


def convert_to_tensor(x, dtype=None):  # noqa: F811 (wraps the adapter's to accept Variables)
    """Turns arrays, scalars, lists and `Variable`s into a tensor of the active engine."""
    if isinstance(x, Variable):
        x = x.value
    return _adapter_convert(x, dtype)


def size(x) -> int:
    """Number of elements, from the static shape."""
    total = 1
    for dim in ADAPTER.shape(x):
        total *= dim
    return total


__all__ = [*OP_NAMES, "size"]
