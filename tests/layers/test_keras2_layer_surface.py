"""The Keras 2.2.4 layer surface: import paths, positional argument order and configs as
Keras 2 wrote them.

The tables below are facts of Keras 2.2.4 (its documented argument order and module
layout). Positional calls are checked against the same call with keywords: both must give
the same config, so an argument that lands in the wrong slot shows up. Every value in a
positional call differs from its default, so a shift cannot hide behind a default.
"""

import importlib

import numpy as np
import pytest

from kerasfront import layers

# Keras 2.2.4 module -> public names it held (beyond the ones kept in their own module).
KERAS2_MODULE_NAMES = {
    "core": (
        "Masking Dropout SpatialDropout1D SpatialDropout2D SpatialDropout3D Activation "
        "Reshape Permute Flatten RepeatVector Lambda Dense ActivityRegularization"
    ),
    "convolutional": (
        "Conv1D Conv2D Conv3D Conv2DTranspose Conv3DTranspose SeparableConv1D "
        "SeparableConv2D DepthwiseConv2D UpSampling1D UpSampling2D UpSampling3D "
        "ZeroPadding1D ZeroPadding2D ZeroPadding3D Cropping1D Cropping2D Cropping3D "
        "Convolution1D Convolution2D Convolution3D SeparableConvolution1D "
        "SeparableConvolution2D Convolution2DTranspose Deconvolution2D Deconv2D "
        "Deconvolution3D Deconv3D AtrousConvolution1D AtrousConvolution2D AtrousConv1D "
        "AtrousConv2D"
    ),
    "convolutional_recurrent": "ConvRNN2D ConvLSTM2D ConvLSTM2DCell",
    "pooling": (
        "MaxPooling1D AveragePooling1D MaxPooling2D AveragePooling2D MaxPooling3D "
        "AveragePooling3D GlobalAveragePooling1D GlobalMaxPooling1D GlobalAveragePooling2D "
        "GlobalMaxPooling2D GlobalAveragePooling3D GlobalMaxPooling3D AvgPool1D MaxPool1D "
        "AvgPool2D MaxPool2D AvgPool3D MaxPool3D GlobalMaxPool1D GlobalMaxPool2D "
        "GlobalMaxPool3D GlobalAvgPool1D GlobalAvgPool2D GlobalAvgPool3D"
    ),
    "local": "LocallyConnected1D LocallyConnected2D",
    "recurrent": ("StackedRNNCells RNN SimpleRNNCell SimpleRNN GRUCell GRU LSTMCell LSTM"),
    "cudnn_recurrent": "CuDNNGRU CuDNNLSTM",
    "embeddings": "Embedding",
    "merge": (
        "Add Subtract Multiply Average Maximum Minimum Concatenate Dot add subtract "
        "multiply average maximum minimum concatenate dot"
    ),
    "advanced_activations": "LeakyReLU PReLU ELU ThresholdedReLU Softmax ReLU",
    "normalization": "BatchNormalization",
    "noise": "GaussianNoise GaussianDropout AlphaDropout",
    "wrappers": "Wrapper TimeDistributed Bidirectional",
}


@pytest.mark.parametrize("module", sorted(KERAS2_MODULE_NAMES))
def test_every_keras2_name_imports_from_its_keras2_module(module):
    namespace = importlib.import_module(f"kerasfront.layers.{module}")
    for name in KERAS2_MODULE_NAMES[module].split():
        assert getattr(namespace, name) is getattr(layers, name), (module, name)


def test_the_keras2_engine_paths():
    from kerasfront import engine
    from kerasfront.engine import base_layer, input_layer, topology
    from kerasfront.models import Model

    assert engine.Input is input_layer.Input is topology.Input is layers.Input
    assert engine.InputLayer is input_layer.InputLayer is layers.InputLayer
    assert engine.Layer is base_layer.Layer is layers.Layer
    assert engine.InputSpec is base_layer.InputSpec is layers.InputSpec
    assert engine.Model is Model
    from kerasfront.utils.layer_utils import get_source_inputs

    assert engine.get_source_inputs is get_source_inputs


# Non-default values, one per argument name, for positional calls.
VALUES = {
    "strides": 1,
    "padding": "same",
    "data_format": "channels_first",
    "dilation_rate": 1,
    "activation": "relu",
    "recurrent_activation": "sigmoid",
    "use_bias": False,
    "kernel_initializer": "ones",
    "recurrent_initializer": "he_normal",
    "bias_initializer": "random_normal",
    "depthwise_initializer": "lecun_uniform",
    "pointwise_initializer": "glorot_normal",
    "unit_forget_bias": False,
    "kernel_regularizer": "l1",
    "recurrent_regularizer": "l1_l2",
    "bias_regularizer": "l2",
    "depthwise_regularizer": "l1_l2",
    "pointwise_regularizer": "l1",
    "activity_regularizer": "l2",
    "kernel_constraint": "max_norm",
    "recurrent_constraint": "unit_norm",
    "bias_constraint": "non_neg",
    "depthwise_constraint": "min_max_norm",
    "pointwise_constraint": "unit_norm",
    "dropout": 0.25,
    "recurrent_dropout": 0.5,
    "implementation": 2,
    "reset_after": True,
    "depth_multiplier": 2,
    "groups": 2,
    "output_padding": None,
    "return_sequences": True,
    "return_state": True,
    "go_backwards": True,
    "stateful": True,
}

_CONV_TAIL = (
    "activation use_bias kernel_initializer bias_initializer kernel_regularizer "
    "bias_regularizer activity_regularizer kernel_constraint bias_constraint"
)
_SEPARABLE_TAIL = (
    "activation use_bias depthwise_initializer pointwise_initializer bias_initializer "
    "depthwise_regularizer pointwise_regularizer bias_regularizer activity_regularizer "
    "depthwise_constraint pointwise_constraint bias_constraint"
)
_CELL_TAIL = (
    "kernel_regularizer recurrent_regularizer bias_regularizer kernel_constraint "
    "recurrent_constraint bias_constraint dropout recurrent_dropout"
)
_INITIALIZERS = "use_bias kernel_initializer recurrent_initializer bias_initializer"
_CUDNN_TAIL = (
    "kernel_regularizer recurrent_regularizer bias_regularizer activity_regularizer "
    "kernel_constraint recurrent_constraint bias_constraint return_sequences return_state "
    "stateful"
)

# Class -> (required leading values, Keras 2.2.4's order of the optional arguments).
KERAS2_POSITIONAL_ORDER = {
    # Keras 2.2.4 took only filters and kernel_size positionally here (more were an
    # error); kerasfront takes the rest in tf.keras's order, which has groups.
    "Conv1D": ((4, 3), "strides padding data_format dilation_rate groups " + _CONV_TAIL),
    "Conv2D": ((4, (3, 3)), "strides padding data_format dilation_rate groups " + _CONV_TAIL),
    "Conv3D": ((4, (3, 3, 3)), "strides padding data_format dilation_rate groups " + _CONV_TAIL),
    "Conv2DTranspose": (
        (4, 3),
        "strides padding output_padding data_format dilation_rate " + _CONV_TAIL,
    ),
    "Conv3DTranspose": ((4, 3), "strides padding output_padding data_format " + _CONV_TAIL),
    "SeparableConv1D": (
        (4, 3),
        "strides padding data_format dilation_rate depth_multiplier " + _SEPARABLE_TAIL,
    ),
    "SeparableConv2D": (
        (4, 3),
        "strides padding data_format dilation_rate depth_multiplier " + _SEPARABLE_TAIL,
    ),
    "DepthwiseConv2D": (
        (3,),
        "strides padding depth_multiplier data_format activation use_bias "
        "depthwise_initializer bias_initializer depthwise_regularizer bias_regularizer "
        "activity_regularizer depthwise_constraint bias_constraint",
    ),
    "SimpleRNNCell": ((3,), f"activation {_INITIALIZERS} {_CELL_TAIL}"),
    "GRUCell": (
        (3,),
        f"activation recurrent_activation {_INITIALIZERS} {_CELL_TAIL} implementation reset_after",
    ),
    "LSTMCell": (
        (3,),
        f"activation recurrent_activation {_INITIALIZERS} unit_forget_bias {_CELL_TAIL} "
        "implementation",
    ),
    "ConvLSTM2DCell": (
        (4, 3),
        f"strides padding data_format dilation_rate activation recurrent_activation "
        f"{_INITIALIZERS} unit_forget_bias {_CELL_TAIL}",
    ),
    # As Conv2D: beyond filters and kernel_size, tf.keras's order (with return_state).
    "ConvLSTM2D": (
        (4, 3),
        f"strides padding data_format dilation_rate activation recurrent_activation "
        f"{_INITIALIZERS} unit_forget_bias kernel_regularizer recurrent_regularizer "
        "bias_regularizer activity_regularizer kernel_constraint recurrent_constraint "
        "bias_constraint return_sequences return_state go_backwards stateful dropout "
        "recurrent_dropout",
    ),
    "CuDNNGRU": ((3,), "kernel_initializer recurrent_initializer bias_initializer " + _CUDNN_TAIL),
    "CuDNNLSTM": (
        (3,),
        "kernel_initializer recurrent_initializer bias_initializer unit_forget_bias " + _CUDNN_TAIL,
    ),
}


def _without_names(config: dict) -> dict:
    config = dict(config)
    config.pop("name", None)
    if isinstance(config.get("cell"), dict):
        config["cell"] = {**config["cell"], "config": _without_names(config["cell"]["config"])}
    return config


@pytest.mark.parametrize("class_name", sorted(KERAS2_POSITIONAL_ORDER))
def test_keras2_positional_order(class_name):
    layer_class = getattr(layers, class_name)
    required, optional = KERAS2_POSITIONAL_ORDER[class_name]
    names = optional.split()
    values = [VALUES[name] for name in names]
    positional = layer_class(*required, *values)
    keywords = layer_class(*required, **dict(zip(names, values)))
    assert _without_names(positional.get_config()) == _without_names(keywords.get_config())
    # And the keyword call did take each value (not a default of the same look).
    config = keywords.get_config()
    for name in ("activation", "use_bias", "padding", "return_sequences", "dropout"):
        if name in names and name in config:
            assert config[name] == VALUES[name], name


def test_dense_takes_its_activation_second_and_computes_with_it():
    dense = layers.Dense(2, "relu", False, "ones")
    x = np.array([[1.0, -3.0], [2.0, 0.5]], "float32")
    # NumPy reference: relu(x @ ones) without bias.
    expected = np.maximum(x @ np.ones((2, 2), "float32"), 0.0)
    from kerasfront import ops

    np.testing.assert_allclose(ops.convert_to_numpy(dense(x)), expected, rtol=1e-6)


def test_separable_conv1d_defaults_to_channels_last_as_keras2():
    from kerasfront import backend

    previous = backend.image_data_format()
    backend.set_image_data_format("channels_first")
    try:
        assert layers.SeparableConv1D(2, 3).data_format == "channels_last"
        assert layers.Conv1D(2, 3).data_format == "channels_last"
    finally:
        backend.set_image_data_format(previous)


def test_input_and_input_layer_take_keras2s_positional_order():
    tensor = layers.Input((3,), (None, 3), "first_input", "float32")
    assert tuple(tensor.shape) == (None, 3)
    assert tensor.dtype == "float32"
    layer = layers.InputLayer((4,), 2, None, "float32", None, False, "second_input")
    assert layer.name == "second_input"
    config = layer.get_config()
    assert config["batch_input_shape"] == (2, 4) and config["sparse"] is False
    # A config as Keras 2 wrote it loads.
    loaded = layers.InputLayer.from_config(
        {"batch_input_shape": (None, 5), "dtype": "float32", "sparse": False, "name": "x"}
    )
    assert loaded.get_config()["batch_input_shape"] == (None, 5)


def test_input_layer_input_tensor_feeds_a_sequential_model():
    from kerasfront import models, ops

    x = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 4.0]], "float32")
    model = models.Sequential(
        [layers.InputLayer(input_tensor=x), layers.Dense(2, kernel_initializer="ones")]
    )
    # NumPy reference: the row sums, twice; the model reads its input tensor.
    expected = np.repeat(x.sum(axis=1, keepdims=True), 2, axis=1)
    np.testing.assert_allclose(
        ops.convert_to_numpy(model.predict(x, verbose=0)), expected, rtol=1e-6
    )


# ---- Keras 1 spellings Keras 2 still took ------------------------------------------------
# (Keras 1 call, the same layer in Keras 2's spelling)
KERAS1_CALLS = {
    "Dense": (
        lambda: layers.Dense(
            output_dim=3, init="ones", W_regularizer="l2", b_constraint="non_neg", bias=False
        ),
        lambda: layers.Dense(
            3,
            kernel_initializer="ones",
            kernel_regularizer="l2",
            bias_constraint="non_neg",
            use_bias=False,
        ),
    ),
    "Convolution2D": (
        lambda: layers.Convolution2D(
            8, 3, 5, border_mode="same", subsample=(2, 2), dim_ordering="th"
        ),
        lambda: layers.Conv2D(
            8, (3, 5), strides=(2, 2), padding="same", data_format="channels_first"
        ),
    ),
    "Convolution2D nb_filter/nb_row/nb_col": (
        lambda: layers.Convolution2D(nb_filter=4, nb_row=2, nb_col=3, init="he_normal"),
        lambda: layers.Conv2D(4, (2, 3), kernel_initializer="he_normal"),
    ),
    "Convolution3D": (
        lambda: layers.Convolution3D(4, 2, 3, 1, dim_ordering="tf"),
        lambda: layers.Conv3D(4, (2, 3, 1), data_format="channels_last"),
    ),
    "Convolution1D": (
        lambda: layers.Convolution1D(
            nb_filter=4, filter_length=3, subsample_length=2, border_mode="causal"
        ),
        lambda: layers.Conv1D(4, 3, strides=2, padding="causal"),
    ),
    "SeparableConvolution2D": (
        lambda: layers.SeparableConvolution2D(8, 3, 3, init="ones", border_mode="same"),
        lambda: layers.SeparableConv2D(
            8, (3, 3), depthwise_initializer="ones", pointwise_initializer="ones", padding="same"
        ),
    ),
    "Deconvolution2D": (
        lambda: layers.Deconvolution2D(3, 3, 3, (None, 8, 8, 3), border_mode="same"),
        lambda: layers.Conv2DTranspose(3, (3, 3), padding="same"),
    ),
    "LocallyConnected2D": (
        lambda: layers.LocallyConnected2D(4, 3, 3, W_regularizer="l1"),
        lambda: layers.LocallyConnected2D(4, (3, 3), kernel_regularizer="l1"),
    ),
    "LSTM": (
        lambda: layers.LSTM(
            output_dim=4,
            inner_init="he_normal",
            inner_activation="sigmoid",
            U_regularizer="l1",
            dropout_W=0.1,
            dropout_U=0.2,
            consume_less="gpu",
            forget_bias_init="one",
        ),
        lambda: layers.LSTM(
            4,
            recurrent_initializer="he_normal",
            recurrent_activation="sigmoid",
            recurrent_regularizer="l1",
            dropout=0.1,
            recurrent_dropout=0.2,
            implementation=2,
            unit_forget_bias=True,
        ),
    ),
    "GRU": (
        lambda: layers.GRU(output_dim=3, consume_less="mem", init="ones"),
        lambda: layers.GRU(3, implementation=1, kernel_initializer="ones"),
    ),
    "ConvLSTM2D": (
        lambda: layers.ConvLSTM2D(
            nb_filter=2, nb_row=3, nb_col=3, inner_activation="sigmoid", border_mode="same"
        ),
        lambda: layers.ConvLSTM2D(2, (3, 3), recurrent_activation="sigmoid", padding="same"),
    ),
    "MaxPooling2D": (
        lambda: layers.MaxPooling2D(border_mode="same", dim_ordering="th"),
        lambda: layers.MaxPooling2D(padding="same", data_format="channels_first"),
    ),
    "AveragePooling1D": (
        lambda: layers.AveragePooling1D(pool_length=3, stride=1, border_mode="same"),
        lambda: layers.AveragePooling1D(pool_size=3, strides=1, padding="same"),
    ),
    "GlobalAveragePooling2D": (
        lambda: layers.GlobalAveragePooling2D(dim_ordering="th"),
        lambda: layers.GlobalAveragePooling2D(data_format="channels_first"),
    ),
    "UpSampling1D": (
        lambda: layers.UpSampling1D(length=3),
        lambda: layers.UpSampling1D(size=3),
    ),
    "ZeroPadding2D": (
        lambda: layers.ZeroPadding2D(
            padding={"top_pad": 1, "bottom_pad": 2, "left_pad": 3, "right_pad": 4}
        ),
        lambda: layers.ZeroPadding2D(((1, 2), (3, 4))),
    ),
    "Dropout": (lambda: layers.Dropout(p=0.3), lambda: layers.Dropout(0.3)),
    "SpatialDropout2D": (
        lambda: layers.SpatialDropout2D(p=0.2, dim_ordering="th"),
        lambda: layers.SpatialDropout2D(0.2, data_format="channels_first"),
    ),
    "GaussianNoise": (lambda: layers.GaussianNoise(sigma=0.2), lambda: layers.GaussianNoise(0.2)),
    "PReLU": (lambda: layers.PReLU(init="ones"), lambda: layers.PReLU(alpha_initializer="ones")),
    "Embedding": (
        lambda: layers.Embedding(10, 4, init="ones", W_regularizer="l2"),
        lambda: layers.Embedding(10, 4, embeddings_initializer="ones", embeddings_regularizer="l2"),
    ),
    "BatchNormalization": (
        lambda: layers.BatchNormalization(mode=0, beta_init="ones", gamma_init="zeros"),
        lambda: layers.BatchNormalization(beta_initializer="ones", gamma_initializer="zeros"),
    ),
}


@pytest.mark.parametrize("case", sorted(KERAS1_CALLS))
def test_keras1_arguments_convert_to_keras2s_with_a_warning(case):
    keras1_call, keras2_call = KERAS1_CALLS[case]
    with pytest.warns(UserWarning, match="Keras 1"):
        old = keras1_call()
    assert _without_names(old.get_config()) == _without_names(keras2_call().get_config())


def test_keras1_sequence_input_dim_and_length():
    with pytest.warns(UserWarning, match="input_shape"):
        conv = layers.Convolution1D(4, 3, input_dim=6, input_length=10)
    assert conv.get_config()["batch_input_shape"] == (None, 10, 6)


def test_keras1_conflicts_and_removed_modes_are_errors():
    with pytest.raises(TypeError, match="output_dim.*units"):
        layers.Dense(units=3, output_dim=3)
    # Keras 2 refused integer sizes together with these keywords: they could be strides.
    with pytest.raises(ValueError, match="kernel sizes"):
        layers.Conv2D(4, 3, 3, padding="same")
    with pytest.raises(TypeError, match="mode"):
        layers.BatchNormalization(mode=1)


def test_a_keras1_config_loads_through_from_config():
    config = {"name": "old_dense", "output_dim": 5, "init": "ones", "activation": "relu"}
    with pytest.warns(UserWarning, match="Keras 1"):
        dense = layers.Dense.from_config(config)
    assert dense.units == 5 and dense.name == "old_dense"


# ---- configs as Keras 2.2.4 wrote them ---------------------------------------------------
GLOROT = {
    "class_name": "VarianceScaling",
    "config": {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None},
}
ORTHOGONAL = {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}}
ZEROS = {"class_name": "Zeros", "config": {}}
L2 = {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.01}}
MAX_NORM = {"class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}}


def _cell_config(kind, name, units, **extra):
    config = {
        "name": name,
        "trainable": True,
        "units": units,
        "activation": "tanh",
        "use_bias": True,
        "kernel_initializer": GLOROT,
        "recurrent_initializer": ORTHOGONAL,
        "bias_initializer": ZEROS,
        "kernel_regularizer": None,
        "recurrent_regularizer": None,
        "bias_regularizer": None,
        "kernel_constraint": None,
        "recurrent_constraint": None,
        "bias_constraint": None,
        "dropout": 0.0,
        "recurrent_dropout": 0.0,
        **extra,
    }
    if kind != "SimpleRNNCell":
        config.setdefault("recurrent_activation", "hard_sigmoid")
        config.setdefault("implementation", 1)
    return config


_RNN_KEYS = {
    "return_sequences": True,
    "return_state": False,
    "go_backwards": False,
    "stateful": False,
    "unroll": False,
}

KERAS2_CONFIGS = {
    "Bidirectional": {
        "name": "bidirectional_1",
        "trainable": True,
        "layer": {
            "class_name": "LSTM",
            "config": {
                **_cell_config("LSTMCell", "lstm_1", 3, unit_forget_bias=True),
                **_RNN_KEYS,
                "activity_regularizer": None,
                "kernel_regularizer": L2,
            },
        },
        "merge_mode": "sum",
    },
    "TimeDistributed": {
        "name": "time_distributed_1",
        "trainable": True,
        "batch_input_shape": [None, 5, 3],
        "dtype": "float32",
        "layer": {
            "class_name": "Dense",
            "config": {
                "name": "dense_1",
                "trainable": True,
                "units": 4,
                "activation": "relu",
                "use_bias": True,
                "kernel_initializer": GLOROT,
                "bias_initializer": ZEROS,
                "kernel_regularizer": None,
                "bias_regularizer": None,
                "activity_regularizer": None,
                "kernel_constraint": MAX_NORM,
                "bias_constraint": None,
            },
        },
    },
    "RNN": {
        "name": "rnn_1",
        "trainable": True,
        **_RNN_KEYS,
        "cell": {
            "class_name": "StackedRNNCells",
            "config": {
                "name": "stacked_rnn_cells_1",
                "trainable": True,
                "cells": [
                    {
                        "class_name": "LSTMCell",
                        "config": _cell_config("LSTMCell", "lstm_cell_1", 3, unit_forget_bias=True),
                    },
                    {
                        "class_name": "GRUCell",
                        "config": _cell_config("GRUCell", "gru_cell_1", 2, reset_after=False),
                    },
                ],
            },
        },
    },
    "SimpleRNN": {
        # Keras 2.0 wrote implementation for SimpleRNN too; Keras 2.2.4 dropped it on load.
        **_cell_config("SimpleRNNCell", "simple_rnn_1", 2),
        **_RNN_KEYS,
        "activity_regularizer": None,
        "implementation": 0,
    },
    "ConvLSTM2D": {
        "name": "conv_lst_m2d_1",
        "trainable": True,
        **_RNN_KEYS,
        **{
            k: v
            for k, v in _cell_config("LSTMCell", "", 2).items()
            if k not in ("name", "units", "implementation")
        },
        "filters": 2,
        "kernel_size": [3, 3],
        "strides": [1, 1],
        "padding": "same",
        "data_format": "channels_last",
        "dilation_rate": [1, 1],
        "unit_forget_bias": True,
        "activity_regularizer": None,
    },
    "SeparableConv2D": {
        "name": "separable_conv2d_1",
        "trainable": True,
        "filters": 4,
        "kernel_size": [3, 3],
        "strides": [1, 1],
        "padding": "valid",
        "data_format": "channels_last",
        "dilation_rate": [1, 1],
        "depth_multiplier": 2,
        "activation": "linear",
        "use_bias": True,
        "depthwise_initializer": GLOROT,
        "pointwise_initializer": GLOROT,
        "bias_initializer": ZEROS,
        "depthwise_regularizer": None,
        "pointwise_regularizer": L2,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "depthwise_constraint": None,
        "pointwise_constraint": None,
        "bias_constraint": None,
    },
    "Embedding": {
        "name": "embedding_1",
        "trainable": True,
        "batch_input_shape": [None, 7],
        "dtype": "float32",
        "input_dim": 10,
        "output_dim": 4,
        "embeddings_initializer": {
            "class_name": "RandomUniform",
            "config": {"minval": -0.05, "maxval": 0.05, "seed": None},
        },
        "embeddings_regularizer": None,
        "activity_regularizer": None,
        "embeddings_constraint": None,
        "mask_zero": True,
        "input_length": 7,
    },
    "SpatialDropout2D": {
        "name": "spatial_dropout2d_1",
        "trainable": True,
        "rate": 0.25,
        "noise_shape": None,
        "seed": None,
    },
    "PReLU": {
        "name": "p_re_lu_1",
        "trainable": True,
        "alpha_initializer": ZEROS,
        "alpha_regularizer": None,
        "alpha_constraint": None,
        "shared_axes": [1, 2],
    },
}


def _same(ours, theirs, where=""):
    """Keras's values, read back from our config (lists and tuples alike, as JSON)."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), where
        for key, value in theirs.items():
            if key in ("name", "implementation", "noise_shape", "seed") and where:
                continue  # cells are renamed by their layer; legacy keys are dropped
            assert key in ours, f"{where}.{key}"
            _same(ours[key], value, f"{where}.{key}")
    elif isinstance(theirs, (list, tuple)):
        assert isinstance(ours, (list, tuple)) and len(ours) == len(theirs), where
        for index, (a, b) in enumerate(zip(ours, theirs)):
            _same(a, b, f"{where}[{index}]")
    else:
        assert ours == theirs, (where, ours, theirs)


@pytest.mark.parametrize("class_name", sorted(KERAS2_CONFIGS))
def test_a_config_written_by_keras2_loads_as_the_same_layer(class_name):
    import copy

    written = KERAS2_CONFIGS[class_name]
    layer = getattr(layers, class_name).from_config(copy.deepcopy(written))
    config = layer.get_config()
    keras_keys = {k: v for k, v in written.items() if k != "implementation"}
    _same(config, keras_keys, class_name)


def test_bidirectional_refuses_the_constants_it_cannot_take():
    config = {**KERAS2_CONFIGS["Bidirectional"], "num_constants": None}
    assert layers.Bidirectional.from_config(config).merge_mode == "sum"
    with pytest.raises(ValueError, match="constants"):
        layers.Bidirectional.from_config({**KERAS2_CONFIGS["Bidirectional"], "num_constants": 1})


# ---- ConvRNN2D and layers.serialize / deserialize ----------------------------------------
def _numpy_conv_lstm_last(x, kernel, recurrent_kernel, bias):
    """Keras 2's ConvLSTM step ("same" padding, tanh, hard_sigmoid, gates i, f, c, o)
    over the time axis; the last h, in float64."""
    from conv_numpy_reference import conv

    def hard_sigmoid(v):
        return np.clip(0.2 * v + 0.5, 0.0, 1.0)

    filters = recurrent_kernel.shape[-1] // 4
    h = np.zeros(x.shape[:1] + x.shape[2:4] + (filters,))
    c = np.zeros_like(h)
    for t in range(x.shape[1]):
        z = conv(x[:, t].astype("float64"), kernel.astype("float64"), (1, 1), "same") + bias
        z = z + conv(h, recurrent_kernel.astype("float64"), (1, 1), "same")
        i, f, g, o = (z[..., k * filters : (k + 1) * filters] for k in range(4))
        c = hard_sigmoid(f) * c + hard_sigmoid(i) * np.tanh(g)
        h = hard_sigmoid(o) * np.tanh(c)
    return h


def test_conv_rnn2d_steps_a_conv_lstm_cell_and_round_trips_its_config():
    from kerasfront import ops

    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 4, 4, 2)).astype("float32")
    layer = layers.ConvRNN2D(layers.ConvLSTM2DCell(3, (3, 3), padding="same"))
    output = ops.convert_to_numpy(layer(x))
    kernel, recurrent_kernel, bias = layer.get_weights()
    assert kernel.shape == (3, 3, 2, 12) and recurrent_kernel.shape == (3, 3, 3, 12)
    expected = _numpy_conv_lstm_last(x, kernel, recurrent_kernel, bias)
    np.testing.assert_allclose(output, expected, rtol=1e-4, atol=1e-4)
    config = layer.get_config()
    assert config["cell"]["class_name"] == "ConvLSTM2DCell"
    again = layers.ConvRNN2D.from_config(config)
    assert again.cell.filters == 3 and again.cell.padding == "same"
    with pytest.raises(TypeError, match="convolutional cell"):
        layers.ConvRNN2D(layers.LSTMCell(2))


def test_layers_serialize_and_deserialize():
    dense = layers.Dense(3, activation="relu", name="scored")
    written = layers.serialize(dense)
    assert written["class_name"] == "Dense" and written["config"]["units"] == 3
    loaded = layers.deserialize(written)
    assert isinstance(loaded, layers.Dense) and loaded.get_config() == dense.get_config()
    with pytest.raises(ValueError, match="NoSuchLayer"):
        layers.deserialize({"class_name": "NoSuchLayer", "config": {}})


def test_keras2_legacy_spellings_of_input_and_add_weight():
    with pytest.raises(TypeError, match="input_dtype"):
        layers.Input((2,), dtype="float32", input_dtype="float32")
    assert layers.Input((2,), input_dtype="float64").dtype == "float64"

    class Scaled(layers.Layer):
        def build(self, input_shape):
            # The shape-first order Keras 2 still converted.
            self.scale = self.add_weight((input_shape[-1],), "scale", initializer="ones")
            super().build(input_shape)

        def call(self, inputs):
            return inputs * self.scale

    layer = Scaled()
    layer.build((None, 3))
    assert [tuple(w.shape) for w in layer.get_weights()] == [(3,)]
    assert "scale" in layer.weights[0].name


def test_input_dtype_of_a_first_layer_types_the_sequential_input():
    from kerasfront import models

    # Keras 2's base-layer `input_dtype`: the dtype of the input placed before the layer.
    model = models.Sequential([layers.Embedding(5, 2, input_shape=(3,), input_dtype="int64")])
    assert model.inputs[0].dtype == "int64"


# ---- Keras 1 layers Keras 2 still exported ------------------------------------------------
def test_highway_matches_keras2s_equations():
    from kerasfront import ops

    rng = np.random.default_rng(5)
    x = rng.normal(size=(4, 3)).astype("float32")
    with pytest.warns(UserWarning, match="deprecated"):
        layer = layers.Highway(activation="tanh", input_dim=3)
    layer.build((None, 3))
    names = [w.name.split("/")[-1].split(":")[0] for w in layer.weights]
    assert names == ["W", "W_carry", "b", "b_carry"]
    w, w_carry, b, b_carry = [rng.normal(size=v.shape).astype("float32") for v in layer.weights]
    layer.set_weights([w, w_carry, b, b_carry])
    # NumPy reference (float32, rtol 1e-5): t = sigmoid(x Wc + bc); t tanh(x W + b) + (1 - t) x.
    gate = 1.0 / (1.0 + np.exp(-(x @ w_carry + b_carry)))
    expected = gate * np.tanh(x @ w + b) + (1.0 - gate) * x
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), expected, rtol=1e-5, atol=1e-5)
    with pytest.warns(UserWarning):
        again = layers.Highway.from_config(layer.get_config())
    assert again.get_config() == {**layer.get_config(), "name": again.name}


def test_maxout_dense_matches_keras2s_equations():
    from kerasfront import ops

    rng = np.random.default_rng(6)
    x = rng.normal(size=(4, 3)).astype("float32")
    with pytest.warns(UserWarning, match="deprecated"):
        layer = layers.MaxoutDense(2, nb_feature=3, W_regularizer="l2")
    layer.build((None, 3))
    assert [tuple(v.shape) for v in layer.weights] == [(3, 3, 2), (3, 2)]
    w, b = [rng.normal(size=v.shape).astype("float32") for v in layer.weights]
    layer.set_weights([w, b])
    # NumPy reference: the maximum over the 3 affine pieces.
    expected = np.max(np.einsum("bi,kio->bko", x, w) + b, axis=1)
    np.testing.assert_allclose(ops.convert_to_numpy(layer(x)), expected, rtol=1e-5, atol=1e-5)
    assert len(layer.losses) == 1  # W_regularizer reaches the loss
