"""The PyTorch adapter: torch ops with NumPy semantics, eager steps with fused updates.

Trainable variables are `torch.nn.Parameter`s; a step computes new values without
touching the old ones, then swaps them into the same Parameter objects (`.data`), so
a user holding a Parameter always sees the current weights.
"""

from __future__ import annotations

import numpy as np
import torch

from kerasfront import config, tree
from kerasfront.backend.contract import OP_NAMES
from kerasfront.backend.scope import StatelessScope
from kerasfront.backend.tracing import Spec, concrete_shape, probe_output_spec

from . import cuda_graphs as cuda_graphs_module
from . import loops, nn, ops
from .ctc import ctc_loss  # noqa: F401
from .debug import debug_print  # noqa: F401
from .optimizer_kernels import adam_update, host_scalar, sgd_momentum_update  # noqa: F401
from .rnn import gru, lay_out_fused_rnn_weight, lstm  # noqa: F401
from .sparse import is_sparse, sparse_to_dense  # noqa: F401
from .user_code import user_code_scope  # noqa: F401

# Array ops live in ops.py, the layer ops (convolution, pooling, ...) in nn.py, the time
# loop in loops.py.
globals().update(
    {
        name: next(getattr(module, name) for module in (ops, nn, loops) if hasattr(module, name))
        for name in OP_NAMES
    }
)
affine = ops.affine
lay_out_conv_kernel = nn.lay_out_conv_kernel


def copy_for_user_code(x):
    """A copy of `x` for a layer written by the user: Keras 2 code updates tensors with
    augmented assignment (`inputs -= mean`), which on a TensorFlow tensor rebinds the name
    but on a torch tensor writes into the one other layers read and autograd saved."""
    return x.clone()


NAME = "torch"
SUPPORTS_TRAINING = True


def engine_version() -> str:
    return torch.__version__


def devices() -> list[str]:
    found = ["cpu:0"]
    if torch.cuda.is_available():
        found += [f"gpu:{index}" for index in range(torch.cuda.device_count())]
    return found


def as_step_input(array):
    """A NumPy batch as the steps take it, with no work beyond `from_numpy` on the CPU
    (the tensor shares the batch's memory; steps never write to their inputs). On an
    accelerator the batch is copied into pinned memory first, so that the copy to the
    device does not block the host and overlaps the work already queued there."""
    if array.dtype == object or not array.flags.c_contiguous:
        return ops.convert_to_tensor(array)  # (raises for object arrays)
    tensor = torch.from_numpy(array)
    if DEVICE_IS_CPU:
        return tensor
    return tensor.pin_memory().to(ops.DEVICE, non_blocking=True)


DEVICE_IS_CPU = ops.DEVICE.type == "cpu"


def create_variable(value, trainable, name):
    # Row-major whatever the initial value's strides (an orthogonal initializer returns a
    # transposed matrix): torch's fused Adam takes dense row-major tensors only (and the
    # column-major matrices recurrent layers ask for, see rnn.lay_out_fused_rnn_weight,
    # and the permuted conv kernels of nn.lay_out_conv_kernel), and a strided weight
    # would send every step down its slow path.
    tensor = torch.tensor(value, device=ops.DEVICE).contiguous()
    if trainable and tensor.is_floating_point():
        return torch.nn.Parameter(tensor, requires_grad=True)
    return tensor


def assign_variable(storage, value):
    # Always a fresh tensor: later changes to the caller's array must not leak in. It has
    # the storage's own layout (row-major, or the column-major of fused-RNN weights, see
    # rnn.lay_out_fused_rnn_weight, or nn.lay_out_conv_kernel's); `copy_` converts dtype
    # and device.
    if isinstance(value, torch.Tensor):
        source = value.detach()
    else:
        source = torch.tensor(np.asarray(value))
    new = torch.empty_like(storage, requires_grad=False)
    new.copy_(source)
    storage.data = new
    return storage


def read_variable(storage):
    return storage


def _spec(tensor) -> Spec:
    return Spec(tuple(tensor.shape), ops.dtype(tensor))


def _meta_unsupported(error: Exception) -> bool:
    """Whether `error` says the function cannot run on meta tensors (a missing meta
    kernel, `.item()`, a NumPy conversion), as opposed to an error of the function."""
    return isinstance(error, NotImplementedError) or (
        isinstance(error, (RuntimeError, TypeError)) and "meta" in str(error)
    )


def compute_output_spec(fn, specs, variables):
    def run_on(device, mapping):
        def run(size):
            inputs = tree.map_structure(
                lambda spec: torch.zeros(
                    concrete_shape(spec.shape, size),
                    dtype=ops.to_torch_dtype(spec.dtype),
                    device=device,
                ),
                specs,
            )
            with torch.no_grad(), StatelessScope(mapping):
                return tree.map_structure(_spec, fn(inputs))

        return run

    # Meta tensors carry shapes only: nothing is computed or allocated, whatever the
    # probe sizes. Functions that leave torch (NumPy calls, `.item()`) cannot run on them;
    # those, and only those, run on real zeros instead.
    meta = {
        variable: torch.empty(variable.shape, dtype=variable.storage.dtype, device="meta")
        for variable in variables
        if variable.storage.is_floating_point()
    }
    try:
        return probe_output_spec(run_on("meta", meta), specs)
    except Exception as error:
        if not _meta_unsupported(error):
            raise
    return probe_output_spec(run_on(ops.DEVICE, {}), specs)


def value_and_grad(fn):
    def run(values, *args):
        with torch.enable_grad():
            # A trainable variable's storage is already a leaf that requires grad (a
            # Parameter): differentiating with respect to it directly saves two ops per
            # variable and step; `autograd.grad` does not accumulate into `.grad`.
            leaves = [
                value if value.is_leaf and value.requires_grad else value.detach().requires_grad_()
                for value in values
            ]
            value, aux = fn(leaves, *args)
            # A model with nothing to train (all frozen) still reports its loss.
            grads = torch.autograd.grad(value, leaves, allow_unused=True) if leaves else []
        grads = [torch.zeros_like(leaf) if g is None else g for leaf, g in zip(leaves, grads)]
        return (value.detach(), aux), grads

    return run


def compile_state_step(pure_fn, read_only, updated, jit_compile=None, cuda_graphs=True):
    """`pure_fn(read_values, updated_values, *batch) -> (new_updated_values, outputs)`.

    `jit_compile=True` replays the step from CUDA graphs on a CUDA device (where a small
    step costs its kernel launches: see cuda_graphs.py) and compiles it with
    `torch.compile` elsewhere (`cuda_graphs=False`: a step whose collectives span
    processes, which a graph of one process cannot hold)."""
    if jit_compile is True and cuda_graphs and ops.DEVICE.type == "cuda":
        return cuda_graphs_module.GraphedStep(pure_fn, read_only, updated, _step_name(pure_fn))
    step = torch.compile(pure_fn) if jit_compile is True else pure_fn

    def run(*batch):
        with torch.no_grad():
            new_values, outputs = step(
                [v._storage for v in read_only], [v._storage for v in updated], *batch
            )
            for variable, value in zip(updated, new_values):
                # Swap the data in: the Parameter object (and anyone holding it) stays.
                storage = variable._storage
                if value is not storage:
                    storage.data = value
        return outputs

    return run


def _step_name(pure_fn) -> str:
    """'the training step' and the like, for messages, from the function's builder."""
    builder = pure_fn.__qualname__.split(".")[0]
    kind = {"make_train_step": "training", "make_test_step": "evaluation"}.get(builder)
    kind = kind or ("prediction" if builder == "make_predict_step" else None)
    return f"the {kind} step" if kind else f"the step {pure_fn.__qualname__}"


def compile_function(pure_fn, variables, jit_compile=None):
    function = torch.compile(pure_fn) if jit_compile is True else pure_fn

    def run(*args):
        with torch.no_grad():
            return function([variable.storage for variable in variables], *args)

    return run


def set_matmul_precision(value: str) -> None:
    # torch keeps full float32 matmuls by default but lets cuDNN convolutions and
    # recurrent kernels use TF32: both follow the policy.
    allow = value == "high"
    torch.backends.cuda.matmul.allow_tf32 = allow
    torch.backends.cudnn.allow_tf32 = allow
    torch.set_float32_matmul_precision(value)


set_matmul_precision(config.matmul_precision())
