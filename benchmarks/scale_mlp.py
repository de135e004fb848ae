"""Data-parallel scaling of the benchmark MLP: samples per second on 1, 2, 4, ... devices.

Model: Dense 784-512-512-10 (relu, relu, softmax), Adam (1e-3), categorical cross-entropy,
random inputs and one-hot labels from a fixed seed, as `fit_mlp.py`. Each configuration
trains under `kerasfront.distribution.DataParallel` (one device: no distribution) for a
warm-up epoch (compilation) and then `--epochs` timed epochs; the figure is
samples / mean seconds per timed epoch. The figures are reported, never asserted.

Batch: by default 128 samples per device, so the global batch is 128 x N (weak scaling:
the work per device stays the same); `--global-batch G` keeps the global batch fixed at G
instead (strong scaling: each device's share shrinks as N grows).

Every configuration runs in a worker process of its own, since each engine learns its
devices when it starts:
    jax         XLA_FLAGS=--xla_force_host_platform_device_count=N (N simulated CPU devices)
    torch       python -m torch.distributed.run --standalone --nproc_per_node N (N gloo
                processes on the CPU; rank 0 reports)
    tensorflow  N logical CPUs from tf.config.set_logical_device_configuration, set
                before kerasfront is imported
With `--device gpu` the engines use their GPUs instead (N of them; torchrun then uses NCCL).
A configuration whose worker fails prints a "not available" row with the reason.

    python benchmarks/scale_mlp.py                           # jax 1,2,4,8; torch, tf 1,2
    python benchmarks/scale_mlp.py --engines jax --devices 1,2,4,8 --samples 4096
    python benchmarks/scale_mlp.py --global-batch 1024 --json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time

RESULT_PREFIX = "RESULT "
ENGINES = ("jax", "torch", "tensorflow")
DEFAULT_COUNTS = {"jax": [1, 2, 4, 8], "torch": [1, 2], "tensorflow": [1, 2]}
WORKER_TIMEOUT_S = 900


# ---- the worker: one engine, one device count -------------------------------------------
def configure_engine_devices(engine: str, count: int, device: str) -> None:
    """What must happen before kerasfront (and the engine) starts, per engine."""
    os.environ["KERAS_BACKEND"] = engine
    if engine == "tensorflow" and device == "cpu" and count > 1:
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * count
        )
    # jax: the XLA flag is in the environment the parent gave this process.
    # torch: torchrun started this process as one of `count` ranks.


def run_worker(engine: str, count: int, samples: int, epochs: int, batch: int, device: str):
    """Trains the MLP on `count` devices and returns its throughput (a JSON-able dict)."""
    configure_engine_devices(engine, count, device)
    import numpy as np

    import kerasfront
    from kerasfront import distribution, layers

    kerasfront.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.random((samples, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, samples)]

    strategy = distribution.DataParallel(devices=count) if count > 1 else None
    with strategy if strategy is not None else contextlib.nullcontext():
        model = kerasfront.Sequential(
            [
                layers.Dense(512, activation="relu", input_shape=(784,)),
                layers.Dense(512, activation="relu"),
                layers.Dense(10, activation="softmax"),
            ]
        )
        model.compile(optimizer=kerasfront.optimizers.Adam(1e-3), loss="categorical_crossentropy")
    timer = epoch_timer()
    # shuffle=False: torch ranks must cut the same global batches (no shared shuffle seed
    # is assumed); the order does not change the cost of an epoch.
    history = model.fit(
        x, y, batch_size=batch, epochs=1 + epochs, shuffle=False, verbose=0, callbacks=[timer]
    )
    timed = timer.seconds[1:]  # the first epoch compiles
    return {
        "engine": engine,
        "count": count,
        "devices": strategy.devices if strategy is not None else [distribution.list_devices()[0]],
        "global_batch": batch,
        "samples": samples,
        "epoch_seconds": timed,
        "samples_per_second": samples / (sum(timed) / len(timed)),
        "loss": history.history["loss"][-1],
    }


def epoch_timer():
    """A callback recording each epoch's seconds (kerasfront is imported by then)."""
    from kerasfront.callbacks import Callback

    class EpochTimer(Callback):
        def __init__(self):
            super().__init__()
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self._start)

    return EpochTimer()


# ---- the parent: one worker per engine and device count ---------------------------------
# Each function returns (command, environment) for one configuration. They are the only
# engine-specific code of the parent.
def _worker_arguments(engine, count, options, batch):
    return [
        os.path.abspath(__file__),
        "--worker",
        engine,
        "--count",
        str(count),
        "--samples",
        str(options.samples),
        "--epochs",
        str(options.epochs),
        "--batch",
        str(batch),
        "--device",
        options.device,
    ]


def _base_environment(engine, device):
    environment = {**os.environ, "KERAS_BACKEND": engine, "TF_CPP_MIN_LOG_LEVEL": "3"}
    if device == "cpu":
        environment.update(CUDA_VISIBLE_DEVICES="", JAX_PLATFORMS="cpu")
    return environment


def launch_jax(count, options, batch):
    environment = _base_environment("jax", options.device)
    if options.device == "cpu":
        flags = environment.get("XLA_FLAGS", "")
        environment["XLA_FLAGS"] = f"{flags} --xla_force_host_platform_device_count={count}"
    return [sys.executable, *_worker_arguments("jax", count, options, batch)], environment


def launch_torch(count, options, batch):
    environment = _base_environment("torch", options.device)
    if options.torch_threads:
        environment["OMP_NUM_THREADS"] = str(options.torch_threads)
    elif options.device == "cpu":
        # The cores are shared by the ranks: the same threads in all as one process has.
        environment["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // count))
    worker = _worker_arguments("torch", count, options, batch)
    if count == 1:
        return [sys.executable, *worker], environment
    launcher = ["-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={count}"]
    return [sys.executable, *launcher, *worker], environment


def launch_tensorflow(count, options, batch):
    # The logical CPUs are configured by the worker itself (configure_engine_devices).
    environment = _base_environment("tensorflow", options.device)
    return [sys.executable, *_worker_arguments("tensorflow", count, options, batch)], environment


LAUNCHERS = {"jax": launch_jax, "torch": launch_torch, "tensorflow": launch_tensorflow}


def run_configuration(engine, count, options):
    batch = options.global_batch or options.batch_per_device * count
    command, environment = LAUNCHERS[engine](count, options, batch)
    row = {"engine": engine, "count": count, "global_batch": batch}
    try:
        completed = subprocess.run(
            command, env=environment, capture_output=True, text=True, timeout=WORKER_TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        return {**row, "error": f"timed out after {WORKER_TIMEOUT_S} s"}
    lines = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if completed.returncode != 0 or not lines:
        reason = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        return {**row, "error": f"exit {completed.returncode}: {reason[:160]}"}
    return {**row, **json.loads(lines[0][len(RESULT_PREFIX) :])}


def print_table(rows, options):
    if options.global_batch:
        mode = f"fixed global batch {options.global_batch}"
    else:
        mode = f"{options.batch_per_device} samples per device (global batch grows with N)"
    print(f"MLP 784-512-512-10, Adam; {mode}; {options.samples} samples, {options.epochs} epochs")
    header = f"{'engine':<11} {'N':>2} {'batch':>6} {'samples/s':>10} {'vs N=1':>7} "
    print(header + f"{'per device':>11}  devices")
    baseline = {}
    for row in rows:
        if "error" in row:
            print(
                f"{row['engine']:<11} {row['count']:>2} {row['global_batch']:>6} "
                f"not available ({row['error']})"
            )
            continue
        speed = row["samples_per_second"]
        baseline.setdefault(row["engine"], speed if row["count"] == 1 else None)
        reference = baseline[row["engine"]]
        ratio = f"{speed / reference:6.2f}x" if reference else "      -"
        devices = ",".join(row["devices"])
        print(
            f"{row['engine']:<11} {row['count']:>2} {row['global_batch']:>6} {speed:>10.0f} "
            f"{ratio} {speed / row['count']:>11.0f}  {devices}"
        )


def _counts(text):
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected device counts such as 1,2,4; got {text!r}")
    return values


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated")
    parser.add_argument("--devices", type=_counts, help="device counts (default per engine)")
    parser.add_argument("--samples", type=int, default=8192, help="samples per epoch")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs after the warm-up")
    parser.add_argument("--batch-per-device", type=int, default=128)
    parser.add_argument("--global-batch", type=int, help="fixed global batch (strong scaling)")
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument(
        "--torch-threads",
        type=int,
        help="OMP_NUM_THREADS of every torch process (default on CPU: cores / N); on a busy "
        "machine threads that wait for each other's cores can make torch 10x slower",
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        result = run_worker(
            options.worker,
            options.count,
            options.samples,
            options.epochs,
            options.batch,
            options.device,
        )
        if os.environ.get("RANK", "0") == "0":  # torchrun: one report per configuration
            print(RESULT_PREFIX + json.dumps(result), flush=True)
        return 0
    engines = [name.strip() for name in options.engines.split(",") if name.strip()]
    unknown = sorted(set(engines) - set(ENGINES))
    if unknown:
        parser.error(f"unknown engines {unknown}; choose from {list(ENGINES)}")
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    rows = []
    for engine in engines:
        for count in options.devices or DEFAULT_COUNTS[engine]:
            rows.append(run_configuration(engine, count, options))
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    if options.json:
        print(json.dumps(rows, indent=1))
    else:
        print_table(rows, options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
