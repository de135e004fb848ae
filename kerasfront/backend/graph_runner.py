"""`K.function`: a part of a graph as a callable from NumPy arrays to NumPy arrays.

The graph between the given inputs (placeholders, model inputs, or any inner tensor) and
the outputs is replayed as a pure function of the variables' values inside a stateless
scope, compiled by the engine (`jax.jit`, `tf.function`; torch runs eagerly), one
compiled version per training mode. Assignments made while it runs (`updates`, `K.update*`
nodes, layers' own state) come back as new values and are stored after each call.
"""

from __future__ import annotations

import numpy as np

from kerasfront import ops, tree
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.scope import StatelessScope
from kerasfront.backend.variables import Variable


def _as_list(items, argument: str) -> list:
    if isinstance(items, (list, tuple)):
        return list(items)
    if isinstance(items, dict):
        raise TypeError(f"K.function: {argument} must be a list of tensors, received a dict.")
    return [items]


class KerasFunction:
    """Runs `outputs` from values fed for `inputs`; see `K.function`."""

    def __init__(self, inputs, outputs, updates=None, name=None):
        from kerasfront.layers.backend_op import LearningPhaseTensor, learning_phase_placeholder
        from kerasfront.layers.keras_tensor import KerasTensor
        from kerasfront.layers.subgraph import nodes_between, variables_read_by

        self.name = name or "function"
        where = f"K.function {self.name!r}"
        self._slots = _as_list(inputs, "inputs")
        self._phase_index = None
        phase_tensor = None
        for index, item in enumerate(self._slots):
            is_phase = isinstance(item, LearningPhaseTensor) or (
                isinstance(item, (bool, int)) and not isinstance(item, KerasTensor)
            )
            if is_phase:
                # K.learning_phase() (an int where a phase was set): its fed value picks
                # the training mode.
                if self._phase_index is not None:
                    raise ValueError(f"{where}: the learning phase is listed twice in inputs.")
                self._phase_index = index
                if isinstance(item, LearningPhaseTensor):
                    phase_tensor = item
            elif not isinstance(item, KerasTensor):
                raise TypeError(
                    f"{where}: inputs must be graph tensors (K.placeholder(), Input(), "
                    f"layer inputs/outputs) or K.learning_phase(); input {index} is "
                    f"{type(item).__name__}: {item!r:.80}."
                )
        self._fed = [item for index, item in enumerate(self._slots) if index != self._phase_index]
        # The phase placeholder is always an input: nodes recorded with it (an explicit
        # training=K.learning_phase()) read the mode of the run even when it is not fed.
        self._phase_tensor = phase_tensor or learning_phase_placeholder()
        self._sources = [*self._fed, self._phase_tensor]

        self._outputs = outputs
        flat_outputs = tree.flatten(outputs)
        for item in flat_outputs:
            if not isinstance(item, KerasTensor):
                raise TypeError(
                    f"{where}: outputs must be graph tensors computed from the inputs; "
                    f"received {type(item).__name__}: {item!r:.80}."
                )
        self._pairs, update_tensors = self._parse_updates(updates, where, KerasTensor)
        pair_tensors = [value for _, value in self._pairs if isinstance(value, KerasTensor)]
        self._output_count = len(flat_outputs)
        self._targets = [*flat_outputs, *update_tensors, *pair_tensors]
        self._nodes = nodes_between(self._sources, self._targets, where)
        self._variables = tree.unique_objects(
            variables_read_by(self._nodes) + [variable for variable, _ in self._pairs]
        )
        self._runners: dict = {}

    @staticmethod
    def _parse_updates(updates, where, keras_tensor):
        pairs, tensors = [], []
        for update in updates or []:
            if isinstance(update, keras_tensor):
                tensors.append(update)  # a K.update* node on graph values: running it assigns
            elif (
                isinstance(update, (tuple, list))
                and len(update) == 2
                and isinstance(update[0], Variable)
            ):
                variable, value = update
                if not isinstance(value, (keras_tensor, np.ndarray, int, float, Variable)):
                    raise TypeError(
                        f"{where}: the new value of {variable.name!r} in updates is an eager "
                        f"{type(value).__name__}, computed once when it was made; give a "
                        "graph tensor (computed from the inputs), a NumPy array or a number."
                    )
                pairs.append((variable, value))
            else:
                raise TypeError(
                    f"{where}: each update must be a (variable, new_value) pair or the "
                    "result of K.update/update_add/update_sub/moving_average_update applied "
                    f"to graph tensors; received {type(update).__name__}: {update!r:.80}. "
                    "K.update* on eager values runs at once and cannot be repeated per call."
                )
        return pairs, tensors

    # ---- running -----------------------------------------------------------------------
    def __call__(self, inputs):
        from kerasfront.backend.graph_functions import check_phase, learning_phase_value

        values = _as_list(inputs, "the values")
        if len(values) != len(self._slots):
            raise ValueError(
                f"K.function {self.name!r} takes {len(self._slots)} input values (one per "
                f"input: {self._slots}), received {len(values)}."
            )
        if self._phase_index is None:
            training = learning_phase_value()
        else:
            training = bool(check_phase(values[self._phase_index], "the learning phase value"))
        fed_values = [value for index, value in enumerate(values) if index != self._phase_index]
        feed = [self._feed(tensor, value) for tensor, value in zip(self._fed, fed_values)]
        feed.append(ops.convert_to_tensor(np.asarray(int(bool(training)), dtype="int32")))
        outputs, new_values = self._run(training, feed)
        for variable, value in zip(self._variables, new_values):
            if value is not None:
                variable.assign(value)
        arrays = [np.asarray(ops.convert_to_numpy(value)) for value in outputs]
        arrays = [array[()] if array.ndim == 0 else array for array in arrays]
        return tree.pack_like(self._outputs, arrays)

    def _feed(self, tensor, value):
        """`value` as a tensor of the placeholder's dtype, its shape checked."""
        array = np.asarray(ops.convert_to_numpy(value) if ops.is_tensor(value) else value)
        if not np.can_cast(array.dtype, tensor.dtype, casting="same_kind"):
            raise TypeError(
                f"K.function {self.name!r}: the value for {tensor!r} has dtype {array.dtype}, "
                f"which does not convert to {tensor.dtype} without loss."
            )
        expected = tensor.shape
        if array.ndim != len(expected) or any(
            want is not None and want != got for want, got in zip(expected, array.shape)
        ):
            raise ValueError(
                f"K.function {self.name!r}: the value for {tensor!r} has shape {array.shape}, "
                f"expected {expected} (None: any size)."
            )
        return ops.convert_to_tensor(array.astype(tensor.dtype, copy=False))

    def _run(self, training, feed):
        runner = self._runners.get(training)
        if runner is not None:
            return runner(*feed)
        pure = self._pure_function(training)
        compiled = ADAPTER.compile_function(pure, self._variables)

        def eager(*fed):
            return pure([ADAPTER.read_variable(v.storage) for v in self._variables], *fed)

        try:
            result, runner = compiled(*feed), compiled
        except Exception:
            # A graph the engine cannot compile (a Lambda reading a value on the host):
            # eager instead. A genuine error raises again, from the eager run, below.
            runner = None
        if runner is None:
            # Outside the `except`: a genuine error is reported once, not chained to
            # the same error from the compiled attempt.
            result, runner = eager(*feed), eager
        self._runners[training] = runner
        return result

    def _pure_function(self, training):
        from kerasfront.backend.update_functions import new_value_for
        from kerasfront.layers.keras_tensor import KerasTensor
        from kerasfront.layers.subgraph import replay

        variables = self._variables
        position = {id(tensor): index for index, tensor in enumerate(self._targets)}

        def pure(values, *feed):
            mapping = dict(zip(variables, values))
            with StatelessScope(mapping) as scope:
                results = replay(self._sources, self._targets, self._nodes, feed, training)
                for variable, value in self._pairs:
                    if isinstance(value, KerasTensor):
                        value = results[position[id(value)]]
                    variable.assign(new_value_for(variable, value, "K.function updates"))
            unknown = [v.name for v in scope.values if v not in mapping]
            if unknown:
                raise ValueError(
                    f"K.function {self.name!r}: running the graph assigned variables "
                    f"{unknown}, which no layer of the graph holds or takes as an argument, "
                    "so their new values could not be kept. Make them weights of a layer "
                    "(add_weight) or pass them to the K function that updates them."
                )
            new_values = [
                None if scope.values[v] is old else scope.values[v]
                for v, old in zip(variables, values)
            ]
            return results[: self._output_count], new_values

        return pure
