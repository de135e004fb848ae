"""The TensorFlow adapter: `tf` ops with NumPy semantics, steps compiled by `tf.function`.

Variables are `tf.Variable`s updated in place by the compiled step; XLA is used when
`compile(jit_compile=True)` asks for it.
"""

from __future__ import annotations

import functools
import re

import numpy as np

from kerasfront import config, tree
from kerasfront.backend.contract import EAGER, OP_NAMES
from kerasfront.backend.tracing import (
    Spec,
    concrete_shape,
    symbolic_or_probed_spec,
    without_side_effects,
)

from .quiet_start import start_up_logs_filtered

# TensorFlow starts (and looks for GPUs, which logs cuInit failures) during these imports.
with start_up_logs_filtered():
    import tensorflow as tf

    from .cluster import start_cluster

    start_cluster()  # a TF_CONFIG cluster's strategy must exist before the runtime starts
    from . import loops, nn, ops
    from .debug import debug_print, name_scope  # noqa: F401
    from .sparse import ctc_label_dense_to_sparse, is_sparse, sparse_to_dense  # noqa: F401

    tf.config.list_logical_devices()

# Array ops live in ops.py, the layer ops (convolution, pooling, ...) in nn.py, the time
# loop in loops.py.
globals().update(
    {
        name: next(getattr(module, name) for module in (ops, nn, loops) if hasattr(module, name))
        for name in OP_NAMES
    }
)

NAME = "tensorflow"
SUPPORTS_TRAINING = True


def engine_version() -> str:
    return tf.__version__


def devices() -> list[str]:
    return [
        f"{device.device_type.lower()}:{index}"
        for kind in ("CPU", "GPU")
        for index, device in enumerate(tf.config.list_logical_devices(kind))
    ]


def as_step_input(array):
    """A NumPy batch as the steps take it: `tf.constant` is the shortest way in."""
    return tf.constant(array)


def create_variable(value, trainable, name):
    # TF refuses some characters in variable names; the kerasfront name is kept elsewhere.
    safe_name = "".join(c if c.isalnum() or c in "_-./" else "_" for c in name)
    return tf.Variable(value, trainable=trainable, name=safe_name)


def assign_variable(storage, value):
    if isinstance(value, np.ndarray) and value.dtype == storage.dtype.as_numpy_dtype:
        storage.assign(value)  # one op; a cast would first make a tensor of it
    else:
        storage.assign(tf.cast(value, storage.dtype))
    return storage


def read_variable(storage):
    return storage


def compute_output_spec(fn, specs, variables):
    scoped = without_side_effects(fn)

    def trace(shape_of):
        signature = tree.map_structure(
            lambda spec: tf.TensorSpec(shape_of(spec), spec.dtype), specs
        )
        concrete = tf.function(scoped, autograph=False).get_concrete_function(signature)
        return tree.map_structure(
            lambda out: Spec(tuple(out.shape.as_list()), out.dtype.name),
            concrete.structured_outputs,
        )

    # TensorFlow keeps None dims through tracing; a function that needs a size (Python
    # arithmetic on a shape) is traced again with probe sizes instead.
    return symbolic_or_probed_spec(
        lambda: trace(lambda spec: spec.shape),
        lambda size: trace(lambda spec: concrete_shape(spec.shape, size)),
        specs,
    )


def value_and_grad(fn):
    def run(values, *args):
        with tf.GradientTape() as tape:
            tape.watch(values)
            value, aux = fn(values, *args)
        grads = tape.gradient(value, values, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        # A gather (Embedding) has a sparse gradient; the optimizers do dense arithmetic.
        grads = [tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g for g in grads]
        return (value, aux), grads

    return run


# How a failed `embedding_lookup` assertion reads inside TensorFlow's error message.
_INDEX_ASSERTION = re.compile(
    r"assertion failed: \[(.*?index out of range:)\] \[(-?\d+)\] \[(.*?)\]"
)


def _with_index_errors(function):
    """`function`, re-raising a failed index assertion of `embedding_lookup` as the
    contract's IndexError instead of TensorFlow's graph-execution error."""

    def run(*args):
        try:
            return function(*args)
        except tf.errors.InvalidArgumentError as error:
            found = _INDEX_ASSERTION.search(str(error))
            if found is None:
                raise
            prefix, index, rest = (part.replace("\\'", "'") for part in found.groups())
            raise IndexError(f"{prefix} {index} {rest}") from None

    return run


def compile_state_step(pure_fn, read_only, updated, jit_compile=None):
    """`pure_fn(read_values, updated_values, *batch) -> (new_updated_values, outputs)`."""
    read_storages = [variable.storage for variable in read_only]
    updated_storages = [variable.storage for variable in updated]

    # No reduce_retracing: a step traced per batch shape keeps static shapes (the full
    # batches and the last one: two traces per fit).
    def step(*batch):
        old_values = [s.value() for s in updated_storages]
        new_values, outputs = pure_fn([s.value() for s in read_storages], old_values, *batch)
        for storage, old, new in zip(updated_storages, old_values, new_values):
            if new is not old:  # state the step left alone needs no assignment
                storage.assign(new)
        return outputs

    compiled = _compiled(step, jit_compile)
    return _with_index_errors(getattr(compiled, "call_by_signature", compiled))


def compile_function(pure_fn, variables, jit_compile=None):
    storages = [variable.storage for variable in variables]

    def run(*args):
        return pure_fn([storage.value() for storage in storages], *args)

    compiled = _compiled(run, jit_compile)
    return _with_index_errors(getattr(compiled, "call_by_signature", compiled))


def _compiled(function, jit_compile):
    """`function` as a `_Compiled` tf.function (with XLA when jit_compile is True), or as
    it is for EAGER (`run_eagerly=True`)."""
    if jit_compile == EAGER:
        return function
    return _Compiled(function, bool(jit_compile))


class _Unmatched(Exception):
    """A batch holding something other than tensors, None and lists/tuples/dicts."""


def _signature(item):
    """The structure, shapes and dtypes of a batch, as a hashable key."""
    if item is None:
        return None
    if isinstance(item, (tf.Tensor, np.ndarray)):
        return tuple(item.shape), item.dtype
    if isinstance(item, (list, tuple)):
        return type(item), tuple(_signature(part) for part in item)
    if isinstance(item, dict):
        return dict, tuple((key, _signature(item[key])) for key in sorted(item))
    raise _Unmatched


class _Compiled:
    """A tf.function, traced without AutoGraph first.

    Converting every function the step calls (all of kerasfront's layers and ops) makes
    tracing many times slower, and our code branches only on Python values. A user's
    layer that branches on a tensor (`if K.sum(x) > 0:`) fails that trace with
    OperatorNotAllowedInGraphError; the function is then traced again with AutoGraph,
    which turns such branches into graph conditionals, as tf.keras does.
    """

    def __init__(self, function, jit_compile: bool):
        # TensorFlow counts traces per code object: every model's step shares the code of
        # `compile_state_step`'s closure, so ten models predicting in a row would read as
        # one function retracing and warn. A partial has no code object of its own, so
        # each step is counted alone (and still warns if it really retraces often).
        self._function = functools.partial(function)
        self._jit_compile = jit_compile
        self._autograph = False
        self._traced = tf.function(self._function, jit_compile=jit_compile, autograph=False)
        self._by_signature: dict = {}

    def _with_autograph(self, error) -> None:
        if self._autograph:
            raise error
        self._autograph = True
        self._traced = tf.function(self._function, jit_compile=self._jit_compile, autograph=True)

    def __call__(self, *args):
        try:
            return self._traced(*args)
        except tf.errors.OperatorNotAllowedInGraphError as error:
            self._with_autograph(error)
            return self._traced(*args)

    def call_by_signature(self, *args):
        """Like calling it, for the training loops' batches: the traced graph is looked up
        by the batch's shapes in a dict of our own and called directly, which skips the
        tf.function's matching of its arguments (about half of a small step's time)."""
        try:
            key = _signature(args)
        except _Unmatched:
            return self(*args)
        concrete = self._by_signature.get(key)
        if concrete is None:
            try:
                concrete = self._traced.get_concrete_function(*args)
            except tf.errors.OperatorNotAllowedInGraphError as error:
                self._with_autograph(error)
                concrete = self._traced.get_concrete_function(*args)
            self._by_signature[key] = concrete
        return concrete(*args)


def set_matmul_precision(value: str) -> None:
    # TensorFlow runs float32 matmuls and convolutions in TF32 on Ampere GPUs by default.
    tf.config.experimental.enable_tensor_float_32_execution(value == "high")


set_matmul_precision(config.matmul_precision())
