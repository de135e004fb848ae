"""What a layer accepts: rank and fixed axis sizes, checked when it is called."""

from __future__ import annotations

from kerasfront import tree
from kerasfront.backend.registry import ADAPTER


class InputSpec:
    """Constraints on one input of a layer.

    Args:
        ndim / min_ndim / max_ndim: the rank, exactly or as bounds (batch axis included).
        axes: `{axis: size}` for axes whose size is fixed, e.g. `{-1: 784}`.
        dtype: an expected dtype name, or None for any.
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None):
        self.dtype = dtype
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})

    def __repr__(self) -> str:
        parts = [f"{k}={v}" for k, v in vars(self).items() if v not in (None, {})]
        return f"InputSpec({', '.join(parts)})"


def _shape_of(x) -> tuple:
    shape = getattr(x, "shape", None)
    if isinstance(shape, tuple) and all(d is None or isinstance(d, int) for d in shape):
        return tuple(shape)  # a plain tuple, also for tuple subclasses such as torch.Size
    return tuple(ADAPTER.shape(x))


def check_input_spec(layer, inputs) -> None:
    """Raises a ValueError naming the layer when `inputs` break its `input_spec`."""
    specs = layer.input_spec
    specs = specs if isinstance(specs, (list, tuple)) else [specs]
    flat = tree.flatten(inputs)
    if len(flat) != len(specs):
        raise ValueError(
            f"Layer '{layer.name}' expects {len(specs)} input(s), received {len(flat)}."
        )
    for index, (spec, x) in enumerate(zip(specs, flat)):
        if spec is None:
            continue
        shape = _shape_of(x)
        where = f"Input {index} of layer '{layer.name}' ({type(layer).__name__})"
        rank = len(shape)
        if spec.ndim is not None and rank != spec.ndim:
            raise ValueError(
                f"{where} is incompatible with the layer: expected ndim={spec.ndim}, found "
                f"ndim={rank}. Full shape received: {shape}."
            )
        if spec.min_ndim is not None and rank < spec.min_ndim:
            raise ValueError(
                f"{where} is incompatible with the layer: expected min_ndim={spec.min_ndim}, "
                f"found ndim={rank}. Full shape received: {shape}."
            )
        if spec.max_ndim is not None and rank > spec.max_ndim:
            raise ValueError(
                f"{where} is incompatible with the layer: expected max_ndim={spec.max_ndim}, "
                f"found ndim={rank}. Full shape received: {shape}."
            )
        for axis, size in spec.axes.items():
            actual = shape[axis] if -rank <= axis < rank else None
            if size is not None and actual is not None and actual != size:
                raise ValueError(
                    f"{where} is incompatible with the layer: expected axis {axis} of the input "
                    f"shape to have value {size}, but received input with shape {shape}."
                )
