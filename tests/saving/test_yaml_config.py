"""Keras 2's `model.to_yaml()` / `model_from_yaml()`: a round trip, Keras 2's own YAML
(tuples tagged `!!python/tuple`), and documents that would build Python objects refused."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers

yaml = pytest.importorskip("yaml")

# What Keras 2.2.4's to_yaml wrote for a small Sequential model (its yaml.dump keeps tuples
# as tuples), written out by hand with the fields that matter.
KERAS2_YAML = """\
backend: tensorflow
class_name: Sequential
config:
  layers:
  - class_name: Conv2D
    config:
      activation: relu
      batch_input_shape: !!python/tuple [null, 5, 5, 2]
      data_format: channels_last
      dilation_rate: !!python/tuple [1, 1]
      dtype: float32
      filters: 3
      kernel_size: !!python/tuple [3, 3]
      name: conv2d_1
      padding: valid
      strides: !!python/tuple [1, 1]
      trainable: true
      use_bias: true
  - class_name: Flatten
    config: {data_format: channels_last, name: flatten_1, trainable: true}
  - class_name: Dense
    config: {activation: softmax, name: dense_1, trainable: true, units: 2, use_bias: true}
  name: sequential_1
keras_version: 2.2.4
"""


def test_round_trip_rebuilds_the_same_model():
    inputs = keras.Input((6, 6, 1), name="image")
    x = layers.Conv2D(2, (3, 3), strides=(1, 2), padding="same", name="conv")(inputs)
    x = layers.Flatten(name="flat")(x)
    outputs = layers.Dense(3, activation="softmax", name="probs")(x)
    model = keras.Model(inputs, outputs)
    text = model.to_yaml(default_flow_style=False)
    assert yaml.safe_load(text)["class_name"] == "Model"  # plain data, no tags
    clone = keras.models.model_from_yaml(text)
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert clone.get_layer("conv").strides == (1, 2)
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(0).normal(size=(2, 6, 6, 1)).astype("float32")
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6, atol=1e-6)


def test_keras2_yaml_with_tuple_tags_loads():
    model = keras.models.model_from_yaml(KERAS2_YAML)
    assert isinstance(model, keras.Sequential)
    conv = model.layers[0]
    assert conv.kernel_size == (3, 3) and conv.strides == (1, 1)
    assert model.output_shape == (None, 2)
    assert [w.shape for w in model.get_weights()] == [(3, 3, 2, 3), (3,), (27, 2), (2,)]


def test_python_object_tags_are_refused_and_never_run(tmp_path):
    marker = tmp_path / "ran"
    hostile = KERAS2_YAML.replace(
        "name: sequential_1",
        f"name: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path "
        f"['{marker}']]",
    )
    with pytest.raises(ValueError, match="model_from_yaml: .*Python object tags are refused"):
        keras.models.model_from_yaml(hostile)
    assert not marker.exists()


@pytest.mark.parametrize(
    "text, error, message",
    [
        ("- just\n- a list\n", ValueError, "expected a mapping with 'class_name'"),
        ("class_name: [unclosed\n", ValueError, "not a YAML document"),
        (b"\x00", ValueError, "not a YAML document"),
    ],
)
def test_bad_documents_say_what_was_expected(text, error, message):
    with pytest.raises(error, match=message):
        keras.models.model_from_yaml(text)


def test_non_string_input_is_a_type_error():
    with pytest.raises(TypeError, match="model_from_yaml expects the YAML text as a string"):
        keras.models.model_from_yaml({"class_name": "Sequential"})
