"""compile(loss=None), as Keras 2 allows it: the objective comes from `add_loss` terms and
weight regularizers, outputs without a loss take no targets, and a model with no loss at
all is refused. NumPy references for the add_loss and regularization terms."""

import warnings

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import layers, optimizers, regularizers
from kerasfront.utils import Sequence, set_random_seed

RNG = np.random.default_rng(0)
X = RNG.normal(size=(12, 4)).astype("float32")
Y = RNG.normal(size=(12, 3)).astype("float32")


class ReconstructionPenalty(layers.Layer):
    """Adds mean((inputs - reconstruction) ** 2) to the loss; passes the reconstruction."""

    def call(self, inputs):
        original, reconstruction = inputs
        self.add_loss(K.mean(K.square(original - reconstruction)))
        return reconstruction


class PullTowardsOne(layers.Layer):
    """One-input penalty for Sequential models: mean((outputs - 1) ** 2)."""

    def call(self, inputs):
        self.add_loss(K.mean(K.square(inputs - 1.0)))
        return inputs


def autoencoder(regularization=0.0):
    """x -> Dense(4) -> reconstruction, trained on add_loss alone; fixed weights."""
    inputs = layers.Input((4,))
    dense = layers.Dense(
        4,
        name="decoder",
        kernel_regularizer=regularizers.l2(regularization) if regularization else None,
    )
    outputs = ReconstructionPenalty(name="penalty")([inputs, dense(inputs)])
    model = keras.Model(inputs, outputs)
    kernel = (np.arange(16, dtype="float32").reshape(4, 4) - 7.5) / 10
    bias = np.linspace(-0.2, 0.3, 4).astype("float32")
    dense.set_weights([kernel, bias])
    return model, kernel, bias


def numpy_objective(x, kernel, bias, regularization):
    """The loss and its gradients for `autoencoder`: mean squared reconstruction error
    plus the L2 penalty `regularization * sum(kernel ** 2)` (Keras 2's l2)."""
    residual = x - (x @ kernel + bias)
    loss = np.mean(residual**2) + regularization * np.sum(kernel**2)
    scale = -2.0 / residual.size
    grad_kernel = scale * x.T @ residual + 2 * regularization * kernel
    grad_bias = scale * residual.sum(axis=0)
    return loss, grad_kernel, grad_bias


# ---- the objective is the add_loss terms plus the regularizers ---------------------------


def test_loss_is_add_loss_plus_regularization_against_numpy():
    regularization, learning_rate = 0.01, 0.1
    model, kernel, bias = autoencoder(regularization)
    model.compile(optimizer=optimizers.SGD(learning_rate))
    assert model.loss is None and model.metrics_names == ["loss"]

    reported = model.train_on_batch(X, None)
    loss, grad_kernel, grad_bias = numpy_objective(X, kernel, bias, regularization)
    np.testing.assert_allclose(reported, loss, rtol=1e-5, atol=1e-5)
    new_kernel, new_bias = model.get_layer("decoder").get_weights()
    np.testing.assert_allclose(new_kernel, kernel - learning_rate * grad_kernel, atol=1e-5)
    np.testing.assert_allclose(new_bias, bias - learning_rate * grad_bias, atol=1e-5)

    # evaluate and test_on_batch report the same objective at the updated weights.
    expected = numpy_objective(X, new_kernel, new_bias, regularization)[0]
    np.testing.assert_allclose(model.evaluate(X, verbose=0), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(model.test_on_batch(X, None), expected, rtol=1e-5, atol=1e-5)


def test_regularizers_alone_are_an_objective():
    """No add_loss and no output loss: the weight penalty is what is minimized."""
    model = keras.Sequential(
        [layers.Dense(2, input_shape=(4,), kernel_regularizer=regularizers.l2(0.5))]
    )
    model.compile(optimizer=optimizers.SGD(0.1))
    kernel = model.layers[0].get_weights()[0]
    history = model.fit(X, epochs=1, batch_size=12, verbose=0)
    # One SGD step on 0.5 * sum(W ** 2) before it: the loss is the penalty before the step.
    np.testing.assert_allclose(history.history["loss"][0], 0.5 * np.sum(kernel**2), rtol=1e-5)
    np.testing.assert_allclose(model.layers[0].get_weights()[0], kernel * (1 - 0.1), atol=1e-6)


# ---- Keras 2's VAE example: fit(x) with no targets ---------------------------------------


class Sampling(layers.Layer):
    """z = mean + exp(log_var / 2) * epsilon, the reparameterization of the VAE example."""

    def call(self, inputs):
        mean, log_var = inputs
        epsilon = K.random_normal(K.shape(mean))
        return mean + K.exp(0.5 * log_var) * epsilon


class VariationalLoss(layers.Layer):
    """Adds the VAE loss (reconstruction cross-entropy times the input size plus the KL
    divergence to N(0, 1)) and returns the reconstruction."""

    def call(self, inputs):
        original, reconstruction, mean, log_var = inputs
        reconstruction_loss = 8 * K.binary_crossentropy(original, reconstruction)
        reconstruction_loss = K.mean(reconstruction_loss, axis=-1)
        kl = -0.5 * K.sum(1 + log_var - K.square(mean) - K.exp(log_var), axis=-1)
        self.add_loss(K.mean(reconstruction_loss + kl))
        return reconstruction


def test_vae_trains_without_targets():
    set_random_seed(3)
    rng = np.random.default_rng(3)
    # Two kinds of 8-pixel binary images (with noise): something a 2-d code can learn.
    patterns = np.array([[1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1]], "float32")
    images = patterns[rng.integers(0, 2, 96)]
    images = np.abs(images - (rng.random(images.shape) < 0.05)).astype("float32")

    inputs = layers.Input((8,))
    hidden = layers.Dense(16, activation="relu")(inputs)
    mean, log_var = layers.Dense(2)(hidden), layers.Dense(2)(hidden)
    code = Sampling()([mean, log_var])
    decoded = layers.Dense(8, activation="sigmoid")(layers.Dense(16, activation="relu")(code))
    vae = keras.Model(inputs, VariationalLoss()([inputs, decoded, mean, log_var]))
    vae.compile(optimizer=optimizers.Adam(0.01))

    history = vae.fit(
        images[:80], epochs=12, batch_size=16, verbose=0, validation_data=(images[80:], None)
    )
    losses = history.history["loss"]
    assert set(history.history) == {"loss", "val_loss"}
    assert np.all(np.isfinite(losses))
    assert losses[-1] < 0.7 * losses[0], losses
    assert history.history["val_loss"][-1] < history.history["val_loss"][0]


def test_sequential_with_validation_split_and_a_sequence():
    model = keras.Sequential([layers.Dense(3, input_shape=(4,)), PullTowardsOne()])
    model.compile(optimizer=optimizers.SGD(0.05))
    history = model.fit(X, validation_split=0.25, epochs=3, batch_size=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert len(history.history["val_loss"]) == 3

    class InputsOnly(Sequence):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return X[index * 6 : (index + 1) * 6]

    # A batch source yielding x alone (no targets) trains a model without loss too; its
    # loss is the penalty averaged over samples, checked against NumPy.
    model.fit(InputsOnly(), epochs=1, verbose=0)
    kernel, bias = model.layers[0].get_weights()
    expected = np.mean((X @ kernel + bias - 1.0) ** 2)
    np.testing.assert_allclose(model.evaluate(InputsOnly(), verbose=0), expected, rtol=1e-5)


# ---- some outputs without a loss ---------------------------------------------------------


def two_outputs():
    inputs = layers.Input((4,))
    first = layers.Dense(3, name="first")(inputs)
    second = layers.Dense(2, name="second")(inputs)
    return keras.Model(inputs, [first, second])


def test_an_output_without_loss_takes_no_target():
    model = two_outputs()
    model.compile(optimizer="sgd", loss=["mse", None], metrics=["mae"])
    # Every form Keras 2 (or tf.keras 2) takes: the targets of the outputs with a loss.
    first_kernel, first_bias = model.get_layer("first").get_weights()
    prediction = X @ first_kernel + first_bias
    expected = [np.mean((prediction - Y) ** 2)] * 2 + [np.mean(np.abs(prediction - Y))]
    for y in (Y, [Y], [Y, None], {"first": Y}):
        np.testing.assert_allclose(model.evaluate(X, y, verbose=0), expected, rtol=1e-5)
    assert model.metrics_names == ["loss", "first_loss", "first_mae"]
    history = model.fit(
        X, {"first": Y}, epochs=2, sample_weight=np.ones(12), validation_split=0.25, verbose=0
    )
    names = ["loss", "first_loss", "first_mae"]
    assert set(history.history) == set(names) | {f"val_{name}" for name in names}

    with pytest.raises(ValueError, match=r"outputs \['second'\], which have no loss"):
        model.evaluate(X, [Y, Y[:, :2]], verbose=0)
    with pytest.raises(ValueError, match=r"required for the outputs with a loss, \['first'\]"):
        model.evaluate(X, verbose=0)
    with pytest.raises(ValueError, match=r"sample_weight is given for outputs \['second'\]"):
        model.evaluate(X, Y, sample_weight={"second": np.ones(12)}, verbose=0)


def test_a_loss_dict_leaving_out_an_output_warns():
    model = two_outputs()
    with pytest.warns(UserWarning, match=r"outputs \['second'\] are missing from the loss"):
        model.compile(optimizer="sgd", loss={"first": "mse"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.compile(optimizer="sgd", loss={"first": "mse", "second": None})
    assert model._compiled_loss.target_names == ["first"]


# ---- what is refused ---------------------------------------------------------------------


def test_metrics_for_outputs_without_targets_fail_in_compile():
    with pytest.raises(ValueError, match=r"metrics are given for output 'second'.*no loss"):
        two_outputs().compile(optimizer="sgd", loss=["mse", None], metrics={"second": "mae"})
    with pytest.raises(ValueError, match=r"weighted_metrics are given for output 'second'"):
        two_outputs().compile(
            optimizer="sgd", loss=["mse", None], weighted_metrics=[["mae"], ["mse"]]
        )
    model = keras.Sequential([layers.Dense(2, input_shape=(4,), name="only")])
    with pytest.raises(ValueError, match=r"need targets.*output 'only' has no loss"):
        model.compile(optimizer="sgd", metrics=["accuracy"])


def test_a_model_with_no_loss_at_all_is_refused():
    model = keras.Sequential([layers.Dense(2, input_shape=(4,))])
    model.compile(optimizer="sgd")  # accepted: Keras 2 refuses when there is nothing to fit
    message = r"no loss to optimize.*compile\(loss=\.\.\.\).*add_loss"
    with pytest.raises(ValueError, match=message):
        model.fit(X, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=message):
        model.evaluate(X, verbose=0)
    with pytest.raises(ValueError, match=message):
        model.train_on_batch(X, None)
    with pytest.raises(ValueError, match=message):
        model.test_on_batch(X, None)
    assert model.predict(X, verbose=0).shape == (12, 2)  # predict needs no loss


def test_targets_and_weights_for_a_model_without_loss_are_refused():
    model, _, _ = autoencoder()
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="takes no targets.*Pass y=None"):
        model.fit(X, X, verbose=0)
    with pytest.raises(ValueError, match="takes no targets"):
        model.fit(X, validation_data=(X, X), verbose=0)
    with pytest.raises(ValueError, match="sample_weight would weigh nothing"):
        model.fit(X, sample_weight=np.ones(12), verbose=0)
    with pytest.raises(ValueError, match="class_weight would weigh nothing"):
        model.fit(X, class_weight={0: 1.0}, verbose=0)


# ---- saving ------------------------------------------------------------------------------


@pytest.mark.parametrize("extension", ["keras", "h5"])
def test_saved_with_loss_none_and_loaded_compiled(tmp_path, extension):
    if extension == "h5":
        pytest.importorskip("h5py")
    model, _, _ = autoencoder(0.01)
    model.compile(optimizer=optimizers.SGD(0.1))
    model.train_on_batch(X, None)
    path = tmp_path / f"autoencoder.{extension}"
    model.save(path)
    custom = {"ReconstructionPenalty": ReconstructionPenalty}
    loaded = keras.models.load_model(path, custom_objects=custom)
    assert loaded.compiled and loaded.loss is None
    kernel, bias = loaded.get_layer("decoder").get_weights()
    expected = numpy_objective(X, kernel, bias, 0.01)[0]
    np.testing.assert_allclose(loaded.train_on_batch(X, None), expected, rtol=1e-5, atol=1e-5)
