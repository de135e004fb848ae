"""get_config/from_config of Sequential, functional and nested models, custom objects,
JSON, and the names a config may (not) resolve to."""

import json

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers
from kerasfront.utils import (
    custom_object_scope,
    get_custom_objects,
    register_keras_serializable,
)
from tests.saving.helpers import assert_same_outputs

RNG = np.random.default_rng(0)


def _rebuild(model, **kwargs):
    """from_config through JSON, with the original weights."""
    clone = keras.models.model_from_json(model.to_json(), **kwargs)
    clone.set_weights(model.get_weights())
    return clone


def test_functional_multi_io_shared_layer_round_trip():
    a = keras.Input((4,), name="a")
    b = keras.Input((3,), name="b")
    shared = layers.Dense(5, activation="tanh", name="shared")
    left = shared(layers.Dense(4, name="from_a")(a))
    right = shared(layers.Dense(4, name="from_b")(b))
    merged = layers.Concatenate(name="merge")([left, right])
    model = keras.Model(
        [a, b], [layers.Dense(2, name="out1")(merged), layers.Dense(1, name="out2")(right)]
    )
    config = model.get_config()
    # Keras 2's nested-list layout: the second call of the shared layer is its node 1.
    entries = {entry["name"]: entry for entry in config["layers"]}
    assert entries["shared"]["inbound_nodes"] == [
        [["from_a", 0, 0, {}]],
        [["from_b", 0, 0, {}]],
    ]
    assert entries["out2"]["inbound_nodes"] == [[["shared", 1, 0, {}]]]
    assert entries["a"]["class_name"] == "InputLayer"
    assert config["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["output_layers"] == [["out1", 0, 0], ["out2", 0, 0]]
    clone = _rebuild(model)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert clone.get_layer("shared")._inbound_nodes[1] is not None
    x = [RNG.normal(size=(3, 4)).astype("float32"), RNG.normal(size=(3, 3)).astype("float32")]
    assert_same_outputs(model, clone, x)
    assert json.loads(clone.to_json())["config"] == json.loads(model.to_json())["config"]


def test_nested_models_and_wrapped_model_round_trip():
    frame_input = keras.Input((4,))
    frame = keras.Model(frame_input, layers.Dense(4, activation="relu")(frame_input), name="frame")
    inner_input = keras.Input((4,))
    inner = keras.Model(inner_input, layers.Dense(4, activation="relu")(inner_input), name="inner")
    stack = keras.Sequential([layers.Dense(3, input_shape=(4,)), layers.Dense(2)], name="stack")
    sequence = keras.Input((5, 4))
    per_step = layers.TimeDistributed(frame, name="per_step")(sequence)
    pooled = layers.GlobalAveragePooling1D()(per_step)
    outer = keras.Model(sequence, stack(inner(inner(pooled))), name="outer")
    entries = {entry["name"]: entry for entry in outer.get_config()["layers"]}
    # A nested functional model's own node is Keras 2's node 0: its calls start at 1.
    assert len(entries["inner"]["inbound_nodes"]) == 2
    assert entries["inner"]["inbound_nodes"][1] == [["inner", 1, 0, {}]]
    assert entries["stack"]["inbound_nodes"] == [[["inner", 2, 0, {}]]]
    assert entries["per_step"]["config"]["layer"]["class_name"] == "Model"
    clone = _rebuild(outer)
    assert isinstance(clone.get_layer("stack"), keras.Sequential)
    assert clone.get_layer("per_step").layer.name == "frame"
    assert_same_outputs(outer, clone, RNG.normal(size=(2, 5, 4)).astype("float32"))


def test_sequential_configs():
    model = keras.Sequential(
        [layers.Conv1D(2, 3, input_shape=(6, 2)), layers.LSTM(3), layers.Dense(1)]
    )
    clone = keras.Sequential.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    assert_same_outputs(model, clone, RNG.normal(size=(2, 6, 2)).astype("float32"))
    # Started from an Input: the config begins with an InputLayer entry (tf.keras).
    started = keras.Sequential([keras.Input((3,)), layers.Dense(2)])
    config = started.get_config()
    assert config["layers"][0]["class_name"] == "InputLayer"
    assert keras.Sequential.from_config(config).built
    # Keras 2.0's plain list of layers.
    legacy = keras.Sequential.from_config(model.get_config()["layers"])
    assert [type(layer) for layer in legacy.layers] == [type(layer) for layer in model.layers]
    unbuilt = keras.Sequential.from_config(keras.Sequential([layers.Dense(2)]).get_config())
    assert not unbuilt.built


@register_keras_serializable(package="SavingTests")
class Scale(layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class Unregistered(Scale):
    pass


def cube(x):
    return x * x * x


def test_custom_objects_by_registration_scope_and_argument():
    model = keras.Sequential([Scale(3.0, input_shape=(2,)), layers.Dense(2, activation=cube)])
    document = json.loads(model.to_json())
    assert document["config"]["layers"][0]["class_name"] == "SavingTests>Scale"
    assert document["config"]["layers"][1]["config"]["activation"] == "cube"
    x = RNG.normal(size=(2, 2)).astype("float32")
    with pytest.raises(ValueError, match="Unknown activation 'cube'"):
        keras.models.model_from_json(model.to_json())
    assert_same_outputs(model, _rebuild(model, custom_objects={"cube": cube}), x)
    with custom_object_scope({"cube": cube}):
        assert_same_outputs(model, _rebuild(model), x)
    get_custom_objects()["cube"] = cube
    try:
        assert_same_outputs(model, _rebuild(model), x)
    finally:
        del get_custom_objects()["cube"]
    unregistered = keras.Sequential([Unregistered(input_shape=(2,))])
    with pytest.raises(ValueError, match="unknown layer class 'Unregistered'.*custom_objects"):
        keras.models.model_from_json(unregistered.to_json())
    clone = keras.models.model_from_json(
        unregistered.to_json(), custom_objects={"Unregistered": Unregistered}
    )
    assert isinstance(clone.layers[0], Unregistered)


class HalfNormal(keras.initializers.Initializer):
    """A custom initializer class, found by name inside nested configs."""

    def __call__(self, shape, dtype=None):
        return np.abs(RNG.normal(size=shape)).astype(dtype or "float32") * 0.5


def test_custom_objects_inside_nested_configs():
    # A cell inside an RNN inside Bidirectional: its activation and initializer are found
    # through the scope, however deep their config sits.
    objects = {"cube": cube, "HalfNormal": HalfNormal}
    cell = layers.SimpleRNNCell(3, activation=cube, kernel_initializer=HalfNormal())
    with custom_object_scope(objects):  # Bidirectional rebuilds its backward copy by config
        model = keras.Sequential([layers.Bidirectional(layers.RNN(cell), input_shape=(4, 2))])
    x = RNG.normal(size=(2, 4, 2)).astype("float32")
    with custom_object_scope(objects):
        assert_same_outputs(model, _rebuild(model), x)
    assert_same_outputs(model, _rebuild(model, custom_objects=objects), x)


@pytest.mark.parametrize(
    "layer_document",
    [
        {"class_name": "os.system", "config": {"name": "x"}},
        {"module": "os", "class_name": "system", "config": {"command": "true"}},
        {"class_name": "builtins.eval", "config": {}},
        {
            "class_name": "Lambda",
            "config": {"name": "gadget", "function": "os.system", "function_type": "function"},
        },
        {
            "class_name": "Lambda",
            "config": {"name": "gadget", "function": "get_file", "function_type": "function"},
        },
    ],
)
def test_configs_naming_gadgets_are_refused(layer_document):
    document = {"class_name": "Sequential", "config": {"name": "s", "layers": [layer_document]}}
    with pytest.raises(ValueError, match="unknown (layer class|function)"):
        keras.models.model_from_json(json.dumps(document))


def test_lambda_bytecode_is_refused_unless_safe_mode_is_off():
    offset = 1.5
    model = keras.Sequential(
        [layers.Lambda(lambda x: x * 2.0 + offset, input_shape=(3,), name="doubler")]
    )
    text = model.to_json()
    config = json.loads(text)["config"]["layers"][0]["config"]
    assert config["function_type"] == "lambda"
    assert config["function"][2] == [offset]  # the closure, as Keras 2 writes it
    with pytest.raises(ValueError, match="Lambda 'doubler'.*safe_mode=False"):
        keras.models.model_from_json(text)
    clone = keras.models.model_from_json(text, safe_mode=False)
    x = RNG.normal(size=(2, 3)).astype("float32")
    assert_same_outputs(model, clone, x)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(clone(x)), x * 2.0 + offset, rtol=1e-6, atol=1e-6
    )


@register_keras_serializable(package="SavingTests")
def add_one(x):
    return x + 1.0


def test_lambda_of_registered_or_library_function_is_saved_by_name():
    model = keras.Sequential(
        [
            layers.Lambda(add_one, input_shape=(3,), output_shape=(3,)),
            layers.Lambda(keras.backend.abs),
        ]
    )
    configs = [entry["config"] for entry in json.loads(model.to_json())["config"]["layers"]]
    assert (configs[0]["function"], configs[0]["function_type"]) == (
        "SavingTests>add_one",
        "function",
    )
    assert configs[0]["output_shape"] == [3] and configs[0]["output_shape_type"] == "raw"
    assert configs[1]["function"] == "keras.backend.abs"
    clone = keras.models.model_from_json(model.to_json())
    x = RNG.normal(size=(2, 3)).astype("float32")
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(clone(x)), np.abs(x + 1.0), rtol=1e-6, atol=1e-6
    )


def test_subclassed_model_config_says_what_to_do():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    with pytest.raises(NotImplementedError, match="save_weights"):
        Net().get_config()


def test_a_name_shared_by_a_loss_and_a_metric_resolves_by_kind():
    from kerasfront import losses, metrics
    from kerasfront.saving import registry

    assert registry.builtin_class("MeanSquaredError", base=metrics.Metric) is (
        metrics.MeanSquaredError
    )
    assert registry.builtin_class("MeanSquaredError", base=losses.Loss) is losses.MeanSquaredError
    assert registry.registered_name(metrics.MeanSquaredError) == "MeanSquaredError"
    assert registry.registered_name(losses.MeanSquaredError) == "MeanSquaredError"
