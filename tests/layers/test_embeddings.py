"""Embedding against NumPy: lookups, masks, input_length, weights, training, errors."""

import numpy as np
import pytest
from gradient_check import layer_gradients, needs_training

import kerasfront as keras
from kerasfront import layers, ops

INDICES = np.array([[1, 2, 0, 4], [3, 3, 0, 0]], dtype="int32")


def table(rows=5, columns=3):
    return np.arange(rows * columns, dtype="float32").reshape(rows, columns) / 7.0


def test_lookup_matches_the_table_rows():
    layer = layers.Embedding(5, 3)
    outputs = ops.convert_to_numpy(layer(INDICES))
    (embeddings,) = layer.get_weights()
    assert embeddings.shape == (5, 3)
    assert [w.name.split("/")[-1] for w in layer.weights] == ["embeddings"]
    # Keras 2's "uniform" default: U(-0.05, 0.05).
    assert np.abs(embeddings).max() <= 0.05
    np.testing.assert_array_equal(outputs, embeddings[INDICES])


@pytest.mark.parametrize("dtype", ["int64", "int16", "uint8", "float32", "float64"])
def test_indices_of_any_integer_or_float_dtype(dtype):
    layer = layers.Embedding(5, 3, weights=[table()])
    outputs = ops.convert_to_numpy(layer(INDICES.astype(dtype)))
    np.testing.assert_array_equal(outputs, table()[INDICES])


def test_indices_of_more_axes():
    indices = np.array([[[1, 2], [0, 4]], [[3, 3], [2, 1]]])
    layer = layers.Embedding(5, 3, weights=[table()])
    np.testing.assert_array_equal(ops.convert_to_numpy(layer(indices)), table()[indices])
    assert layer.compute_output_shape((None, 2, 2)) == (None, 2, 2, 3)


@needs_training
def test_weights_argument_and_trainable_false_keep_the_table_through_fit():
    matrix = table()
    layer = layers.Embedding(5, 3, weights=[matrix], trainable=False, input_length=4)
    model = keras.Sequential([layer, layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    np.testing.assert_array_equal(layer.get_weights()[0], matrix)
    assert layer.trainable_weights == []
    dense_before = model.layers[-1].get_weights()[0].copy()
    model.fit(INDICES, np.ones((2, 1)), epochs=2, verbose=0)
    np.testing.assert_array_equal(layer.get_weights()[0], matrix)
    assert not np.array_equal(model.layers[-1].get_weights()[0], dense_before)


@needs_training
def test_training_updates_exactly_the_looked_up_rows():
    matrix = table()
    layer = layers.Embedding(5, 3, weights=[matrix], input_length=4)
    model = keras.Sequential([layer, layers.Lambda(lambda t: ops.sum(t, axis=(1, 2)))])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    y = np.zeros((2,), dtype="float32")
    model.fit(INDICES, y, batch_size=2, epochs=1, verbose=0)
    # loss = mean((sum of rows - y) ** 2): each lookup of row r adds 2 (p - y) / n.
    predictions = matrix[INDICES].sum(axis=(1, 2))
    grad = np.zeros_like(matrix)
    for sample, prediction in zip(INDICES, predictions):
        np.add.at(grad, sample, 2 * (prediction - 0.0) / 2)
    np.testing.assert_allclose(layer.get_weights()[0], matrix - 0.1 * grad, rtol=1e-5, atol=1e-5)


@needs_training
def test_gradient_is_a_scatter_add():
    layer = layers.Embedding(5, 3, weights=[table()])
    upstream = np.random.default_rng(0).normal(size=(2, 4, 3)).astype("float32")
    (table_grad,) = layer_gradients(layer, INDICES, upstream)
    expected = np.zeros((5, 3), dtype="float32")
    np.add.at(expected, INDICES, upstream)
    np.testing.assert_allclose(table_grad, expected, rtol=1e-6, atol=1e-6)


def test_mask_zero():
    layer = layers.Embedding(5, 3, mask_zero=True)
    mask = ops.convert_to_numpy(layer.compute_mask(ops.convert_to_tensor(INDICES)))
    np.testing.assert_array_equal(mask, INDICES != 0)
    assert layer.supports_masking
    plain = layers.Embedding(5, 3)
    assert plain.compute_mask(ops.convert_to_tensor(INDICES)) is None
    assert not plain.supports_masking


def test_input_length_output_shape_and_sequential_input():
    model = keras.Sequential([layers.Embedding(5, 3, input_length=4)])
    assert model.input_shape == (None, 4)
    assert model.output_shape == (None, 4, 3)
    # Without input_length, Keras 2 makes the input (batch, None).
    assert keras.Sequential([layers.Embedding(5, 3)]).input_shape == (None, None)
    assert model.inputs[0].dtype == "int32"  # indices, not floatx
    layer = layers.Embedding(5, 3, input_length=4)
    assert layer.compute_output_shape((None, None)) == (None, 4, 3)
    assert layers.Embedding(5, 3, input_length=(2, None)).compute_output_shape((8, 2, 7)) == (
        8,
        2,
        7,
        3,
    )
    np.testing.assert_array_equal(
        model.predict(INDICES, verbose=0), model.layers[0].get_weights()[0][INDICES]
    )


def test_input_length_contradicting_the_inputs_raises():
    with pytest.raises(ValueError, match=r"Embedding 'emb_a'.*input_length is 3.*\(2, 4\)"):
        layers.Embedding(5, 3, input_length=3, name="emb_a")(INDICES)
    with pytest.raises(ValueError, match=r"input_length is 3"):
        layers.Embedding(5, 3, input_length=3)(keras.Input(shape=(4,), dtype="int32"))
    layer = layers.Embedding(5, 3, input_length=4)
    layer(INDICES)
    with pytest.raises(ValueError, match="expected axis 1"):
        layer(INDICES[:, :3])


def _out_of_range_message_checks(error):
    message = str(error)
    assert "out of range" in message
    assert "emb_oor" in message


def test_out_of_range_index_raises_in_an_eager_call():
    layer = layers.Embedding(5, 3, name="emb_oor")
    for bad in (np.array([[1, 5]]), np.array([[-1, 0]])):
        with pytest.raises(IndexError) as info:
            ops.convert_to_numpy(layer(bad))
        _out_of_range_message_checks(info.value)


def _model_with_a_small_table():
    model = keras.Sequential(
        [layers.Embedding(5, 3, input_length=2, name="emb_oor"), layers.Flatten(), layers.Dense(1)]
    )
    model.compile(optimizer="sgd", loss="mse")
    return model


BAD_INDICES = np.array([[1, 2], [4, 7]])


def test_out_of_range_index_raises_in_predict(caplog):
    with pytest.raises(IndexError) as info:
        _model_with_a_small_table().predict(BAD_INDICES, verbose=0)
    _out_of_range_message_checks(info.value)
    # Reported once, as the error; no engine log of the same failure (JAX's host callback).
    assert not [r for r in caplog.records if "out of range" in str(r.exc_info)], caplog.text


@needs_training
def test_out_of_range_index_raises_in_fit():
    with pytest.raises(IndexError) as info:
        _model_with_a_small_table().fit(BAD_INDICES, np.zeros((2, 1)), epochs=1, verbose=0)
    _out_of_range_message_checks(info.value)


def test_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match=r"Embedding 'e1'.*input_dim must be a positive"):
        layers.Embedding(0, 3, name="e1")
    with pytest.raises(ValueError, match=r"Embedding 'e2'.*output_dim must be a positive"):
        layers.Embedding(5, 2.5, name="e2")
    with pytest.raises(ValueError, match=r"Embedding 'e3'.*input_length"):
        layers.Embedding(5, 3, input_length=-2, name="e3")
    with pytest.raises(TypeError, match=r"Embedding 'e4'.*dtype bool"):
        layers.Embedding(5, 3, name="e4")(np.array([[True, False]]))
    with pytest.raises(ValueError, match="expects 1 weight arrays"):
        layers.Embedding(5, 3, weights=[table(), table()])(INDICES)


def test_config_round_trip():
    layer = layers.Embedding(
        5,
        3,
        embeddings_regularizer="l2",
        embeddings_constraint="unit_norm",
        mask_zero=True,
        input_length=4,
    )
    config_ = layer.get_config()
    restored = layers.Embedding.from_config(config_)
    assert restored.get_config() == config_
    assert restored._batch_input_shape == (None, 4)
