"""API patterns of Keras 2's sequence and text examples (addition RNN, bAbI memory network,
seq2seq, text generation, fastText, Reuters MLP), each reduced to a small check against
Keras 2's documented behaviour with a NumPy reference where there are numbers."""

import json

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers
from kerasfront.backend.registry import ADAPTER

RNG = np.random.default_rng(7)
needs_training = pytest.mark.skipif(
    not ADAPTER.SUPPORTS_TRAINING, reason="this backend has no gradients"
)


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_sequential_encoder_without_input_length_on_a_longer_input():
    # bAbI memory network: Sequential([Embedding(vocab, dim), Dropout]) has Keras 2's
    # default input shape (None,), and is then called on Input((story_maxlen,)) (float32,
    # the Input default) inside a functional model. This recursed without end.
    encoder = keras.Sequential()
    encoder.add(layers.Embedding(input_dim=6, output_dim=3))
    encoder.add(layers.Dropout(0.3))
    story = layers.Input((4,))
    encoded = encoder(story)
    assert encoded.shape == (None, 4, 3)
    model = keras.Model(story, layers.Permute((2, 1))(encoded))
    assert model.output_shape == (None, 3, 4)

    indices = RNG.integers(0, 6, (2, 4))
    (table,) = encoder.get_weights()
    expected = table[indices].transpose(0, 2, 1)
    np.testing.assert_allclose(model.predict(indices), expected, rtol=1e-6, atol=1e-6)


def test_predict_classes_and_predict_proba_of_sequential():
    # addition_rnn decodes model.predict_classes(x); Keras 2's Sequential had both methods:
    # argmax over the last axis, or (output > 0.5) as int32 for one sigmoid unit.
    softmax_model = keras.Sequential(
        [layers.TimeDistributed(layers.Dense(4), input_shape=(3, 2)), layers.Activation("softmax")]
    )
    x = RNG.normal(size=(5, 3, 2)).astype("float32")
    kernel, bias = softmax_model.get_weights()
    probabilities = softmax(x @ kernel + bias)

    classes = softmax_model.predict_classes(x, verbose=0)
    assert classes.shape == (5, 3)
    np.testing.assert_array_equal(classes, probabilities.argmax(axis=-1))
    np.testing.assert_allclose(softmax_model.predict_proba(x), probabilities, rtol=1e-5, atol=1e-6)

    sigmoid_model = keras.Sequential([layers.Dense(1, input_shape=(2,), activation="sigmoid")])
    sigmoid_model.set_weights([np.array([[2.0], [-1.0]], "float32"), np.zeros(1, "float32")])
    points = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 2.0]], "float32")
    expected = ((points @ np.array([2.0, -1.0])) > 0).astype("int32")[:, None]
    predicted = sigmoid_model.predict_classes(points)
    assert predicted.dtype == np.int32
    np.testing.assert_array_equal(predicted, expected)

    linear = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    linear.set_weights([np.array([[3.0], [0.0]], "float32"), np.zeros(1, "float32")])
    with pytest.warns(UserWarning, match="outside"):
        linear.predict_proba(points)


@needs_training
def test_boolean_and_integer_arrays_feed_float_inputs():
    # addition_rnn and lstm_text_generation one-hot encode into np.bool arrays, and MNIST
    # code feeds uint8 pixels: Keras 2 converted them to the float Input's type (and bool
    # targets to the outputs'). TF and torch refused to multiply bool/uint8 by float32.
    model = keras.Sequential([layers.Dense(3, input_shape=(4,), activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(lr=0.0), loss="categorical_crossentropy")
    one_hot = np.eye(4, dtype=bool)[[0, 2, 3, 1]]
    targets = np.eye(3, dtype=bool)[[0, 1, 2, 0]]
    kernel, bias = model.get_weights()
    expected_outputs = softmax(one_hot.astype("float32") @ kernel + bias)
    expected_loss = -np.mean(np.log(expected_outputs[targets]))

    loss = model.train_on_batch(one_hot, targets)  # lr=0: the weights stay
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-5)
    pixels = one_hot.astype("uint8") * 3
    np.testing.assert_allclose(
        model.predict(pixels),
        softmax(pixels.astype("float32") @ kernel + bias),
        rtol=1e-5,
        atol=1e-6,
    )

    # A Sequential without an input shape builds a float Input from the first data.
    deferred = keras.Sequential([layers.Dense(2, use_bias=False)])
    deferred.compile(optimizer=keras.optimizers.SGD(lr=0.0), loss="mse")
    deferred.train_on_batch(one_hot, np.zeros((4, 2), "float32"))
    (deferred_kernel,) = deferred.get_weights()
    np.testing.assert_allclose(deferred.predict(one_hot), one_hot @ deferred_kernel, rtol=1e-6)


def test_numpy_integer_sizes_are_accepted_and_stored_as_int():
    # fastText sets max_features = np.max(...) + 1 and Reuters num_classes = np.max(y) + 1
    # (NumPy integers) and pass them to Embedding and Dense, as Keras 2 allowed.
    size = np.int64(5)
    created = [
        layers.Embedding(size, np.int32(2)),
        layers.Dense(size),
        layers.RepeatVector(np.int64(2)),
        layers.Conv1D(size, 3),
    ]
    configs = [layer.get_config() for layer in created]
    assert configs[0]["input_dim"] == 5 and type(configs[0]["input_dim"]) is int
    assert type(configs[1]["units"]) is int and type(configs[2]["n"]) is int
    assert type(configs[3]["filters"]) is int
    json.dumps(configs)
    with pytest.raises(ValueError, match="positive integer"):
        layers.Dense(np.int64(0))


@needs_training
def test_lambda_callback_predicts_between_epochs_and_every_hook_gets_a_logs_dict():
    # lstm_text_generation samples text with model.predict inside on_epoch_end. Keras 2
    # handed every hook a logs dict (never None), so callbacks may call logs.get(...).
    model = keras.Sequential([layers.Dense(3, input_shape=(2,), activation="softmax")])
    model.compile(optimizer=keras.optimizers.RMSprop(lr=0.01), loss="categorical_crossentropy")
    x = RNG.normal(size=(6, 2)).astype("float32")
    y = np.eye(3, dtype="float32")[[0, 1, 2, 0, 1, 2]]
    probe = x[:1]
    samples, logs_have_get = [], []

    def on_epoch_end(epoch, logs):
        kernel, bias = model.get_weights()
        samples.append((model.predict(probe, verbose=0)[0], softmax(probe @ kernel + bias)[0]))
        logs_have_get.append(callable(getattr(logs, "get", None)))

    def record(*args):
        logs_have_get.append(callable(getattr(args[-1], "get", None)))

    callback = keras.callbacks.LambdaCallback(
        on_epoch_end=on_epoch_end,
        on_epoch_begin=record,
        on_batch_begin=record,
        on_batch_end=record,
        on_train_begin=record,
        on_train_end=record,
    )
    model.fit(x, y, batch_size=3, epochs=2, verbose=0, callbacks=[callback])
    # train begin/end, and per epoch: begin, end and two batches of begin and end
    assert len(logs_have_get) == 2 + 2 * (2 + 2 * 2) and all(logs_have_get)
    assert len(samples) == 2
    for predicted, expected in samples:
        np.testing.assert_allclose(predicted, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(samples[0][0], samples[1][0])  # trained between the two


def test_summary_says_multiple_for_an_encoder_called_on_other_shapes_than_its_own():
    # bAbI memory network: Keras 2's summary printed "multiple" for the Sequential
    # encoders built for (None, None) and called on (None, 10); the one built with
    # input_length (the question encoder) printed its shape.
    story_encoder = keras.Sequential([layers.Embedding(6, 3)])
    question_encoder = keras.Sequential([layers.Embedding(6, 3, input_length=2)])
    story, question = layers.Input((5,)), layers.Input((2,))
    match = layers.dot([story_encoder(story), question_encoder(question)], axes=(2, 2))
    model = keras.Model([story, question], match)
    lines = []
    model.summary(print_fn=lines.append)
    rows = {line.split()[0]: line for line in lines if line.startswith("sequential")}
    assert "multiple" in rows[story_encoder.name]
    assert "(None, 2, 3)" in rows[question_encoder.name]
    assert "multiple" not in rows[question_encoder.name]
