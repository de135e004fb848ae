"""Trains a small MLP on scikit-learn's bundled digits (8x8 images, 10 classes) and
prints the test accuracy, on whichever backend KERAS_BACKEND selects.

    KERAS_BACKEND=jax python examples/digits.py
"""

from __future__ import annotations

import argparse

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import kerasfront as keras
from kerasfront.layers import Dense, Dropout


def main() -> float:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--verbose", type=int, default=2)
    args = parser.parse_args()

    keras.utils.set_random_seed(0)
    digits = load_digits()
    x = (digits.data / 16.0).astype("float32")  # pixel values are 0..16
    y = keras.utils.to_categorical(digits.target, 10)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.25, random_state=0, stratify=digits.target
    )

    model = keras.Sequential(
        [
            Dense(128, activation="relu", input_shape=(64,)),
            Dropout(0.2),
            Dense(64, activation="relu"),
            Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    model.summary()
    model.fit(
        x_train,
        y_train,
        batch_size=32,
        epochs=args.epochs,
        validation_split=0.1,
        verbose=args.verbose,
    )
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    predicted = model.predict(x_test).argmax(axis=1)
    agreement = float(np.mean(predicted == y_test.argmax(axis=1)))
    print(f"backend: {keras.backend.backend()}")
    print(f"test loss: {loss:.4f}")
    print(f"test accuracy: {accuracy:.4f} (from predict: {agreement:.4f})")
    return accuracy


if __name__ == "__main__":
    main()
