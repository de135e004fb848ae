"""kerasfront `fit`/`predict` against a hand-written loop on the same engine: a small CNN.

Model: the Keras MNIST convnet without dropout, Conv2D(32, 3x3, relu) -> MaxPooling2D ->
Conv2D(64, 3x3, relu) -> MaxPooling2D -> Flatten -> Dense(10, softmax), on 28x28x1 random
images, Adam (Keras defaults), batch 128, 8,000 samples. Run `python benchmarks/fit_cnn.py`; see benchmarks/README.md.
"""

from __future__ import annotations

import numpy as np
from harness import Benchmark, compile_like_native, main
from native_cnn import (
    BATCH_SIZE,
    BUILDERS,
    CLASSES,
    FILTERS,
    IMAGE_SHAPE,
    KERNEL,
)


def make_data(samples: int, seed: int = 1234) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((samples, *IMAGE_SHAPE), dtype=np.float32)
    y = np.eye(CLASSES, dtype=np.float32)[rng.integers(0, CLASSES, samples)]
    return x, y


def build_model(keras):
    layers = keras.layers
    model = keras.models.Sequential(
        [
            layers.Conv2D(FILTERS[0], KERNEL, activation="relu", input_shape=IMAGE_SHAPE),
            layers.MaxPooling2D(2),
            layers.Conv2D(FILTERS[1], KERNEL, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(CLASSES, activation="softmax"),
        ]
    )
    return compile_like_native(keras, model)


BENCHMARK = Benchmark(
    description=__doc__.splitlines()[0],
    make_data=make_data,
    build_model=build_model,
    native_builders=BUILDERS,
    batch_size=BATCH_SIZE,
    default_samples=8000,
)

if __name__ == "__main__":
    main(__file__, BENCHMARK)
