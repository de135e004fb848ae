"""kerasfront `fit`/`predict` against a hand-written loop on the same engine.

Model: 784-512-512-10 MLP (relu, relu, softmax), Adam (Keras defaults), batch 128,
categorical cross-entropy, random float32 data. Run `python benchmarks/fit_mlp.py`; see
benchmarks/README.md for what each column means.

kerasfront binds one engine per process, so the parent starts one worker process per
(backend, implementation) and prints the table from their JSON results.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
from native_mlp import BATCH_SIZE, BETA_1, BETA_2, EPSILON, LAYER_SIZES, LEARNING_RATE

ALL_BACKENDS = ("tensorflow", "torch", "jax")
RESULT_PREFIX = "RESULT "
SIDES = ("kerasfront", "native")
PREDICT_CALLS = 200


def make_data(samples: int, seed: int = 1234) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((samples, LAYER_SIZES[0]), dtype=np.float32)
    labels = rng.integers(0, LAYER_SIZES[-1], samples)
    y = np.eye(LAYER_SIZES[-1], dtype=np.float32)[labels]
    return x, y


def kerasfront_mlp():
    """`(fit_epoch, predict_one)` for the benchmark model built through kerasfront."""
    import kerasfront as keras

    # Imported by name so the run does not depend on which submodules the package re-exports.
    import kerasfront.callbacks
    import kerasfront.layers
    import kerasfront.models
    import kerasfront.optimizers  # noqa: F401

    model = keras.models.Sequential(
        [
            keras.layers.Dense(LAYER_SIZES[1], activation="relu", input_shape=(LAYER_SIZES[0],)),
            keras.layers.Dense(LAYER_SIZES[2], activation="relu"),
            keras.layers.Dense(LAYER_SIZES[3], activation="softmax"),
        ]
    )
    optimizer = keras.optimizers.Adam(
        learning_rate=LEARNING_RATE, beta_1=BETA_1, beta_2=BETA_2, epsilon=EPSILON
    )
    model.compile(optimizer=optimizer, loss="categorical_crossentropy")

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds = time.perf_counter() - self.start

    timer = EpochTimer()

    def fit_epoch(x, y):
        history = model.fit(
            x, y, batch_size=BATCH_SIZE, epochs=1, verbose=0, shuffle=True, callbacks=[timer]
        )
        return timer.seconds, float(history.history["loss"][-1])

    return fit_epoch, lambda x1: model.predict(x1, verbose=0)


def native_mlp(backend: str, device: str):
    """The same `(fit_epoch, predict_one)` pair for the hand-written loop."""
    from native_mlp import BUILDERS

    train_epoch, predict_one = BUILDERS[backend](device)
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


def worker(args) -> None:
    # kerasfront reads KERAS_BACKEND at first import, which happens after this line.
    os.environ["KERAS_BACKEND"] = args.backend
    x, y = make_data(args.samples)
    sides = {}
    if args.part != "native":
        sides["kerasfront"] = kerasfront_mlp()
    if args.part != "kerasfront":
        sides["native"] = native_mlp(args.backend, args.device)
    result = measure(sides, x, y, args.epochs)
    result["engine"] = engine_version(args.backend)
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def worker_env(backend: str, device: str) -> dict:
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    if device == "cpu":
        # Hide GPUs from every engine so a "cpu" number is never a GPU number in disguise.
        env.update(CUDA_VISIBLE_DEVICES="", JAX_PLATFORMS="cpu")
    return env


def spawn(args, backend: str) -> dict:
    command = [sys.executable, os.path.abspath(__file__), "--worker", "--backend", backend]
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
    print(
        "| backend | kerasfront s/epoch | native s/epoch | ratio "
        "| kerasfront predict ms | native predict ms | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for backend, result in results.items():
        ours, native = result.get("kerasfront"), result.get("native")
        fit_ours, fit_native = mean_after_warmup(ours), mean_after_warmup(native)
        pred_ours = ours["predict_ms"] if ours else float("nan")
        pred_native = native["predict_ms"] if native else float("nan")
        print(
            f"| {backend} | {fit_ours:.2f} | {fit_native:.2f} | {fit_ours / fit_native:.2f} "
            f"| {pred_ours:.3f} | {pred_native:.3f} | {pred_ours / pred_native:.2f} |"
        )
    print()
    for backend, result in results.items():
        losses = [f"{result[side]['loss']:.4f}" if side in result else "n/a" for side in SIDES]
        print(
            f"{result.get('engine', backend)}: last-epoch loss kerasfront {losses[0]}, "
            f"native {losses[1]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs after the warm-up")
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--backends", default=",".join(ALL_BACKENDS))
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--backend", choices=ALL_BACKENDS, help="worker only: the engine")
    parser.add_argument(
        "--part", choices=("both", *SIDES), default="both", help="worker only: what to run"
    )
    args = parser.parse_args()
    if args.worker:
        if args.backend is None:
            parser.error("--worker needs --backend")
        worker(args)
        return
    backends = args.backends.split(",")
    for backend in backends:
        if backend not in ALL_BACKENDS:
            parser.error(f"unknown backend {backend!r}; choose from {', '.join(ALL_BACKENDS)}")
    # Other processes on the machine skew timings (torch's thread pool most of all): say so.
    load_before = os.getloadavg()[0]
    results = {backend: spawn(args, backend) for backend in backends}
    print_table(results)
    print(f"load average (1 min): {load_before:.2f} at start, {os.getloadavg()[0]:.2f} at end")


if __name__ == "__main__":
    main()
