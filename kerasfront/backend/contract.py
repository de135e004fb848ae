"""The backend contract: what every engine adapter in `kerasfront.backends` provides.

An adapter is a module. It exposes every name in `OP_NAMES` (array operations with
NumPy semantics and Keras argument names) and every name in `INFRA_NAMES` (variables,
gradients, compiled steps, shape inference, devices). The frontend binds these names
once at import (see `kerasfront.ops`), so a layer call on concrete tensors goes straight
to the engine's function.

Conventions every adapter follows:
- `dtype` arguments are strings (`"float32"`, `"int32"`, ...); `None` means "keep".
- `axis` is an int, a tuple of ints or None; reductions take `keepdims=False`.
- `shape(x)` returns a tuple of ints (None only for unknown dims while tracing).
- Random ops take `seed`: a length-2 integer tensor produced by `SeedGenerator.next()`;
  the same seed gives the same numbers on the same engine.
"""

from __future__ import annotations

CREATION_OPS = (
    "convert_to_tensor",
    "convert_to_numpy",
    "is_tensor",
    "cast",
    "shape",
    "dtype",
    "zeros",
    "ones",
    "zeros_like",
    "ones_like",
    "full",
    "eye",
    "arange",
)
SHAPE_OPS = (
    "reshape",
    "transpose",
    "expand_dims",
    "squeeze",
    "concatenate",
    "stack",
    "tile",
    "take",
    "take_along_axis",
    "one_hot",
    "broadcast_to",
)
ELEMENTWISE_OPS = (
    "add",
    "subtract",
    "multiply",
    "divide",
    "negative",
    "power",
    "abs",
    "square",
    "sqrt",
    "exp",
    "log",
    "log1p",
    "tanh",
    "sign",
    "floor",
    "round",
    "maximum",
    "minimum",
    "clip",
    "where",
    "equal",
    "not_equal",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "logical_and",
    "logical_or",
    "logical_not",
)
REDUCTION_OPS = ("sum", "mean", "max", "min", "prod", "argmax", "argmin", "all", "any")
LINALG_OPS = ("matmul", "dot")
NN_OPS = ("relu", "sigmoid", "softmax", "log_softmax", "softplus", "elu", "stop_gradient")
RANDOM_OPS = ("random_uniform", "random_normal")

OP_NAMES = (
    CREATION_OPS + SHAPE_OPS + ELEMENTWISE_OPS + REDUCTION_OPS + LINALG_OPS + NN_OPS + RANDOM_OPS
)

# Everything that is not an array op.
INFRA_NAMES = (
    "NAME",  # the registry name, e.g. "jax"
    "engine_version",  # () -> str
    "devices",  # () -> list[str], e.g. ["cpu:0", "gpu:0"]
    "create_variable",  # (numpy value, trainable, name) -> engine storage
    "assign_variable",  # (storage, value) -> storage (new object where the engine is functional)
    "read_variable",  # (storage) -> tensor usable in ops
    # (fn, specs, variables) -> specs of fn(inputs) for inputs of `specs` (tracing.Spec
    # structures; None for unknown dims), without computing anything where possible.
    "compute_output_spec",
    # (fn) -> g; g(values, *args) = ((value, aux), grads of value w.r.t. values), where
    # fn(values, *args) -> (value, aux).
    "value_and_grad",
    # (pure_fn, read_only, updated, jit_compile) -> run(*batch). pure_fn(read_values,
    # updated_values, *batch) -> (new_updated_values, outputs); run reads the variables'
    # storage, calls the compiled pure_fn and stores the new values in `updated`.
    "compile_state_step",
    # (pure_fn, variables, jit_compile) -> run(*args) = pure_fn(values, *args), compiled.
    "compile_function",
    "SUPPORTS_TRAINING",  # False for the NumPy reference
)

# Optional fast paths an adapter may add; the frontend falls back to plain ops without them.
OPTIONAL_NAMES = (
    "affine",  # (x, kernel, bias) -> x @ kernel + bias, fused where the engine can
    "adam_update",  # (variables, grads, ms, vs, alpha, beta_1, beta_2, epsilon) -> (w, m, v)
    "sgd_momentum_update",  # (variables, grads, velocities, lr, momentum, nesterov) -> (w, v)
)


def missing_names(adapter) -> list[str]:
    """Names of the contract that `adapter` does not provide."""
    return [name for name in OP_NAMES + INFRA_NAMES if not hasattr(adapter, name)]
