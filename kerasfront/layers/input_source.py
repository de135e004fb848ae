"""`Input(tensor=...)`: an input that stands for an existing tensor (Keras 2).

Keras 2 code feeds a network a tensor it already has: the style-transfer and doodle
examples concatenate `K.variable` images with a `K.placeholder` and build a VGG on the
result, or wrap a constant mask tensor in `Input(tensor=masks)`. In Keras 2 the model's
input *is* that tensor, so a model built on it is an ordinary functional model, while a
`K.function` from the placeholder to a loss on the model's layers runs through it.

Here the input stays a graph input of its own (a model built on it takes it as its
input and can be saved and run like any other), and its layer keeps the tensor as its
source. Where a `K.function` or `K.gradients` reaches such an input without it being
fed, `nodes_between` (kerasfront/layers/subgraph.py) replaces it by a bridge node that
computes it from the source: the graph tensor's own value, a Variable's current value,
or the constant.
"""

from __future__ import annotations

import numpy as np

from kerasfront import ops
from kerasfront.backend.variables import Variable
from kerasfront.layers.input_layer import InputLayer
from kerasfront.layers.keras_tensor import KerasTensor, Node


def _shape_and_dtype(tensor) -> tuple[tuple, str]:
    if isinstance(tensor, (KerasTensor, Variable)):
        return tuple(tensor.shape), str(tensor.dtype)
    if ops.is_tensor(tensor):
        return tuple(ops.shape(tensor)), str(ops.dtype(tensor))
    array = np.asarray(tensor)
    return tuple(array.shape), str(array.dtype)


def input_from_tensor(
    tensor, *, shape, batch_size, batch_shape, name, dtype, sparse
) -> KerasTensor:
    """`Input(tensor=tensor, ...)`: a graph input standing for `tensor`."""
    layer = InputLayer(
        batch_size=batch_size,
        batch_input_shape=batch_shape,
        input_shape=shape,
        dtype=dtype,
        input_tensor=tensor,
        sparse=sparse,
        name=name,
    )
    return layer._inbound_nodes[0].outputs


def tensor_shape_and_dtype(tensor, *, shape, batch_size, batch_shape, name, dtype) -> tuple:
    """The checked `(batch_input_shape, dtype)` of an input standing for `tensor`: the
    tensor's own, with None axes filled from a declared shape that must agree with it."""
    where = f"Input '{name}'" if name else "Input(tensor=...)"
    if not isinstance(tensor, (KerasTensor, Variable, np.ndarray)) and not ops.is_tensor(tensor):
        raise TypeError(
            f"{where}: tensor must be a graph tensor, a Variable or an array; received "
            f"{type(tensor).__name__}: {tensor!r:.80}."
        )
    tensor_shape, tensor_dtype = _shape_and_dtype(tensor)
    # shape= / batch_shape= describe the tensor (Keras 2 used them where the tensor's
    # static shape was unknown); a shape that contradicts it is a mistake, not a cast.
    declared = batch_shape
    if declared is None and shape is not None:
        declared = (batch_size, *((shape,) if isinstance(shape, int) else tuple(shape)))
    if declared is not None:
        declared = tuple(declared)
        if len(declared) != len(tensor_shape) or any(
            want is not None and have is not None and want != have
            for want, have in zip(declared, tensor_shape)
        ):
            raise ValueError(
                f"{where}: the tensor has shape {tensor_shape}, which does not match the "
                f"declared shape {declared} (None: any size, batch axis first)."
            )
        tensor_shape = tuple(
            have if have is not None else want for want, have in zip(declared, tensor_shape)
        )
    if dtype is not None and str(dtype) != tensor_dtype:
        raise TypeError(
            f"{where}: the tensor has dtype {tensor_dtype}, not the declared dtype {dtype}; "
            "cast it first (K.cast)."
        )
    return tensor_shape, tensor_dtype


class _ConstantSource:
    """Stands in for a layer in a bridge node with no graph input: gives the value of a
    Variable (read when the node runs, so a compiled K.function maps it) or a constant."""

    weights: list = []
    forward_state_variables: list = []
    _call_accepts_mask = False

    def __init__(self, input_layer: InputLayer):
        self.name = input_layer.name
        (self.value,) = input_layer._input_source
        self.referenced_variables = [self.value] if isinstance(self.value, Variable) else []

    def __call__(self, arguments, training=None, **kwargs):
        return ops.convert_to_tensor(self.value)

    def compute_mask(self, inputs, mask=None):
        return None


class _SourceNode(Node):
    """A node computing an `Input(tensor=...)` from its source; never an input node,
    even when the source is a constant (no graph input at all)."""

    @property
    def is_input(self) -> bool:
        return False


class _Identity:
    """Stands in for a layer in a bridge node from a graph tensor: passes it through."""

    weights: list = []
    forward_state_variables: list = []
    referenced_variables: list = []
    _call_accepts_mask = False

    def __init__(self, input_layer: InputLayer):
        self.name = input_layer.name

    def __call__(self, arguments, training=None, **kwargs):
        return arguments

    def compute_mask(self, inputs, mask=None):
        return mask


def source_node(input_node: Node) -> Node | None:
    """The bridge node computing the output of `input_node` (an input node) from the
    tensor its `Input(tensor=...)` stands for; None for an ordinary input."""
    layer = input_node.layer
    held = getattr(layer, "_input_source", None)
    if held is None:
        return None
    (source,) = held
    bridge = getattr(layer, "_source_node", None)
    if bridge is None:
        if isinstance(source, KerasTensor):
            bridge = _SourceNode(_Identity(layer), source, {}, input_node.outputs)
        else:
            bridge = _SourceNode(_ConstantSource(layer), (), {}, input_node.outputs)
        layer._source_node = bridge
    return bridge
