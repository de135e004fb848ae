"""Whole-model `.h5` files exactly as Keras 2 writes them, made with h5py (no Keras here).

Two writers are imitated, from the documented layout of Keras 2.2.4's
`keras/engine/saving.py` and tf.keras 2.x's `saving/legacy/hdf5_format.py`:

- "keras-2.2.4": root attributes as bytes (`keras_version` b"2.2.4"); a functional model
  is class "Model"; only the first layer's config carries `batch_input_shape` and
  `dtype`; layers are named `dense_1`, `lstm_1`...; weights `lstm_1/kernel:0`;
  `training_config` holds the user's loss and metrics (names) and the optimizer's
  config with `lr`; Adam's state is iterations, the m's, the v's and a (1,) placeholder
  per weight for v_hat; GRU is `reset_after=False` with a (3 * units,) bias.
- "tf.keras-2": `keras_version`/`backend` as str attributes ("2.4.0"); class
  "Functional"; every layer has `dtype` (a string, or a `{"class_name": "Policy"}`
  dict), a Sequential starts with an `InputLayer` (`sparse`, `ragged`); RNNs carry
  `time_major`, GRU is `reset_after=True` with a (2, 3 * units) bias and sigmoid gates;
  BatchNormalization's `axis` is a list; convolutions carry `groups`; initializers carry
  `module`/`registered_name`; metrics are saved as `MeanMetricWrapper` configs (lists
  per output); weights `lstm/lstm_cell/kernel:0`; the optimizer config has
  `learning_rate`, Adam's state is iterations, the m's, then the v's.

Each `*_file(flavor)` function returns a `Keras2File`: what goes into the file and a
NumPy implementation of Keras 2's math that predicts from the same weights.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import h5py
import numpy as np

from tests.layers.conv_numpy_reference import conv
from tests.layers.rnn_numpy_reference import ACTIVATIONS, gru_step, lstm_step, run

FLAVORS = ("keras-2.2.4", "tf.keras-2")
OLD = "keras-2.2.4"


@dataclass
class Keras2File:
    flavor: str
    model_config: dict
    layer_weights: list  # [(layer name, [(weight name, array)])], in model.layers order
    inputs: object  # an array, or a list of arrays for several inputs
    predict: Callable  # NumPy: inputs -> list of outputs
    training_config: dict | None = None
    optimizer_weights: list = field(default_factory=list)  # [(name, array)]


# ---- arrays ----------------------------------------------------------------------------------
def _random(rng, *shape, low=-0.8, high=0.8):
    return rng.uniform(low, high, shape).astype("float32")


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# ---- config pieces ----------------------------------------------------------------------------
def _object(flavor, class_name, config, module):
    entry = {"class_name": class_name, "config": config}
    if flavor != OLD:  # tf-keras 2.13+ adds these keys to nested objects
        entry = {"module": module, **entry, "registered_name": None}
    return entry


def _initializer(flavor, class_name, **config):
    return _object(flavor, class_name, config, "keras.initializers")


def _glorot(flavor):
    if flavor == OLD:
        config = {"scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}
        return _initializer(flavor, "VarianceScaling", **config)
    return _initializer(flavor, "GlorotUniform", seed=None)


def _base(flavor, name, batch_input_shape=None, dtype="float32"):
    """name/trainable, plus dtype (every tf.keras layer, only the first in 2.2.4) and the
    batch_input_shape of a first layer."""
    config = {"name": name, "trainable": True}
    if batch_input_shape is not None:
        config["batch_input_shape"] = list(batch_input_shape)
    if flavor != OLD or batch_input_shape is not None:
        config["dtype"] = dtype
    return config


def _layer(class_name, config):
    return {"class_name": class_name, "config": config}


def _regularized(**extra):
    return {key: None for key in extra}


def input_layer(flavor, name, batch_input_shape, dtype="float32"):
    config = {"batch_input_shape": list(batch_input_shape), "dtype": dtype, "sparse": False}
    if flavor != OLD:
        config["ragged"] = False
    config["name"] = name
    return _layer("InputLayer", config)


def dense(flavor, name, units, activation, batch_input_shape=None, dtype="float32"):
    config = _base(flavor, name, batch_input_shape, dtype)
    config.update(
        units=units,
        activation=activation,
        use_bias=True,
        kernel_initializer=_glorot(flavor),
        bias_initializer=_initializer(flavor, "Zeros"),
        **_regularized(
            kernel_regularizer=1,
            bias_regularizer=1,
            activity_regularizer=1,
            kernel_constraint=1,
            bias_constraint=1,
        ),  # fmt: skip
    )
    return _layer("Dense", config)


def conv_layer(flavor, class_name, name, filters, kernel_size, activation, shape=None):
    rank = len(kernel_size)
    config = _base(flavor, name, shape)
    config.update(
        filters=filters,
        kernel_size=list(kernel_size),
        strides=[1] * rank,
        padding="valid",
        data_format="channels_last",
        dilation_rate=[1] * rank,
    )
    if flavor != OLD:
        config["groups"] = 1
    config.update(
        activation=activation,
        use_bias=True,
        kernel_initializer=_glorot(flavor),
        bias_initializer=_initializer(flavor, "Zeros"),
        **_regularized(
            kernel_regularizer=1,
            bias_regularizer=1,
            activity_regularizer=1,
            kernel_constraint=1,
            bias_constraint=1,
        ),  # fmt: skip
    )
    return _layer(class_name, config)


def batch_norm(flavor, name, rank):
    config = _base(flavor, name)
    config.update(
        axis=-1 if flavor == OLD else [rank - 1],
        momentum=0.99,
        epsilon=0.001,
        center=True,
        scale=True,
        beta_initializer=_initializer(flavor, "Zeros"),
        gamma_initializer=_initializer(flavor, "Ones"),
        moving_mean_initializer=_initializer(flavor, "Zeros"),
        moving_variance_initializer=_initializer(flavor, "Ones"),
        **_regularized(
            beta_regularizer=1, gamma_regularizer=1, beta_constraint=1, gamma_constraint=1
        ),  # fmt: skip
    )
    return _layer("BatchNormalization", config)


def simple(flavor, class_name, name, **arguments):
    config = _base(flavor, name)
    config.update(arguments)
    return _layer(class_name, config)


def embedding(flavor, name, input_dim, output_dim, input_length, first=True):
    config = _base(flavor, name, [None, input_length] if first else None)
    config.update(
        input_dim=input_dim,
        output_dim=output_dim,
        embeddings_initializer=_object(
            flavor,
            "RandomUniform",
            {"minval": -0.05, "maxval": 0.05, "seed": None},
            "keras.initializers",
        ),  # fmt: skip
        embeddings_regularizer=None,
        activity_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        input_length=input_length,
    )
    return _layer("Embedding", config)


def recurrent(flavor, class_name, name, units, return_sequences=False, shape=None):
    """LSTM or GRU as each writer configures it (the writer's own defaults)."""
    config = _base(flavor, name, shape)
    config.update(
        return_sequences=return_sequences,
        return_state=False,
        go_backwards=False,
        stateful=False,
        unroll=False,
    )
    if flavor != OLD:
        config["time_major"] = False
    config.update(
        units=units,
        activation="tanh",
        recurrent_activation="hard_sigmoid" if flavor == OLD else "sigmoid",
        use_bias=True,
        kernel_initializer=_glorot(flavor),
        recurrent_initializer=_initializer(flavor, "Orthogonal", gain=1.0, seed=None),
        bias_initializer=_initializer(flavor, "Zeros"),
    )
    if class_name == "LSTM":
        config["unit_forget_bias"] = True
    config.update(
        **_regularized(
            kernel_regularizer=1,
            recurrent_regularizer=1,
            bias_regularizer=1,
            activity_regularizer=1,
            kernel_constraint=1,
            recurrent_constraint=1,
            bias_constraint=1,
        ),  # fmt: skip
        dropout=0.0,
        recurrent_dropout=0.0,
        implementation=1 if flavor == OLD else 2,
    )
    if class_name == "GRU":
        config["reset_after"] = flavor != OLD
    return _layer(class_name, config)


def node(layer: dict, *sources) -> dict:
    """A functional model's layer entry called once on `sources` (layer names)."""
    inbound = [[[source, 0, 0, {}] for source in sources]] if sources else []
    return {**layer, "name": layer["config"]["name"], "inbound_nodes": inbound}


def sequential(flavor, name, layers, input_name=None, input_shape=None, input_dtype="float32"):
    if flavor != OLD:
        layers = [input_layer(flavor, input_name, input_shape, input_dtype), *layers]
    return {"class_name": "Sequential", "config": {"name": name, "layers": layers}}


def functional(flavor, name, layers, inputs, outputs):
    return {
        "class_name": "Model" if flavor == OLD else "Functional",
        "config": {
            "name": name,
            "layers": layers,
            "input_layers": [[n, 0, 0] for n in inputs],
            "output_layers": [[n, 0, 0] for n in outputs],
        },
    }


def adam_training_config(flavor, loss, metrics, loss_weights=None, lr=0.01):
    if flavor == OLD:
        optimizer = {
            "lr": lr, "beta_1": 0.9, "beta_2": 0.999, "decay": 0.0, "epsilon": 1e-07,
            "amsgrad": False,
        }  # fmt: skip
        extra = {"sample_weight_mode": None}
    else:
        optimizer = {
            "name": "Adam", "learning_rate": lr, "decay": 0.0, "beta_1": 0.9, "beta_2": 0.999,
            "epsilon": 1e-07, "amsgrad": False,
        }  # fmt: skip
        extra = {"weighted_metrics": None}
    return {
        "optimizer_config": {"class_name": "Adam", "config": optimizer},
        "loss": loss,
        "metrics": metrics,
        "loss_weights": loss_weights,
        **extra,
    }


def mean_metric(name, fn):
    """tf.keras 2.x's saved form of a metric given by name."""
    config = {"name": name, "dtype": "float32", "fn": fn}
    return {"class_name": "MeanMetricWrapper", "config": config}


def adam_state(flavor, trainable: list, rng, steps=3) -> list:
    """Adam's saved state (names and arrays) for the trainable weights, in each
    writer's order."""
    m = [_random(rng, *w.shape, low=-0.1, high=0.1) for _, w in trainable]
    v = [_random(rng, *w.shape, low=0.0, high=0.01) for _, w in trainable]
    if flavor == OLD:
        state = [("Adam/iterations:0", np.array(steps, "int64"))]
        count = 0
        for array in (*m, *v, *[np.zeros(1, "float32") for _ in trainable]):
            state.append((f"training/Adam/Variable{'_' + str(count) if count else ''}:0", array))
            count += 1
        return state
    state = [("Adam/iter:0", np.array(steps, "int64"))]
    for slot, arrays in (("m", m), ("v", v)):
        for (name, _), array in zip(trainable, arrays):
            state.append((f"Adam/{name[:-2]}/{slot}:0", array))
    return state


# ---- writing ----------------------------------------------------------------------------------
def _string_list(values):
    # Keras 2 writes lists of names as fixed-length bytes; an empty list becomes a float
    # array of length 0 (NumPy's default for []).
    return np.array([v.encode("utf8") for v in values]) if values else np.array([])


def write(path, spec: Keras2File) -> None:
    """Writes `spec` with h5py in the layout of its writer."""
    with h5py.File(path, "w") as handle:
        if spec.flavor == OLD:
            handle.attrs["keras_version"] = b"2.2.4"
            handle.attrs["backend"] = b"tensorflow"
        else:
            handle.attrs["keras_version"] = "2.4.0"
            handle.attrs["backend"] = "tensorflow"
        handle.attrs["model_config"] = json.dumps(spec.model_config).encode("utf8")
        if spec.training_config is not None:
            handle.attrs["training_config"] = json.dumps(spec.training_config).encode("utf8")
        group = handle.create_group("model_weights")
        group.attrs["layer_names"] = _string_list([name for name, _ in spec.layer_weights])
        group.attrs["backend"] = b"tensorflow"
        group.attrs["keras_version"] = b"2.2.4" if spec.flavor == OLD else b"2.4.0"
        # tf.keras creates the layer groups sorted by name.
        order = spec.layer_weights if spec.flavor == OLD else sorted(spec.layer_weights)
        for name, weights in order:
            layer_group = group.create_group(name)
            layer_group.attrs["weight_names"] = _string_list([w for w, _ in weights])
            for weight_name, value in weights:
                layer_group.create_dataset(weight_name, data=value)
        if spec.optimizer_weights:
            optimizer = handle.create_group("optimizer_weights")
            optimizer.attrs["weight_names"] = _string_list([n for n, _ in spec.optimizer_weights])
            for weight_name, value in spec.optimizer_weights:
                optimizer.create_dataset(weight_name, data=value)


# ---- the files --------------------------------------------------------------------------------
class _Names:
    """Layer names as each writer numbers them (`dense_1` in 2.2.4, `dense` in tf.keras)."""

    def __init__(self, flavor):
        self.flavor, self.counts = flavor, {}

    def __call__(self, base):
        count = self.counts.get(base, 0)
        self.counts[base] = count + 1
        if self.flavor == OLD:
            return f"{base}_{count + 1}"
        return base if count == 0 else f"{base}_{count}"


def _dense_weights(rng, name, fan_in, units):
    return (name, [(f"{name}/kernel:0", _random(rng, fan_in, units)),
                   (f"{name}/bias:0", _random(rng, units))])  # fmt: skip


def _values(entry):
    return [array for _, array in entry[1]]


def sequential_mlp_file(flavor, rng) -> Keras2File:
    names = _Names(flavor)
    d1, drop, d2 = names("dense"), names("dropout"), names("dense")
    layers = [
        dense(flavor, d1, 4, "relu", batch_input_shape=[None, 3]),
        simple(flavor, "Dropout", drop, rate=0.5, noise_shape=None, seed=None),
        dense(flavor, d2, 2, "softmax"),
    ]
    config = sequential(flavor, "sequential_1", layers, f"{d1}_input", [None, 3])
    w1, w2 = _dense_weights(rng, d1, 3, 4), _dense_weights(rng, d2, 4, 2)
    weights = [w1, (drop, []), w2]
    if flavor == OLD:
        metrics = ["accuracy"]
    else:
        metrics = [[mean_metric("accuracy", "categorical_accuracy")]]
    (k1, b1), (k2, b2) = _values(w1), _values(w2)
    trainable = w1[1] + w2[1]
    return Keras2File(
        flavor,
        config,
        weights,
        _random(rng, 5, 3, low=-2, high=2),
        lambda x: [_softmax(np.maximum(x @ k1 + b1, 0) @ k2 + b2)],
        adam_training_config(flavor, "categorical_crossentropy", metrics),
        adam_state(flavor, trainable, rng),
    )


def functional_mlp_file(flavor, rng) -> Keras2File:
    names = _Names(flavor)
    inp, d1, d2 = "input_1", names("dense"), names("dense")
    layers = [
        node(input_layer(flavor, inp, [None, 3])),
        node(dense(flavor, d1, 4, "tanh"), inp),
        node(dense(flavor, d2, 1, "linear"), d1),
    ]
    config = functional(flavor, "model_1", layers, [inp], [d2])
    w1, w2 = _dense_weights(rng, d1, 3, 4), _dense_weights(rng, d2, 4, 1)
    if flavor == OLD:
        loss, metrics = "mean_squared_error", ["mae", "keras.metrics.mse"]
    else:
        loss = "mse"
        metrics = [[mean_metric("mae", "mean_absolute_error"), "keras.metrics.mse"]]
    (k1, b1), (k2, b2) = _values(w1), _values(w2)
    return Keras2File(
        flavor,
        config,
        [(inp, []), w1, w2],
        _random(rng, 4, 3, low=-2, high=2),
        lambda x: [np.tanh(x @ k1 + b1) @ k2 + b2],
        adam_training_config(flavor, loss, metrics),
        adam_state(flavor, w1[1] + w2[1], rng),
    )


def cnn_file(flavor, rng) -> Keras2File:
    names = _Names(flavor)
    c, bn, pool, drop, flat, d = (
        names(n)
        for n in (
            "conv2d",
            "batch_normalization",
            "max_pooling2d",
            "dropout",
            "flatten",
            "dense",
        )  # fmt: skip
    )
    pool_config = {"pool_size": [2, 2], "padding": "valid", "strides": [2, 2]}
    layers = [
        conv_layer(flavor, "Conv2D", c, 2, (3, 3), "relu", shape=[None, 6, 6, 1]),
        batch_norm(flavor, bn, 4),
        simple(flavor, "MaxPooling2D", pool, **pool_config, data_format="channels_last"),
        simple(flavor, "Dropout", drop, rate=0.25, noise_shape=None, seed=None),
        simple(flavor, "Flatten", flat, data_format="channels_last"),
        dense(flavor, d, 3, "softmax"),
    ]
    config = sequential(flavor, "sequential_1", layers, f"{c}_input", [None, 6, 6, 1])
    kernel, bias = _random(rng, 3, 3, 1, 2), _random(rng, 2)
    gamma, beta = _random(rng, 2, low=0.5, high=1.5), _random(rng, 2)
    mean, variance = _random(rng, 2), _random(rng, 2, low=0.5, high=2.0)
    wd = _dense_weights(rng, d, 8, 3)
    kd, bd = _values(wd)
    conv_entry = (c, [(f"{c}/kernel:0", kernel), (f"{c}/bias:0", bias)])
    bn_entry = (bn, [(f"{bn}/{n}:0", a) for n, a in
                     (("gamma", gamma), ("beta", beta), ("moving_mean", mean),
                      ("moving_variance", variance))])  # fmt: skip

    def predict(x):
        y = np.maximum(conv(x.astype("float64"), kernel, (1, 1)) + bias, 0)
        y = (y - mean) / np.sqrt(variance + 0.001) * gamma + beta
        y = y.reshape(y.shape[0], 2, 2, 2, 2, 2).max(axis=(2, 4))
        return [_softmax(y.reshape(y.shape[0], -1) @ kd + bd)]

    training = adam_training_config(
        flavor,
        "categorical_crossentropy",
        ["accuracy"] if flavor == OLD else [[mean_metric("accuracy", "categorical_accuracy")]],
    )
    trainable = conv_entry[1] + bn_entry[1][:2] + wd[1]
    return Keras2File(
        flavor,
        config,
        [conv_entry, bn_entry, (pool, []), (drop, []), (flat, []), wd],
        _random(rng, 3, 6, 6, 1, low=-2, high=2),
        predict,
        training,
        adam_state(flavor, trainable, rng),
    )


def _recurrent_weights(flavor, rng, layer_name, cell, scope, input_dim, units, gates):
    """(names, arrays) of an LSTM or GRU: kernel, recurrent kernel, bias."""
    prefix = f"{scope}/{cell}" if flavor != OLD else scope
    bias_shape = (2, 3 * units) if (gates == 3 and flavor != OLD) else (gates * units,)
    arrays = [
        _random(rng, input_dim, gates * units),
        _random(rng, units, gates * units),
        _random(rng, *bias_shape),
    ]
    names = [f"{prefix}/{n}:0" for n in ("kernel", "recurrent_kernel", "bias")]
    return list(zip(names, arrays))


def _step(flavor, class_name, arrays):
    rec = "hard_sigmoid" if flavor == OLD else "sigmoid"
    if class_name == "LSTM":
        return lstm_step(arrays, "tanh", rec)
    return gru_step(arrays, "tanh", rec, reset_after=flavor != OLD)


def _embed(table, x):
    return table[x.astype("int64")].astype("float64")


def text_rnn_file(flavor, rng, class_name) -> Keras2File:
    """Embedding -> LSTM or GRU -> Dense(sigmoid), Sequential."""
    names = _Names(flavor)
    emb, rnn_name, d = names("embedding"), names(class_name.lower()), names("dense")
    gates = 4 if class_name == "LSTM" else 3
    layers = [
        embedding(flavor, emb, 10, 4, 5),
        recurrent(flavor, class_name, rnn_name, 3),
        dense(flavor, d, 1, "sigmoid"),
    ]
    config = sequential(flavor, "sequential_1", layers, f"{emb}_input", [None, 5])
    table = _random(rng, 10, 4)
    cell = f"{class_name.lower()}_cell"
    rnn_weights = _recurrent_weights(flavor, rng, rnn_name, cell, rnn_name, 4, 3, gates)
    wd = _dense_weights(rng, d, 3, 1)
    kd, bd = _values(wd)
    step = _step(flavor, class_name, [a for _, a in rnn_weights])
    states = 2 if class_name == "LSTM" else 1

    def predict(x):
        sequence = _embed(table, x)
        zeros = [np.zeros((x.shape[0], 3))] * states
        last, _, _ = run(step, sequence, zeros)
        return [_sigmoid(last @ kd + bd)]

    emb_entry = (emb, [(f"{emb}/embeddings:0", table)])
    trainable = emb_entry[1] + rnn_weights + wd[1]
    metrics = ["accuracy"] if flavor == OLD else [[mean_metric("accuracy", "binary_accuracy")]]
    return Keras2File(
        flavor,
        config,
        [emb_entry, (rnn_name, rnn_weights), wd],
        rng.integers(0, 10, (4, 5)).astype("float32"),
        predict,
        adam_training_config(flavor, "binary_crossentropy", metrics),
        adam_state(flavor, trainable, rng),
    )


def conv1d_text_file(flavor, rng) -> Keras2File:
    """Embedding -> Conv1D(relu) -> GlobalMaxPooling1D -> Dense(sigmoid), functional."""
    names = _Names(flavor)
    inp = "input_1"
    emb, c, pool, d = (names(n) for n in ("embedding", "conv1d", "global_max_pooling1d", "dense"))
    layers = [
        node(input_layer(flavor, inp, [None, 6])),
        node(embedding(flavor, emb, 12, 4, 6, first=False), inp),
        node(conv_layer(flavor, "Conv1D", c, 3, (2,), "relu"), emb),
        node(simple(flavor, "GlobalMaxPooling1D", pool, data_format="channels_last"), c),
        node(dense(flavor, d, 1, "sigmoid"), pool),
    ]
    config = functional(flavor, "model_1", layers, [inp], [d])
    table, kernel, bias = _random(rng, 12, 4), _random(rng, 2, 4, 3), _random(rng, 3)
    wd = _dense_weights(rng, d, 3, 1)
    kd, bd = _values(wd)

    def predict(x):
        y = np.maximum(conv(_embed(table, x), kernel, (1,)) + bias, 0)
        return [_sigmoid(y.max(axis=1) @ kd + bd)]

    weights = [
        (inp, []),
        (emb, [(f"{emb}/embeddings:0", table)]),
        (c, [(f"{c}/kernel:0", kernel), (f"{c}/bias:0", bias)]),
        (pool, []),
        wd,
    ]
    training = adam_training_config(flavor, "binary_crossentropy", None)
    return Keras2File(
        flavor,
        config,
        weights,
        rng.integers(0, 12, (3, 6)).astype("float32"),
        predict,
        training,
        [],  # compiled but never trained: no optimizer state
    )


def bidirectional_file(flavor, rng) -> Keras2File:
    """Bidirectional(LSTM(return_sequences=True)) -> TimeDistributed(Dense), Sequential."""
    names = _Names(flavor)
    bi, td = names("bidirectional"), names("time_distributed")
    inner, dense_name = names("lstm"), names("dense")
    lstm_config = recurrent(flavor, "LSTM", inner, 2, return_sequences=True)
    bi_config = _base(flavor, bi, [None, 4, 3])
    bi_config.update(layer=lstm_config, merge_mode="concat")
    td_config = _base(flavor, td)
    td_config.update(layer=dense(flavor, dense_name, 3, "softmax"))
    layers = [_layer("Bidirectional", bi_config), _layer("TimeDistributed", td_config)]
    config = sequential(flavor, "sequential_1", layers, f"{bi}_input", [None, 4, 3])
    if flavor == OLD:
        scopes = [(f"{bi}/forward_{inner}", None), (f"{bi}/backward_{inner}", None)]
    else:
        scopes = [
            (f"{bi}/forward_{inner}", "lstm_cell_1"),
            (f"{bi}/backward_{inner}", "lstm_cell_2"),
        ]
    directions = [
        _recurrent_weights(flavor, rng, bi, cell, scope, 3, 2, 4) for scope, cell in scopes
    ]
    kernel, bias = _random(rng, 4, 3), _random(rng, 3)
    td_weights = [(f"{td}/kernel:0", kernel), (f"{td}/bias:0", bias)]
    steps = [_step(flavor, "LSTM", [a for _, a in weights]) for weights in directions]

    def predict(x):
        zeros = [np.zeros((x.shape[0], 2))] * 2
        _, forward, _ = run(steps[0], x, zeros)
        _, backward, _ = run(steps[1], x, zeros, go_backwards=True)
        merged = np.concatenate([forward, backward[:, ::-1]], axis=-1)
        return [_softmax(merged @ kernel + bias)]

    training = adam_training_config(flavor, "categorical_crossentropy", [])
    return Keras2File(
        flavor,
        config,
        [(bi, directions[0] + directions[1]), (td, td_weights)],
        _random(rng, 2, 4, 3, low=-2, high=2),
        predict,
        training,
        adam_state(flavor, directions[0] + directions[1] + td_weights, rng),
    )


def two_in_two_out_file(flavor, rng) -> Keras2File:
    """Inputs a (3,) and b (2,), a Dense each, Concatenate, outputs Dense(1, sigmoid) and
    Dense(2, softmax), with per-output losses, metrics and loss weights."""
    names = _Names(flavor)
    a, b = "input_a", "input_b"
    da, db, cat = names("dense"), names("dense"), names("concatenate")
    o1, o2 = "out_binary", "out_classes"
    layers = [
        node(input_layer(flavor, a, [None, 3])),
        node(input_layer(flavor, b, [None, 2])),
        node(dense(flavor, da, 4, "relu"), a),
        node(dense(flavor, db, 2, "tanh"), b),
        node(simple(flavor, "Concatenate", cat, axis=-1), da, db),
        node(dense(flavor, o1, 1, "sigmoid"), cat),
        node(dense(flavor, o2, 2, "softmax"), cat),
    ]
    config = functional(flavor, "model_1", layers, [a, b], [o1, o2])
    wa, wb = _dense_weights(rng, da, 3, 4), _dense_weights(rng, db, 2, 2)
    w1, w2 = _dense_weights(rng, o1, 6, 1), _dense_weights(rng, o2, 6, 2)
    (ka, ba), (kb, bb), (k1, b1), (k2, b2) = map(_values, (wa, wb, w1, w2))

    def predict(inputs):
        x, y = inputs
        hidden = np.concatenate([np.maximum(x @ ka + ba, 0), np.tanh(y @ kb + bb)], -1)
        return [_sigmoid(hidden @ k1 + b1), _softmax(hidden @ k2 + b2)]

    if flavor == OLD:
        loss = {o1: "binary_crossentropy", o2: "categorical_crossentropy"}
        metrics = {o1: ["accuracy"], o2: ["accuracy", "keras.metrics.categorical_crossentropy"]}
    else:
        loss = {o1: "binary_crossentropy", o2: "categorical_crossentropy"}
        metrics = [
            [mean_metric("accuracy", "binary_accuracy")],
            [mean_metric("accuracy", "categorical_accuracy")],
        ]
    training = adam_training_config(flavor, loss, metrics, loss_weights={o1: 1.0, o2: 0.5})
    inputs = [_random(rng, 4, 3, low=-2, high=2), _random(rng, 4, 2, low=-2, high=2)]
    return Keras2File(
        flavor,
        config,
        [(a, []), (b, []), wa, wb, (cat, []), w1, w2],
        inputs,
        predict,
        training,
        adam_state(flavor, wa[1] + wb[1] + w1[1] + w2[1], rng),
    )


def lstm_file(flavor, rng):
    return text_rnn_file(flavor, rng, "LSTM")


def gru_file(flavor, rng):
    return text_rnn_file(flavor, rng, "GRU")


FILES = {
    "sequential_mlp": sequential_mlp_file,
    "functional_mlp": functional_mlp_file,
    "cnn": cnn_file,
    "lstm": lstm_file,
    "gru": gru_file,
    "conv1d_text": conv1d_text_file,
    "bidirectional": bidirectional_file,
    "two_in_two_out": two_in_two_out_file,
}

__all__ = ["FILES", "FLAVORS", "Keras2File", "write", "ACTIVATIONS"]
