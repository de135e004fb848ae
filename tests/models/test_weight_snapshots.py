"""Weights read for the user are snapshots: later training never changes them.

On torch (CPU), NumPy arrays made from tensors share their memory, and the fused Adam
kernels update the parameters in place, so a view handed out as a snapshot would follow
training. JAX hands out read-only arrays. Every read must be a writable copy.
"""

import numpy as np

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import callbacks, layers, ops, optimizers

RNG = np.random.default_rng(3)
X = RNG.normal(size=(16, 4)).astype("float32")
Y = RNG.normal(size=(16, 2)).astype("float32")


def small_model():
    keras.utils.set_random_seed(1)
    model = keras.Sequential([layers.Dense(3, activation="tanh", input_dim=4), layers.Dense(2)])
    model.compile(optimizer=optimizers.Adam(learning_rate=0.05), loss="mse")
    return model


def test_reads_are_writable_copies_that_training_does_not_change():
    model = small_model()
    kernel = model.layers[0].weights[0]
    reads = {
        "get_weights": model.get_weights()[0],
        "layer.get_weights": model.layers[0].get_weights()[0],
        "K.get_value": K.get_value(kernel),
        "Variable.numpy": kernel.numpy(),
        "K.batch_get_value": K.batch_get_value([kernel])[0],
    }
    before = {name: value.copy() for name, value in reads.items()}
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0)
    trained = model.get_weights()[0]
    assert not np.allclose(trained, before["get_weights"]), "training did not move the kernel"
    for name, value in reads.items():
        np.testing.assert_array_equal(value, before[name], err_msg=f"{name} followed training")
        value[...] = 0.0  # writable, and writing to the copy leaves the model alone
    np.testing.assert_array_equal(model.get_weights()[0], trained)


class ScriptedValidationLoss(callbacks.Callback):
    """Replaces val_loss by a scripted sequence and records the weights of every epoch."""

    def __init__(self, losses):
        super().__init__()
        self.losses, self.weights = losses, []

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.losses[epoch]
        self.weights.append([w.copy() for w in self.model.get_weights()])


def test_early_stopping_restores_the_best_weights_with_adam():
    model = small_model()
    script = ScriptedValidationLoss([1.0, 0.5, 0.9, 0.95, 0.97, 0.99])
    stopper = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = model.fit(X, Y, batch_size=8, epochs=6, verbose=0, callbacks=[script, stopper])
    assert len(history.history["loss"]) == 4  # best at epoch 2, stopped after 2 worse ones
    best, last = script.weights[1], script.weights[-1]
    assert not np.allclose(best[0], last[0]), "Adam did not move the weights after epoch 2"
    for restored, expected in zip(model.get_weights(), best):
        np.testing.assert_array_equal(restored, expected)


def test_arrays_read_from_layer_attributes_stay_valid_after_fit():
    # JAX steps donate the buffers of the state they update; an array the user read from
    # `layer.kernel` or `Variable.value` must not be one of them ("Array has been deleted").
    model = small_model()
    kernel_variable = model.layers[0].weights[0]
    reads = {
        "layer.kernel": model.layers[0].kernel,
        "Variable.value": kernel_variable.value,
        "optimizer slot": None,
    }
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)  # builds the optimizer's slots
    slot = model.optimizer.weights[-1]
    reads["optimizer slot"] = slot.value
    before = {name: np.array(ops.convert_to_numpy(value)) for name, value in reads.items()}
    model.fit(X, Y, batch_size=8, epochs=2, verbose=0)
    assert not np.allclose(kernel_variable.numpy(), before["layer.kernel"])
    for name, value in reads.items():
        # Still readable after training. On torch and TensorFlow the read is the live
        # Parameter / tf.Variable (Keras's `layer.kernel`), which follows training; a JAX
        # array is immutable, so it keeps the value it had when read.
        after = ops.convert_to_numpy(value)
        assert after.shape == before[name].shape, name
        if K.backend() == "jax":
            np.testing.assert_array_equal(after, before[name], err_msg=name)
    # The variables read the trained values, and training goes on from them.
    np.testing.assert_array_equal(
        ops.convert_to_numpy(model.layers[0].kernel), kernel_variable.numpy()
    )
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
