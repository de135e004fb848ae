"""API patterns of Keras 2's generative and visualization examples (VAE, AC-GAN, siamese
network, denoising autoencoder, filter visualization, deep dream, style transfer, OCR
with CTC), each reduced to a small check against Keras 2's documented behaviour."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers


def test_keras2_module_paths_of_the_examples_import():
    # The examples import layers and utilities from Keras 2's module paths.
    from kerasfront.layers.convolutional import Conv2DTranspose, MaxPooling2D, UpSampling2D
    from kerasfront.layers.recurrent import GRU, LSTM
    from kerasfront.utils.generic_utils import Progbar, to_list, unpack_singleton

    assert Conv2DTranspose is layers.Conv2DTranspose
    assert MaxPooling2D is layers.MaxPooling2D
    assert UpSampling2D is layers.UpSampling2D
    assert GRU is layers.GRU and LSTM is layers.LSTM
    assert Progbar is keras.utils.Progbar
    assert to_list((1, 2)) == [(1, 2)] and to_list((1, 2), allow_tuple=True) == [1, 2]
    assert unpack_singleton([3]) == 3 and unpack_singleton([3, 4]) == [3, 4]


def test_trainable_set_after_compile_takes_effect_at_the_next_compile():
    # The AC-GAN recipe: compile the discriminator, freeze it, then build and compile the
    # combined model. The discriminator's own updates still train it (Keras 2 fixes the
    # trained weights at compile); the combined model's leave it alone.
    discriminator = keras.Sequential([layers.Dense(1, input_dim=2, use_bias=False)])
    discriminator.compile(optimizer=keras.optimizers.SGD(lr=0.5), loss="mse")
    generator = keras.Sequential([layers.Dense(2, input_dim=3, use_bias=False)])
    discriminator.trainable = False
    combined = keras.Sequential([generator, discriminator])
    combined.compile(optimizer=keras.optimizers.SGD(lr=0.5), loss="mse")

    x = np.array([[1.0, 2.0], [0.5, -1.0]], "float32")
    y = np.array([[1.0], [0.0]], "float32")
    (kernel,) = discriminator.get_weights()
    with pytest.warns(UserWarning, match="changed since compile") as caught:
        discriminator.train_on_batch(x, y)
    assert caught[0].filename == __file__  # the user's line, not kerasfront's
    gradient = 2.0 * x.T @ (x @ kernel - y) / len(x)  # mse's gradient, mean over samples
    np.testing.assert_allclose(discriminator.get_weights()[0], kernel - 0.5 * gradient, rtol=1e-5)

    frozen = discriminator.get_weights()[0]
    generator_kernel = generator.get_weights()[0]
    combined.train_on_batch(np.ones((2, 3), "float32"), y)
    np.testing.assert_array_equal(discriminator.get_weights()[0], frozen)
    assert not np.array_equal(generator.get_weights()[0], generator_kernel)


def test_integer_targets_reach_a_custom_loss_and_metric_as_floats():
    # The siamese example: int64 pair labels, a contrastive loss multiplying them by the
    # float distance, and an accuracy casting to y_true's dtype. Keras 2 fed targets in
    # the output's dtype; TensorFlow refuses int64 * float32.
    def contrastive_loss(y_true, y_pred):
        margin_term = keras.backend.square(keras.backend.maximum(1.0 - y_pred, 0.0))
        return keras.backend.mean(
            y_true * keras.backend.square(y_pred) + (1 - y_true) * margin_term
        )

    def accuracy(y_true, y_pred):
        predicted = keras.backend.cast(y_pred < 0.5, y_true.dtype)
        return keras.backend.mean(keras.backend.equal(y_true, predicted))

    model = keras.Sequential([layers.Dense(1, input_dim=2, activation="relu")])
    model.compile(optimizer="sgd", loss=contrastive_loss, metrics=[accuracy])
    x = np.array([[1.0, 0.5], [-0.3, 0.2], [0.7, -1.0], [0.1, 0.9]], "float32")
    labels = np.array([1, 0, 0, 1], "int64")
    loss, accuracy_value = model.evaluate(x, labels, batch_size=4, verbose=0)

    distance = model.predict(x)[:, 0].astype("float64")
    expected_loss = np.mean(labels * distance**2 + (1 - labels) * np.maximum(1 - distance, 0) ** 2)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(accuracy_value, np.mean(labels == (distance < 0.5)))


def test_input_standing_for_a_graph_tensor_is_seen_through_by_k_function():
    # The style-transfer pattern: fixed images (K.variable) and the image being optimized
    # (K.placeholder) concatenated into one batch, a network built on
    # Input(tensor=that batch), and a loss on its layers differentiated with respect to
    # the placeholder, evaluated with K.function.
    K = keras.backend
    fixed = np.array([[[1.0, -2.0, 0.5], [0.0, 1.0, 1.0]]], "float32")
    generated = K.placeholder((1, 2, 3))
    batch = K.concatenate([K.variable(fixed), generated], axis=0)
    image_input = layers.Input(tensor=batch, shape=(2, 3))
    dense = layers.Dense(2, use_bias=False)
    features = dense(image_input)
    network = keras.models.Model(image_input, features)
    assert type(network.layers[0]).__name__ == "InputLayer"
    loss = K.sum(K.square(features[1] - features[0]))
    (gradient,) = K.gradients(loss, generated)
    evaluate = K.function([generated], [loss, gradient])

    value = np.array([[[0.3, 0.1, -1.0], [2.0, 0.0, -0.5]]], "float32")
    loss_value, gradient_value = evaluate([value])
    (kernel,) = dense.get_weights()
    difference = value[0] @ kernel - fixed[0] @ kernel
    np.testing.assert_allclose(loss_value, np.sum(difference**2), rtol=1e-5)
    np.testing.assert_allclose(gradient_value[0], 2 * difference @ kernel.T, rtol=1e-5, atol=1e-6)
    # The network stays an ordinary model whose input is fed.
    both = np.concatenate([fixed, value])
    np.testing.assert_allclose(network.predict(both), both @ kernel, rtol=1e-5, atol=1e-6)


def test_input_standing_for_a_variable_or_a_constant():
    # The doodle pattern: masks held in Variables (read at each run) or constants,
    # wrapped in Input(tensor=...), pooled, and used in a loss of another placeholder.
    K = keras.backend
    mask_values = np.arange(8, dtype="float32").reshape(1, 2, 2, 2)
    masks = K.variable(mask_values)
    constant = K.constant(np.full((1, 2, 2, 2), 3.0, "float32"))
    pooled = layers.AveragePooling2D((2, 2))(layers.Input(tensor=masks, name="mask_input"))
    shifted = layers.Input(tensor=constant, shape=(None, None, None))
    scale = K.placeholder(shape=())
    evaluate = K.function([scale], [scale * K.sum(pooled) + K.sum(shifted)])

    expected = mask_values.mean(axis=(1, 2)).sum() * 2.0 + 24.0
    np.testing.assert_allclose(evaluate([2.0])[0], expected, rtol=1e-6)
    K.set_value(masks, mask_values + 1.0)
    np.testing.assert_allclose(evaluate([2.0])[0], expected + 4.0, rtol=1e-6)

    with pytest.raises(ValueError, match="does not match the declared shape"):
        layers.Input(tensor=masks, shape=(3, 2, 2))


def test_application_wraps_a_k_function_result_in_an_input_as_keras2():
    # VGG19(input_tensor=K.concatenate([...])) in the style-transfer and doodle examples:
    # the model starts with an InputLayer, so its layers pair with a mask model's.
    K = keras.backend
    batch = K.concatenate(
        [K.variable(np.zeros((1, 32, 32, 3), "float32")), K.placeholder((1, 32, 32, 3))], axis=0
    )
    model = keras.applications.VGG16(weights=None, include_top=False, input_tensor=batch)
    assert [layer.name for layer in model.layers[:3]] == [
        model.input.keras_history[0].name,
        "block1_conv1",
        "block1_conv2",
    ]
    assert type(model.layers[0]).__name__ == "InputLayer"
    assert model.input.shape == (2, 32, 32, 3)


def test_two_outputs_of_a_nested_model_keep_their_own_losses():
    # The AC-GAN combined model: both outputs come from the nested discriminator, so the
    # layer name repeats. Each output keeps its loss (names made unique as tf.keras 2),
    # and train_on_batch returns the total and both losses.
    source = layers.Input(shape=(2,))
    first = layers.Dense(1, activation="sigmoid", name="first")(source)
    second = layers.Dense(3, activation="softmax", name="second")(source)
    inner = keras.models.Model(source, [first, second], name="inner")
    outer_input = layers.Input(shape=(2,))
    outer = keras.models.Model(outer_input, inner(outer_input))
    assert outer.output_names == ["inner", "inner_1"]
    outer.compile(
        optimizer=keras.optimizers.SGD(lr=0.0),
        loss=["binary_crossentropy", "sparse_categorical_crossentropy"],
    )
    assert outer.metrics_names == ["loss", "inner_loss", "inner_1_loss"]

    x = np.array([[0.5, -1.0], [1.5, 0.25], [-0.5, 0.75]], "float32")
    real = np.array([1.0, 0.0, 1.0], "float32")
    classes = np.array([2, 0, 1], "int64")
    total, binary, sparse = outer.train_on_batch(x, [real, classes])
    probability, distribution = (p.astype("float64") for p in outer.predict(x))
    probability = np.clip(probability[:, 0], 1e-7, 1 - 1e-7)
    expected_binary = -np.mean(real * np.log(probability) + (1 - real) * np.log(1 - probability))
    expected_sparse = -np.mean(np.log(distribution[np.arange(3), classes]))
    np.testing.assert_allclose([binary, sparse], [expected_binary, expected_sparse], rtol=1e-5)
    np.testing.assert_allclose(total, expected_binary + expected_sparse, rtol=1e-5)


def test_elementwise_merges_broadcast_as_keras2():
    # Keras 2.2.5's AC-GAN multiplies the latent vector (None, 6) by an Embedding's
    # output (None, 1, 6): the input with fewer axes gains axes of size 1 after its
    # batch axis, and axes of size 1 broadcast. Other mismatches are still refused.
    latent = layers.Input(shape=(6,))
    embedded = layers.Input(shape=(1, 6))
    column = layers.Input(shape=(4, 1))
    product = layers.multiply([latent, embedded])
    total = layers.add([column, embedded])
    assert product.shape == (None, 1, 6) and total.shape == (None, 4, 6)
    model = keras.models.Model([latent, embedded, column], [product, total])

    rng = np.random.default_rng(0)
    a, b, c = (
        rng.standard_normal((2, *shape)).astype("float32") for shape in [(6,), (1, 6), (4, 1)]
    )
    got_product, got_total = model.predict([a, b, c])
    np.testing.assert_allclose(got_product, a[:, None, :] * b, rtol=1e-6)
    np.testing.assert_allclose(got_total, c + b, rtol=1e-6)
    with pytest.raises(ValueError, match="shapes Keras 2 broadcasts"):
        layers.add([layers.Input(shape=(2, 3)), layers.Input(shape=(4, 3))])
