"""jax.experimental.sparse arrays (BCOO, ...), for `K.is_sparse` and `K.to_dense`."""

from __future__ import annotations


def is_sparse(x) -> bool:
    # Sparse arrays come from jax.experimental.sparse; a user holding one has imported
    # it, so the check need not import it for everyone else.
    return type(x).__module__.startswith("jax.experimental.sparse")


def sparse_to_dense(x):
    return x.todense()
