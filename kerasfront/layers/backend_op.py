"""K functions and tensor operators applied to graph tensors, as nodes of small layers.

`K.sum(x, axis=1)` on a `KerasTensor` (a placeholder, a model input or a layer output)
cannot compute: there is no value yet. It becomes one call of a `BackendOp`, a layer
that holds the function and its other arguments and replays the call on real tensors
when the graph runs (in a functional model, in `K.function`). The output shape comes
from the engine tracing the call, as for any layer without `compute_output_shape`.

The learning phase placeholder (`K.learning_phase()` where no phase is set) lives here
too: it is a graph input whose fed value (0 or 1) picks the training mode.
"""

from __future__ import annotations

import numpy as np

from kerasfront import ops, tree
from kerasfront.backend.variables import Variable, unique_name, unwrap
from kerasfront.layers.base import _TRAINING_CONTEXT, Layer
from kerasfront.layers.keras_tensor import KerasTensor


class DropsMasks:
    """Mixed into graph-function layers: a mask stops at them, without refusing the call,
    as at a TensorFlow op in a tf.keras graph (a K function neither uses nor passes one)."""

    def compute_mask(self, inputs, mask=None):
        return None

    def _symbolic_output_masks(self, inputs, masks):
        # The base traces an overridden compute_mask to learn the output masks' shapes;
        # there are none to learn here, and the trace would cost an engine compile.
        return None


class BackendOp(DropsMasks, Layer):
    """One K function (or operator) with its non-tensor arguments, as a layer.

    Args:
        function: the function to replay, called as `function(*args, **kwargs)`.
        template: `(args, kwargs)` as given, with graph tensors where the real tensors go.
        name: the layer name (made unique), e.g. `k.sum`.
    """

    def __init__(self, function, template, name: str):
        super().__init__(name=unique_name(name))
        self.function = function
        self._template = template
        self._leaves = tree.flatten(template)
        self._positions = [
            index for index, leaf in enumerate(self._leaves) if isinstance(leaf, KerasTensor)
        ]
        # Variables passed as arguments (`K.dot(x, kernel_variable)`): read when the node
        # runs, so a compiled `K.function` must map them to their current values.
        self.referenced_variables = tree.unique_objects(
            [leaf for leaf in self._leaves if isinstance(leaf, Variable)]
        )
        self.built = True

    def graph_inputs(self) -> list:
        return [self._leaves[index] for index in self._positions]

    @property
    def forward_state_variables(self) -> list:
        """The variables passed to the function that no layer before this node holds.

        Carried by every compiled step of a model holding this node, so the step reads
        their current values (JAX would otherwise freeze the value seen when tracing) and
        keeps what the node assigns (a K.update on graph values). Not weights: they stay
        out of get_weights, saving and training, as in Keras 2. Weights of the layers
        before the node are left out: the steps carry those already, and a trainable
        weight listed twice would lose its gradient.
        """
        if not self.referenced_variables:
            return []
        held = {
            id(weight) for layer in _layers_before(self.graph_inputs()) for weight in layer.weights
        }
        return [v for v in self.referenced_variables if id(v) not in held]

    def call(self, inputs):
        filled = list(self._leaves)
        for position, value in zip(self._positions, inputs):
            filled[position] = value
        args, kwargs = tree.pack_like(self._template, filled)
        return self.function(*args, **kwargs)

    def get_config(self):
        raise ValueError(
            f"Layer '{self.name}' records the K function "
            f"{getattr(self.function, '__name__', self.function)!r} applied in a graph; it "
            "cannot be saved as a configuration. Wrap the computation in a Lambda layer (or "
            "a custom layer) to save the model's architecture."
        )


def _layers_before(tensors) -> list:
    """The layers of the nodes that `tensors` come from, directly or not."""
    layers, seen, pending = [], set(), list(tensors)
    while pending:
        history = pending.pop().keras_history
        if history is None:
            continue
        node = history[0]._inbound_nodes[history[1]]
        if id(node) in seen:
            continue
        seen.add(id(node))
        layers.append(node.layer)
        pending.extend(node.input_tensors)
    return tree.unique_objects(layers)


def symbolic_call(function, args: tuple, kwargs: dict):
    """`function(*args, **kwargs)` as a graph node; the graph tensors among the arguments
    are its inputs. The learning phase placeholder alone, with no other graph tensor,
    does not make a node: it stands for the phase in force (0 where none is set, as
    Keras 2's `learning_phase()` is 0 outside graphs)."""
    template = (tuple(args), dict(kwargs))
    leaves = tree.flatten(template)
    tensors = [leaf for leaf in leaves if isinstance(leaf, KerasTensor)]
    if all(isinstance(tensor, LearningPhaseTensor) for tensor in tensors):
        filled = [int(leaf) if isinstance(leaf, LearningPhaseTensor) else leaf for leaf in leaves]
        args, kwargs = tree.pack_like(template, filled)
        return function(*args, **kwargs)
    name = getattr(function, "__name__", "function")
    return BackendOp(function, template, name=f"k.{name}")(tensors)


_OPERATOR_REPLAYS: dict = {}


def _operand(value):
    """A real operand for a Python operator: Variables read, NumPy arrays made tensors
    (engines refuse to mix their tensors with NumPy arrays in operators)."""
    value = unwrap(value)
    return ops.convert_to_tensor(value) if isinstance(value, np.ndarray) else value


def symbolic_operator(operation, operands: tuple):
    """`operation(*operands)` (an `operator` module function) as a graph node."""
    replay = _OPERATOR_REPLAYS.get(operation)
    if replay is None:

        def replay(*values):
            return operation(*(_operand(value) for value in values))

        replay.__name__ = operation.__name__.strip("_")
        _OPERATOR_REPLAYS[operation] = replay
    return symbolic_call(replay, operands, {})


class LearningPhaseTensor(KerasTensor):
    """The learning phase placeholder: a scalar int32 graph input, 1 to train, 0 to test.

    Fed to a `K.function`, it sets the training mode of the graph run. Outside graphs it
    reads as the phase in force (`int()`, `bool()`, `==` with a number): that of the layer
    call or `learning_phase_scope` in progress, else 0, Keras 2's phase when none is set.
    """

    def __int__(self) -> int:
        phase = _TRAINING_CONTEXT[-1]
        return int(bool(phase)) if isinstance(phase, (bool, int)) else 0

    __index__ = __int__

    def __bool__(self) -> bool:
        return bool(int(self))

    def __eq__(self, other):
        return self is other if isinstance(other, KerasTensor) else other == int(self)

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = KerasTensor.__hash__

    def __repr__(self) -> str:
        return "<learning phase placeholder: 1 = train, 0 = test>"


_LEARNING_PHASE: list = []


def learning_phase_placeholder() -> LearningPhaseTensor:
    """The session's learning phase placeholder (made on first use)."""
    if not _LEARNING_PHASE:
        from kerasfront.layers.input_layer import InputLayer

        layer = InputLayer(batch_input_shape=(), dtype="int32", name="keras_learning_phase")
        tensor = layer._inbound_nodes[0].outputs
        # The input layer made a plain KerasTensor; it becomes the placeholder in place,
        # so the node and the tensor stay one object.
        tensor.__class__ = LearningPhaseTensor
        _LEARNING_PHASE.append(tensor)
    return _LEARNING_PHASE[0]


def reset_learning_phase_placeholder() -> None:
    """Forgets the placeholder (`K.clear_session`); graphs built with it keep theirs."""
    _LEARNING_PHASE.clear()
