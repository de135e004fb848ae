"""What every `fit_*.py` benchmark shares: one worker process per backend, kerasfront and
the native loop alternating epoch by epoch in that worker, and the results table.

A benchmark script defines its data, its kerasfront model and its native loops, and calls
`main`. See benchmarks/README.md for what is measured and why it is measured this way.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from native_common import BETA_1, BETA_2, EPSILON, LEARNING_RATE

ALL_BACKENDS = ("tensorflow", "torch", "jax")
RESULT_PREFIX = "RESULT "
SIDES = ("kerasfront", "native")
# Keras 3 runs in a worker of its own when asked for (`--keras3`): it sets engine-global
# state at import, which must not touch the other two sides.
KERAS3 = "keras3"
PREDICT_CALLS = 200


@dataclass
class Benchmark:
    """One benchmark: its data, its kerasfront model and its native loops.

    `build_model(keras)` returns the compiled model built with `keras`, the kerasfront
    package (or Keras 3 itself, for the optional comparison);
    `native_builders[backend](device)` returns `(train_epoch, predict_one)` where
    `train_epoch(x, y, order)` runs one epoch in the given sample order and returns the
    mean loss, and `predict_one(x1)` returns NumPy outputs.
    """

    description: str
    make_data: Callable[[int], tuple]
    build_model: Callable[[], object]
    native_builders: dict
    batch_size: int
    default_samples: int


def compile_like_native(keras, model):
    """Adam with the native loops' hyper-parameters and categorical cross-entropy."""
    optimizer = keras.optimizers.Adam(
        learning_rate=LEARNING_RATE, beta_1=BETA_1, beta_2=BETA_2, epsilon=EPSILON
    )
    model.compile(optimizer=optimizer, loss="categorical_crossentropy")
    return model


def keras_side(benchmark: Benchmark, keras):
    """`(fit_epoch, predict_one)` for the benchmark model built through `keras`
    (kerasfront, or Keras 3 for the comparison)."""
    model = benchmark.build_model(keras)

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds = time.perf_counter() - self.start

    timer = EpochTimer()

    def fit_epoch(x, y):
        history = model.fit(
            x,
            y,
            batch_size=benchmark.batch_size,
            epochs=1,
            verbose=0,
            shuffle=True,
            callbacks=[timer],
        )
        return timer.seconds, float(history.history["loss"][-1])

    return fit_epoch, lambda x1: model.predict(x1, verbose=0)


def native_side(benchmark: Benchmark, backend: str, device: str):
    """The same `(fit_epoch, predict_one)` pair for the hand-written loop."""
    train_epoch, predict_one = benchmark.native_builders[backend](device)
    rng = np.random.default_rng(0)

    def fit_epoch(x, y):
        start = time.perf_counter()
        # Shuffling is inside the timed region because kerasfront's fit shuffles per epoch too.
        loss = train_epoch(x, y, rng.permutation(len(x)))
        return time.perf_counter() - start, loss

    return fit_epoch, predict_one


def time_call(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def measure(sides: dict, x, y, epochs: int) -> dict:
    """Alternates the sides epoch by epoch and call by call, so load from other processes on
    a shared machine falls on both sides alike instead of on whichever ran second."""
    results = {name: {"epoch_seconds": [], "predict_seconds": []} for name in sides}
    for _ in range(1 + epochs):  # the first round is the warm-up (tracing, compilation)
        for name, (fit_epoch, _) in sides.items():
            seconds, loss = fit_epoch(x, y)
            results[name]["epoch_seconds"].append(seconds)
            results[name]["loss"] = loss
    x1 = x[:1]
    for _ in range(10):  # warm-up: the predict function is built and traced here
        for _, predict_one in sides.values():
            predict_one(x1)
    for _ in range(PREDICT_CALLS):
        for name, (_, predict_one) in sides.items():
            results[name]["predict_seconds"].append(time_call(predict_one, x1))
    for result in results.values():
        result["predict_ms"] = 1000.0 * statistics.median(result.pop("predict_seconds"))
    return results


def engine_version(backend: str) -> str:
    module = __import__(backend)
    return f"{backend} {module.__version__}"


def device_name(backend: str, device: str) -> str:
    """The accelerator the engine runs on, for the record."""
    if device != "gpu":
        return "cpu"
    if backend == "torch":
        import torch

        return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu (no GPU)"
    if backend == "jax":
        import jax

        return str(jax.devices()[0].device_kind)
    import tensorflow as tf

    return "gpu" if tf.config.list_logical_devices("GPU") else "cpu (no GPU)"


def worker(benchmark: Benchmark, args) -> None:
    # kerasfront reads KERAS_BACKEND at first import, which happens after this line.
    os.environ["KERAS_BACKEND"] = args.backend
    x, y = benchmark.make_data(args.samples)
    sides = {}
    if args.part == KERAS3:
        import keras

        sides[KERAS3] = keras_side(benchmark, keras)
    if args.part in ("both", "kerasfront"):
        import kerasfront

        sides["kerasfront"] = keras_side(benchmark, kerasfront)
    if args.part in ("both", "native"):
        sides["native"] = native_side(benchmark, args.backend, args.device)
    result = measure(sides, x, y, args.epochs)
    result["engine"] = engine_version(args.backend)
    result["device"] = device_name(args.backend, args.device)
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def worker_env(backend: str, device: str) -> dict:
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    if device == "cpu":
        # Hide GPUs from every engine so a "cpu" number is never a GPU number in disguise.
        env.update(CUDA_VISIBLE_DEVICES="", JAX_PLATFORMS="cpu")
    else:
        # Two engines may share the card in one session: neither grabs it all up front.
        env.update(XLA_PYTHON_CLIENT_PREALLOCATE="false", TF_FORCE_GPU_ALLOW_GROWTH="true")
    return env


def spawn(script: str, args, backend: str, part: str = "both") -> dict:
    command = [sys.executable, script, "--worker", "--backend", backend, "--part", part]
    command += ["--epochs", str(args.epochs), "--samples", str(args.samples)]
    command += ["--device", args.device]
    done = subprocess.run(
        command, env=worker_env(backend, args.device), capture_output=True, text=True
    )
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    tail = "\n".join(done.stderr.strip().splitlines()[-15:])
    print(f"[{backend}] worker failed (exit {done.returncode}):\n{tail}\n", file=sys.stderr)
    return {}


def mean_after_warmup(result: dict | None) -> float:
    return statistics.fmean(result["epoch_seconds"][1:]) if result else float("nan")


def print_table(results: dict[str, dict]) -> None:
    keras3 = any(KERAS3 in result for result in results.values())
    extra_head, extra_rule = (" | Keras 3 s/epoch", "---:|") if keras3 else ("", "")
    print(
        "| backend | device | kerasfront s/epoch | native s/epoch | ratio"
        f"{extra_head} | kerasfront predict ms | native predict ms | ratio |"
    )
    print(f"|---|---|---:|---:|---:|{extra_rule}---:|---:|---:|")
    for backend, result in results.items():
        ours, native = result.get("kerasfront"), result.get("native")
        fit_ours, fit_native = mean_after_warmup(ours), mean_after_warmup(native)
        pred_ours = ours["predict_ms"] if ours else float("nan")
        pred_native = native["predict_ms"] if native else float("nan")
        extra = f" | {mean_after_warmup(result.get(KERAS3)):.2f}" if keras3 else ""
        print(
            f"| {backend} | {result.get('device', '?')} | {fit_ours:.2f} | {fit_native:.2f} "
            f"| {fit_ours / fit_native:.2f}{extra} | {pred_ours:.3f} | {pred_native:.3f} "
            f"| {pred_ours / pred_native:.2f} |"
        )
    print()
    for backend, result in results.items():
        losses = [
            f"{name} {result[name]['loss']:.4f}" for name in (*SIDES, KERAS3) if name in result
        ]
        print(f"{result.get('engine', backend)}: last-epoch loss {', '.join(losses)}")


def main(script: str, benchmark: Benchmark) -> None:
    parser = argparse.ArgumentParser(description=benchmark.description)
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs after the warm-up")
    parser.add_argument("--samples", type=int, default=benchmark.default_samples)
    parser.add_argument("--backends", default=",".join(ALL_BACKENDS))
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--backend", choices=ALL_BACKENDS, help="worker only: the engine")
    parser.add_argument(
        "--keras3",
        action="store_true",
        help="also time Keras 3 (when installed) on each engine, in a worker of its own",
    )
    parser.add_argument(
        "--part",
        choices=("both", *SIDES, KERAS3),
        default="both",
        help="worker only: what to run",
    )
    args = parser.parse_args()
    if args.worker:
        if args.backend is None:
            parser.error("--worker needs --backend")
        worker(benchmark, args)
        return
    backends = args.backends.split(",")
    for backend in backends:
        if backend not in ALL_BACKENDS:
            parser.error(f"unknown backend {backend!r}; choose from {', '.join(ALL_BACKENDS)}")
    # Other processes on the machine skew timings (torch's thread pool most of all): say so.
    load_before = os.getloadavg()[0]
    script = os.path.abspath(script)
    results = {backend: spawn(script, args, backend) for backend in backends}
    if args.keras3:
        for backend, result in results.items():
            result.update(spawn(script, args, backend, KERAS3))
    print_table(results)
    print(f"load average (1 min): {load_before:.2f} at start, {os.getloadavg()[0]:.2f} at end")
