"""Data parallelism on TensorFlow: `tf.distribute.MirroredStrategy` (one host) or
`MultiWorkerMirroredStrategy` (several hosts, named by `TF_CONFIG`).

Every device holds a mirrored copy of each variable. A step is one `tf.function` that
splits the global batch into contiguous slices (sizes differ by at most one), hands
each device its slice (`experimental_distribute_values_from_function`) and runs the
model's step once per replica with `strategy.run`. Inside a replica the frontend asks
the plan to combine what the replicas computed, with the replica context's
`all_reduce`:

- gradients and float forward state (BatchNormalization's moving statistics): the sum
  of each replica's value weighted by local size / global size, which for a mean loss
  is exactly the gradient of the global batch's loss;
- metric accumulators: old + the sum of every replica's (new - old), so each sample is
  counted once.

A replica whose slice is empty (a last batch smaller than the number of devices)
contributes zeros, never the NaN of a mean over nothing.

Why variables are written from the cross-replica context: after the all-reduce every
replica holds the same new values, so each device assigns its own copy
(`strategy.extended.update` with the per-replica results, one `assign` per device and
no cross-device copy). Variables made under `with DataParallel():` are mirrored by the
strategy's own variable creator, with aggregation ONLY_FIRST_REPLICA so that code
assigning a variable inside a replica is also legal (the replicas agree). Variables
made outside the scope (a model built before `multi_gpu_model`, the optimizer's slots
made when the first step is built) are re-created as mirrored variables holding their
current value when a step is built; a step built earlier for another model that shares
those layers keeps the old storage, so build shared models under the scope.

XLA is not used under a distribution: the all-reduce is a synchronisation point between
the replicas' threads that XLA cannot compile inside a replica's program.

    strategy = kerasfront.distribution.DataParallel()   # every GPU, else every CPU
    with strategy:
        model = build_model()
        model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=64)

Several CPU devices can be simulated by configuring logical devices before TensorFlow
starts: `tf.config.set_logical_device_configuration(cpu, [LogicalDeviceConfiguration()] * 2)`.
"""

from __future__ import annotations

import re
import threading
import warnings

import tensorflow as tf

from kerasfront import tree
from kerasfront.backend.contract import EAGER
from kerasfront.distribution.device_choice import choose_devices

from . import _compiled, _with_index_errors, cluster, create_variable

# A replica's local batch size, for `sum_deltas` (the hook is not told it). Replicas are
# traced in threads of their own, so a thread-local value belongs to one replica.
_LOCAL = threading.local()

_STRATEGIES: dict = {}  # device names -> the MirroredStrategy over them

_DEVICE_NAME = re.compile(r"(cpu|gpu|tpu)\s*:\s*(\d+)$", re.IGNORECASE)


def _short_name(device_name: str) -> str:
    # The adapter's `devices()` spelling ("gpu:0"), which `list_devices()` shows users.
    kind, index = _DEVICE_NAME.search(device_name).groups()
    return f"{kind.lower()}:{index}"


def select_devices(devices) -> list:
    """The TensorFlow logical devices `DataParallel(devices=...)` asks for.

    Args:
        devices: None (every GPU, else every logical CPU), an int n (the first n of
            those), or a list of names such as "gpu:0", "cpu:1" or "/device:GPU:0".

    Raises:
        TypeError: for another kind of value.
        ValueError: for a count out of range, an unknown or repeated name; the message
            lists the devices that exist.
    """
    default = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
    every = tf.config.list_logical_devices("CPU") + tf.config.list_logical_devices("GPU")

    def key_of(requested):
        found = _DEVICE_NAME.search(requested) if isinstance(requested, str) else None
        return f"{found.group(1).lower()}:{found.group(2)}" if found else None

    return choose_devices(
        devices, default, every, lambda device: _short_name(device.name), key_of,
        "TensorFlow",
        "Several CPU devices can be simulated with tf.config.set_logical_device_configuration "
        "before TensorFlow starts.",
    )  # fmt: skip


def _split_sizes(size: int, parts: int) -> list[int]:
    """Contiguous shares of `size` samples over `parts` replicas, the first ones larger."""
    base, extra = divmod(size, parts)
    return [base + (1 if index < extra else 0) for index in range(parts)]


def _weighted_sum(values: list, local_size: int, global_size: int) -> list:
    """All-reduced sum of `value * local / global`; an empty replica adds zeros (its
    mean over no samples is NaN, and NaN * 0 is still NaN)."""
    if not values:
        return []
    if local_size == 0:
        weighted = [tf.zeros_like(value) for value in values]
    else:
        weighted = [value * (local_size / global_size) for value in values]
    context = tf.distribute.get_replica_context()
    return list(context.all_reduce(tf.distribute.ReduceOp.SUM, weighted))


def _with_aggregation(next_creator, **kwargs):
    # The replicas always agree on a new value, so the first replica's is everyone's.
    if kwargs.get("aggregation") in (None, tf.VariableAggregation.NONE):
        kwargs["aggregation"] = tf.VariableAggregation.ONLY_FIRST_REPLICA
    return next_creator(**kwargs)


class MirroredPlan:
    """The data-parallel plan of `kerasfront.distribution.DataParallel` on TensorFlow.

    Attributes:
        strategy: the `tf.distribute` strategy (Mirrored or MultiWorkerMirrored).
        devices: this host's devices, as `list_devices()` names them.
        num_replicas: the replicas of all hosts together.
    """

    def __init__(self, devices=None):
        multi_worker = cluster.multi_worker_strategy()
        if multi_worker is not None:
            if devices is not None:
                raise ValueError(
                    "DataParallel: with several workers in TF_CONFIG every worker uses all "
                    f"its GPUs (or its CPU); leave devices=None, received {devices!r}."
                )
            self.strategy = multi_worker
        else:
            names = tuple(device.name for device in select_devices(devices))
            # One strategy per set of devices: two strategies over the same devices number
            # their collective operations alike, and TensorFlow mixes up their all-reduces.
            if names not in _STRATEGIES:
                _STRATEGIES[names] = tf.distribute.MirroredStrategy(list(names))
            self.strategy = _STRATEGIES[names]
        self._local_devices = list(self.strategy.extended.worker_devices)
        self.devices = [_short_name(d) for d in self._local_devices]
        self.num_replicas = self.strategy.num_replicas_in_sync
        self._global_size = None  # the batch being traced; read by the replicas' hooks
        self._scopes: list = []

    # ---- scope ---------------------------------------------------------------------------
    def enter(self) -> None:
        scopes = [self.strategy.scope(), tf.variable_creator_scope(_with_aggregation)]
        for scope in scopes:
            scope.__enter__()
        self._scopes.append(scopes)

    def exit(self) -> None:
        for scope in reversed(self._scopes.pop()):
            scope.__exit__(None, None, None)

    def _mirror(self, variables) -> None:
        """Gives each variable made outside this strategy's scope a mirrored storage
        holding its current value."""
        for variable in tree.unique_objects(variables):
            storage = variable.storage
            if self.strategy.extended.variable_created_in_scope(storage):
                continue
            self.enter()
            try:
                mirrored = create_variable(variable.numpy(), variable.trainable, variable.name)
            finally:
                self.exit()
            variable._set_storage(mirrored)

    # ---- hooks called inside a replica ---------------------------------------------------
    def replica_index(self):
        """This replica's id: random layers shift their seeds by it, so replicas draw
        apart."""
        return tf.distribute.get_replica_context().replica_id_in_sync_group

    def reduce_gradients(self, grads, local_batch_size: int):
        return _weighted_sum(list(grads), local_batch_size, self._global_size)

    def average_state(self, values, local_batch_size: int):
        return _weighted_sum(list(values), local_batch_size, self._global_size)

    def sum_deltas(self, old_values, new_values):
        if not old_values:
            return []
        if _LOCAL.size == 0:
            deltas = [tf.zeros_like(old) for old in old_values]
        else:
            deltas = [new - old for old, new in zip(old_values, new_values)]
        context = tf.distribute.get_replica_context()
        summed = context.all_reduce(tf.distribute.ReduceOp.SUM, deltas)
        return [old + delta for old, delta in zip(old_values, summed)]

    # ---- steps ---------------------------------------------------------------------------
    def compile_state_step(self, pure_fn, read_only, updated, jit_compile=None):
        """Like the adapter's `compile_state_step`, but `run(*batch)` takes the global
        batch, runs `pure_fn` on each replica's slice and returns the outputs of the
        whole batch in order."""
        self._mirror(list(read_only) + list(updated))
        strategy = self.strategy
        read_storages = [variable.storage for variable in read_only]
        updated_storages = [variable.storage for variable in updated]
        changed: list[int] = []  # positions the step assigns, found while tracing

        def replica_step(*local_batch):
            _LOCAL.size = _leading_size(local_batch)
            # Inside a replica a mirrored variable reads as this device's copy.
            old_values = [storage.value() for storage in updated_storages]
            read_values = [storage.value() for storage in read_storages]
            new_values, outputs = pure_fn(read_values, old_values, *local_batch)
            changed[:] = [
                i for i, (old, new) in enumerate(zip(old_values, new_values)) if new is not old
            ]
            return [new_values[i] for i in changed], outputs

        def step(global_size, *batch):
            self._global_size = global_size
            new_values, outputs = strategy.run(replica_step, args=batch)
            for position, value in zip(changed, new_values):
                # Each device assigns its own replica's value (they are equal).
                strategy.extended.update(
                    updated_storages[position], _assign, args=(value,), group=False
                )
            return tree.map_structure(self._gather, outputs)

        if jit_compile is True:
            warnings.warn(
                "DataParallel on TensorFlow runs the steps as tf.function without XLA "
                "(compile(jit_compile=True) is not applied): the replicas' all-reduce is "
                "a synchronisation point XLA cannot compile.",
                stacklevel=2,
            )
        compiled = _compiled(step, EAGER if jit_compile == EAGER else False)

        def run(*batch):
            size = _leading_size(batch)
            return compiled(size, *self._distribute(batch, size))

        return _with_index_errors(run)

    def _distribute(self, batch, size: int):
        """`batch` with each array leaf replaced by per-replica contiguous slices, each
        placed on its replica's device."""
        leaves = tree.flatten(batch)
        arrays = [i for i, leaf in enumerate(leaves) if leaf is not None]
        sizes = _split_sizes(size, self.num_replicas)
        starts = [sum(sizes[:i]) for i in range(len(sizes))]
        local = self._local_devices

        def value_fn(context):
            replica = context.replica_id_in_sync_group
            start, stop = starts[replica], starts[replica] + sizes[replica]
            with tf.device(local[replica % len(local)]):
                return [tf.identity(leaves[i][start:stop]) for i in arrays]

        distributed = self.strategy.experimental_distribute_values_from_function(value_fn)
        for position, value in zip(arrays, distributed):
            leaves[position] = value
        return tree.pack_like(batch, leaves)

    def _gather(self, value):
        # One replica's run gives a plain tensor; several give per-replica values, joined
        # in replica order (the order of the slices).
        if self.num_replicas == 1:
            return value
        return self.strategy.gather(value, axis=0)


def _assign(variable, value):
    return variable.assign(value)


def _leading_size(batch) -> int:
    for leaf in tree.flatten(batch):
        if leaf is not None:
            return int(leaf.shape[0])
    raise ValueError("DataParallel: a batch without arrays cannot be split across devices.")


def data_parallel(devices=None) -> MirroredPlan:
    """The plan `kerasfront.distribution.DataParallel(devices)` runs on TensorFlow."""
    return MirroredPlan(devices)
