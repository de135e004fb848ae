"""The benchmark models by `--model` name: data, the Keras model and the native loops.

Every model trains with Adam (learning rate 1e-3) on categorical cross-entropy with
one-hot labels of random integers from a fixed NumPy seed, so the loss stays near
ln(classes); it is reported only to show that every side trains the same thing.
"""

from __future__ import annotations

import numpy as np

from kerasfront.bench import native_cnn, native_lstm, native_mlp, native_tiny
from kerasfront.bench.harness import Benchmark, compile_like_native


def _one_hot_labels(rng, samples: int, classes: int) -> np.ndarray:
    return np.eye(classes, dtype=np.float32)[rng.integers(0, classes, samples)]


def _dense_data(layer_sizes):
    def make_data(samples: int, seed: int = 1234) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        x = rng.random((samples, layer_sizes[0]), dtype=np.float32)
        return x, _one_hot_labels(rng, samples, layer_sizes[-1])

    return make_data


def _dense_model(layer_sizes):
    def build_model(keras):
        layers = keras.layers
        hidden = [
            layers.Dense(units, activation="relu", **_first(index, (layer_sizes[0],)))
            for index, units in enumerate(layer_sizes[1:-1])
        ]
        output = layers.Dense(layer_sizes[-1], activation="softmax")
        return compile_like_native(keras, keras.models.Sequential([*hidden, output]))

    return build_model


def _first(index: int, input_shape: tuple) -> dict:
    """`input_shape=` for the first layer only (Keras 2's Sequential idiom, which Keras 3
    still accepts)."""
    return {"input_shape": input_shape} if index == 0 else {}


def _cnn_data(samples: int, seed: int = 1234) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.random((samples, *native_cnn.IMAGE_SHAPE), dtype=np.float32)
    return x, _one_hot_labels(rng, samples, native_cnn.CLASSES)


def _cnn_model(keras):
    layers, c = keras.layers, native_cnn
    model = keras.models.Sequential(
        [
            layers.Conv2D(c.FILTERS[0], c.KERNEL, activation="relu", input_shape=c.IMAGE_SHAPE),
            layers.MaxPooling2D(2),
            layers.Conv2D(c.FILTERS[1], c.KERNEL, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(c.CLASSES, activation="softmax"),
        ]
    )
    return compile_like_native(keras, model)


def _lstm_data(samples: int, seed: int = 1234) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, native_lstm.STEPS, native_lstm.FEATURES)).astype(np.float32)
    return x, _one_hot_labels(rng, samples, native_lstm.CLASSES)


def _lstm_model(keras):
    layers, n = keras.layers, native_lstm
    stack = [
        layers.LSTM(
            n.UNITS,
            # Sigmoid gates (Keras 3's default): what fused kernels compute, so a fair
            # native baseline exists; Keras 2's hard_sigmoid has none.
            recurrent_activation="sigmoid",
            return_sequences=index < n.LAYERS - 1,
            **_first(index, (n.STEPS, n.FEATURES)),
        )
        for index in range(n.LAYERS)
    ]
    model = keras.models.Sequential([*stack, layers.Dense(n.CLASSES, activation="softmax")])
    return compile_like_native(keras, model)


BENCHMARKS = {
    "mlp": Benchmark(
        name="mlp",
        description="Dense 784-512-512-10 (relu, relu, softmax), batch 128",
        make_data=_dense_data(native_mlp.LAYER_SIZES),
        build_model=_dense_model(native_mlp.LAYER_SIZES),
        native_builders=native_mlp.BUILDERS,
        batch_size=native_mlp.BATCH_SIZE,
        default_samples=60000,
    ),
    "cnn": Benchmark(
        name="cnn",
        description="the Keras MNIST convnet without dropout on 28x28x1 images, batch 128",
        make_data=_cnn_data,
        build_model=_cnn_model,
        native_builders=native_cnn.BUILDERS,
        batch_size=native_cnn.BATCH_SIZE,
        default_samples=8000,
    ),
    "lstm": Benchmark(
        name="lstm",
        description="LSTM(32, return_sequences) x 2, LSTM(32), Dense(10, softmax) on 8x16 "
        "sequences, batch 64",
        make_data=_lstm_data,
        build_model=_lstm_model,
        native_builders=native_lstm.BUILDERS,
        batch_size=native_lstm.BATCH_SIZE,
        default_samples=16000,
    ),
    "tiny": Benchmark(
        name="tiny",
        description="Dense 16-32-4 (relu, softmax), batch 32: the per-step overhead alone",
        make_data=_dense_data(native_tiny.LAYER_SIZES),
        build_model=_dense_model(native_tiny.LAYER_SIZES),
        native_builders=native_tiny.BUILDERS,
        batch_size=native_tiny.BATCH_SIZE,
        default_samples=4096,
        default_epochs=5,
        torch_threads=1,
        tensorflow_xla=native_tiny.TENSORFLOW_XLA,
    ),
}
