"""The Keras 2 docs' recurrent examples, as users copy them, train on every backend.

The models are the documentation's (the IMDB LSTM classifier over word embeddings, here
with padded and masked sequences; the stacked LSTM for sequence classification; the same
model made stateful with batch_input_shape), with the documented layers and arguments;
only the sizes are small and the data random, with labels a simple function of the
inputs so that a few epochs must lower the loss.
"""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront.backend.registry import ADAPTER
from kerasfront.layers import LSTM, Dense, Dropout, Embedding
from kerasfront.models import Sequential

pytestmark = pytest.mark.skipif(
    not ADAPTER.SUPPORTS_TRAINING, reason="this backend has no gradients"
)
RNG = np.random.default_rng(0)


def fits(model, x, y, epochs, batch_size, **kwargs):
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, **kwargs)
    losses = history.history["loss"]
    assert all(np.isfinite(losses)), losses
    assert losses[-1] < losses[0], losses
    return losses


def by_first_feature(x, classes):
    """One-hot labels from the mean of the first feature over time (learnable)."""
    means = x[:, :, 0].mean(axis=1)
    bins = np.quantile(means, np.linspace(0, 1, classes + 1)[1:-1])
    return keras.utils.to_categorical(np.digitize(means, bins), classes)


def test_imdb_lstm_on_masked_word_sequences():
    keras.utils.set_random_seed(1)
    max_features, maxlen = 30, 10
    lengths = RNG.integers(3, maxlen + 1, 96)
    x = RNG.integers(1, max_features, (96, maxlen))
    x[np.arange(maxlen)[None, :] >= lengths[:, None]] = 0  # padded after the words
    y = (x[:, 0] < max_features // 2).astype("float32")
    model = Sequential()
    model.add(Embedding(max_features, 8, mask_zero=True, input_length=maxlen))
    model.add(LSTM(8, dropout=0.2, recurrent_dropout=0.2))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
    fits(model, x, y, epochs=8, batch_size=16)
    predictions = model.predict(x[:4])
    assert predictions.shape == (4, 1) and np.all((predictions >= 0) & (predictions <= 1))


def test_stacked_lstm_for_sequence_classification():
    keras.utils.set_random_seed(2)
    data_dim, timesteps, num_classes = 6, 5, 3
    x = RNG.normal(size=(64, timesteps, data_dim)).astype("float32")
    y = by_first_feature(x, num_classes)
    model = Sequential()
    model.add(LSTM(8, return_sequences=True, input_shape=(timesteps, data_dim)))
    model.add(LSTM(8, return_sequences=True))
    model.add(LSTM(8))
    model.add(Dropout(0.1))
    model.add(Dense(num_classes, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    fits(model, x, y, epochs=6, batch_size=16)


def test_stateful_stacked_lstm():
    keras.utils.set_random_seed(3)
    data_dim, timesteps, num_classes, batch_size = 6, 5, 3, 8
    x = RNG.normal(size=(batch_size * 8, timesteps, data_dim)).astype("float32")
    y = by_first_feature(x, num_classes)
    x_val, y_val = x[: batch_size * 2], y[: batch_size * 2]
    model = Sequential()
    model.add(LSTM(8, return_sequences=True, stateful=True,
                   batch_input_shape=(batch_size, timesteps, data_dim)))  # fmt: skip
    model.add(LSTM(8, return_sequences=True, stateful=True))
    model.add(LSTM(8, stateful=True))
    model.add(Dense(num_classes, activation="softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    fits(model, x, y, epochs=6, batch_size=batch_size, shuffle=False,
         validation_data=(x_val, y_val))  # fmt: skip
    states = model.layers[0].states[0].numpy()
    assert states.shape == (batch_size, 8) and np.any(states != 0)
