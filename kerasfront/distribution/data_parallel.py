"""`DataParallel`, the active distribution, and what the steps ask of an engine's plan.

The frontend knows only the engine-neutral parts: which distribution is active and
which model it belongs to. Everything engine-specific (device lists, placing state,
splitting batches, all-reducing) lives in the adapter's plan, made by the function
`data_parallel(devices)` of the adapter's `distribute` module
(`kerasfront.backends.<engine>.distribute`), imported only when a plan is first needed.

A plan offers:
    devices: list[str], num_replicas: int
    enter() / exit(): called around `with strategy:` (TensorFlow enters its strategy's
        scope, so variables made there are mirrored)
    compile_state_step(pure_fn, read_only, updated, jit_compile): like the adapter's,
        but `run(*batch)` takes the global batch and runs `pure_fn` per replica on its
        share (or once over the sharded batch, JAX)
    reduce_gradients(grads, local_batch_size): inside the step, the gradient of the
        global batch's loss: the replicas' gradients averaged with weights
        local size / global size (identity where the engine's partitioner does it)
    average_state(values, local_batch_size): the same weighted average, for float state
        the forward pass changed (BatchNorm's moving statistics)
    sum_deltas(old_values, new_values): metric accumulators after each replica added its
        own batch: old + the sum of every replica's (new - old), so a sample is counted
        exactly once
"""

from __future__ import annotations

import importlib

from kerasfront.backend.registry import ADAPTER, RESOLUTION

_GLOBAL: list = [None]  # set_distribution's value
_SCOPES: list = []  # `with DataParallel(...)` blocks, innermost last


class DataParallel:
    """Data parallelism: every device holds the whole model and takes a share of each batch.

    Args:
        devices: the devices to use, as `list_devices()` names them ("gpu:0", "cpu:1"),
            or an int (the first n), or None for all. On PyTorch the devices are the
            processes `torchrun` started: leave it None, or give their number.
    """

    def __init__(self, devices=None):
        self._requested = devices
        self._plan = None

    @property
    def plan(self):
        """The engine's plan, made on first use (this binds the engine)."""
        if self._plan is None:
            try:
                module = importlib.import_module(f"{ADAPTER.__name__}.distribute")
            except ModuleNotFoundError as error:
                if error.name != f"{ADAPTER.__name__}.distribute":
                    raise
                module = None
            make = getattr(module, "data_parallel", None)
            if make is None:
                raise NotImplementedError(
                    f"DataParallel: the {RESOLUTION.name!r} backend cannot train on several "
                    "devices; use tensorflow, torch or jax."
                )
            self._plan = make(self._requested)
        return self._plan

    @property
    def devices(self) -> list[str]:
        return list(self.plan.devices)

    @property
    def num_replicas(self) -> int:
        return self.plan.num_replicas

    @property
    def is_chief(self) -> bool:
        """Whether this process writes files and prints progress: False only on the
        processes after the first of a multi-process run (torchrun's ranks above 0)."""
        return getattr(self.plan, "is_chief", True)

    def barrier(self) -> None:
        """Waits for every process of a multi-process run (nothing in one process)."""
        wait = getattr(self.plan, "barrier", None)
        if wait is not None:
            wait()

    def __enter__(self):
        self.plan.enter()
        _SCOPES.append(self)
        return self

    def __exit__(self, *exc_info):
        _SCOPES.remove(self)
        self.plan.exit()
        return False

    def __repr__(self) -> str:
        shown = self._requested if self._plan is None else self._plan.devices
        return f"DataParallel(devices={shown!r})"


def distribution() -> DataParallel | None:
    """The distribution in effect: the innermost `with` block's, else `set_distribution`'s."""
    return _SCOPES[-1] if _SCOPES else _GLOBAL[0]


def set_distribution(value: DataParallel | None) -> None:
    """Sets the distribution for models compiled from now on (None: one device)."""
    if value is not None and not isinstance(value, DataParallel):
        raise TypeError(
            "set_distribution expects a kerasfront.distribution.DataParallel or None, "
            f"received {type(value).__name__}: {value!r:.80}."
        )
    _GLOBAL[0] = value


def is_chief(model) -> bool:
    """Whether this process writes the files and logs of `model`'s training: callbacks ask,
    so several processes training one model do not write the same file at once."""
    strategy = getattr(model, "_distribution", None)
    return strategy is None or strategy.is_chief


def barrier(model) -> None:
    """Waits for every process training `model` (nothing on one process)."""
    strategy = getattr(model, "_distribution", None)
    if strategy is not None:
        strategy.barrier()


def list_devices() -> list[str]:
    """The devices of the active engine, as `DataParallel(devices=...)` takes them."""
    return list(ADAPTER.devices())
