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
from tests.layers.rnn_numpy_reference import gru_step, lstm_step, run
from tests.saving.keras2_configs import (  # noqa: F401 (FLAVORS/OLD re-exported)
    FLAVORS,
    OLD,
    _base,
    _layer,
    _random,
    adam_state,
    adam_training_config,
    batch_norm,
    conv_layer,
    dense,
    embedding,
    functional,
    input_layer,
    mean_metric,
    node,
    recurrent,
    sequential,
    simple,
)


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
def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


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

__all__ = ["FILES", "FLAVORS", "OLD", "Keras2File", "write"]
