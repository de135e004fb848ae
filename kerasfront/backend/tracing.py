"""Output shapes and dtypes of a function, found by running it on stand-in inputs.

Engines with an abstract evaluator (`jax.eval_shape`, torch meta tensors) run the
function on inputs that carry only shapes. Unknown (None) dimensions are given two
different sizes; output dimensions that change between the two runs are unknown too.
"""

from __future__ import annotations

from dataclasses import dataclass

from kerasfront import tree
from kerasfront.backend.scope import StatelessScope

# Two sizes that unknown dimensions take while probing; they differ, so a dimension that
# follows an unknown input dimension is seen to change. Small, so real runs stay cheap.
PROBE_SIZES = (2, 3)


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


def probe_output_spec(run_with_size, specs):
    """Runs `run_with_size(size)` once, or twice when some input dim is unknown.

    `run_with_size(size)` returns a nested structure of `Spec`s for inputs whose unknown
    dims were given `size`.
    """
    has_unknown = any(None in spec.shape for spec in tree.flatten(specs))
    first = run_with_size(PROBE_SIZES[0])
    if not has_unknown:
        return first
    return merge_probes(first, run_with_size(PROBE_SIZES[1]))


def without_side_effects(fn):
    """`fn` run in a fresh stateless scope: assignments made while tracing (a random
    layer advancing its seed) are dropped instead of reaching the variables."""

    def scoped(inputs):
        with StatelessScope():
            return fn(inputs)

    return scoped
