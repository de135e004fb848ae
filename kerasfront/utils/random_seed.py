"""One call that makes a run reproducible on the active backend."""

from __future__ import annotations

import random

import numpy as np


def set_random_seed(seed: int) -> None:
    """Seeds Python's and NumPy's generators.

    kerasfront draws initial weights, shuffling and the default seeds of random layers
    from NumPy, so this alone makes a run repeatable on one backend; initial weights are
    then also the same on every backend.
    """
    if not isinstance(seed, int):
        raise ValueError(f"set_random_seed expects an integer seed, received {seed!r}.")
    # Bind the engine first: importing it (and kerasfront's modules) may draw from NumPy's
    # generator, by different amounts per engine, which would shift every draw after it.
    import kerasfront.backend  # noqa: F401
    import kerasfront.layers  # noqa: F401

    random.seed(seed)
    np.random.seed(seed)
