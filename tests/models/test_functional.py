"""Functional models: several inputs and outputs (lists and dicts), nesting, shared layers,
get_layer, the layer list, disconnected graphs and the summary table."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers, ops


def concatenate(name=None):
    return layers.Lambda(lambda tensors: ops.concatenate(list(tensors), axis=-1), name=name)


def two_by_two(as_dicts: bool):
    """Inputs 'first' (3 features) and 'second' (2 features); outputs 'value' (regression)
    and 'label' (3 classes)."""
    first = keras.Input(shape=(3,), name="first")
    second = keras.Input(shape=(2,), name="second")
    joined = concatenate(name="joined")([first, second])
    hidden = layers.Dense(8, activation="tanh", name="hidden")(joined)
    value = layers.Dense(1, name="value")(hidden)
    label = layers.Dense(3, activation="softmax", name="label")(hidden)
    if as_dicts:
        return keras.Model(
            inputs={"first": first, "second": second}, outputs={"value": value, "label": label}
        )
    return keras.Model(inputs=[first, second], outputs=[value, label])


def two_by_two_data(samples=24, seed=0):
    rng = np.random.default_rng(seed)
    first = rng.normal(size=(samples, 3)).astype("float32")
    second = rng.normal(size=(samples, 2)).astype("float32")
    value = rng.normal(size=(samples, 1)).astype("float32")
    label = np.eye(3, dtype="float32")[rng.integers(0, 3, samples)]
    return first, second, value, label


def test_multi_input_multi_output_with_lists():
    model = two_by_two(as_dicts=False)
    assert model.input_names == ["first", "second"]
    assert model.output_names == ["value", "label"]
    assert model.input_shape == [(None, 3), (None, 2)]
    assert model.output_shape == [(None, 1), (None, 3)]
    first, second, value, label = two_by_two_data()
    model.compile(
        optimizer="sgd",
        loss=["mse", "categorical_crossentropy"],
        metrics={"label": ["accuracy"]},
    )
    history = model.fit([first, second], [value, label], epochs=2, batch_size=8, verbose=0)
    assert set(history.history) == {"loss", "value_loss", "label_loss", "label_accuracy"}
    predictions = model.predict([first, second], verbose=0)
    assert isinstance(predictions, list)
    assert [p.shape for p in predictions] == [(24, 1), (24, 3)]
    np.testing.assert_allclose(predictions[1].sum(axis=1), 1.0, rtol=1e-5)
    results = model.evaluate([first, second], [value, label], verbose=0, return_dict=True)
    np.testing.assert_allclose(
        results["loss"], results["value_loss"] + results["label_loss"], rtol=1e-5
    )


def test_multi_input_multi_output_with_dicts():
    model = two_by_two(as_dicts=True)
    assert sorted(model.output_names) == ["label", "value"]
    first, second, value, label = two_by_two_data()
    model.compile(
        optimizer="sgd",
        loss={"value": "mse", "label": "categorical_crossentropy"},
        metrics={"label": "accuracy"},
    )
    x = {"first": first, "second": second}
    y = {"value": value, "label": label}
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert {"loss", "value_loss", "label_loss", "label_accuracy"} == set(history.history)
    predictions = model.predict(x, verbose=0)
    assert isinstance(predictions, dict)
    assert predictions["value"].shape == (24, 1)
    assert predictions["label"].shape == (24, 3)


def test_list_data_and_dict_data_give_the_same_results():
    model = two_by_two(as_dicts=False)
    model.compile(optimizer="sgd", loss=["mse", "categorical_crossentropy"])
    first, second, value, label = two_by_two_data()
    by_list = model.evaluate([first, second], [value, label], verbose=0)
    by_dict = model.evaluate(
        {"first": first, "second": second}, {"value": value, "label": label}, verbose=0
    )
    np.testing.assert_allclose(by_list, by_dict, rtol=1e-6)
    # Dict data for a model built from lists trains too.
    history = model.fit(
        {"second": second, "first": first},
        {"label": label, "value": value},
        epochs=1,
        verbose=0,
    )
    assert np.isfinite(history.history["loss"][0])


def test_dict_input_keys_name_the_inputs():
    a = keras.Input(shape=(2,), name="input_a_layer")
    b = keras.Input(shape=(1,), name="input_b_layer")
    out = layers.Dense(1)(concatenate()([a, b]))
    model = keras.Model({"a": a, "b": b}, out)
    x = {"a": np.ones((4, 2), "float32"), "b": np.zeros((4, 1), "float32")}
    assert model.predict(x, verbose=0).shape == (4, 1)


def test_single_output_in_a_list():
    inputs = keras.Input(shape=(3,))
    model = keras.Model(inputs, [layers.Dense(2)(inputs)])
    prediction = model.predict(np.ones((5, 3), "float32"), verbose=0)
    assert isinstance(prediction, list) and prediction[0].shape == (5, 2)


def test_loss_weights_weigh_the_output_losses():
    model = two_by_two(as_dicts=False)
    first, second, value, label = two_by_two_data()
    model.compile(
        optimizer="sgd",
        loss=["mse", "categorical_crossentropy"],
        loss_weights={"value": 0.5, "label": 2.0},
    )
    results = model.evaluate([first, second], [value, label], verbose=0, return_dict=True)
    np.testing.assert_allclose(
        results["loss"], 0.5 * results["value_loss"] + 2.0 * results["label_loss"], rtol=1e-5
    )


def test_model_as_a_layer():
    inner_in = keras.Input(shape=(3,))
    inner = keras.Model(inner_in, layers.Dense(4, activation="relu")(inner_in), name="inner")
    outer_in = keras.Input(shape=(3,))
    features = inner(outer_in)
    assert features.shape == (None, 4)
    outer = keras.Model(outer_in, layers.Dense(1)(features), name="outer")
    assert inner in outer.layers
    assert outer.count_params() == inner.count_params() + 5
    assert len(outer.weights) == 4

    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 3)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    expected = (
        np.maximum(x @ inner.get_weights()[0] + inner.get_weights()[1], 0)
        @ outer.layers[-1].get_weights()[0]
        + outer.layers[-1].get_weights()[1]
    )
    np.testing.assert_allclose(outer.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)

    before = inner.get_weights()[0].copy()
    outer.compile(optimizer="sgd", loss="mse")
    outer.fit(x, y, epochs=1, verbose=0)
    assert not np.allclose(before, inner.get_weights()[0])


def test_shared_layer_weights_are_counted_once():
    shared = layers.Dense(4, name="shared_dense")
    a = keras.Input(shape=(3,), name="a")
    b = keras.Input(shape=(3,), name="b")
    joined = concatenate()([shared(a), shared(b)])
    model = keras.Model([a, b], layers.Dense(1, name="head")(joined))
    assert len(model.weights) == 4
    assert model.count_params() == (3 * 4 + 4) + (8 + 1)
    assert [layer.name for layer in model.layers].count("shared_dense") == 1

    x = np.ones((2, 3), "float32")
    out = model.predict([x, 2 * x], verbose=0)
    kernel, bias = shared.get_weights()
    head_kernel, head_bias = model.get_layer("head").get_weights()
    features = np.concatenate([x @ kernel + bias, 2 * x @ kernel + bias], axis=-1)
    np.testing.assert_allclose(out, features @ head_kernel + head_bias, rtol=1e-5, atol=1e-5)


def test_get_layer():
    model = two_by_two(as_dicts=False)
    assert model.get_layer("hidden").units == 8
    assert model.get_layer(index=0) is model.layers[0]
    assert model.get_layer(index=-1) is model.layers[-1]
    with pytest.raises(ValueError, match="No layer named 'missing'"):
        model.get_layer("missing")
    with pytest.raises(ValueError, match="index=99"):
        model.get_layer(index=99)


def test_layers_in_graph_order_with_inputs():
    model = two_by_two(as_dicts=False)
    names = [layer.name for layer in model.layers]
    assert set(names) == {"first", "second", "joined", "hidden", "value", "label"}
    assert names.index("first") < names.index("joined") < names.index("hidden")
    assert names.index("hidden") < names.index("value")
    assert names.index("hidden") < names.index("label")
    kinds = {layer.name: type(layer).__name__ for layer in model.layers}
    assert kinds["first"] == "InputLayer"


def test_graph_disconnected():
    a = keras.Input(shape=(2,), name="connected_in")
    b = keras.Input(shape=(2,), name="forgotten_in")
    out = layers.Lambda(lambda t: t[0] + t[1], name="adder")([a, b])
    with pytest.raises(ValueError, match=r"Graph disconnected.*adder"):
        keras.Model(a, out)


def test_inputs_must_be_symbolic():
    with pytest.raises(TypeError, match="symbolic"):
        keras.Model(np.ones((2, 2)), keras.Input(shape=(2,)))


def test_inputs_must_come_from_input():
    a = keras.Input(shape=(2,))
    hidden = layers.Dense(2, name="not_an_input")(a)
    with pytest.raises(ValueError, match="not_an_input"):
        keras.Model(hidden, layers.Dense(1)(hidden))


def test_intermediate_outputs():
    inputs = keras.Input(shape=(3,))
    hidden = layers.Dense(4, name="mid")(inputs)
    model = keras.Model(inputs, layers.Dense(1)(hidden))
    probe = keras.Model(model.input, model.get_layer("mid").output)
    x = np.ones((2, 3), "float32")
    kernel, bias = model.get_layer("mid").get_weights()
    np.testing.assert_allclose(probe.predict(x, verbose=0), x @ kernel + bias, rtol=1e-5)


def test_summary_with_connections():
    first = keras.Input(shape=(3,), name="first")
    second = keras.Input(shape=(2,), name="second")
    joined = concatenate(name="joined")([first, second])
    out = layers.Dense(1, name="out")(joined)
    model = keras.Model([first, second], out, name="joiner")
    lines = []
    model.summary(print_fn=lines.append)
    assert lines[0] == 'Model: "joiner"'
    assert lines[1] == "_" * 98
    header = lines[2]
    assert header.startswith("Layer (type)")
    assert header.index("Output Shape") == 32
    assert header.index("Param #") == 53
    assert header.index("Connected to") == 65
    assert lines[3] == "=" * 98
    joined_row = next(line for line in lines if line.startswith("joined (Lambda)"))
    assert joined_row[65:].strip() == "first[0][0]"
    assert any(line[65:].strip() == "second[0][0]" and not line[:65].strip() for line in lines)
    out_row = next(line for line in lines if line.startswith("out (Dense)"))
    assert out_row[32:53].strip() == "(None, 1)"
    assert out_row[53:65].strip() == "6"
    assert out_row[65:].strip() == "joined[0][0]"
    assert "Total params: 6" in lines
    assert all(len(line) <= 98 for line in lines)
