"""The Keras 2 documentation's guides and page examples (keras.io 2.2.x: getting started, models,
layers, callbacks, preprocessing, applications...), run as users copy them: each test is one
pattern that failed here, reduced to a small check against Keras 2's documented behaviour,
with a NumPy reference where there are numbers."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers
from kerasfront.backend.registry import ADAPTER

RNG = np.random.default_rng(11)
needs_training = pytest.mark.skipif(
    not ADAPTER.SUPPORTS_TRAINING, reason="this backend has no gradients"
)


def linear_model(kernel):
    """Dense(1, use_bias=False) with the given kernel, compiled with SGD(0) and MSE, so
    every loss reported is the NumPy mean squared error of x @ kernel."""
    model = keras.Sequential([layers.Dense(1, use_bias=False, input_shape=(kernel.shape[0],))])
    model.set_weights([kernel])
    model.compile(keras.optimizers.SGD(lr=0.0), "mse")
    return model


@needs_training
def test_fractional_steps_count_up_as_keras2_loops_did():
    # The ImageDataGenerator docs: fit_generator(datagen.flow(x, y, batch_size=32),
    # steps_per_epoch=len(x_train) / 32). Keras 2 looped `while steps_done < steps`, so
    # 10 / 4 = 2.5 steps runs 3 batches; NumPy integers are steps too.
    x = RNG.normal(size=(10, 3)).astype("float32")
    y = RNG.normal(size=(10, 1)).astype("float32")
    kernel = RNG.normal(size=(3, 1)).astype("float32")
    model = linear_model(kernel)

    def batches():
        while True:
            for start in range(0, 10, 4):
                yield x[start : start + 4], y[start : start + 4]

    seen = []
    counter = keras.callbacks.LambdaCallback(on_batch_end=lambda batch, logs: seen.append(batch))
    history = model.fit_generator(
        batches(),
        steps_per_epoch=len(x) / 4,
        epochs=1,
        verbose=0,
        callbacks=[counter],
        validation_data=batches(),
        validation_steps=np.float64(1.5),
    )
    assert seen == [0, 1, 2]
    errors = (x @ kernel - y) ** 2
    # Losses average over samples: the three batches cover all ten samples, and the two
    # validation batches the first eight.
    np.testing.assert_allclose(history.history["loss"][0], errors.mean(), rtol=1e-5)
    np.testing.assert_allclose(history.history["val_loss"][0], errors[:8].mean(), rtol=1e-5)
    evaluated = model.evaluate_generator(batches(), steps=np.int64(1))
    np.testing.assert_allclose(evaluated, errors[:4].mean(), rtol=1e-5)
    assert model.predict_generator(batches(), steps=0.5).shape == (4, 1)
    with pytest.raises(ValueError, match="steps_per_epoch must be a positive"):
        model.fit_generator(batches(), steps_per_epoch=0.0, verbose=0)


def test_graph_tensors_answer_keras2_private_shape_and_history():
    # The backend docs read K.placeholder(shape=(2, 4, 5))._keras_shape, and Keras 2 code
    # wires graphs with x._keras_shape[-1] and x._keras_history[0] (the layer that made x).
    placeholder = keras.backend.placeholder(shape=(2, 4, 5))
    assert placeholder._keras_shape == (2, 4, 5)
    inputs = layers.Input((3,))
    dense = layers.Dense(2)
    outputs = dense(inputs)
    assert outputs._keras_shape == (None, 2)
    assert outputs._keras_history[0] is dense
    widened = layers.Dense(outputs._keras_shape[-1] * 2)(outputs)
    assert widened._keras_shape == (None, 4)


def test_layers_answer_the_masks_of_their_calls_as_keras2():
    # Keras 2 layers answered input_mask/output_mask and get_input_mask_at/
    # get_output_mask_at beside input/output (None where no mask travels).
    inputs = layers.Input((4,))
    embedding = layers.Embedding(5, 3, mask_zero=True)
    embedded = embedding(inputs)
    recurrent = layers.LSTM(2, return_sequences=True)
    recurrent(embedded)
    assert embedding.input_mask is None
    assert embedding.output_mask is embedded.keras_mask is not None
    assert recurrent.input_mask is embedded.keras_mask
    assert recurrent.get_output_mask_at(0).shape == (None, 4)

    shared = layers.Dense(2)
    shared(inputs)
    shared(layers.Input((4,)))
    assert shared.get_input_mask_at(1) is None
    with pytest.raises(AttributeError, match="get_output_mask_at"):
        _ = shared.output_mask


def test_tensorboard_takes_embedding_arguments_while_embeddings_are_off(tmp_path):
    # Keras 2 read embeddings_layer_names/_metadata/_data only when embeddings_freq > 0;
    # an array given as embeddings_data made our check raise NumPy's ambiguous-truth error.
    data = np.zeros((4, 3), "float32")
    board = keras.callbacks.TensorBoard(
        log_dir=str(tmp_path),
        embeddings_freq=0,
        embeddings_layer_names=["embedding"],
        embeddings_data=data,
    )
    assert board.log_dir == str(tmp_path)
    with pytest.raises(ValueError, match="embeddings_freq=1 is not supported"):
        keras.callbacks.TensorBoard(log_dir=str(tmp_path), embeddings_freq=1, embeddings_data=data)


@needs_training
def test_batch_logs_behave_as_the_dict_keras2_callbacks_received():
    # Keras 2 passed batch hooks a dict: callbacks wrote into it (logs["lr"] = ...) for the
    # callbacks after them, printed it and kept copies (history.append(logs.copy())).
    x = RNG.normal(size=(6, 3)).astype("float32")
    y = RNG.normal(size=(6, 1)).astype("float32")
    kernel = RNG.normal(size=(3, 1)).astype("float32")
    model = linear_model(kernel)
    copies, printed, seen_later = [], [], []

    class Writer(keras.callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            logs["lr"] = 0.5 * (batch + 1)
            copies.append(logs.copy())
            printed.append(repr(logs))

    class Reader(keras.callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            seen_later.append(logs["lr"])

    model.fit(
        x, y, batch_size=4, epochs=1, shuffle=False, verbose=0, callbacks=[Writer(), Reader()]
    )
    errors = ((x @ kernel - y) ** 2)[:, 0]
    assert seen_later == [0.5, 1.0]
    assert [type(copy) for copy in copies] == [dict, dict]
    assert copies[1]["batch"] == 1 and copies[1]["size"] == 2
    # The first batch's loss (later batches' logs hold the epoch's running mean here).
    np.testing.assert_allclose(copies[0]["loss"], errors[:4].mean(), rtol=1e-5)
    assert printed[0].startswith("{") and "'lr': 0.5" in printed[0]


@needs_training
def test_layer_assigning_its_weight_lists_in_build_trains_those_weights():
    # Keras 2 layers written before add_weight (tutorials of the time) made variables with
    # K.variable / K.zeros (a variable in Keras 2) and assigned
    # self.trainable_weights = [...] and self.non_trainable_weights = [...] in build.
    K = keras.backend
    kernel0 = RNG.normal(size=(3, 2)).astype("float32")
    offset = RNG.normal(size=(2,)).astype("float32")

    class Affine(layers.Layer):
        def build(self, input_shape):
            self.W = K.variable(kernel0)
            self.b = K.zeros((2,))
            self.shift = K.variable(offset)
            self.trainable_weights = [self.W, self.b]
            self.non_trainable_weights = [self.shift]
            self.built = True

        def call(self, inputs):
            return K.dot(inputs, self.W) + self.b + self.shift

        def compute_output_shape(self, input_shape):
            return (input_shape[0], 2)

    model = keras.Sequential([Affine(input_shape=(3,))])
    model.compile(keras.optimizers.SGD(lr=0.1), "mse")
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 1
    x = RNG.normal(size=(4, 3)).astype("float32")
    y = RNG.normal(size=(4, 2)).astype("float32")
    model.train_on_batch(x, y)

    gradient = 2 * (x @ kernel0 + offset - y) / y.size
    kernel, bias, shift = model.get_weights()
    np.testing.assert_allclose(kernel, kernel0 - 0.1 * x.T @ gradient, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bias, -0.1 * gradient.sum(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(shift, offset)


@needs_training
def test_augmented_assignment_inside_a_users_layer_trains_as_on_tensorflow():
    # Keras 2's attention layers: a = K.exp(e); a *= mask; a /= K.sum(a, ...). On torch,
    # `*=` wrote into exp's output, which autograd had kept, and training raised.
    K = keras.backend

    class Attention(layers.Layer):
        def build(self, input_shape):
            self.W = self.add_weight(name="W", shape=(input_shape[-1],), initializer="ones")
            super().build(input_shape)

        def call(self, x):
            scores = K.exp(K.squeeze(K.dot(x, K.expand_dims(self.W)), -1))
            scores *= 2.0
            scores /= K.sum(scores, axis=1, keepdims=True)
            return K.sum(x * K.expand_dims(scores), axis=1)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], input_shape[-1])

    x = RNG.normal(size=(4, 5, 3)).astype("float32")
    y = RNG.normal(size=(4, 3)).astype("float32")
    model = keras.Sequential([Attention(input_shape=(5, 3))])
    model.compile(keras.optimizers.SGD(lr=0.1), "mse")
    scores = np.exp(x.sum(axis=-1))
    expected = (x * (scores / scores.sum(axis=1, keepdims=True))[..., None]).sum(axis=1)
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)
    loss = model.train_on_batch(x, y)
    np.testing.assert_allclose(loss, ((expected - y) ** 2).mean(), rtol=1e-5)
    (kernel,) = model.get_weights()
    assert np.all(np.isfinite(kernel)) and not np.allclose(kernel, 1.0)


@needs_training
def test_augmented_assignment_inside_a_users_loss_trains_as_on_tensorflow():
    # The same in a custom loss: d = K.exp(y_pred - y_true); d *= 2.0.
    K = keras.backend

    def doubled_exponential_loss(y_true, y_pred):
        difference = K.exp(y_pred - y_true)
        difference *= 2.0
        return K.mean(difference, axis=-1)

    x = RNG.normal(size=(4, 3)).astype("float32")
    y = RNG.normal(size=(4, 2)).astype("float32")
    kernel = RNG.normal(size=(3, 2)).astype("float32") * 0.1
    model = keras.Sequential([layers.Dense(2, use_bias=False, input_shape=(3,))])
    model.set_weights([kernel])
    model.compile(keras.optimizers.SGD(lr=0.1), doubled_exponential_loss)
    loss = model.train_on_batch(x, y)

    values = 2.0 * np.exp(x @ kernel - y)
    np.testing.assert_allclose(loss, values.mean(), rtol=1e-5)
    gradient = x.T @ values / values.size
    np.testing.assert_allclose(
        model.get_weights()[0], kernel - 0.1 * gradient, rtol=1e-5, atol=1e-6
    )
