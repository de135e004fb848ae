"""API patterns of the Keras 2 vision examples (keras-team/keras 2.2.x `examples/`):
antirectifier, cifar10_cnn, cifar10_cnn_capsule, cifar10_resnet, mnist_cnn, mnist_mlp,
mnist_transfer_cnn, mnist_swwae, mnist_net2net, reuters_mlp_relu_vs_selu and
mnist_sklearn_wrapper, each reduced to the calls that once failed here."""

import os

import numpy as np
import pytest

from kerasfront import backend as K
from kerasfront import callbacks, layers, models, optimizers, utils


def _tiny_classifier(rng):
    model = models.Sequential([layers.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
    x = rng.rand(12, 4).astype("float32")
    y = utils.to_categorical(rng.randint(0, 3, 12), 3)
    return model, x, y


def test_callbacks_monitor_keras22_accuracy_names(tmp_path):
    # cifar10_resnet: metrics=["accuracy"] with ModelCheckpoint(monitor="val_acc",
    # save_best_only=True); Keras 2.2 logged the accuracy as acc/val_acc.
    rng = np.random.RandomState(0)
    model, x, y = _tiny_classifier(rng)
    pattern = os.path.join(str(tmp_path), "model.{epoch:03d}.h5")
    checkpoint = callbacks.ModelCheckpoint(pattern, monitor="val_acc", save_best_only=True)
    history = model.fit(
        x, y, batch_size=6, epochs=2, verbose=0, validation_data=(x, y), callbacks=[checkpoint]
    )
    accuracies = history.history["val_accuracy"]
    # Keras 2.2 code reads the history under its own spelling too.
    assert history.history["val_acc"] is accuracies
    assert history.history["acc"] == history.history["accuracy"]
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    expected = ["model.001.h5"] + (["model.002.h5"] if accuracies[1] > accuracies[0] else [])
    assert sorted(os.listdir(str(tmp_path))) == expected
    assert checkpoint.best == accuracies[int(accuracies[1] > accuracies[0])]

    # The other direction (Keras 2.3+ code monitoring "val_accuracy" with metrics=["acc"])
    # and the plateau logic on the alias, fed epoch logs directly.
    reducer = callbacks.ReduceLROnPlateau(monitor="val_accuracy", factor=0.5, patience=0)
    reducer.set_model(model)
    reducer.on_train_begin()
    start = float(K.get_value(model.optimizer.lr))
    reducer.on_epoch_end(0, {"val_acc": 0.5})
    reducer.on_epoch_end(1, {"val_acc": 0.5})
    np.testing.assert_allclose(float(K.get_value(model.optimizer.lr)), start * 0.5, rtol=1e-6)
    stopper = callbacks.EarlyStopping(monitor="acc", patience=0)
    stopper.set_model(model)
    stopper.on_train_begin()
    stopper.on_epoch_end(0, {"accuracy": 0.5})
    stopper.on_epoch_end(1, {"accuracy": 0.4})
    assert model.stop_training


def _where(tensors):
    # mnist_swwae's unpooling switches: 1 where max pooling took its value, else 0.
    before_pool, after_pool = tensors
    return K.gradients(K.sum(after_pool), before_pool)


def test_lambda_with_k_gradients_trains_as_in_mnist_swwae():
    rng = np.random.RandomState(1)
    x = rng.rand(3, 4, 4, 2).astype("float32")
    target = rng.rand(3, 4, 4, 2).astype("float32")
    kernel = rng.randn(2, 2).astype("float32")

    inputs = layers.Input(shape=(4, 4, 2))
    dense = layers.Dense(2, use_bias=False)
    before_pool = dense(inputs)
    after_pool = layers.MaxPooling2D(2)(before_pool)
    # One Lambda declares its output shape (the example's form), one lets it be traced.
    where_declared = layers.Lambda(_where, output_shape=lambda shapes: shapes[0])(
        [before_pool, after_pool]
    )
    where_traced = layers.Lambda(_where)([before_pool, after_pool])
    upsampled = layers.UpSampling2D(2)(after_pool)
    outputs = layers.add(
        [layers.multiply([upsampled, where_declared]), layers.multiply([upsampled, where_traced])]
    )
    model = models.Model(inputs, outputs)
    assert model.output_shape == (None, 4, 4, 2)
    dense.set_weights([kernel])
    learning_rate = 0.1
    model.compile(optimizer=optimizers.SGD(lr=learning_rate), loss="mse")
    loss = model.train_on_batch(x, target)

    # NumPy: each 2x2 window keeps its maximum (twice, once per Lambda), zeros elsewhere.
    projected = x @ kernel
    windows = projected.reshape(3, 2, 2, 2, 2, 2).transpose(0, 1, 3, 5, 2, 4).reshape(3, 2, 2, 2, 4)
    is_max = windows == windows.max(-1, keepdims=True)
    mask = is_max.reshape(3, 2, 2, 2, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(3, 4, 4, 2)
    expected_output = 2 * projected * mask
    np.testing.assert_allclose(loss, np.mean((expected_output - target) ** 2), rtol=1e-5)
    # The switches are constant almost everywhere: the gradient flows through the kept
    # maxima only, d output / d projected = 2 * mask.
    upstream = 2 * (expected_output - target) / expected_output.size * 2 * mask
    gradient = np.einsum("bhwi,bhwo->io", x, upstream)
    np.testing.assert_allclose(
        dense.get_weights()[0], kernel - learning_rate * gradient, rtol=1e-5, atol=1e-6
    )


def test_batch_dot_of_mixed_ranks_names_the_keras_2_2_4_difference():
    # cifar10_cnn_capsule's routing relied on Keras 2.2.4's TensorFlow batch_dot, which
    # batched over leading axes when ranks differed; the tf.keras rule gives another
    # shape, and the error that follows says why and what to write instead.
    rng = np.random.RandomState(2)
    coupling = rng.rand(2, 3, 5).astype("float32")
    predictions = rng.rand(2, 3, 5, 4).astype("float32")
    outputs = K.eval(K.batch_dot(coupling, predictions, [2, 2]))
    np.testing.assert_allclose(
        outputs, np.einsum("bik,bjkd->bijd", coupling, predictions), rtol=1e-5, atol=1e-6
    )
    with pytest.raises(ValueError, match="Keras 2.2.4 on TensorFlow also batched"):
        K.batch_dot(outputs, predictions, [2, 3])
    # The capsule routing written with broadcasting, against NumPy.
    weighted = K.eval(K.sum(K.expand_dims(coupling, -1) * K.constant(predictions), axis=2))
    np.testing.assert_allclose(
        weighted, np.einsum("bik,bikd->bid", coupling, predictions), rtol=1e-5, atol=1e-6
    )


def test_image_data_generator_option_warnings_point_at_the_callers_line():
    # cifar10_cnn lists every ImageDataGenerator option; the warnings about options that
    # override others must name the line that built the generator, not sys:1.
    import warnings

    from kerasfront.preprocessing.image import ImageDataGenerator

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        generator = ImageDataGenerator(zca_whitening=True, featurewise_std_normalization=True)
    assert [w.filename for w in caught] == [__file__, __file__]
    assert generator.featurewise_center and not generator.featurewise_std_normalization


class _Antirectifier(layers.Layer):
    # The antirectifier example's layer: Keras 2 code updates its input with `-=`.
    def call(self, inputs):
        inputs -= K.mean(inputs, axis=1, keepdims=True)
        inputs = K.l2_normalize(inputs, axis=1)
        return K.concatenate([K.relu(inputs), K.relu(-inputs)], axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1] * 2)


def _centre_in_place(tensor):
    tensor -= K.mean(tensor, axis=1, keepdims=True)
    return tensor


def test_layers_updating_their_inputs_in_place_leave_other_readers_alone():
    # On torch `inputs -= ...` writes into the tensor that the other branch reads and
    # that ReLU's gradient needs; each user layer (and Lambda) gets its own copy there.
    rng = np.random.RandomState(3)
    x = rng.rand(5, 3).astype("float32")
    kernel = rng.randn(3, 4).astype("float32")
    inputs = layers.Input(shape=(3,))
    dense = layers.Dense(4, activation="relu", use_bias=False)
    hidden = dense(inputs)
    outputs = layers.concatenate(
        [_Antirectifier()(hidden), layers.Lambda(_centre_in_place)(hidden), hidden]
    )
    model = models.Model(inputs, outputs)
    assert model.output_shape == (None, 16)
    dense.set_weights([kernel])
    model.compile(optimizer="sgd", loss="mse")
    loss = model.train_on_batch(x, np.zeros((5, 16), "float32"))

    relu = np.maximum(x @ kernel, 0)
    centred = relu - relu.mean(axis=1, keepdims=True)
    unit = centred / np.sqrt(np.maximum((centred**2).sum(axis=1, keepdims=True), 1e-12))
    expected = np.concatenate([np.maximum(unit, 0), np.maximum(-unit, 0), centred, relu], 1)
    np.testing.assert_allclose(loss, np.mean(expected**2), rtol=1e-5)


def _crossentropy_written_as_in_keras_2(y_true, y_pred):
    # Keras 2's TensorFlow backend normalized with `/=`; user losses copy that code.
    y_pred /= K.sum(y_pred, axis=-1, keepdims=True)
    y_pred = K.clip(y_pred, K.epsilon(), 1 - K.epsilon())
    return -K.sum(y_true * K.log(y_pred), axis=-1)


def _doubled_mean(y_true, y_pred):
    y_pred *= 2
    return K.mean(y_pred)


def test_losses_and_metrics_updating_y_pred_in_place_leave_it_alone():
    rng = np.random.RandomState(4)
    x = rng.rand(6, 4).astype("float32")
    y = np.eye(3, dtype="float32")[rng.randint(0, 3, 6)]
    kernel = rng.randn(4, 3).astype("float32")
    model = models.Sequential(
        [layers.Dense(3, activation="softmax", use_bias=False, input_shape=(4,))]
    )
    model.set_weights([kernel])
    model.compile("sgd", _crossentropy_written_as_in_keras_2, metrics=[_doubled_mean, "mae"])
    loss, doubled, mae = model.train_on_batch(x, y)

    logits = x @ kernel
    softmax = np.exp(logits - logits.max(1, keepdims=True))
    softmax /= softmax.sum(1, keepdims=True)
    np.testing.assert_allclose(loss, np.mean(-np.sum(y * np.log(softmax), 1)), rtol=1e-5)
    np.testing.assert_allclose(doubled, np.mean(2 * softmax), rtol=1e-5)
    np.testing.assert_allclose(mae, np.mean(np.abs(y - softmax)), rtol=1e-5)


def test_lambda_returning_a_one_tensor_list_gives_the_tensor():
    # Keras 2 unpacks a one-element list from a layer (mnist_swwae's K.gradients result
    # is one); with a declared output_shape the graph expects that single tensor.
    x = np.arange(6, dtype="float32").reshape(2, 3)
    inputs = layers.Input(shape=(3,))
    traced = layers.Lambda(lambda t: [t * 2])(inputs)
    declared = layers.Lambda(lambda t: [t + 1], output_shape=(3,))(inputs)
    assert not isinstance(traced, list) and not isinstance(declared, list)
    model = models.Model(inputs, layers.add([traced, declared]))
    np.testing.assert_allclose(model.predict(x, verbose=0), 3 * x + 1)


_NUMPY_BACKEND_SCRIPT = """
import numpy as np
from kerasfront import backend as K, layers, models

class Centre(layers.Layer):
    def call(self, inputs):
        inputs -= K.mean(inputs, axis=1, keepdims=True)
        return inputs

inputs = layers.Input(shape=(4,))
hidden = layers.Dense(4, kernel_initializer="ones")(inputs)
model = models.Model(inputs, layers.concatenate([Centre()(hidden), hidden]))
x = np.arange(8, dtype="float32").reshape(2, 4)
total = x.sum(axis=1, keepdims=True)
expected = np.concatenate([np.zeros((2, 4)), np.repeat(total, 4, axis=1)], axis=1)
np.testing.assert_allclose(model.predict(x, verbose=0), expected)
"""


@pytest.mark.skipif(
    os.environ.get("KERAS_BACKEND") != "jax",
    reason="starts a NumPy-backend process; runs once, in the KERAS_BACKEND=jax run",
)
def test_numpy_backend_gives_user_layers_their_own_input_arrays():
    # NumPy arrays change in place too: the branch beside the user layer keeps its values.
    import subprocess
    import sys

    environment = {**os.environ, "KERAS_BACKEND": "numpy"}
    done = subprocess.run(
        [sys.executable, "-c", _NUMPY_BACKEND_SCRIPT],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_unseeded_draw_in_a_lambda_leaves_later_draws_working():
    # Wiring a Lambda that draws without a seed (the VAE's sampling) traces its shapes;
    # on JAX the backend's own seed generator was made inside that trace and every later
    # unseeded K draw raised UnexpectedTracerError.
    from kerasfront.backend import random_functions

    saved = list(random_functions._MODULE_SEEDS)
    random_functions._MODULE_SEEDS.clear()  # as in a fresh process
    try:
        inputs = layers.Input(shape=(4,))
        noisy = layers.Lambda(lambda t: t + K.random_normal(K.shape(t)))(inputs)
        model = models.Model(inputs, noisy)
        first, second = K.eval(K.random_normal((2, 3))), K.eval(K.random_normal((2, 3)))
    finally:
        random_functions._MODULE_SEEDS[:] = saved or random_functions._MODULE_SEEDS
    assert first.shape == (2, 3) and not np.array_equal(first, second)
    assert model.predict(np.zeros((2, 4), "float32"), verbose=0).std() > 0
