"""kerasfront `fit`/`predict` against a hand-written loop on the same engine: the MLP.

Model: 784-512-512-10 MLP (relu, relu, softmax), Adam (Keras defaults), batch 128,
categorical cross-entropy, random float32 data. Run `python benchmarks/fit_mlp.py`; see
benchmarks/README.md for what each column means.
"""

from __future__ import annotations

import numpy as np
from harness import Benchmark, compile_like_native, main
from native_mlp import BATCH_SIZE, BUILDERS, LAYER_SIZES


def make_data(samples: int, seed: int = 1234) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((samples, LAYER_SIZES[0]), dtype=np.float32)
    labels = rng.integers(0, LAYER_SIZES[-1], samples)
    y = np.eye(LAYER_SIZES[-1], dtype=np.float32)[labels]
    return x, y


def build_model(keras):
    layers = keras.layers
    model = keras.models.Sequential(
        [
            layers.Dense(LAYER_SIZES[1], activation="relu", input_shape=(LAYER_SIZES[0],)),
            layers.Dense(LAYER_SIZES[2], activation="relu"),
            layers.Dense(LAYER_SIZES[3], activation="softmax"),
        ]
    )
    return compile_like_native(keras, model)


BENCHMARK = Benchmark(
    description=__doc__.splitlines()[0],
    make_data=make_data,
    build_model=build_model,
    native_builders=BUILDERS,
    batch_size=BATCH_SIZE,
    default_samples=60000,
)

if __name__ == "__main__":
    main(__file__, BENCHMARK)
