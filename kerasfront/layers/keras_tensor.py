"""Symbolic tensors and the nodes that connect layers into a graph (the functional API).

A `KerasTensor` is a shape, a dtype and the history of how it was made: the layer, the
node (one call of that layer) and which of that call's outputs it is. A functional model
walks these histories back from its outputs to its inputs.
"""

from __future__ import annotations

import operator

from kerasfront import tree
from kerasfront.backend.symbolic import SymbolicTensor


def _recorded(operation, *operands):
    """`operation(*operands)` as a node of the graph (an arithmetic or indexing node)."""
    from kerasfront.layers.backend_op import symbolic_operator

    return symbolic_operator(operation, operands)


def _binary(operation):
    def forward(self, other):
        return _recorded(operation, self, other)

    def reflected(self, other):
        return _recorded(operation, other, self)

    return forward, reflected


class KerasTensor(SymbolicTensor):
    """A placeholder for a tensor while a model is being wired: shape and dtype only.

    Arithmetic (`+ - * / // % ** @`, unary `-`, `abs`), ordering comparisons (`< <= > >=`)
    and indexing (`x[:, 0]`) record graph nodes, as the K functions do, so that
    `K.sum(x * 2, axis=1)` wires a graph. `==` and `!=` keep comparing identity (graph
    code looks tensors up by it); use `K.equal` for the element-wise test.
    """

    # NumPy gives way to our reflected operators (`array * tensor`) instead of trying to
    # turn the tensor into an array.
    __array_ufunc__ = None

    def __init__(self, shape, dtype="float32", name=None, keras_history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = str(dtype)
        self.name = name
        self.keras_history = keras_history  # (layer, node_index, tensor_index)
        # The mask this tensor will carry (a boolean KerasTensor without history), or
        # None: set by the layer that makes it (Embedding(mask_zero=True), Masking, and
        # every layer passing a mask on).
        self.keras_mask = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    # Keras 2 kept these on every graph tensor, and its docs and user layers read them
    # (`K.placeholder(shape=(2, 4, 5))._keras_shape`, `inputs._keras_shape[-1]` in `build`).
    @property
    def _keras_shape(self) -> tuple:
        return self.shape

    @property
    def _keras_history(self):
        return self.keras_history

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape} dtype={self.dtype} name={self.name}>"

    def __bool__(self):
        raise TypeError(
            "A KerasTensor is symbolic: it has no value to test with `if` or `bool()`. "
            "Put the computation in a layer (e.g. a Lambda) and call it on real data."
        )

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            f"{self!r} is symbolic and cannot become a NumPy array. Build a model from it "
            "and call `model.predict` on data instead."
        )

    def __iter__(self):
        # Without this, Python would iterate by indexing 0, 1, 2, ... for ever, each index
        # recording a node.
        raise TypeError(
            f"{self!r} is symbolic: it cannot be iterated over. Index it (`x[0]`, `x[:, 1]`) "
            "instead."
        )

    __add__, __radd__ = _binary(operator.add)
    __sub__, __rsub__ = _binary(operator.sub)
    __mul__, __rmul__ = _binary(operator.mul)
    __truediv__, __rtruediv__ = _binary(operator.truediv)
    __floordiv__, __rfloordiv__ = _binary(operator.floordiv)
    __mod__, __rmod__ = _binary(operator.mod)
    __pow__, __rpow__ = _binary(operator.pow)
    __matmul__, __rmatmul__ = _binary(operator.matmul)
    __lt__ = _binary(operator.lt)[0]
    __le__ = _binary(operator.le)[0]
    __gt__ = _binary(operator.gt)[0]
    __ge__ = _binary(operator.ge)[0]
    __getitem__ = _binary(operator.getitem)[0]
    # Identity equality, as before the operators were added (see the class docstring).
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def __neg__(self):
        return _recorded(operator.neg, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _recorded(operator.abs, self)


def symbolic_leaves(structure) -> list:
    return [t for t in tree.flatten(structure) if isinstance(t, KerasTensor)]


def carried_masks(inputs):
    """The masks that symbolic `inputs` carry, shaped like `inputs`; None if none do."""
    masks = tree.map_structure(lambda t: getattr(t, "keras_mask", None), inputs)
    return masks if any(mask is not None for mask in tree.flatten(masks)) else None


def one_mask_per_output(masks, count: int) -> list:
    """`masks` as a list with one entry (a mask or None) per output tensor."""
    if masks is None:
        return [None] * count
    flat = tree.flatten(masks)
    return flat if len(flat) == count else [None] * count


class Node:
    """One call of a layer on symbolic inputs: what went in, what came out."""

    def __init__(self, layer, call_args, call_kwargs, outputs):
        self.layer = layer
        self.call_args = call_args  # the inputs structure as the layer received it
        # Other keyword arguments: plain values (training) or graph tensors passed by
        # keyword (an explicit `mask=`), which the graph looks up like the inputs.
        self.call_kwargs = call_kwargs
        self.outputs = outputs
        self.input_tensors = symbolic_leaves(call_args) + [
            t for t in symbolic_leaves(list(call_kwargs.values())) if t.keras_history is not None
        ]
        self.output_tensors = tree.flatten(outputs)
        # Whether a run must ask the layer for output masks even when no mask comes in.
        self.produces_masks = any(t.keras_mask is not None for t in self.output_tensors)
        self.parent_nodes = [
            t.keras_history[0]._inbound_nodes[t.keras_history[1]]
            for t in self.input_tensors
            if t.keras_history is not None
        ]

    @property
    def is_input(self) -> bool:
        return not self.input_tensors

    def input_shapes(self):
        return tree.map_structure(
            lambda t: t.shape if isinstance(t, KerasTensor) else None, self.call_args
        )

    def output_shapes(self):
        return tree.map_structure(lambda t: t.shape, self.outputs)
