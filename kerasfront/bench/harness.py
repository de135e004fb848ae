"""What every benchmark shares inside its worker process: the kerasfront (or Keras 3) side
and the native side as `(fit_epoch, predict_one)` pairs, and the measurement that alternates
them epoch by epoch and call by call.

Nothing here imports an engine at import time: the worker binds one engine per process.
See benchmarks/README.md for what is measured and why it is measured this way.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kerasfront.bench.native_common import BETA_1, BETA_2, EPSILON, LEARNING_RATE

# The sides a worker can time. Keras 3 runs in a worker of its own (it sets engine-global
# state at import, which must not touch the other two sides).
KERASFRONT, NATIVE, KERAS3 = "kerasfront", "native", "keras3"
PREDICT_WARMUP_CALLS = 10
PREDICT_CALLS = 200


@dataclass
class Benchmark:
    """One benchmark: its data, its Keras model and its native loops.

    Attributes:
        name: the `--model` name.
        description: one line for the help and the report.
        make_data: `make_data(samples) -> (x, y)` NumPy arrays.
        build_model: `build_model(keras)` returns the compiled model built with `keras`,
            the kerasfront package or Keras 3 itself.
        native_builders: `{engine: builder(device) -> (train_epoch, predict_one)}` where
            `train_epoch(x, y, order)` runs one epoch in the given sample order and returns
            the mean loss, and `predict_one(x1)` returns NumPy outputs; torch's builders
            also take `cuda_graphs=True` (the loop replays CUDA graphs on a GPU).
        batch_size: the batch size of every side.
        default_samples: samples per epoch unless `--samples` says otherwise.
        default_epochs: timed epochs after the warm-up unless `--epochs` says otherwise.
        torch_threads: torch's intra-op threads for every side of a torch worker (None
            leaves torch's default).
        tensorflow_xla: whether the TensorFlow native loop is compiled by XLA; kerasfront
            then compiles with `jit_compile=True`, so both sides use the same compiler
            (Keras 3's default, "auto", already picks XLA there).
    """

    name: str
    description: str
    make_data: Callable[[int], tuple]
    build_model: Callable[[object], object]
    native_builders: dict
    batch_size: int
    default_samples: int
    default_epochs: int = 2
    torch_threads: int | None = None
    tensorflow_xla: bool = False

    def steps_per_epoch(self, samples: int) -> int:
        return math.ceil(samples / self.batch_size)


def compile_like_native(keras, model):
    """Adam with the native loops' hyper-parameters and categorical cross-entropy."""
    optimizer = keras.optimizers.Adam(
        learning_rate=LEARNING_RATE, beta_1=BETA_1, beta_2=BETA_2, epsilon=EPSILON
    )
    model.compile(optimizer=optimizer, loss="categorical_crossentropy")
    return model


def side_model(benchmark: Benchmark, keras, jit_compile: bool = False):
    """The benchmark model built and compiled through `keras` (kerasfront, or Keras 3),
    with the native loop's compiler where that is a choice (`tensorflow_xla`), or with
    `jit_compile=True` when asked (`--jit-compile`)."""
    model = benchmark.build_model(keras)
    if keras.__name__ == "kerasfront" and (
        jit_compile or (benchmark.tensorflow_xla and keras.backend.backend() == "tensorflow")
    ):
        model.compile(optimizer=model.optimizer, loss=model.loss, jit_compile=True)
    return model


def keras_side(benchmark: Benchmark, keras, jit_compile: bool = False):
    """`(fit_epoch, predict_one)` for the benchmark model built through `keras`
    (kerasfront, or Keras 3 for the comparison)."""
    model = side_model(benchmark, keras, jit_compile)

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


def native_side(benchmark: Benchmark, backend: str, device: str, jit_compile: bool = False):
    """The same `(fit_epoch, predict_one)` pair for the hand-written loop; with
    `jit_compile`, torch's loop replays CUDA graphs on a GPU, as kerasfront's side does."""
    builder = benchmark.native_builders[backend]
    options = {"cuda_graphs": True} if jit_compile and backend == "torch" else {}
    train_epoch, predict_one = builder(device, **options)
    rng = np.random.default_rng(0)

    def fit_epoch(x, y):
        start = time.perf_counter()
        # Shuffling is inside the timed region because kerasfront's fit shuffles per epoch too.
        loss = train_epoch(x, y, rng.permutation(len(x)))
        return time.perf_counter() - start, loss

    return fit_epoch, predict_one


def _time_call(function, *args) -> float:
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def measure(sides: dict, x, y, epochs: int, steps_per_epoch: int) -> dict:
    """Times every side, alternating them epoch by epoch and call by call, so load from
    other processes on a shared machine falls on every side alike instead of on whichever
    ran second.

    Returns:
        `{side: {"epoch_seconds": [...], "seconds_per_epoch", "us_per_step", "predict_ms",
        "loss"}}`; the first epoch is the warm-up (tracing, compilation), kept in the list
        and left out of the median.
    """
    results = {name: {"epoch_seconds": []} for name in sides}
    for _ in range(1 + epochs):
        for name, (fit_epoch, _) in sides.items():
            seconds, loss = fit_epoch(x, y)
            results[name]["epoch_seconds"].append(seconds)
            results[name]["loss"] = loss
    x1 = x[:1]
    for _ in range(PREDICT_WARMUP_CALLS):  # the predict function is built and traced here
        for _, predict_one in sides.values():
            predict_one(x1)
    predict_seconds = {name: [] for name in sides}
    for _ in range(PREDICT_CALLS):
        for name, (_, predict_one) in sides.items():
            predict_seconds[name].append(_time_call(predict_one, x1))
    for name, result in results.items():
        seconds = statistics.median(result["epoch_seconds"][1:])
        result["seconds_per_epoch"] = seconds
        result["us_per_step"] = 1e6 * seconds / steps_per_epoch
        result["predict_ms"] = 1e3 * statistics.median(predict_seconds[name])
    return results
