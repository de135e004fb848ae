"""Data parallelism on PyTorch: one process per device, joined by `torch.distributed`.

Launch the same script once per device with `torchrun`; every process reads the same
arrays and takes its own slice of every global batch:

    torchrun --nproc_per_node 2 train.py                 # 2 processes (GPUs, or CPU)
    python -m torch.distributed.run --nproc_per_node 2 train.py   # the same

where `train.py` compiles its model under `kerasfront.distribution.DataParallel()`.
When the plan is made and no process group exists yet, kerasfront starts the default
group from torchrun's environment (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR,
MASTER_PORT): NCCL on `cuda:LOCAL_RANK` when CUDA is available, gloo on the CPU
otherwise. A group the program started itself (`init_process_group`) is used as it is.
Making the plan also gives every rank rank 0's NumPy and torch random states, so that
shuffled epochs (`fit(shuffle=True)`, a shuffling DataLoader) agree across ranks.
Outside torchrun the world is this one process, and training is plain single-device.

A step takes the global batch; rank r runs the model on rows `array_split`-style (shares
differ by at most one sample). Gradients, the forward state (BatchNorm's moving
statistics) and the metric accumulators are combined with one all-reduce per dtype, each
replica weighted by its share of the batch, so every rank applies the same update and
the losses and metrics are those of the whole global batch. At its first call a step
broadcasts the state from rank 0, so replicas start identical whatever their seeds.
Evaluation splits the batch the same way; predict splits it too and gathers the outputs
of every rank, in rank order, so each process gets the outputs of the whole batch.

A rank whose share is empty (a last batch smaller than the world) runs the step on one
borrowed row and contributes zeros to every collective: the collectives stay matched
across ranks and nothing is counted twice.

Every rank runs the whole script, callbacks included; logs and metrics are the same on
all of them. Saves go through atomic renames, so ranks saving one file (ModelCheckpoint)
leave a complete file. Give CSVLogger and TensorBoard to rank 0 only
(`int(os.environ.get("RANK", 0)) == 0`), and `verbose=0` to the others. BackupAndRestore
is not safe yet: every rank must restore (to resume at the same epoch), but ranks
removing old backups race each other (FileNotFoundError). `torch.compile`
(`jit_compile=True`) compiles each rank's step, with graph breaks at the collectives.
"""

from __future__ import annotations

import atexit
import os

import numpy as np
import torch
import torch.distributed as dist

from kerasfront import tree

from . import compile_state_step as _compile_single
from . import ops

_TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


def _launch_hint(count) -> str:
    return f"launch one process per device: `torchrun --nproc_per_node {count} script.py`"


def _in_torchrun() -> bool:
    return "WORLD_SIZE" in os.environ and "RANK" in os.environ


def _parse_device(name, position: int) -> torch.device:
    """A `list_devices()` name ("gpu:1", "cpu:0"; torch's "cuda:1" too) as a torch device
    of the kind this process computes on (the adapter places every tensor there)."""
    text = str(name).strip().lower()
    kind, _, index = text.partition(":")
    if kind not in ("cpu", "gpu", "cuda") or (index and not index.isdigit()):
        raise ValueError(
            f"DataParallel: devices[{position}]={name!r} is not a device name; expected "
            "'gpu:N' or 'cpu:0' as kerasfront.distribution.list_devices() names them."
        )
    wanted = "cpu" if kind == "cpu" else "cuda"
    if wanted != ops.DEVICE.type:
        raise ValueError(
            f"DataParallel: devices[{position}]={name!r} is a {wanted} device, but this "
            f"process computes on {ops.DEVICE.type}; name {ops.DEVICE.type} devices "
            "(hide the GPUs with CUDA_VISIBLE_DEVICES='' to train on CPUs)."
        )
    return torch.device("cuda", int(index or 0)) if wanted == "cuda" else torch.device("cpu")


def _own_device(local_rank: int) -> torch.device:
    if ops.DEVICE.type != "cuda":
        return torch.device("cpu")
    count = torch.cuda.device_count()
    if local_rank >= count:
        raise ValueError(
            f"DataParallel: this process has LOCAL_RANK={local_rank} but its host has "
            f"{count} GPU(s); start at most {count} processes per host "
            f"(`torchrun --nproc_per_node {count} script.py`), or hide the GPUs with "
            "CUDA_VISIBLE_DEVICES='' to train on CPUs."
        )
    return torch.device("cuda", local_rank)


def _check_requested(devices, world: int) -> list | None:
    """Validates `DataParallel(devices=...)` against the world; returns the list form."""
    if devices is None:
        return None
    if isinstance(devices, bool) or not isinstance(devices, (int, list, tuple)):
        raise TypeError(
            "DataParallel: devices must be None, an int or a list of device names, "
            f"received {type(devices).__name__}: {devices!r:.60}."
        )
    count = devices if isinstance(devices, int) else len(devices)
    if count < 1:
        raise ValueError(f"DataParallel: devices must name at least one device, got {devices!r}.")
    if count != world:
        if _in_torchrun() or dist.is_initialized():
            started = f"this run has {world} processes (WORLD_SIZE={world})"
        else:
            started = "this process was not started by torchrun (a world of 1 process)"
        raise ValueError(
            f"DataParallel(devices={devices!r}): PyTorch trains on {count} devices with "
            f"{count} processes, one per device, but {started}; {_launch_hint(count)}, "
            "or pass devices=None to use the processes torchrun started."
        )
    return None if isinstance(devices, int) else list(devices)


def _start_process_group(device: torch.device) -> None:
    missing = [name for name in _TORCHRUN_VARIABLES if name not in os.environ]
    if missing:
        raise ValueError(
            f"DataParallel: the torchrun environment lacks {', '.join(missing)}; "
            f"{_launch_hint(os.environ.get('WORLD_SIZE', 'N'))}."
        )
    backend = "nccl" if device.type == "cuda" else "gloo"
    dist.init_process_group(
        backend=backend,
        init_method="env://",
        rank=int(os.environ["RANK"]),
        world_size=int(os.environ["WORLD_SIZE"]),
    )
    # The group's threads must stop before the interpreter does: left running, they
    # abort the process at exit ("terminate called without an active exception").
    atexit.register(_end_process_group)


def _end_process_group() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def _share_random_states() -> None:
    """Gives every rank rank 0's NumPy and torch random states. `fit(shuffle=True)` draws
    its order from NumPy's generator, a shuffling DataLoader from torch's: with the same
    states every rank shuffles alike, so the ranks' shares make up one global batch."""
    states = [(np.random.get_state(), torch.get_rng_state())]
    dist.broadcast_object_list(states, src=0)
    numpy_state, torch_state = states[0]
    np.random.set_state(numpy_state)
    torch.set_rng_state(torch_state)


def _shares(total: int, world: int) -> list[int]:
    """Rows per rank, as `numpy.array_split` divides them: the first `total % world`
    ranks take one row more."""
    quotient, remainder = divmod(total, world)
    return [quotient + (1 if rank < remainder else 0) for rank in range(world)]


def _rows(structure, rows: slice, device: torch.device):
    def take(leaf):
        if not isinstance(leaf, torch.Tensor):
            return leaf
        return leaf[rows].to(device)

    return tree.map_structure(take, structure)


def _by_dtype(tensors: list) -> dict:
    groups: dict = {}
    for position, tensor in enumerate(tensors):
        groups.setdefault(tensor.dtype, []).append(position)
    return groups


class TorchDataParallel:
    """The plan `kerasfront.distribution.DataParallel` asks of the PyTorch adapter.

    Args:
        devices: None (every process torchrun started), their number, or a list naming
            each rank's device ("gpu:N"; rank r computes on the r-th).
    """

    def __init__(self, devices=None):
        if not dist.is_available():
            raise ValueError(
                "DataParallel: this PyTorch build has no torch.distributed; install a "
                "build with it to train on several devices."
            )
        if dist.is_initialized():
            world, rank = dist.get_world_size(), dist.get_rank()
        elif _in_torchrun():
            world, rank = int(os.environ["WORLD_SIZE"]), int(os.environ["RANK"])
        else:
            world, rank = 1, 0
        named = _check_requested(devices, world)
        local_rank = int(os.environ.get("LOCAL_RANK", rank if world > 1 else 0))
        self.device = _parse_device(named[rank], rank) if named else _own_device(local_rank)
        if self.device.type == "cuda":
            # The adapter places tensors on "cuda", the current GPU: make it this rank's.
            torch.cuda.set_device(self.device)
        if world > 1:
            if not dist.is_initialized():
                _start_process_group(self.device)
            _share_random_states()
        self.rank = rank
        self.num_replicas = world
        if named:
            self.devices = [str(name) for name in named]
        elif self.device.type == "cuda":
            # torchrun starts the same number of processes on every host.
            per_host = int(os.environ.get("LOCAL_WORLD_SIZE", world))
            self.devices = [f"gpu:{r % per_host}" for r in range(world)]
        else:
            self.devices = ["cpu:0"] * world
        self._sizes = None  # (this rank's rows, the global batch's rows) during a step

    @property
    def is_chief(self) -> bool:
        """Whether this process is rank 0, the one that should write files and logs."""
        return self.rank == 0

    def barrier(self) -> None:
        """Waits until every rank gets here (e.g. rank 0 wrote a file the others read)."""
        if self.num_replicas > 1:
            dist.barrier()

    def enter(self) -> None:
        """Nothing to enter: variables live on this process's device already."""

    def exit(self) -> None:
        """Nothing to leave."""

    # ---- the step ----------------------------------------------------------------------
    def compile_state_step(self, pure_fn, read_only, updated, jit_compile=None):
        """The adapter's step, run by every rank on its share of the global batch."""
        single = _compile_single(pure_fn, read_only, updated, jit_compile, cuda_graphs=False)
        state = tree.unique_objects([*read_only, *updated])
        pending = [True]  # the broadcast from rank 0 happens at the first call

        def run(*batch):
            if pending[0]:
                self._start_identical(state)
                pending[0] = False
            if self.num_replicas == 1:
                return single(*batch)
            total = _leading_size(batch)
            shares = _shares(total, self.num_replicas)
            start = sum(shares[: self.rank])
            local = shares[self.rank]
            # An empty share still runs the step, on a borrowed row whose contributions
            # are zeroed, so that this rank joins every collective of the others.
            rows = slice(start, start + local) if local else slice(0, 1)
            self._sizes = (local, total)
            try:
                outputs = single(*_rows(batch, rows, self.device))
            finally:
                self._sizes = None
            if not tree.flatten(outputs):
                return outputs
            return self._gather(outputs, shares)

        return run

    def _start_identical(self, state: list) -> None:
        """Moves the state to this process's device and broadcasts rank 0's values."""
        with torch.no_grad():
            for variable in state:
                if variable.storage.device != self.device:
                    variable.storage.data = variable.storage.data.to(self.device)
            if self.num_replicas == 1 or not state:
                return
            values = [variable.storage for variable in state]
            for dtype, positions in _by_dtype(values).items():
                flat = torch.cat([values[i].reshape(-1) for i in positions])
                wire = flat.to(torch.uint8) if dtype == torch.bool else flat
                dist.broadcast(wire, src=0)
                flat = wire.to(dtype)
                offset = 0
                for i in positions:
                    size = values[i].numel()
                    values[i].copy_(flat[offset : offset + size].view_as(values[i]))
                    offset += size

    def _gather(self, outputs, shares: list[int]):
        """Each rank's output rows, concatenated in rank order, on every rank."""
        longest, local = max(shares), shares[self.rank]

        def gather(tensor):
            padded = tensor.new_zeros((longest, *tensor.shape[1:]))
            padded[:local] = tensor[:local]
            pieces = [torch.empty_like(padded) for _ in shares]
            dist.all_gather(pieces, padded)
            return torch.cat([piece[:size] for piece, size in zip(pieces, shares)])

        return tree.map_structure(gather, outputs)

    # ---- combining the replicas (called inside the step) -------------------------------
    def _weight(self, local_batch_size: int) -> float:
        if self._sizes is not None:
            local, total = self._sizes
        else:  # called outside a plan's step: count the global batch
            local = int(local_batch_size)
            count = torch.tensor([local], dtype=torch.int64, device=self.device)
            dist.all_reduce(count)
            total = int(count.item())
        return local / total if total else 0.0

    def replica_index(self) -> int:
        """This rank: random layers shift their seeds by it, so replicas draw apart."""
        return self.rank

    def reduce_gradients(self, grads: list, local_batch_size: int) -> list:
        """The gradient of the global batch's loss: sum over ranks of grad * share."""
        if self.num_replicas == 1:
            return list(grads)
        return _all_reduce_sum(list(grads), self._weight(local_batch_size))

    def average_state(self, values: list, local_batch_size: int) -> list:
        """Float forward state (moving statistics), averaged with the same weights."""
        if self.num_replicas == 1:
            return list(values)
        return _all_reduce_sum(list(values), self._weight(local_batch_size))

    def sum_deltas(self, old_values: list, new_values: list) -> list:
        """Metric accumulators: old + every rank's (new - old)."""
        if self.num_replicas == 1:
            return list(new_values)
        empty = self._sizes is not None and self._sizes[0] == 0
        deltas = [new - old for old, new in zip(old_values, new_values)]
        summed = _all_reduce_sum(deltas, 0.0 if empty else None)
        return [old + delta for old, delta in zip(old_values, summed)]


def _leading_size(batch) -> int:
    for leaf in tree.flatten(batch):
        if isinstance(leaf, torch.Tensor):
            return int(leaf.shape[0])
    raise ValueError("DataParallel: a batch holds no tensor to split across the processes.")


def _all_reduce_sum(tensors: list, weight: float | None = None) -> list:
    """Each tensor (times `weight`) summed over the ranks, with one all-reduce per dtype:
    the tensors travel in one flat buffer instead of one collective each."""
    results = list(tensors)
    for positions in _by_dtype(tensors).values():
        # cat copies, so the buffer is ours to scale and overwrite even for one tensor.
        flat = torch.cat([tensors[i].reshape(-1) for i in positions])
        if weight == 0.0:
            flat.zero_()  # a borrowed row's values (times 0 would keep an inf or NaN)
        elif weight is not None:
            flat.mul_(weight)
        dist.all_reduce(flat)
        offset = 0
        for i in positions:
            size = tensors[i].numel()
            results[i] = flat[offset : offset + size].view_as(tensors[i])
            offset += size
    return results


def data_parallel(devices=None) -> TorchDataParallel:
    """The PyTorch plan for `kerasfront.distribution.DataParallel(devices)`."""
    return TorchDataParallel(devices)


__all__ = ["TorchDataParallel", "data_parallel"]
