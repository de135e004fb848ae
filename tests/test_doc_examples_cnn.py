"""The Keras 2 docs' convolutional examples, as users copy them, train on every backend.

The models are the documentation's (MNIST convnet, VGG-like convnet, 1-D convnet for
sequence classification, 1-D convnet over word embeddings), with the documented layers
and arguments; only the data is small and random, with labels a simple function of the
inputs so that a few epochs must lower the loss.
"""

import numpy as np

import kerasfront as keras
from kerasfront.layers import (
    Activation,
    Conv1D,
    Conv2D,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GlobalAveragePooling1D,
    GlobalMaxPooling1D,
    MaxPooling1D,
    MaxPooling2D,
)
from kerasfront.models import Sequential
from kerasfront.optimizers import SGD

RNG = np.random.default_rng(0)


def images_of_varied_brightness(shape):
    """Random images, each scaled by its own factor in [0.2, 1]: their mean intensities
    spread widely, so labels made from them are easy to learn."""
    scale = RNG.uniform(0.2, 1.0, (shape[0],) + (1,) * (len(shape) - 1))
    return (RNG.random(shape) * scale).astype("float32")


def one_hot_by_brightness(images, classes):
    """Labels from the mean intensity: learnable, so the loss has to fall."""
    brightness = images.reshape(len(images), -1).mean(axis=1)
    bins = np.quantile(brightness, np.linspace(0, 1, classes + 1)[1:-1])
    return keras.utils.to_categorical(np.digitize(brightness, bins), classes)


def fits(model, x, y, epochs, batch_size):
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    losses = history.history["loss"]
    assert all(np.isfinite(losses)), losses
    # The last two epochs together: dropout makes any single epoch noisy.
    assert np.mean(losses[-2:]) < losses[0], losses
    return losses


def test_mnist_convnet():
    keras.utils.set_random_seed(1)
    x = images_of_varied_brightness((64, 12, 12, 1))
    y = one_hot_by_brightness(x, 3)
    model = Sequential()
    model.add(Conv2D(8, kernel_size=(3, 3), activation="relu", input_shape=(12, 12, 1)))
    model.add(Conv2D(16, (3, 3), activation="relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))
    model.add(Flatten())
    model.add(Dense(16, activation="relu"))
    model.add(Dropout(0.5))
    model.add(Dense(3, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    assert model.output_shape == (None, 3)
    losses = fits(model, x, y, epochs=6, batch_size=16)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert np.isfinite(loss) and 0.0 <= accuracy <= 1.0 and loss < losses[0]


def test_vgg_like_convnet():
    keras.utils.set_random_seed(2)
    x = images_of_varied_brightness((48, 16, 16, 3))
    y = one_hot_by_brightness(x, 2)
    model = Sequential()
    model.add(Conv2D(8, (3, 3), activation="relu", input_shape=(16, 16, 3)))
    model.add(Conv2D(8, (3, 3), activation="relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))
    model.add(Conv2D(16, (3, 3), activation="relu"))
    model.add(Conv2D(16, (3, 3), activation="relu"))
    model.add(MaxPooling2D(pool_size=(2, 2)))
    model.add(Dropout(0.25))
    model.add(Flatten())
    model.add(Dense(32, activation="relu"))
    model.add(Dropout(0.5))
    model.add(Dense(2, activation="softmax"))
    sgd = SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)  # the docs' settings
    model.compile(loss="categorical_crossentropy", optimizer=sgd)
    assert model.output_shape == (None, 2)
    fits(model, x, y, epochs=8, batch_size=16)


def test_sequence_classification_with_1d_convolutions():
    keras.utils.set_random_seed(3)
    seq_length, features = 20, 6
    x = RNG.normal(size=(64, seq_length, features)).astype("float32")
    y = (x[:, :, 0].mean(axis=1) > 0).astype("float32")[:, None]
    model = Sequential()
    model.add(Conv1D(8, 3, activation="relu", input_shape=(seq_length, features)))
    model.add(Conv1D(8, 3, activation="relu"))
    model.add(MaxPooling1D(3))
    model.add(Conv1D(16, 3, activation="relu"))
    model.add(Conv1D(16, 3, activation="relu"))
    model.add(GlobalAveragePooling1D())
    model.add(Dropout(0.5))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    fits(model, x, y, epochs=8, batch_size=16)


def test_convnet_over_word_embeddings():
    keras.utils.set_random_seed(4)
    max_features, maxlen = 50, 12
    x = RNG.integers(1, max_features, (80, maxlen))
    y = (x[:, :3] < max_features // 2).all(axis=1).astype("float32")
    model = Sequential()
    model.add(Embedding(max_features, 8, input_length=maxlen))
    model.add(Dropout(0.2))
    model.add(Conv1D(16, 3, padding="valid", activation="relu", strides=1))
    model.add(GlobalMaxPooling1D())
    model.add(Dense(16))
    model.add(Dropout(0.2))
    model.add(Activation("relu"))
    model.add(Dense(1))
    model.add(Activation("sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    assert model.output_shape == (None, 1)
    fits(model, x, y, epochs=6, batch_size=16)
