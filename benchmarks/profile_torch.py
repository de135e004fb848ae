"""Where a torch training step spends its host time: kerasfront's `fit` (eager, and with
`jit_compile=True`) against the native loop of the same benchmark model, each profiled
with `torch.profiler` over one epoch after two warm-up epochs.

Prints, per side: microseconds per step without the profiler, then per step the count of
aten operators, kernel launches, host-device copies and synchronizations, and the
operators with the most host time. On a GPU a small step costs its launches, so these
counts say what to cut.

    python benchmarks/profile_torch.py --model mlp --device gpu --steps 100
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("KERAS_BACKEND", "torch")

COUNTED = {
    "launches": ("cudaLaunchKernel", "cudaLaunchKernelExC", "cuLaunchKernel", "cuLaunchKernelEx"),
    "copies": ("cudaMemcpyAsync", "cudaMemcpy"),
    "syncs": ("cudaStreamSynchronize", "cudaDeviceSynchronize", "cudaEventSynchronize"),
    "graph replays": ("cudaGraphLaunch",),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="mlp", choices=("mlp", "cnn", "lstm", "tiny"))
    parser.add_argument("--device", default="cpu", choices=("cpu", "gpu"))
    parser.add_argument("--steps", type=int, default=50, help="steps per profiled epoch")
    parser.add_argument("--rows", type=int, default=15, help="operators listed per side")
    arguments = parser.parse_args()
    if arguments.device == "cpu":
        os.environ["CUDA_VISIBLE_DEVICES"] = ""

    import torch

    import kerasfront
    from kerasfront.bench.harness import keras_side, native_side
    from kerasfront.bench.models import BENCHMARKS

    benchmark = BENCHMARKS[arguments.model]
    if benchmark.torch_threads is not None:
        torch.set_num_threads(benchmark.torch_threads)
    x, y = benchmark.make_data(arguments.steps * benchmark.batch_size)
    sides = {
        "kerasfront": keras_side(benchmark, kerasfront),
        "kerasfront jit_compile=True": keras_side(benchmark, kerasfront, jit_compile=True),
        "native": native_side(benchmark, "torch", arguments.device),
    }
    activities = [torch.profiler.ProfilerActivity.CPU]
    if arguments.device == "gpu":
        activities.append(torch.profiler.ProfilerActivity.CUDA)
    for name, (fit_epoch, _) in sides.items():
        for _ in range(2):
            fit_epoch(x, y)
        start = time.perf_counter()
        fit_epoch(x, y)
        seconds = time.perf_counter() - start
        with torch.profiler.profile(activities=activities) as profile:
            fit_epoch(x, y)
        events = profile.key_averages()
        steps = arguments.steps
        counts = {
            what: sum(e.count for e in events if e.key in keys) / steps
            for what, keys in COUNTED.items()
        }
        aten = sum(e.count for e in events if e.key.startswith("aten::")) / steps
        print(f"\n## {name}: {1e6 * seconds / steps:.0f} µs/step unprofiled")
        print(
            f"per step: {aten:.1f} aten ops, "
            + ", ".join(f"{value:.1f} {what}" for what, value in counts.items())
        )
        print(events.table(sort_by="self_cpu_time_total", row_limit=arguments.rows))


if __name__ == "__main__":
    main()
