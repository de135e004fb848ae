"""Config pieces of Keras 2's whole-model `.h5` files, as Keras 2.2.4 and tf.keras 2.x
write them (see `keras2_files` for the two writers' differences): layer configs, model
configs, `training_config` and Adam's saved state."""

from __future__ import annotations

import numpy as np

FLAVORS = ("keras-2.2.4", "tf.keras-2")
OLD = "keras-2.2.4"


def _random(rng, *shape, low=-0.8, high=0.8):
    return rng.uniform(low, high, shape).astype("float32")


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
