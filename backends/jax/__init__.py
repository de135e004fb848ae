"""The JAX adapter: NumPy-named ops from `jax.numpy`, pure steps compiled by `jax.jit`.

JAX arrays are immutable, so a variable's storage is replaced on every assignment and
a compiled step takes the variables' values as arguments and returns the new ones.
"""

from __future__ import annotations

import re

import jax
import jax.numpy as jnp
import numpy as np

from kerasfront import config, tree
from kerasfront.backend.contract import EAGER
from kerasfront.backend.numpy_like import make_ops
from kerasfront.backend.tracing import (
    Spec,
    concrete_shape,
    known_dims_only,
    symbolic_or_probed_spec,
    without_side_effects,
)

NAME = "jax"
SUPPORTS_TRAINING = True

globals().update(make_ops(jnp))

from .debug import debug_print, name_scope  # noqa: E402, F401
from .loops import scan  # noqa: E402, F401
from .nn import (  # noqa: E402, F401
    average_pool,
    conv,
    conv_transpose,
    embedding_lookup,
    max_pool,
    resize,
)
from .rnn import gru, lstm  # noqa: E402, F401
from .sparse import is_sparse, sparse_to_dense  # noqa: E402, F401


def use_floatx(floatx: str) -> None:
    # Without 64-bit mode JAX silently makes float64 arrays float32; a user who asks for
    # float64 weights must get them. Once on, it stays on: arrays made since may be 64-bit.
    if floatx == "float64":
        jax.config.update("jax_enable_x64", True)


use_floatx(config.floatx())


def convert_to_tensor(x, dtype=None):
    return jnp.asarray(x, dtype=dtype)


def as_step_input(array):
    """NumPy batches go to the jitted steps as they are: the call transfers them, about
    four times cheaper than a `jnp.asarray` per array before it."""
    return array


def convert_to_numpy(x):
    try:
        return np.asarray(x)
    except jax.errors.JaxRuntimeError as error:
        # On an accelerator a computation runs after its call returns: an error of our
        # host callbacks inside it surfaces here, when its result is read.
        raise _callback_error(error) or error from None


def is_tensor(x) -> bool:
    return isinstance(x, jax.Array)


stop_gradient = jax.lax.stop_gradient
# XLA's logistic op: a third faster in an LSTM step on CPU than the tanh form the
# NumPy-like base writes, and as stable.
sigmoid = jax.nn.sigmoid
# The base's `maximum(x, 0)` / `exp(minimum(x, 0))` split the gradient at x = 0 in half
# (JAX shares a tie's gradient between both sides); Keras 2 on TensorFlow, and torch,
# give relu 0 and elu alpha there. JAX's own functions define exactly that.
relu = jax.nn.relu
elu = jax.nn.elu


# Ties, as TensorFlow (Keras 2's engine) and torch define their gradients: JAX splits a
# tie of `maximum`/`minimum` (so of `clip` at a bound) in half and gives `abs` a slope
# of 1 at 0. NaN still propagates from either side, as in `jnp.maximum`.
def maximum(x, y):
    x, y = jnp.asarray(x), jnp.asarray(y)
    return jnp.where(jnp.isnan(x) | (x >= y), x, y)


def minimum(x, y):
    x, y = jnp.asarray(x), jnp.asarray(y)
    return jnp.where(jnp.isnan(x) | (x <= y), x, y)


def clip(x, min_value, max_value):
    # A value at a bound is kept with its full gradient (TensorFlow's and torch's clip).
    x = jnp.asarray(x)
    if min_value is not None:
        x = jnp.where(x < min_value, min_value, x)
    if max_value is not None:
        x = jnp.where(x > max_value, max_value, x)
    return x


def abs(x):  # noqa: A001 - the contract's name
    x = jnp.asarray(x)
    return x * jnp.sign(x)


def _key(seed):
    # A length-2 uint32 array is exactly the key data of JAX's default PRNG.
    return jax.random.wrap_key_data(jnp.asarray(seed).astype(jnp.uint32))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype="float32", seed=None):
    return jax.random.uniform(_key(seed), tuple(shape), dtype, minval, maxval)


def random_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    return mean + stddev * jax.random.normal(_key(seed), tuple(shape), dtype)


def random_truncated_normal(shape, mean=0.0, stddev=1.0, dtype="float32", seed=None):
    # Sampled within [-2, 2] directly: the same distribution as re-drawing outliers.
    unit = jax.random.truncated_normal(_key(seed), -2.0, 2.0, tuple(shape), dtype)
    return mean + stddev * unit


def engine_version() -> str:
    return jax.__version__


def devices() -> list[str]:
    return [f"{device.platform}:{device.id}" for device in jax.devices()]


def create_variable(value, trainable, name):
    return jnp.array(value)


def assign_variable(storage, value):
    # A copy: two variables must never share a buffer, since steps donate their state.
    return jnp.array(value, dtype=storage.dtype, copy=True)


def read_variable(storage):
    return storage


def _symbolic_shape_of(specs):
    """A function giving each spec's shape with its unknown dims as JAX symbolic
    dimensions: one symbol for the batch axis of every input, one of its own for every
    other unknown dim."""
    names = {}
    for index, spec in enumerate(tree.flatten(specs)):
        for axis, dim in enumerate(spec.shape):
            if dim is None:
                names[(index, axis)] = "batch" if axis == 0 else f"d{index}_{axis}"
    unique = list(dict.fromkeys(names.values()))
    symbols = dict(zip(unique, jax.export.symbolic_shape(", ".join(unique))))
    order = {id(spec): index for index, spec in enumerate(tree.flatten(specs))}

    def shape_of(spec):
        index = order[id(spec)]
        return tuple(
            symbols[names[(index, axis)]] if dim is None else dim
            for axis, dim in enumerate(spec.shape)
        )

    return shape_of


def compute_output_spec(fn, specs, variables):
    scoped = without_side_effects(fn)

    def evaluate(shape_of):
        structs = tree.map_structure(
            lambda spec: jax.ShapeDtypeStruct(shape_of(spec), spec.dtype), specs
        )
        outputs = jax.eval_shape(scoped, structs)
        return tree.map_structure(
            lambda out: Spec(known_dims_only(out.shape), str(out.dtype)), outputs
        )

    def with_size(size):
        return evaluate(lambda spec: concrete_shape(spec.shape, size))

    return symbolic_or_probed_spec(lambda: evaluate(_symbolic_shape_of(specs)), with_size, specs)


def value_and_grad(fn):
    return jax.value_and_grad(fn, has_aux=True)


def _callback_error(error, note: str = ""):
    """The IndexError one of our host callbacks (`embedding_lookup`'s index check) raised
    inside a computation, recovered from the runtime's error, whose message starts with
    a traceback; None when `error` is something else."""
    raised = [line for line in str(error).splitlines() if line.startswith("IndexError: ")]
    if not raised:
        return None
    message = raised[-1].removeprefix("IndexError: ")
    # The runtime may name the computation after the message: not the user's concern.
    message = re.sub(r" \[executable_name='[^']*'\]$", "", message)
    return IndexError(message + note)


def _with_callback_errors(compiled, note: str = ""):
    """`compiled`, re-raising an error our host callbacks raised inside it as that error
    (see `_callback_error`); `note` is added to the message. On an accelerator the error
    may come later, when a result is read (`convert_to_numpy`)."""

    def run(*args):
        try:
            return compiled(*args)
        except jax.errors.JaxRuntimeError as error:
            raise _callback_error(error, note) or error from None

    return run


# A step whose state is donated has given its buffers away before a callback can fail.
_DONATED_NOTE = (
    " On JAX the failed step had already given away the state it updates (buffer "
    "donation: the weights in fit, the metrics in evaluate); rebuild or reload the model "
    "before training it again."
)


def _unshared(variable):
    """A copy of the storage of a variable whose array a user may hold, to donate in its
    place (donation deletes the array given)."""
    variable._handed_out = False
    return jnp.array(variable._storage, copy=True)


def compile_state_step(pure_fn, read_only, updated, jit_compile=None):
    """`pure_fn(read_values, updated_values, *batch) -> (new_updated_values, outputs)`."""
    if jit_compile == EAGER:
        compiled = pure_fn
    else:
        # The old state is donated: XLA writes the new values into its buffers instead of
        # allocating fresh ones every step. The old arrays are dead after the call.
        compiled = jax.jit(pure_fn, donate_argnums=(1,))

    # The hot path of fit: two list comprehensions and one loop of attribute stores
    # around the jitted call, which re-raises our host callbacks' errors as themselves
    # (see `_with_callback_errors`; written out here to save a call per step).
    def run(*batch):
        try:
            new_values, outputs = compiled(
                [v._storage for v in read_only],
                [v._storage if not v._handed_out else _unshared(v) for v in updated],
                *batch,
            )
        except jax.errors.JaxRuntimeError as error:
            raise _callback_error(error, _DONATED_NOTE) or error from None
        for variable, value in zip(updated, new_values):
            variable._storage = value
        return outputs

    return run


def compile_function(pure_fn, variables, jit_compile=None):
    compiled = pure_fn if jit_compile == EAGER else _with_callback_errors(jax.jit(pure_fn))

    def run(*args):
        return compiled([variable._storage for variable in variables], *args)

    return run


def set_matmul_precision(value: str) -> None:
    # JAX's own default lets a GPU multiply float32 in TF32 or bf16 passes.
    jax.config.update("jax_default_matmul_precision", value)


set_matmul_precision(config.matmul_precision())
