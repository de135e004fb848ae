"""API patterns of the Keras blog tutorials (blog.keras.io, 2016-2018) that Keras 2 users
learned from: small-data image classification with fine-tuning, autoencoders,
sequence-to-sequence learning and serving a model from threads. Each test is a pattern
that once failed here; numbers are checked against NumPy."""

from __future__ import annotations

import numpy as np

from kerasfront import layers, models


def test_get_weights_follows_layers_after_freezing_like_keras2():
    # The fine-tuning recipe freezes the first layers after building; Keras 2's
    # Model.get_weights/set_weights still list the weights layer by layer, so arrays
    # taken before the freeze (or from an unfrozen copy) load back onto the same layers.
    def build():
        return models.Sequential(
            [layers.Dense(3, input_shape=(2,)), layers.Dense(4), layers.Dense(5)]
        )

    model, copy = build(), build()
    before = model.get_weights()
    for layer in model.layers[:1]:
        layer.trainable = False
    assert [w.shape for w in model.get_weights()] == [w.shape for w in before]
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    copy.set_weights(model.get_weights())  # copy is unfrozen: same order all the same
    x = np.random.RandomState(0).rand(4, 2).astype("float32")
    expected = x
    for kernel, bias in zip(before[::2], before[1::2]):
        expected = expected @ kernel + bias
    np.testing.assert_allclose(copy.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)


def test_generator_methods_take_keras1_argument_names_with_a_warning():
    # The first version of the small-data post called fit_generator with Keras 1's
    # samples_per_epoch/nb_epoch/nb_val_samples; Keras 2 renamed them with a warning and
    # divided samples_per_epoch by the generator's batch_size where it has one.
    import pytest

    from kerasfront.preprocessing.image import ImageDataGenerator

    model = models.Sequential([layers.Flatten(input_shape=(2, 2, 1)), layers.Dense(1)])
    model.compile("sgd", "mse")
    rng = np.random.RandomState(0)
    x, y = rng.rand(8, 2, 2, 1).astype("float32"), rng.rand(8, 1).astype("float32")
    drawn = []

    def validation():
        while True:
            drawn.append(1)
            yield x[:2], y[:2]

    train = ImageDataGenerator().flow(x, y, batch_size=2, shuffle=False)
    with pytest.warns(UserWarning, match="samples_per_epoch"):
        history = model.fit_generator(
            train, samples_per_epoch=6, nb_epoch=2, validation_data=validation(),
            nb_val_samples=3, verbose=0,
        )  # fmt: skip
    assert history.epoch == [0, 1]
    assert history.params["steps"] == 3  # 6 samples in batches of 2
    assert len(drawn) >= 3 * 2  # nb_val_samples is taken as validation_steps, as Keras 2 did
    kernel, bias = model.get_weights()
    with pytest.warns(UserWarning, match="val_samples"):
        predicted = model.predict_generator(iter([x[:2], x[2:4]]), val_samples=2)
    np.testing.assert_allclose(predicted, x[:4].reshape(4, 4) @ kernel + bias, rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match="steps_per_epoch"):
        model.fit_generator(train, steps_per_epoch=2, samples_per_epoch=4, verbose=0)


def test_sampling_lambda_with_output_shape_draws_afresh_each_step():
    # The blog's VAE: Input(batch_shape=...) and Lambda(sampling, output_shape=...) whose
    # function draws K.random_normal without a seed. A declared output_shape must not
    # keep the function from running at wiring, where the layer gets its seed generator.
    from kerasfront import backend as K

    inputs = layers.Input(batch_shape=(4, 3))
    z_mean = layers.Dense(2, kernel_initializer="zeros", use_bias=False)(inputs)

    def sampling(mean):
        return mean + K.random_normal(shape=(4, 2), mean=0.0, stddev=1.0)

    z = layers.Lambda(sampling, output_shape=(2,))(z_mean)
    model = models.Model(inputs, z)
    model.compile("sgd", "mse")
    x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
    first, second = model.train_on_batch(x, y), model.train_on_batch(x, y)
    assert np.isfinite(first) and np.isfinite(second)
    assert first != second  # each step drew new numbers


def test_loss_closing_over_inner_tensors_reads_the_steps_values():
    # The blog's VAE loss reads z_mean from the graph (Keras 2 ran it inside the graph,
    # on the same forward pass): each step's loss uses that step's z_mean. A tensor the
    # model's inputs do not reach is an error that names the loss and the way out.
    import pytest

    from kerasfront import backend as K

    inputs = layers.Input((3,))
    z_mean = layers.Dense(2, name="z_mean")(inputs)
    outputs = layers.Dense(3, name="out")(z_mean)
    model = models.Model(inputs, outputs)

    def vae_loss(y_true, y_pred):
        return K.mean(K.square(y_true - y_pred), axis=-1) + K.mean(K.square(z_mean), axis=-1)

    model.compile("sgd", loss=vae_loss)
    x = np.random.RandomState(0).rand(4, 3).astype("float32")
    k1, b1, k2, b2 = model.get_weights()
    hidden = x @ k1 + b1
    expected = np.mean((hidden @ k2 + b2 - x) ** 2) + np.mean(hidden**2)
    np.testing.assert_allclose(model.test_on_batch(x, x), expected, rtol=1e-5)
    # Training reports the loss before its update, and the z_mean term trains z_mean.
    np.testing.assert_allclose(model.train_on_batch(x, x), expected, rtol=1e-5)
    assert not np.allclose(model.get_weights()[0], k1)
    elsewhere = layers.Dense(2)(layers.Input((3,)))

    def foreign_loss(y_true, y_pred):
        return K.mean(K.square(y_true - y_pred), axis=-1) + K.mean(elsewhere, axis=-1)

    model.compile("sgd", loss=foreign_loss)
    with pytest.raises(TypeError, match="foreign_loss.*elsewhere.*add_loss"):
        model.train_on_batch(x, x)


def test_predict_from_several_threads_matches_one_thread():
    # The blog's REST API loads a model once and predicts from the server's threads.
    # The model carries state in predict (Dropout's seed); on JAX two steps at once
    # once read the same donated buffers ("Buffer has been deleted or donated").
    import threading

    model = models.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dropout(0.5)])
    model.add(layers.Dense(2))
    rng = np.random.RandomState(0)
    inputs = [rng.rand(n, 3).astype("float32") for n in (1, 2, 1, 3, 1, 2)]
    k1, b1, k2, b2 = model.get_weights()
    expected = [(x @ k1 + b1) @ k2 + b2 for x in inputs]  # no dropout at inference
    model.predict(inputs[0], verbose=0)  # builds the step once, as a server's warm-up
    results, errors = {}, []

    def serve(index):
        try:
            for repeat in range(6):
                results[index, repeat] = model.predict(inputs[index], verbose=0)
                results[index, -repeat - 1] = model.predict_on_batch(inputs[index])
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=serve, args=(i,)) for i in range(len(inputs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(results) == len(inputs) * 12
    for (index, _), value in results.items():
        np.testing.assert_allclose(value, expected[index], rtol=1e-5, atol=1e-6)


def test_metric_functions_on_graph_tensors_record_nodes():
    # "Keras as a simplified interface to TensorFlow": accuracy(labels, preds) on
    # placeholders and layer outputs, evaluated with K.function, as the losses are.
    from kerasfront import backend as K
    from kerasfront import metrics

    labels, inputs = K.placeholder(shape=(None, 3)), K.placeholder(shape=(None, 4))
    dense = layers.Dense(3, activation="softmax")
    preds = dense(inputs)
    sparse = K.placeholder(shape=(None,))
    values = [
        metrics.categorical_accuracy(labels, preds),
        metrics.top_k_categorical_accuracy(labels, preds, k=2),
        metrics.sparse_categorical_accuracy(sparse, preds),
        metrics.binary_accuracy(labels, preds),
    ]
    assert [K.int_shape(v) for v in values] == [(None,)] * 4
    rng = np.random.RandomState(0)
    x, classes = rng.rand(6, 4).astype("float32"), rng.randint(0, 3, 6)
    y = np.eye(3, dtype="float32")[classes]
    got = K.function([inputs, labels, sparse], values)([x, y, classes.astype("float32")])
    kernel, bias = dense.get_weights()
    logits = x @ kernel + bias
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    top2 = np.argsort(-p, axis=1)[:, :2]
    expected = [
        (p.argmax(1) == classes).astype("float32"),
        (top2 == classes[:, None]).any(1).astype("float32"),
        (p.argmax(1) == classes).astype("float32"),
        ((p > 0.5) == y).mean(1),
    ]
    for value, reference in zip(got, expected):
        np.testing.assert_allclose(np.asarray(value), reference, rtol=1e-6)
