"""Updating variables, Keras 2's way: `K.update`, `K.update_add`, `K.update_sub` and
`K.moving_average_update`, eagerly and inside compiled steps.

Inside a step (fit, evaluate, K.function) a stateless scope maps each variable to a value;
an update records the new value there and the step stores it when it ends, so a custom
layer's `K.update_add(self.counter, 1)` counts under `fit` on every engine.
"""

from __future__ import annotations

import numpy as np

from kerasfront import ops
from kerasfront.backend.scope import SCOPES
from kerasfront.backend.variables import Variable, unwrap, variable_holding


def _checked_variable(x, function_name: str) -> Variable:
    """The variable `x` is, or whose current value `x` is: a layer attribute holding a
    weight reads as its value (`self.counter` in `call`), yet Keras 2 code updates it
    with `K.update_add(self.counter, 1)`."""
    if isinstance(x, Variable):
        return x
    if ops.is_tensor(x) or hasattr(x, "shape"):
        # Inside a step or K.function the scopes map each variable to the value read.
        for scope in reversed(SCOPES):
            for variable, value in scope.values.items():
                if value is x:
                    return variable
        # Elsewhere (an eager call, a shape trace) the value read is the storage itself:
        # look among the weights of the layers whose `call` is running.
        for layer in _calling_layers():
            for variable in layer.weights + layer.forward_state_variables:
                if variable.value is x:
                    return variable
        # Outside any call (`K.update(model.layers[0].kernel, w)`): any live variable.
        holder = variable_holding(x)
        if holder is not None:
            return holder
    raise TypeError(
        f"K.{function_name}: x must be a variable (K.variable() or a layer weight, e.g. "
        f"self.counter in a layer's call), received {type(x).__name__}."
    )


def _calling_layers():
    """Layers whose `call` runs now, innermost first (a layer's weight is read as a plain
    tensor, so the layer is where its variable can be found again)."""
    from kerasfront.layers.unseeded_draws import CALLING_LAYERS

    return reversed(CALLING_LAYERS)


def _operand_for(variable: Variable, value, what: str):
    """`value` as a tensor to combine with `variable`: numbers and NumPy arrays take the
    variable's dtype where that loses nothing; tensors must already have it."""
    value = unwrap(value)
    if isinstance(value, np.ndarray) or not ops.is_tensor(value):
        array = np.asarray(value)
        if not np.can_cast(array.dtype, variable.dtype, casting="same_kind"):
            raise TypeError(
                f"{what}: a value of dtype {array.dtype} does not convert to the dtype "
                f"{variable.dtype} of variable {variable.name!r} without loss."
            )
        return ops.convert_to_tensor(array.astype(variable.dtype))
    return value


def new_value_for(variable: Variable, value, what: str):
    """`value`, checked to fit `variable` (same dtype, same shape), as a tensor."""
    value = _operand_for(variable, value, what)
    dtype = ops.dtype(value)
    if dtype != variable.dtype:
        raise TypeError(
            f"{what}: variable {variable.name!r} has dtype {variable.dtype}; the new value "
            f"has dtype {dtype}. Cast it first (K.cast)."
        )
    shape = tuple(ops.shape(value))
    if len(shape) != len(variable.shape) or any(
        got is not None and got != want for got, want in zip(shape, variable.shape)
    ):
        raise ValueError(
            f"{what}: variable {variable.name!r} has shape {variable.shape}; the new value has "
            f"shape {shape}."
        )
    return value


def update(x, new_x):
    """Sets variable `x` to `new_x`; returns the new value. Inside a compiled step the new
    value is recorded and stored when the step ends (fit applies it)."""
    variable = _checked_variable(x, "update")
    value = new_value_for(variable, new_x, "K.update")
    variable.assign(value)
    return value


def update_add(x, increment):
    """Adds `increment` to variable `x`; returns the new value."""
    variable = _checked_variable(x, "update_add")
    value = variable.value + _operand_for(variable, increment, "K.update_add")
    value = new_value_for(variable, value, "K.update_add")
    variable.assign(value)
    return value


def update_sub(x, decrement):
    """Subtracts `decrement` from variable `x`; returns the new value."""
    variable = _checked_variable(x, "update_sub")
    value = variable.value - _operand_for(variable, decrement, "K.update_sub")
    value = new_value_for(variable, value, "K.update_sub")
    variable.assign(value)
    return value


def moving_average_update(x, value, momentum):
    """`x = x * momentum + value * (1 - momentum)` (written as Keras 2 does, `x - (x -
    value) * (1 - momentum)`), with `value` and `momentum` cast to x's dtype."""
    variable = _checked_variable(x, "moving_average_update")
    current = variable.value
    value = ops.cast(ops.convert_to_tensor(unwrap(value)), variable.dtype)
    momentum = ops.cast(ops.convert_to_tensor(unwrap(momentum)), variable.dtype)
    new = new_value_for(
        variable, current - (current - value) * (1 - momentum), "K.moving_average_update"
    )
    variable.assign(new)
    return new
