"""`jit_compile=True` on a CUDA device: the eager step recorded once as a CUDA graph per
batch shape, then replayed with one launch per step.

An eager torch step launches every kernel from Python, at several microseconds of host
work each; on a GPU that host work, not the arithmetic, is what a small step costs. A
CUDA graph keeps the kernels and their arguments (memory addresses included) and replays
them all at once, so for a replay to be right:

- every tensor the step reads or writes stays at the address it had at capture. The
  variables are updated in place (`copy_`) instead of having their memory swapped as the
  eager step does, and a variable whose memory was replaced from outside (`set_weights`,
  `K.set_value`, the zeroing of metrics at each epoch) is copied back to the memory the
  graphs read ("home") before the next replay;
- each batch is copied into input buffers the graph reads, and outputs are copied out of
  the graph's memory before being returned (the next replay overwrites them);
- nothing in the step reads a value back to the host: that raises during capture, and the
  step then runs eagerly from there on, with a warning that says why. kerasfront keeps
  seeds, optimizer scalars and metrics on the device, and the Embedding lookup skips its
  host bounds check inside a graph (nn.embedding_lookup); a user's layer that reads a
  tensor with `.item()` does not qualify, nor does the CTC loss (it checks lengths on the
  host).

Host values a step reads while it is recorded (Python attributes of layers) are fixed in
its graph, as they are in a JAX or TensorFlow compiled step.
"""

from __future__ import annotations

import gc
import threading

import torch

from kerasfront import tree, user_warnings

# Eager steps per batch shape before capture: the first step builds lazily made state
# (optimizer slots, their layout, cuBLAS handles), which must exist before recording.
WARMUP_STEPS = 2
# Graphs kept per step, each with its own memory: batch shapes beyond these (predict
# called on arrays of ever new lengths) run eagerly.
MAX_GRAPHS = 8


# How many times a graph has written variables' memory. A replay writes memory without
# advancing torch's version counters, which caches of values derived from weights (the
# fused RNNs' weight buffer, rnn.py) otherwise rely on.
_state_writes = 0


def state_writes() -> int:
    return _state_writes


class _CannotCapture(Exception):
    """The step cannot be kept in a graph (a state changed shape)."""


class GraphedStep:
    """`step(*batch)` for a state step `pure_fn(read_values, updated_values, *batch) ->
    (new_updated_values, outputs)`, replayed from CUDA graphs once warmed up."""

    def __init__(self, pure_fn, read_only, updated, what="the step"):
        self.pure_fn = pure_fn
        self.read_only = list(read_only)
        self.updated = list(updated)
        self.what = what
        self.graphs: dict = {}  # batch signature -> _Recording
        self.calls: dict = {}  # batch signature -> eager steps run so far
        self.disabled_because = None  # set when a capture failed: eager from then on
        self.homes = None  # the tensors the graphs read and write, per variable
        self.lock = threading.Lock()  # one replay at a time: inputs and outputs are shared
        self.side_stream = None  # where warm-up steps and captures run

    # ---- per step --------------------------------------------------------------------------
    def __call__(self, *batch):
        leaves = tree.flatten(batch)
        signature = _signature(leaves)
        with self.lock, torch.no_grad():
            if signature is None or self.disabled_because is not None:
                return self._eager_swapping(batch)
            recording = self.graphs.get(signature)
            if recording is not None and self._bring_home():
                return self._replay(recording, leaves)
            if len(self.graphs) >= MAX_GRAPHS:
                return self._eager_swapping(batch)
            seen = self.calls.get(signature, 0)
            if seen < WARMUP_STEPS:
                self.calls[signature] = seen + 1
                return self._eager_on_side_stream(batch)
            try:
                self._bring_home()
                recording = _Recording.capture(self._in_place, batch, leaves, self._side())
            except Exception as error:  # noqa: BLE001 - any failure means: run eagerly
                self.disabled_because = f"{type(error).__name__}: {error}"
                self.graphs.clear()
                user_warnings.warn(
                    f"jit_compile=True: {self.what} could not be recorded as a CUDA graph "
                    f"({str(self.disabled_because)[:300]}); it runs eagerly instead. A "
                    "step kept in a graph must not read values back to the host (.item(), "
                    ".cpu(), .numpy(), Python conditions on tensors).",
                    RuntimeWarning,
                )
                return self._eager_swapping(batch)
            if self.homes is None:
                self.homes = [v._storage.data for v in self._state()]
            self.graphs[signature] = recording
            return self._replay(recording, leaves)

    def _replay(self, recording, leaves):
        if self.updated:
            global _state_writes
            _state_writes += 1
        return recording.replay(leaves)

    def _state(self):
        return self.read_only + self.updated

    def _in_place(self, *batch):
        """The step with every new value written into the variable's current memory
        (what a graph records, and the warm-up steps before it)."""
        return self._run(batch, in_place=True)

    def _eager_swapping(self, batch):
        """The plain eager step: new values take over as the variables' memory (no copy;
        graphs bring their memory up to date before their next replay)."""
        return self._run(batch, in_place=False)

    def _run(self, batch, in_place):
        storages = [v._storage for v in self.updated]
        new_values, outputs = self.pure_fn([v._storage for v in self.read_only], storages, *batch)
        changed = [
            (storage, value)
            for storage, value in zip(storages, new_values)
            if value is not storage  # else updated in place already (the fused optimizers)
        ]
        if in_place and any(
            value.shape != storage.shape or value.dtype != storage.dtype
            for storage, value in changed
        ):
            # A state whose shape changes (a stateful layer fed another batch size)
            # cannot live in a graph.
            if torch.cuda.is_current_stream_capturing():
                raise _CannotCapture("a state changed its shape or dtype in one step")
            self.graphs.clear()
            self.homes = None
            in_place = False
        for storage, value in changed:
            if in_place:
                storage.copy_(value)
            else:
                storage.data = value
        return outputs

    def _side(self):
        if self.side_stream is None:
            self.side_stream = torch.cuda.Stream()
        return self.side_stream

    def _eager_on_side_stream(self, batch):
        # The warm-up steps run on the stream the capture will use, as torch's
        # documentation asks: state made lazily per stream (cuBLAS workspaces) then exists
        # before the recording, during which it could not be made.
        main, side = torch.cuda.current_stream(), self._side()
        side.wait_stream(main)
        with torch.cuda.stream(side):
            outputs = self._in_place(*batch)
        main.wait_stream(side)
        for output in tree.flatten(outputs):
            if isinstance(output, torch.Tensor):
                output.record_stream(main)  # made on the side stream, used on the main one
        return outputs

    def _bring_home(self) -> bool:
        """Puts every variable back in the memory the graphs read (copying in a value
        that was assigned from outside); False, with the graphs dropped, when a variable
        changed shape, dtype or layout, so that they must be recorded again."""
        homes = self.homes
        if homes is None:
            return True
        for variable, home in zip(self._state(), homes):
            storage = variable._storage
            if storage.data_ptr() == home.data_ptr():
                continue
            if (
                storage.shape != home.shape
                or storage.dtype != home.dtype
                or storage.stride() != home.stride()
                or storage.device != home.device
            ):
                self.graphs.clear()
                self.calls.clear()
                self.homes = None
                return False
            home.copy_(storage)
            storage.data = home
        return True


class _Recording:
    """One CUDA graph of the step for one batch signature, with its input buffers."""

    def __init__(self, graph, inputs, outputs):
        self.graph = graph
        self.inputs = inputs  # the buffers the graph reads the batch from (None: no tensor)
        self.outputs = outputs

    @classmethod
    def capture(cls, step, batch, leaves, stream):
        inputs = [None if leaf is None else torch.empty_like(leaf) for leaf in leaves]
        for buffer, leaf in zip(inputs, leaves):
            if buffer is not None:
                buffer.copy_(leaf)
        static_batch = tree.pack_like(batch, inputs)
        graph = torch.cuda.CUDAGraph()
        # Python's garbage collector stays off while recording: a collection could free
        # another step's graph, and destroying a graph is not allowed during a capture
        # (it invalidates the recording). thread_local: another thread's CUDA work (a data
        # loader pinning memory) may go on while this one records.
        collecting = gc.isenabled()
        gc.disable()
        try:
            with torch.cuda.graph(graph, stream=stream, capture_error_mode="thread_local"):
                outputs = step(*static_batch)
        finally:
            if collecting:
                gc.enable()
        return cls(graph, inputs, outputs)

    def replay(self, leaves):
        for buffer, leaf in zip(self.inputs, leaves):
            if buffer is not None:
                buffer.copy_(leaf, non_blocking=True)
        self.graph.replay()
        return tree.map_structure(_copy_out, self.outputs)


def _copy_out(value):
    return value.clone() if isinstance(value, torch.Tensor) else value


def _signature(leaves):
    """What a graph is recorded for: each batch tensor's shape, dtype and device (None
    where the batch holds something other than CUDA tensors and None)."""
    parts = []
    for leaf in leaves:
        if leaf is None:
            parts.append(None)
        elif isinstance(leaf, torch.Tensor) and leaf.is_cuda:
            parts.append((tuple(leaf.shape), leaf.dtype, leaf.device))
        else:
            return None
    return tuple(parts)
