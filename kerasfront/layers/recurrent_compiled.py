"""A layer's call as a compiled pure function of its variables, cached on the layer.

Why: `lax.scan` called outside `jax.jit` traces its body again on every call (the body is
a new closure each time), so a recurrent layer called eagerly on JAX (`model(x)`) would
trace and compile its loop on every call. Instead, the layer's whole call is compiled
once per configuration with `jax.jit` (which adds one compilation per input shape) and
later calls only dispatch it. Inside a compiled step the jitted call simply nests.

The compiled function takes the current values of the layer's variables as arguments, so
updated weights are used; values the call assigns (stateful states, dropout seeds) come
back as results and are assigned afterwards, also into an enclosing stateless scope (a
compiled training step), where the compiled call simply nests.
"""

from __future__ import annotations

from kerasfront import tree
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.scope import StatelessScope

# Only JAX needs it: TensorFlow runs an eager while_loop as eager ops (and would warn
# about the retracing of one tf.function per layer), torch runs eagerly (its fused
# kernels, or a loop of torch kernels) and NumPy is the reference.
COMPILES_EAGER_CALLS = ADAPTER.NAME == "jax"


class _Entry:
    """One compiled configuration: the function and the variables it reads."""

    def __init__(self, function, variables):
        self.function = function
        self.variables = variables
        # Positions (in `variables`) of the variables the call assigned, found while the
        # engine traced it; the same for every later trace of this configuration.
        self.assigned: list[int] = []


def _compile(layer, run, variables) -> _Entry:
    entry = _Entry(None, variables)

    def pure(_no_storages, values, arguments):
        with StatelessScope(zip(variables, values)) as scope:
            outputs = run(*arguments)
            entry.assigned = [
                index
                for index, (variable, value) in enumerate(zip(variables, values))
                if scope.values[variable] is not value
            ]
            assigned = [scope.values[variables[index]] for index in entry.assigned]
        return outputs, assigned

    entry.function = ADAPTER.compile_function(pure, [], None)
    return entry


def compiled_call(layer, static_key, run, arguments):
    """`run(*arguments)`, compiled once per `static_key` for `layer`.

    Args:
        layer: the layer whose variables (weights, states, seeds) `run` reads.
        static_key: a hashable summary of everything `run` depends on besides the tensors
            in `arguments` (the training flag, which optional arguments are given).
        run: the layer's computation; it may read and assign the layer's variables.
        arguments: a tuple of tensors, lists of tensors or None.
    """
    cache = layer.__dict__.setdefault("_compiled_calls", {})
    entry = cache.get(static_key)
    if entry is None:
        variables = tree.unique_objects(layer.weights + layer.forward_state_variables)
        entry = cache[static_key] = _compile(layer, run, variables)
    values = [variable.value for variable in entry.variables]
    outputs, assigned = entry.function(values, tuple(arguments))
    for index, value in zip(entry.assigned, assigned):
        entry.variables[index].assign(value)
    return outputs


def clear_compiled_calls(layer) -> None:
    """Forgets the compiled calls (after a change that `static_key` does not capture)."""
    layer.__dict__.pop("_compiled_calls", None)
