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
    "repeat",  # (x, repeats: int, axis) -> NumPy's repeat with one count for every element
    "pad",  # (x, pad_width: ((before, after), ...) one pair per axis, constant_values=0)
    # (x, axis=None) -> x with the order of its entries reversed along `axis` (an int or a
    # tuple of ints; None: every axis), NumPy's flip.
    "flip",
    # (x, sections: int, axis=0) -> a list of `sections` equal parts along `axis`, NumPy's
    # split with an int; ValueError when the axis does not divide. Its gradient is one
    # concatenation, where slicing's is padded parts added together.
    "split",
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
    "sin",
    "cos",
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
# (x, axis=None) -> running sums / products along `axis` (an int; None: over the
# flattened x). The result keeps x's dtype (NumPy would widen int32 to int64); booleans
# count as int32.
CUMULATIVE_OPS = ("cumsum", "cumprod")
# einsum: (subscripts: str, *operands) -> NumPy's einsum with explicit "->" output
# subscripts, e.g. "bik,bkj->bij"; no ellipsis, no repeated index within one operand.
LINALG_OPS = ("matmul", "dot", "einsum")
NN_OPS = ("relu", "sigmoid", "softmax", "log_softmax", "softplus", "elu", "stop_gradient")
# Convolution, pooling, resizing and statistics, on the engines' own kernels (cuDNN on a
# GPU). Shared conventions:
# - `x` is (batch, *spatial, channels) for data_format "channels_last" and
#   (batch, channels, *spatial) for "channels_first"; 1, 2 or 3 spatial axes.
# - `strides`, `dilation_rate`, `pool_size`, `output_padding`: an int (the same for every
#   spatial axis) or a tuple with one entry per spatial axis.
# - padding "valid": no padding. padding "same": TensorFlow's rule; per spatial axis of size
#   n with effective window w = (k - 1) * dilation + 1 and stride s, the output has
#   ceil(n / s) entries, total = max((ceil(n / s) - 1) * s + w - n, 0) padded entries,
#   total // 2 of them before and the rest after.
LAYER_OPS = (
    # (x, kernel, strides=1, padding="valid", data_format="channels_last", dilation_rate=1,
    #  groups=1). kernel: (*kernel_size, in_channels // groups, out_channels), Keras's
    # layout; groups splits the channels into independent convolutions (depthwise: groups
    # = in_channels). No bias.
    "conv",
    # (x, kernel, strides=1, padding="valid", output_padding=None,
    #  data_format="channels_last", dilation_rate=1). kernel: (*kernel_size, out_channels,
    # in_channels), Keras's Conv2DTranspose layout. Per spatial axis, with w the effective
    # window: output_padding None -> valid: n * s + max(w - s, 0), same: n * s; else
    # (n - 1) * s + w - 2 * p + output_padding with p = 0 (valid) or w // 2 (same). The
    # result is the adjoint (the input gradient) of `conv` with the same kernel, strides,
    # padding and dilation applied to an input of that output size.
    "conv_transpose",
    # (x, pool_size, strides=None (= pool_size), padding="valid", data_format=...).
    # "same" pads max pooling with -inf.
    "max_pool",
    # Same arguments; padded entries are left out of the average ("same" padding).
    "average_pool",
    # (x, size: tuple of output spatial sizes, interpolation="nearest"|"bilinear",
    #  data_format=...). Half-pixel centres, no antialiasing: TensorFlow 2's
    # tf.image.resize, torch's interpolate(align_corners=False), jax.image.resize.
    "resize",
    # (x, axes, keepdims=False) -> (mean, variance), the variance biased (divided by n).
    "moments",
    # (table, indices, context="") -> table rows at integer `indices` (the result has
    # shape indices.shape + table.shape[1:]). An index outside [0, rows) raises an error
    # (IndexError where the engine runs eagerly, the engine's runtime error from inside a
    # compiled step) whose message starts with `context` (e.g. "Embedding 'embedding'")
    # and says "index out of range", the offending index and the valid range; never a
    # clamped or garbage row. Embedding uses it.
    "embedding_lookup",
)
# The time loop of recurrent layers, as one engine loop (jax.lax.scan, tf.while_loop inside
# tf.function, a plain loop in eager torch):
# (fn, init, xs, reverse=False, unroll=1) -> (final_carry, ys), with the meaning of
# jax.lax.scan restricted to flat lists: `fn(carry, x) -> (new_carry, y)` where `carry`
# (like `init`) is a list of tensors whose shapes and dtypes stay fixed, `x` is a list
# holding step t of each tensor in `xs` (a non-empty list of tensors scanned along their
# first axis, all of the same length) and `y` is a list of tensors; `ys` is the list of
# those per-step tensors stacked on a new first axis, in step order even when `reverse`
# walks from the last step to the first. `unroll` is how many steps one loop iteration
# runs (a speed hint; `True` unrolls fully). Differentiable on every engine that trains.
LOOP_OPS = ("scan",)
# random_truncated_normal: (shape, mean=0.0, stddev=1.0, dtype="float32", seed=None) ->
# normal values restricted to [mean - 2 stddev, mean + 2 stddev] (TensorFlow's rule:
# draws beyond two standard deviations are re-drawn, so the kept values follow the
# normal density cut at those bounds). Usable inside compiled steps.
RANDOM_OPS = ("random_uniform", "random_normal", "random_truncated_normal")

OP_NAMES = (
    CREATION_OPS
    + SHAPE_OPS
    + ELEMENTWISE_OPS
    + REDUCTION_OPS
    + CUMULATIVE_OPS
    + LINALG_OPS
    + NN_OPS
    + LAYER_OPS
    + LOOP_OPS
    + RANDOM_OPS
)

EAGER = "eager"  # the `jit_compile` of `compile(run_eagerly=True)`

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
    # `jit_compile` in the two builders below: None, the engine's usual compilation
    # (jax.jit, tf.function, eager torch); True, also XLA / torch.compile; False, compiled
    # without XLA where the engine can tell the two apart (TensorFlow); EAGER ("eager",
    # `compile(run_eagerly=True)`), no compilation at all: Python runs every call.
    # (pure_fn, read_only, updated, jit_compile) -> run(*batch). pure_fn(read_values,
    # updated_values, *batch) -> (new_updated_values, outputs); run reads the variables'
    # storage, calls the compiled pure_fn and stores the new values in `updated`.
    "compile_state_step",
    # (pure_fn, variables, jit_compile) -> run(*args) = pure_fn(values, *args), compiled.
    "compile_function",
    "SUPPORTS_TRAINING",  # False for the NumPy reference
    # ("highest" | "high") -> None: full float32 matmuls/convolutions, or TF32/bf16
    # passes allowed (config.MATMUL_PRECISIONS). Applied at import from keras.json.
    "set_matmul_precision",
)

# Optional fast paths an adapter may add; the frontend falls back to plain ops without them.
OPTIONAL_NAMES = (
    "affine",  # (x, kernel, bias) -> x @ kernel + bias, fused where the engine can
    # (tensor) -> a copy for the call of a layer the user wrote, on engines whose tensors
    # `x -= y` changes in place (torch, NumPy), so Keras 2 code that updates its inputs this way
    # leaves the tensor other layers read (and autograd saved) as it was.
    "copy_for_user_code",
    # () -> a context manager in which the call of a layer the user wrote runs, on engines
    # whose `x *= y` changes the tensor in place (torch): there it makes a new tensor, as
    # on TensorFlow, so autograd keeps the values it saved (Keras 2's attention layers
    # do `a = K.exp(e); a *= mask`).
    "user_code_scope",
    "adam_update",  # (variables, grads, ms, vs, alpha, beta_1, beta_2, epsilon) -> (w, m, v)
    "sgd_momentum_update",  # (variables, grads, velocities, lr, momentum, nesterov) -> (w, v)
    # (NumPy batch) -> what the compiled steps take; `convert_to_tensor` without it. JAX
    # takes NumPy as it is: the jitted call transfers it for a quarter of the cost.
    "as_step_input",
    # (floatx: str) -> None: readies the engine for that default float type, at import
    # and whenever `set_floatx` changes it (JAX computes in 64 bits only once told to).
    "use_floatx",
    # Fused recurrent kernels (cuDNN on a GPU), for the configurations they compute:
    # (inputs (batch, time, features), initial_states, kernel, recurrent_kernel, bias,
    #  go_backwards) -> (outputs (batch, time, units), final_states), in Keras's weight
    # layout. "lstm": gates i, f, c, o with sigmoid/tanh, states [h, c], bias (4 units,).
    # "gru": Keras's reset_after=True GRU with sigmoid/tanh, gates z, r, h, states [h],
    # bias (2, 3 units) (input bias row, recurrent bias row). Outputs are in step order
    # (reversed input when go_backwards). Recurrent layers use them when present and
    # their configuration matches, else `scan`.
    "lstm",
    "gru",
    # (storage of a Keras (rows, G units) recurrent weight matrix) -> a storage with the
    # same values in the memory layout the engine's fused `lstm`/`gru` read fastest
    # (torch on a CPU: column-major, so torch's (G units, rows) weight is a dense view).
    # Recurrent layers apply it to their kernels when they are built; values, shapes and
    # saved files do not change.
    "lay_out_fused_rnn_weight",
    # (storage of a Keras (*window, in, out) convolution kernel) -> a storage with the same
    # values in the memory layout the engine's `conv` reads fastest (torch: out, *window,
    # in, so its (out, in, *window) weight is in channels_last format). Conv1D/2D/3D, their
    # transposes and the separable convolutions' pointwise kernels apply it when built; values, shapes and saved files do not change.
    "lay_out_conv_kernel",
    # (log_probs (batch, time, classes) normalized, labels (batch, max_length) int32,
    #  input_length (batch,), label_length (batch,)) -> (batch,) CTC negative
    # log-likelihoods, blank = classes - 1, inf where no alignment fits; K.ctc_batch_cost
    # runs the forward algorithm on `scan` without it.
    "ctc_loss",
    # Sparse tensors: (x) -> bool; (sparse x) -> dense tensor; (labels, label_lengths) ->
    # the labels before each length as a sparse tensor (TensorFlow). K.is_sparse,
    # K.to_dense and K.ctc_label_dense_to_sparse; without them nothing is sparse.
    "is_sparse",
    "sparse_to_dense",
    "ctc_label_dense_to_sparse",
    # (x, message, summarize) -> x: prints message and x's value (summarize entries at
    # each end of every axis, -1: all) whenever x is computed, also inside compiled code,
    # never while only shapes are traced. K.print_tensor prints on the host without it.
    "debug_print",
    # (name) -> a context manager entering the engine's name scope. K.name_scope does
    # nothing without it.
    "name_scope",
    # (scalar tensor) -> its value as a Python number where reading it costs nothing (an
    # eager CPU tensor), else None. Optimizers then do their scalar arithmetic (Adam's
    # step size) on the host instead of as tensor ops each step; without it, tensor ops.
    "host_scalar",
)


def missing_names(adapter) -> list[str]:
    """Names of the contract that `adapter` does not provide."""
    return [name for name in OP_NAMES + INFRA_NAMES if not hasattr(adapter, name)]
