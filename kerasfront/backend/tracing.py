"""Output shapes and dtypes of a function, found without running it on real data.

Engines that carry unknown dimensions symbolically answer directly: TensorFlow traces a
`tf.function` with None dims, JAX evaluates on symbolic dimensions. Where that is not
possible (torch, a function that branches on a size, a NumPy call inside), the function
is probed: unknown (None) dimensions are given two different sizes, on stand-in inputs
that carry shapes only where the engine has such inputs (`jax.eval_shape`, torch meta
tensors), and output dimensions that change between the two runs are unknown too.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from kerasfront import tree
from kerasfront.backend.scope import StatelessScope

# The sizes unknown dimensions take while probing. Large, so that slicing a fixed number
# of entries off an axis (`z[:, 4:]`), a kernel or a pooling window still leaves a
# non-empty axis whose size follows the input's; different and coprime, so a dimension
# that depends on an unknown input dimension (also through strides) is seen to change.
PROBE_SIZES = (83, 89)


@dataclass(frozen=True)
class Spec:
    """The shape (None for unknown dims) and dtype name of a tensor."""

    shape: tuple
    dtype: str


def concrete_shape(shape: tuple, size: int) -> tuple:
    return tuple(size if dim is None else dim for dim in shape)


def merge_probes(first, second):
    """Combines the outputs of two probe runs: dims that differ become None."""

    def merge(a: Spec, b: Spec) -> Spec:
        if len(a.shape) != len(b.shape):
            raise ValueError(f"Output rank depends on the input size: {a.shape} vs {b.shape}.")
        shape = tuple(x if x == y else None for x, y in zip(a.shape, b.shape))
        return Spec(shape, a.dtype)

    return tree.pack_like(
        first, [merge(a, b) for a, b in zip(tree.flatten(first), tree.flatten(second))]
    )


def has_unknown_dims(specs) -> bool:
    return any(None in spec.shape for spec in tree.flatten(specs))


def probe_output_spec(run_with_size, specs):
    """Runs `run_with_size(size)` once, or twice when some input dim is unknown.

    `run_with_size(size)` returns a nested structure of `Spec`s for inputs whose unknown
    dims were given `size`.
    """
    first = run_with_size(PROBE_SIZES[0])
    if not has_unknown_dims(specs):
        return first
    return merge_probes(first, run_with_size(PROBE_SIZES[1]))


def symbolic_or_probed_spec(run_symbolic, run_with_size, specs):
    """The engine's symbolic answer where it can give one, else the probed one.

    `run_symbolic()` evaluates with unknown dims kept symbolic and returns Specs with
    None for every dim that is not a plain int. Symbolic evaluation refuses some valid
    functions (a Python branch on a size, a NumPy call), so any failure there falls back
    to probing; an error of the function itself then surfaces from the probe.
    """
    if not has_unknown_dims(specs):
        return run_with_size(PROBE_SIZES[0])
    try:
        return run_symbolic()
    except Exception:
        return probe_output_spec(run_with_size, specs)


def known_dims_only(shape) -> tuple:
    """A shape with every dimension that is not a plain integer (a symbolic one) as None."""

    def known(dim):
        try:
            return operator.index(dim)
        except Exception:  # symbolic dims refuse conversion with engine-specific errors
            return None

    return tuple(known(dim) for dim in shape)


def without_side_effects(fn):
    """`fn` run in a fresh stateless scope: assignments made while tracing (a random
    layer advancing its seed) are dropped instead of reaching the variables."""

    def scoped(inputs):
        with StatelessScope():
            return fn(inputs)

    return scoped
