"""`model.add_loss(symbolic tensor)`: Keras 2's way of adding terms built from a functional
model's tensors to its objective (the variational autoencoder of the Keras examples)."""

from __future__ import annotations

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import layers


def _two_layer_model():
    inputs = layers.Input((4,))
    hidden = layers.Dense(3, activation="tanh", name="hidden")(inputs)
    outputs = layers.Dense(2, name="out")(hidden)
    return keras.Model(inputs, outputs), hidden


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(6, 4)).astype("float32"), rng.normal(size=(6, 2)).astype("float32")


def test_a_loss_on_an_inner_tensor_joins_the_compiled_loss():
    model, hidden = _two_layer_model()
    model.add_loss(0.5 * K.mean(K.square(hidden)))
    model.compile("sgd", loss="mse")
    x, y = _data()
    w1, b1, w2, b2 = model.get_weights()
    h = np.tanh(x @ w1 + b1)
    expected = np.mean((h @ w2 + b2 - y) ** 2) + 0.5 * np.mean(h**2)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected, rtol=1e-5)
    np.testing.assert_allclose(model.test_on_batch(x, y), expected, rtol=1e-5)
    # Predictions are the outputs alone.
    np.testing.assert_allclose(model.predict(x, verbose=0), h @ w2 + b2, rtol=1e-5, atol=1e-6)


def test_the_added_loss_alone_is_trained_with_sgd():
    # loss = mean(out^2) with out = x W + b: one SGD step against NumPy's gradient.
    inputs = layers.Input((4,))
    outputs = layers.Dense(2)(inputs)
    model = keras.Model(inputs, outputs)
    model.add_loss(K.mean(K.square(outputs)))
    model.compile(keras.optimizers.SGD(0.1))
    x, _ = _data()
    w, b = model.get_weights()
    out = x @ w + b
    loss = model.train_on_batch(x)  # no targets: y defaults to None
    np.testing.assert_allclose(loss, np.mean(out**2), rtol=1e-5)
    grad_out = 2 * out / out.size
    new_w, new_b = model.get_weights()
    np.testing.assert_allclose(new_w, w - 0.1 * x.T @ grad_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_b, b - 0.1 * grad_out.sum(0), rtol=1e-5, atol=1e-6)


def test_the_keras_examples_variational_autoencoder_trains():
    # The structure of Keras 2's variational_autoencoder.py, small: the KL term reads the
    # encoder's inner tensors, the reconstruction term the model's input and output.
    original_dim, latent_dim = 8, 2
    inputs = layers.Input((original_dim,), name="encoder_input")
    hidden = layers.Dense(6, activation="relu")(inputs)
    z_mean = layers.Dense(latent_dim, name="z_mean")(hidden)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(hidden)

    def sampling(args):
        mean, log_var = args
        epsilon = K.random_normal(shape=(K.shape(mean)[0], latent_dim), seed=1)
        return mean + K.exp(0.5 * log_var) * epsilon

    z = layers.Lambda(sampling, output_shape=(latent_dim,), name="z")([z_mean, z_log_var])
    encoder = keras.Model(inputs, [z_mean, z_log_var, z], name="encoder")
    latent_inputs = layers.Input((latent_dim,), name="z_sampling")
    decoded = layers.Dense(6, activation="relu")(latent_inputs)
    decoded = layers.Dense(original_dim, activation="sigmoid")(decoded)
    decoder = keras.Model(latent_inputs, decoded, name="decoder")
    outputs = decoder(encoder(inputs)[2])
    vae = keras.Model(inputs, outputs, name="vae")

    reconstruction_loss = keras.losses.mse(inputs, outputs) * original_dim
    kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
    kl_loss = K.sum(kl_loss, axis=-1) * -0.5
    vae.add_loss(K.mean(reconstruction_loss + kl_loss))
    vae.compile(optimizer=keras.optimizers.Adam(0.01))

    rng = np.random.default_rng(0)
    x = (rng.random((64, original_dim)) > 0.5).astype("float32")
    history = vae.fit(x, epochs=8, batch_size=16, verbose=0, validation_data=(x, None))
    losses, val_losses = history.history["loss"], history.history["val_loss"]
    assert losses[-1] < losses[0] and val_losses[-1] < val_losses[0]
    assert vae.predict(x[:3], verbose=0).shape == (3, original_dim)


def test_symbolic_losses_that_cannot_be_taken_are_named():
    model, hidden = _two_layer_model()
    with pytest.raises(ValueError, match=r"Model '.*': add_loss expects a scalar.*\(None, 3\)"):
        model.add_loss(K.square(hidden))
    other = layers.Input((4,))
    with pytest.raises(ValueError, match="Graph disconnected"):
        model.add_loss(K.mean(layers.Dense(1)(other)))
    model.compile("sgd", loss="mse")  # the refused losses are not kept
    x, y = _data()
    model.evaluate(x, y, verbose=0)

    class Subclassed(keras.Model):
        def call(self, inputs):
            return inputs

    with pytest.raises(ValueError, match="has no graph of inputs and outputs"):
        Subclassed().add_loss(K.mean(hidden))
