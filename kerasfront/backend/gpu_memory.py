"""GPU memory: engines take what they need as they go, so two can share one card.

JAX reserves 75% of a GPU's memory at its first use and TensorFlow maps nearly all of it,
which leaves nothing for a second engine in the same session (a benchmark comparing
them, a TensorFlow input pipeline beside a JAX model). Both read an environment setting
when they first touch a GPU; kerasfront sets it before importing the engine, unless the
user chose an allocation setting of their own. PyTorch's allocator grows by default.
"""

from __future__ import annotations

import os

# Per engine: the settings that mean "the user decided", and what we set otherwise.
_GROW_ON_DEMAND = {
    "jax": (
        (
            "XLA_PYTHON_CLIENT_PREALLOCATE",
            "XLA_PYTHON_CLIENT_MEM_FRACTION",
            "XLA_PYTHON_CLIENT_ALLOCATOR",
        ),
        ("XLA_PYTHON_CLIENT_PREALLOCATE", "false"),
    ),
    "tensorflow": (("TF_FORCE_GPU_ALLOW_GROWTH",), ("TF_FORCE_GPU_ALLOW_GROWTH", "true")),
}


def grow_on_demand(engine: str) -> None:
    """Sets the engine's grow-as-needed allocation, unless the user set one."""
    user_settings, (name, value) = _GROW_ON_DEMAND.get(engine, ((), (None, None)))
    if name is not None and not any(setting in os.environ for setting in user_settings):
        os.environ[name] = value
