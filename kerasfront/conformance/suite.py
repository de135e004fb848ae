"""The built-in conformance suite: small models that cover the common layers.

Each case is a `build_model()` returning a compiled model and a `make_data()` returning
`(x, y)`, the same contract as a user's script, plus an optional `prepare(model)` that the
building process runs once before the weights are shared (BatchNormalization's moving
statistics start at 0 and 1, where a wrong formula would go unnoticed, so they are drawn
at random). Shapes are small: the point is agreement, not speed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SEED = 1234


@dataclass(frozen=True)
class Case:
    """One model of the suite."""

    name: str
    build_model: Callable
    make_data: Callable
    prepare: Callable | None = None


def randomize_batch_normalization(model) -> None:
    """Draws every BatchNormalization weight (moving variances stay positive)."""
    from kerasfront import layers

    rng = np.random.default_rng(SEED)
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.set_weights(
                [rng.uniform(0.5, 1.5, w.shape).astype(w.dtype) for w in layer.get_weights()]
            )


def _image_model():
    from kerasfront import layers, models

    model = models.Sequential(
        [
            layers.Conv2D(6, 3, padding="same", activation="relu", input_shape=(10, 10, 3)),
            layers.MaxPooling2D(2),
            layers.BatchNormalization(),
            layers.Conv2D(8, 3, strides=2, activation="tanh"),
            layers.AveragePooling2D(2, padding="same"),
            layers.Flatten(),
            layers.Dense(12, activation="relu"),
            layers.Dropout(0.3),
            layers.Dense(4, activation="softmax"),
        ]
    )
    model.compile(optimizer="sgd", loss="categorical_crossentropy")
    return model


def _image_data():
    rng = np.random.default_rng(SEED)
    x = rng.normal(size=(6, 10, 10, 3)).astype("float32")
    return x, np.eye(4, dtype="float32")[rng.integers(0, 4, 6)]


def _sequence_model():
    from kerasfront import layers, models

    tokens = layers.Input(shape=(7,), dtype="int32", name="tokens")
    embedded = layers.Embedding(20, 6, mask_zero=True)(tokens)
    sequence = layers.Bidirectional(layers.LSTM(5, return_sequences=True))(embedded)
    summary = layers.GRU(4)(sequence)
    outputs = layers.Dense(2, activation="sigmoid")(summary)
    model = models.Model(tokens, outputs)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    return model


def _sequence_data():
    rng = np.random.default_rng(SEED + 2)
    tokens = rng.integers(1, 20, size=(5, 7)).astype("int32")
    # Trailing padding of different lengths, so the masks matter.
    for row, length in enumerate([7, 5, 3, 6, 2]):
        tokens[row, length:] = 0
    return tokens, rng.integers(0, 2, size=(5, 2)).astype("float32")


# Two models rather than one per layer kind: each model costs every engine a compilation.
CASES = (
    Case("image", _image_model, _image_data, randomize_batch_normalization),
    Case("sequence", _sequence_model, _sequence_data),
)


def load_user_script(path: str) -> Case:
    """The case a user's script defines (`build_model`, `make_data`, optional
    `prepare(model)`); raises naming what is missing."""
    import os
    import runpy

    namespace = runpy.run_path(path, run_name="__kerasfront_conformance__")
    missing = [name for name in ("build_model", "make_data") if not callable(namespace.get(name))]
    if missing:
        raise ValueError(
            f"Conformance script {path!r} must define build_model() (returning a compiled "
            f"model) and make_data() (returning (x, y)); missing or not callable: {missing}."
        )
    prepare = namespace.get("prepare")
    return Case(os.path.basename(path), namespace["build_model"], namespace["make_data"], prepare)
