"""Sequential models: construction, deferred building, pop, layers, summary, count_params."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers


def data(samples=16, features=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, features)).astype("float32")
    y = rng.normal(size=(samples, 1)).astype("float32")
    return x, y


def test_construction_from_a_list():
    model = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(1)])
    assert model.built
    assert model.input_shape == (None, 3)
    assert model.output_shape == (None, 1)
    assert len(model.layers) == 2
    assert model.predict(data()[0], verbose=0).shape == (16, 1)


def test_construction_with_add():
    model = keras.Sequential()
    model.add(layers.Dense(4, input_dim=3))
    assert model.output_shape == (None, 4)
    model.add(layers.Activation("relu"))
    model.add(layers.Dense(2))
    assert model.output_shape == (None, 2)
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Activation", "Dense"]


def test_add_and_list_build_the_same_model():
    dense_a, dense_b = layers.Dense(4, input_dim=3), layers.Dense(1)
    listed = keras.Sequential([dense_a, dense_b])
    added = keras.Sequential()
    added.add(layers.Dense(4, input_dim=3))
    added.add(layers.Dense(1))
    added.set_weights(listed.get_weights())
    x = data()[0]
    np.testing.assert_allclose(listed.predict(x, verbose=0), added.predict(x, verbose=0), rtol=1e-6)


def test_add_rejects_non_layers():
    with pytest.raises(TypeError, match="Layer instance"):
        keras.Sequential().add("dense")


@pytest.mark.parametrize("first", ["input", "input_layer"])
def test_input_first_is_not_listed_in_layers(first):
    start = keras.Input(shape=(3,)) if first == "input" else layers.InputLayer(input_shape=(3,))
    model = keras.Sequential([start, layers.Dense(2)])
    assert model.built
    assert model.input_shape == (None, 3)
    assert [type(layer).__name__ for layer in model.layers] == ["Dense"]


def test_deferred_build_from_data():
    model = keras.Sequential([layers.Dense(4, activation="relu"), layers.Dense(1)])
    assert not model.built
    assert model.layers[0].weights == []
    with pytest.raises(ValueError, match="not been built"):
        model.summary()
    x, y = data()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, verbose=0)
    assert model.built
    assert model.input_shape == (None, 3)
    assert model.output_shape == (None, 1)
    assert model.count_params() == 3 * 4 + 4 + 4 + 1
    assert model.predict(x, verbose=0).shape == (16, 1)


def test_deferred_build_from_predict_and_call():
    model = keras.Sequential([layers.Dense(2)])
    x = data()[0]
    assert model.predict(x, verbose=0).shape == (16, 2)
    outputs = keras.ops.convert_to_numpy(model(x))
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(outputs, x @ kernel + bias, rtol=1e-5, atol=1e-6)


def test_explicit_build():
    model = keras.Sequential([layers.Dense(2), layers.Dense(1)])
    model.build((None, 5))
    assert model.built
    assert model.layers[0].get_weights()[0].shape == (5, 2)


def test_pop():
    model = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2), layers.Dense(1)])
    model.pop()
    assert len(model.layers) == 2
    assert model.output_shape == (None, 2)
    assert model.predict(data()[0], verbose=0).shape == (16, 2)
    model.add(layers.Dense(5))
    assert model.output_shape == (None, 5)
    assert model.predict(data()[0], verbose=0).shape == (16, 5)


def test_pop_then_train():
    model = keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(7)])
    model.pop()
    model.add(layers.Dense(1))
    model.compile(optimizer="sgd", loss="mse")
    x, y = data()
    history = model.fit(x, y, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert len(model.weights) == 4


def test_pop_everything_then_pop_raises():
    model = keras.Sequential([layers.Dense(1, input_shape=(3,))])
    model.pop()
    assert model.layers == []
    with pytest.raises(TypeError, match="no layers"):
        model.pop()


def test_count_params():
    model = keras.Sequential([layers.Dense(64, input_dim=20), layers.Dense(10)])
    assert model.count_params() == 20 * 64 + 64 + 64 * 10 + 10
    assert model.layers[0].count_params() == 1344
    with pytest.raises(ValueError, match="not built"):
        layers.Dense(3, name="unbuilt").count_params()


def test_summary_text():
    model = keras.Sequential(name="tiny")
    model.add(layers.Dense(64, activation="relu", input_dim=20, name="hidden"))
    model.add(layers.Dense(10, activation="softmax", name="probs"))
    lines = []
    model.summary(print_fn=lines.append)
    expected = [
        'Model: "tiny"',
        "_" * 65,
        "Layer (type)                 Output Shape              Param #   ",
        "=" * 65,
        "hidden (Dense)               (None, 64)                1344      ",
        "_" * 65,
        "probs (Dense)                (None, 10)                650       ",
        "=" * 65,
        "Total params: 1,994",
        "Trainable params: 1,994",
        "Non-trainable params: 0",
        "_" * 65,
    ]
    assert lines == expected


def test_summary_counts_frozen_weights_as_non_trainable():
    model = keras.Sequential(
        [layers.Dense(4, input_dim=3, trainable=False, name="frozen"), layers.Dense(1, name="out")]
    )
    lines = []
    model.summary(print_fn=lines.append)
    assert "Total params: 21" in lines
    assert "Trainable params: 5" in lines
    assert "Non-trainable params: 16" in lines


def test_summary_prints_by_default(capsys):
    model = keras.Sequential([layers.Dense(2, input_dim=2, name="only")], name="printed")
    model.summary()
    out = capsys.readouterr().out
    assert out.startswith('Model: "printed"\n')
    assert "only (Dense)" in out
    assert "Total params: 6" in out


def test_sequential_inside_sequential():
    inner = keras.Sequential([layers.Dense(4, input_dim=3), layers.Dense(2)])
    outer = keras.Sequential([inner, layers.Dense(1)])
    assert outer.output_shape == (None, 1)
    assert outer.count_params() == inner.count_params() + 3
    outer.compile(optimizer="sgd", loss="mse")
    x, y = data()
    before = inner.get_weights()[0].copy()
    outer.fit(x, y, epochs=1, verbose=0)
    assert not np.allclose(before, inner.get_weights()[0])
