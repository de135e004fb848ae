"""kerasfront `fit`/`predict` against a hand-written loop on the same engine: stacked LSTMs.

Model: the Keras docs' stacked LSTM classifier, LSTM(32, return_sequences) x 2 ->
LSTM(32) -> Dense(10, softmax), with sigmoid gates (Keras 3's default, and what fused
kernels compute), on 16,000 random sequences of 8 steps x 16 features, Adam, batch 64.
Run `python benchmarks/fit_lstm.py`; see benchmarks/README.md.
"""

from __future__ import annotations

import numpy as np
from harness import Benchmark, compile_like_native, main
from native_lstm import (
    BATCH_SIZE,
    BUILDERS,
    CLASSES,
    FEATURES,
    LAYERS,
    STEPS,
    UNITS,
)


def make_data(samples: int, seed: int = 1234) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, STEPS, FEATURES)).astype(np.float32)
    y = np.eye(CLASSES, dtype=np.float32)[rng.integers(0, CLASSES, samples)]
    return x, y


def build_model(keras):
    layers = keras.layers
    stack = [
        layers.LSTM(
            UNITS,
            recurrent_activation="sigmoid",
            return_sequences=index < LAYERS - 1,
            **({"input_shape": (STEPS, FEATURES)} if index == 0 else {}),
        )
        for index in range(LAYERS)
    ]
    model = keras.models.Sequential([*stack, layers.Dense(CLASSES, activation="softmax")])
    return compile_like_native(keras, model)


BENCHMARK = Benchmark(
    description=__doc__.splitlines()[0],
    make_data=make_data,
    build_model=build_model,
    native_builders=BUILDERS,
    batch_size=BATCH_SIZE,
    default_samples=16000,
)

if __name__ == "__main__":
    main(__file__, BENCHMARK)
