"""Data parallelism on JAX: one `jax.sharding.Mesh`, the batch split, the state replicated.

The steps stay programs over the *global* batch. Their inputs carry shardings: every
state array is replicated on each device of the mesh, each batch array is split along
its first axis over the mesh's one axis, "batch". `jax.jit` compiles such a program
once for all devices and XLA's partitioner inserts the collectives the global program
needs (the all-reduce of the gradients, of BatchNormalization's batch moments, of a
metric's sums), so the plan's reduction hooks have nothing left to do.

    strategy = kerasfront.distribution.DataParallel(devices=4)
    with strategy:
        model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, batch_size=256)   # each device takes 64 samples a step

Several CPU devices can be simulated for tests and benchmarks by setting
`XLA_FLAGS=--xla_force_host_platform_device_count=8` before JAX is imported.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from kerasfront.backend.contract import EAGER
from kerasfront.distribution.device_choice import choose_devices

from . import _DONATED_NOTE, _with_callback_errors

AXIS = "batch"


def _name(device) -> str:
    # The adapter's `devices()` spelling, which `list_devices()` shows users.
    return f"{device.platform}:{device.id}"


def select_devices(devices) -> list:
    """The JAX devices `DataParallel(devices=...)` asks for.

    Args:
        devices: None (every device), an int n (the first n), or a list of names as
            `kerasfront.distribution.list_devices()` gives them ("cpu:0", "gpu:1").

    Raises:
        TypeError: for another kind of value.
        ValueError: for a count out of range, an unknown or repeated name; the message
            lists the devices that exist.
    """
    available = jax.devices()

    def key_of(requested):
        return requested.lower() if isinstance(requested, str) else _name(requested)

    return choose_devices(
        devices, available, available, _name, key_of, "JAX",
        "More CPU devices can be simulated with "
        "XLA_FLAGS=--xla_force_host_platform_device_count=N set before JAX starts.",
    )  # fmt: skip


class JaxDataParallel:
    """The plan `kerasfront.distribution.DataParallel` runs the steps through on JAX."""

    def __init__(self, devices=None):
        self.mesh = Mesh(np.array(select_devices(devices)), (AXIS,))
        self.devices = [_name(device) for device in self.mesh.devices.flat]
        self.num_replicas = len(self.devices)
        self.replicated = NamedSharding(self.mesh, PartitionSpec())
        self.split = NamedSharding(self.mesh, PartitionSpec(AXIS))

    def enter(self) -> None:
        # Variables need no scope: they are placed on the mesh when a step first runs.
        pass

    def exit(self) -> None:
        pass

    # The step is one global program (module docstring): the gradient it computes is
    # already the gradient of the whole batch's loss, BatchNormalization's moments are
    # already those of the whole batch and a metric has already counted every sample
    # once. Averaging or summing again would be wrong, so these are identities;
    # tests/distribution/test_data_parallel_jax.py checks the results equal one device's.
    def reduce_gradients(self, grads, local_batch_size):
        return grads

    def average_state(self, values, local_batch_size):
        return values

    def sum_deltas(self, old_values, new_values):
        return new_values

    def place_batch(self, batch):
        """The batch's arrays split along axis 0 over the mesh. A batch whose size does
        not divide by the number of devices (an epoch's last) is copied to every device
        instead: each computes the whole batch, so the result stays exact."""
        leaves = [leaf for leaf in jax.tree_util.tree_leaves(batch) if np.ndim(leaf) > 0]
        if leaves and np.shape(leaves[0])[0] % self.num_replicas == 0:
            sharding = self.split
        else:
            sharding = self.replicated

        def place(leaf):
            return jax.device_put(leaf, sharding if np.ndim(leaf) > 0 else self.replicated)

        return jax.tree_util.tree_map(place, batch)

    def place_state(self, variables, donated: bool = False) -> list:
        """The variables' storage, first copied onto every device of the mesh where it
        is not there yet (built before `compile`, or assigned since by `set_weights`).

        `donated`: the step gives these buffers away. A storage a user may still hold
        (`variable._handed_out`, set by reading `value` outside a step) is then copied
        first, as the single-device step does, so the user's array stays valid.
        """
        replicated, storages = self.replicated, []
        for variable in variables:
            storage = variable.storage
            sharding = storage.sharding
            # A step's outputs carry this very sharding object: one identity test each.
            if sharding is not replicated and sharding != replicated:
                # `device_put` may reuse the source buffer for the first device's copy, and
                # a later step would donate it: place a fresh copy, which nobody else holds.
                storage = jax.device_put(jnp.array(storage, copy=True), replicated)
                variable._set_storage(storage)
            elif donated and getattr(variable, "_handed_out", False):
                storage = jnp.array(storage, copy=True)
                variable._set_storage(storage)
            storages.append(storage)
        return storages

    def compile_state_step(self, pure_fn, read_only, updated, jit_compile=None):
        """Like the adapter's `compile_state_step`, with `run(*batch)` taking the global
        batch: its arrays are split over the mesh and the state is replicated."""
        if jit_compile == EAGER:
            compiled = pure_fn  # JAX's eager ops honour the shardings of their inputs
        else:
            # The updated state is donated, as on one device, and comes back replicated,
            # so the next call finds it placed; outputs keep XLA's choice (predict's are
            # split along the batch and gathered when the loop reads them).
            compiled = _with_callback_errors(
                jax.jit(
                    pure_fn,
                    donate_argnums=(1,),
                    out_shardings=(self.replicated, None),
                ),
                _DONATED_NOTE,
            )
        place_state, place_batch = self.place_state, self.place_batch

        def run(*batch):
            new_values, outputs = compiled(
                place_state(read_only), place_state(updated, donated=True), *place_batch(batch)
            )
            for variable, value in zip(updated, new_values):
                variable._set_storage(value)
            return outputs

        return run

    def __repr__(self) -> str:
        return f"JaxDataParallel(devices={self.devices})"


def data_parallel(devices=None) -> JaxDataParallel:
    """The JAX plan for `kerasfront.distribution.DataParallel(devices)`."""
    return JaxDataParallel(devices)
