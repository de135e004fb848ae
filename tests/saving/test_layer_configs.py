"""Every registered layer round-trips through get_config/from_config (through JSON, as
files carry it), and a clone built on the same input has weights of the same shapes."""

import json

import numpy as np
import pytest

from kerasfront import layers
from kerasfront.saving import registry
from kerasfront.saving.config import deserialize_layer, serialize_layer


def _cell():
    return layers.LSTMCell(3)


# class name -> (constructor keyword arguments, input shape for build or None)
CATALOGUE = {
    "Activation": (lambda: {"activation": "tanh"}, (None, 4)),
    "AlphaDropout": (lambda: {"rate": 0.2, "seed": 3}, (None, 4)),
    "Bidirectional": (
        lambda: {"layer": layers.GRU(3, return_sequences=True), "merge_mode": "sum"},
        (None, 5, 4),
    ),
    "Conv1D": (lambda: {"filters": 2, "kernel_size": 3, "dilation_rate": 2}, (None, 9, 3)),
    "Conv1DTranspose": (lambda: {"filters": 2, "kernel_size": 3, "strides": 2}, (None, 5, 3)),
    "Conv2D": (
        lambda: {"filters": 2, "kernel_size": (3, 2), "padding": "same", "use_bias": False},
        (None, 6, 6, 3),
    ),
    "Conv2DTranspose": (lambda: {"filters": 2, "kernel_size": 3}, (None, 4, 4, 3)),
    "Conv3D": (lambda: {"filters": 2, "kernel_size": 2}, (None, 3, 3, 3, 2)),
    "Conv3DTranspose": (lambda: {"filters": 2, "kernel_size": 2}, (None, 3, 3, 3, 2)),
    "ConvLSTM2D": (lambda: {"filters": 2, "kernel_size": 2}, (None, 3, 4, 4, 2)),
    "ConvLSTM2DCell": (lambda: {"filters": 2, "kernel_size": 2}, None),
    "CuDNNGRU": (lambda: {"units": 3}, (None, 5, 4)),
    "CuDNNLSTM": (lambda: {"units": 3}, (None, 5, 4)),
    "Dense": (
        lambda: {"units": 3, "activation": "relu", "kernel_regularizer": "l2"},
        (None, 4),
    ),
    "DepthwiseConv1D": (lambda: {"kernel_size": 2, "depth_multiplier": 2}, (None, 6, 3)),
    "DepthwiseConv2D": (lambda: {"kernel_size": 2, "depth_multiplier": 2}, (None, 5, 5, 3)),
    "Dot": (lambda: {"axes": 1, "normalize": True}, [(None, 4), (None, 4)]),
    "Dropout": (lambda: {"rate": 0.3, "seed": 1}, (None, 4)),
    "Embedding": (lambda: {"input_dim": 10, "output_dim": 3, "mask_zero": True}, (None, 5)),
    "GRU": (lambda: {"units": 3, "reset_after": True}, (None, 5, 4)),
    "GRUCell": (lambda: {"units": 3}, None),
    "GaussianDropout": (lambda: {"rate": 0.2}, (None, 4)),
    "GaussianNoise": (lambda: {"stddev": 0.1}, (None, 4)),
    "InputLayer": (lambda: {"input_shape": (4,)}, None),
    "LSTM": (lambda: {"units": 3, "return_sequences": True}, (None, 5, 4)),
    "LSTMCell": (lambda: {"units": 3}, None),
    "Lambda": (lambda: {"function": registry.resolve_function("relu", None, "test")}, None),
    "LocallyConnected1D": (lambda: {"filters": 2, "kernel_size": 2}, (None, 5, 3)),
    "LocallyConnected2D": (lambda: {"filters": 2, "kernel_size": 2}, (None, 4, 4, 3)),
    "Permute": (lambda: {"dims": (2, 1)}, (None, 3, 4)),
    "RNN": (lambda: {"cell": _cell(), "return_state": True}, (None, 5, 4)),
    "RepeatVector": (lambda: {"n": 3}, (None, 4)),
    "Reshape": (lambda: {"target_shape": (2, 2)}, (None, 4)),
    "SeparableConv1D": (lambda: {"filters": 2, "kernel_size": 2}, (None, 6, 3)),
    "SeparableConv2D": (lambda: {"filters": 2, "kernel_size": 2}, (None, 5, 5, 3)),
    "SimpleRNN": (lambda: {"units": 3}, (None, 5, 4)),
    "SimpleRNNCell": (lambda: {"units": 3}, None),
    "SpatialDropout1D": (lambda: {"rate": 0.2}, (None, 5, 4)),
    "SpatialDropout2D": (lambda: {"rate": 0.2}, (None, 4, 4, 3)),
    "SpatialDropout3D": (lambda: {"rate": 0.2}, (None, 3, 3, 3, 2)),
    "StackedRNNCells": (lambda: {"cells": [layers.GRUCell(3), _cell()]}, None),
    "TimeDistributed": (lambda: {"layer": layers.Dense(2)}, (None, 3, 4)),
    "BatchNormalization": (lambda: {"momentum": 0.9, "center": False}, (None, 4)),
    "LayerNormalization": (lambda: {"epsilon": 1e-4}, (None, 4)),
    "PReLU": (lambda: {"shared_axes": [1]}, (None, 3, 4)),
}
# Default arguments suffice; the input shape lets the clone's weights be compared.
DEFAULT_SHAPES = {"Cropping1D": (None, 5, 3), "ZeroPadding1D": (None, 5, 3)}
ABSTRACT = {"Layer", "Wrapper"}


def _layer_classes() -> dict:
    classes = {}
    for value in registry._builtins()["classes"].values():
        if isinstance(value, type) and issubclass(value, layers.Layer):
            classes[value.__name__] = value
    return {name: cls for name, cls in classes.items() if name not in ABSTRACT}


def _as_json(value):
    return json.loads(json.dumps(value, default=lambda item: np.asarray(item).tolist()))


def test_catalogue_covers_every_layer_with_required_arguments():
    import inspect

    missing = []
    for name, cls in _layer_classes().items():
        if name in CATALOGUE or name in ("Model", "Sequential"):
            continue
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
        required = [p for p in parameters if p.default is p.empty and p.kind not in (2, 4)]
        if required:
            missing.append(name)
    assert not missing, f"add these layers to CATALOGUE: {missing}"


@pytest.mark.parametrize("class_name", sorted(set(_layer_classes()) - {"Model", "Sequential"}))
def test_layer_config_round_trip(class_name):
    cls = _layer_classes()[class_name]
    make_arguments, input_shape = CATALOGUE.get(class_name, (dict, DEFAULT_SHAPES.get(class_name)))
    layer = cls(**make_arguments())
    document = _as_json(serialize_layer(layer))
    assert document["class_name"] == class_name
    clone = deserialize_layer(document)
    assert type(clone) is cls
    assert _as_json(clone.get_config()) == document["config"]
    if input_shape is not None:
        layer.build(input_shape)
        clone.build(input_shape)
        assert [w.shape for w in clone.weights] == [w.shape for w in layer.weights]
