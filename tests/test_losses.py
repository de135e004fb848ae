"""Keras 2 losses (functions, names, objects) against NumPy references of Keras 2's
formulas, written here. Tolerances: float32 engine results against float64 references,
rtol 1e-5 and atol 1e-6 (1e-5 for the logarithmic losses)."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers, losses, ops

EPSILON = 1e-7  # K.epsilon()
# 1 - epsilon as a float32 clip bound is 1 - 1.19e-7 (the nearest float32), which moves
# log(1 - p) of a clipped p = 1 by 0.18; the references clip where float32 Keras does.
ONE_MINUS_EPSILON = float(np.float32(1 - EPSILON))
RTOL, ATOL = 1e-5, 1e-5


def check(actual, expected, rtol=RTOL, atol=ATOL):
    np.testing.assert_allclose(ops.convert_to_numpy(actual), expected, rtol=rtol, atol=atol)


# ---- NumPy references: Keras 2 formulas, one value per sample ------------------------------


def _clip(p, low=EPSILON, high=ONE_MINUS_EPSILON):
    return np.clip(p, low, high)


def _signed(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def _unit(x):
    return x / np.sqrt(np.maximum(np.sum(x * x, -1, keepdims=True), 1e-12))


def ref_huber(t, p, delta=1.0):
    e = np.abs(p - t)
    return np.mean(np.where(e <= delta, 0.5 * e**2, delta * e - 0.5 * delta**2), -1)


def ref_bce(t, p, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        return np.mean(np.maximum(p, 0) - p * t + np.log1p(np.exp(-np.abs(p))), -1)
    p = _clip(p)
    return np.mean(-(t * np.log(p) + (1 - t) * np.log(1 - p)), -1)


def ref_cce(t, p, from_logits=False, label_smoothing=0.0):
    t = t * (1 - label_smoothing) + label_smoothing / t.shape[-1]
    if from_logits:
        shifted = p - p.max(-1, keepdims=True)
        log_p = shifted - np.log(np.sum(np.exp(shifted), -1, keepdims=True))
        return -np.sum(t * log_p, -1)
    return -np.sum(t * np.log(_clip(p / p.sum(-1, keepdims=True))), -1)


def ref_sparse(labels, p, from_logits=False):
    labels = labels.reshape(p.shape[:-1]).astype(int)
    if from_logits:
        return ref_cce(np.eye(p.shape[-1])[labels], p, from_logits=True)
    clipped = _clip(p)  # Keras 2 takes log(clipped p) as logits
    picked = np.take_along_axis(clipped, labels[..., None], -1)[..., 0]
    return -np.log(picked / clipped.sum(-1))


REFERENCES = {
    "mean_squared_error": lambda t, p: np.mean((p - t) ** 2, -1),
    "mean_absolute_error": lambda t, p: np.mean(np.abs(p - t), -1),
    "mean_absolute_percentage_error": lambda t, p: (
        100 * np.mean(np.abs((t - p) / np.maximum(np.abs(t), EPSILON)), -1)
    ),
    "mean_squared_logarithmic_error": lambda t, p: np.mean(
        (np.log(np.maximum(p, EPSILON) + 1) - np.log(np.maximum(t, EPSILON) + 1)) ** 2, -1
    ),
    "hinge": lambda t, p: np.mean(np.maximum(1 - _signed(t) * p, 0), -1),
    "squared_hinge": lambda t, p: np.mean(np.maximum(1 - _signed(t) * p, 0) ** 2, -1),
    "categorical_hinge": lambda t, p: np.maximum(
        np.max((1 - t) * p, -1) - np.sum(t * p, -1) + 1, 0
    ),
    "huber": ref_huber,
    "log_cosh": lambda t, p: np.mean(np.log(np.cosh(p - t)), -1),
    "kl_divergence": lambda t, p: np.sum(
        _clip(t, high=1) * np.log(_clip(t, high=1) / _clip(p, high=1)), -1
    ),
    "poisson": lambda t, p: np.mean(p - t * np.log(p + EPSILON), -1),
    "cosine_similarity": lambda t, p: -np.sum(_unit(t) * _unit(p), -1),
    "cosine_proximity": lambda t, p: -np.sum(_unit(t) * _unit(p), -1),
    "binary_crossentropy": ref_bce,
    "categorical_crossentropy": ref_cce,
    "sparse_categorical_crossentropy": ref_sparse,
}

RNG = np.random.default_rng(0)
_normal = RNG.normal(size=(2, 6, 4))
_probabilities = RNG.uniform(0.05, 0.95, size=(6, 4))
_probabilities[0, :2] = [0.0, 1.0]  # hit the clipping
_one_hot = np.eye(4)[RNG.integers(0, 4, 6)]
DATA = {  # name -> (y_true, y_pred), float64; batch 6, 4 values per sample
    "regression": (_normal[0], _normal[1]),
    "positive": (np.abs(_normal[0]) + 0.1, np.abs(_normal[1]) + 0.1),
    "signs": (np.sign(_normal[0]), _normal[1]),
    "binary": (RNG.integers(0, 2, (6, 4)).astype(float), _probabilities),
    "categorical": (_one_hot, _probabilities),
    "distributions": (RNG.dirichlet(np.ones(4), 6), RNG.dirichlet(np.ones(4), 6)),
    "sparse": (RNG.integers(0, 4, 6), _probabilities),
}
KIND = {
    "mean_squared_error": "regression",
    "mean_absolute_error": "regression",
    "mean_absolute_percentage_error": "regression",
    "mean_squared_logarithmic_error": "positive",
    "hinge": "signs",
    "squared_hinge": "signs",
    "categorical_hinge": "categorical",
    "huber": "regression",
    "log_cosh": "regression",
    "kl_divergence": "distributions",
    "poisson": "positive",
    "cosine_similarity": "regression",
    "cosine_proximity": "regression",
    "binary_crossentropy": "binary",
    "categorical_crossentropy": "categorical",
    "sparse_categorical_crossentropy": "sparse",
}
CLASSES = {
    "mean_squared_error": losses.MeanSquaredError,
    "mean_absolute_error": losses.MeanAbsoluteError,
    "mean_absolute_percentage_error": losses.MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": losses.MeanSquaredLogarithmicError,
    "hinge": losses.Hinge,
    "squared_hinge": losses.SquaredHinge,
    "categorical_hinge": losses.CategoricalHinge,
    "huber": losses.Huber,
    "log_cosh": losses.LogCosh,
    "kl_divergence": losses.KLDivergence,
    "poisson": losses.Poisson,
    "cosine_similarity": losses.CosineSimilarity,
    "binary_crossentropy": losses.BinaryCrossentropy,
    "categorical_crossentropy": losses.CategoricalCrossentropy,
    "sparse_categorical_crossentropy": losses.SparseCategoricalCrossentropy,
}


def tensors(*arrays, dtype="float32"):
    return [ops.convert_to_tensor(np.asarray(a, dtype)) for a in arrays]


# ---- the functions ------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_function_matches_keras2_formula(name):
    y_true, y_pred = DATA[KIND[name]]
    true_dtype = "int32" if name.startswith("sparse") else "float32"
    (t,) = tensors(y_true, dtype=true_dtype)
    (p,) = tensors(y_pred)
    values = getattr(losses, name)(t, p)
    assert tuple(ops.shape(values)) == (6,)
    check(values, REFERENCES[name](y_true, y_pred))


def test_aliases_are_the_functions():
    assert losses.mse is losses.MSE is losses.mean_squared_error
    assert losses.mae is losses.mean_absolute_error
    assert losses.mape is losses.mean_absolute_percentage_error
    assert losses.msle is losses.mean_squared_logarithmic_error
    assert losses.kld is losses.kullback_leibler_divergence is losses.kl_divergence
    assert losses.logcosh is losses.log_cosh
    assert losses.huber_loss is losses.huber
    assert losses.cosine is losses.cosine_proximity
    for alias, name in [("mse", "mean_squared_error"), ("cosine", "cosine_proximity"),
                        ("kld", "kl_divergence"), ("logcosh", "log_cosh"),
                        ("huber_loss", "huber"), ("kullback_leibler_divergence",
                                                  "kl_divergence")]:  # fmt: skip
        assert losses.get(alias) is getattr(losses, name)


def test_hinge_keeps_targets_that_are_not_binary():
    y_true, y_pred = np.array([[0.5, -1.0, 1.0]]), np.array([[0.3, 0.2, -2.0]])
    check(losses.hinge(*tensors(y_true, y_pred)), REFERENCES["hinge"](y_true, y_pred))
    binary = np.array([[0.0, 1.0, 1.0]])  # read as -1, 1, 1
    check(losses.squared_hinge(*tensors(binary, y_pred)),
          np.mean(np.maximum(1 - (2 * binary - 1) * y_pred, 0) ** 2, -1))  # fmt: skip


def test_crossentropy_options():
    t_bin, p_bin = DATA["binary"]
    logits = DATA["regression"][1] * 3
    check(losses.binary_crossentropy(*tensors(t_bin, logits), from_logits=True),
          ref_bce(t_bin, logits, from_logits=True))  # fmt: skip
    check(losses.binary_crossentropy(*tensors(t_bin, p_bin), label_smoothing=0.2),
          ref_bce(t_bin, p_bin, label_smoothing=0.2))  # fmt: skip
    t_cat = DATA["categorical"][0]
    check(losses.categorical_crossentropy(*tensors(t_cat, logits), from_logits=True,
                                          label_smoothing=0.1),
          ref_cce(t_cat, logits, from_logits=True, label_smoothing=0.1))  # fmt: skip
    labels = DATA["sparse"][0]
    check(losses.sparse_categorical_crossentropy(*tensors(labels, logits), from_logits=True),
          ref_sparse(labels, logits, from_logits=True))  # fmt: skip


def test_numpy_and_list_inputs():
    y_true, y_pred = DATA["regression"]
    expected = REFERENCES["mean_squared_error"](y_true, y_pred)
    check(losses.mean_squared_error(y_true, y_pred), expected)  # float64 arrays
    check(losses.mse(y_true.astype("float32"), y_pred.astype("float32")), expected)
    check(losses.mae(y_true.tolist(), y_pred.tolist()), REFERENCES["mean_absolute_error"](
        y_true, y_pred))  # fmt: skip
    check(losses.MeanSquaredError()(y_true, y_pred), expected.mean())
    t, p = DATA["categorical"]
    check(losses.categorical_crossentropy(t, p), ref_cce(t, p))
    # A (batch,) target beside (batch, 1) predictions gains the last axis.
    check(losses.mse(y_true[:, 0], y_pred[:, :1]), (y_true[:, 0] - y_pred[:, 0]) ** 2)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int32", "int64", "float32", "float64"])
def test_sparse_labels_of_any_dtype(dtype):
    labels, p = DATA["sparse"]
    expected = ref_sparse(labels, p)
    check(losses.sparse_categorical_crossentropy(labels.astype(dtype), p), expected)
    check(losses.sparse_categorical_crossentropy(labels.astype(dtype)[:, None], p), expected)


def test_shape_mismatches_are_errors():
    with pytest.raises(ValueError, match=r"mean_squared_error.*\(6, 3\).*\(6, 4\)"):
        losses.mse(np.zeros((6, 3)), np.zeros((6, 4)))
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy.*one class index"):
        losses.sparse_categorical_crossentropy(np.zeros((6, 4)), np.ones((6, 4)) / 4)


def test_function_on_graph_tensors_records_a_node():
    inputs = layers.Input((4,))
    outputs = layers.Dense(4)(inputs)
    values = losses.mean_squared_error(inputs, outputs)
    assert tuple(values.shape) == (None,)


# ---- the loss objects ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_objects_reduce_with_sample_weights(name):
    y_true, y_pred = DATA[KIND[name]]
    per_sample = REFERENCES[name](y_true, y_pred)
    weights = np.linspace(0.0, 2.0, 6)
    t, p, w = tensors(y_true, y_pred, weights)
    check(CLASSES[name]()(t, p), per_sample.mean())
    check(CLASSES[name]()(t, p, sample_weight=w), np.sum(per_sample * weights) / 6)
    check(CLASSES[name](reduction="sum")(t, p, w), np.sum(per_sample * weights))
    none = CLASSES[name](reduction="none")(t, p, w[:, None])  # (batch, 1) weights too
    check(none, per_sample * weights)
    check(CLASSES[name](reduction="sum")(t, p, 2.0), 2 * per_sample.sum())  # scalar weight


def test_object_options():
    t_bin, p_bin = DATA["binary"]
    logits = DATA["regression"][1] * 3
    bce = losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1)
    check(bce(*tensors(t_bin, logits)), ref_bce(t_bin, logits, True, 0.1).mean())
    cce = losses.CategoricalCrossentropy(True, 0.2)  # tf.keras's positional order
    t_cat = DATA["categorical"][0]
    check(cce(*tensors(t_cat, logits)), ref_cce(t_cat, logits, True, 0.2).mean())
    labels = DATA["sparse"][0]
    scce = losses.SparseCategoricalCrossentropy(from_logits=True)
    check(scce(*tensors(labels, logits)), ref_sparse(labels, logits, True).mean())
    y_true, y_pred = DATA["regression"]
    check(losses.Huber(delta=0.5)(y_true, y_pred), ref_huber(y_true, y_pred, 0.5).mean())
    cosine = losses.CosineSimilarity(axis=0, reduction="none")
    expected = -np.sum(y_true / np.linalg.norm(y_true, axis=0)
                       * y_pred / np.linalg.norm(y_pred, axis=0), axis=0)  # fmt: skip
    check(cosine(y_true, y_pred), expected)


def test_ignore_class_is_left_out_of_the_mean():
    labels, p = DATA["sparse"]
    labels = labels.copy()
    labels[:2] = 3
    values = ref_sparse(labels, p)
    valid = labels != 3
    scce = losses.SparseCategoricalCrossentropy(ignore_class=3)
    check(scce(labels, p), values[valid].sum() / valid.sum())


def test_reduction_names_and_errors():
    assert losses.Reduction.SUM == "sum"
    assert losses.MeanSquaredError(reduction=losses.Reduction.AUTO).reduction == "auto"
    assert losses.MeanSquaredError(reduction="SUM_OVER_BATCH_SIZE").reduction == (
        "sum_over_batch_size"
    )
    assert losses.MeanSquaredError(reduction=None).reduction == "none"
    with pytest.raises(ValueError, match="MeanSquaredError: reduction must be one of"):
        losses.MeanSquaredError(reduction="average")
    with pytest.raises(TypeError, match="unknown or repeated arguments"):
        losses.MeanSquaredError(from_logits=True)
    with pytest.raises(ValueError, match="sample_weight of shape"):
        losses.MeanSquaredError()(np.zeros((6, 4)), np.zeros((6, 4)), np.ones(5))


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_config_round_trip(name):
    options = {"huber": {"delta": 0.3}, "binary_crossentropy": {"label_smoothing": 0.2}}
    loss = CLASSES[name](reduction="sum", name="custom", **options.get(name, {}))
    config = loss.get_config()
    assert config["reduction"] == "sum" and config["name"] == "custom"
    clone = type(loss).from_config(config)
    assert clone.get_config() == config
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is type(loss) and again.get_config() == config
    y_true, y_pred = DATA[KIND[name]]
    check(again(y_true, y_pred), ops.convert_to_numpy(loss(y_true, y_pred)))


def test_get_serialize_deserialize():
    assert losses.get("binary_crossentropy") is losses.binary_crossentropy
    assert losses.get(losses.poisson) is losses.poisson
    assert losses.get(None) is None
    assert losses.serialize(losses.mse) == "mean_squared_error"
    assert losses.deserialize("mean_squared_error") is losses.mean_squared_error
    assert losses.deserialize({"class_name": "function", "config": "mae"}) is losses.mae
    made = losses.deserialize("Huber")
    assert isinstance(made, losses.Huber) and made.get_config()["delta"] == 1.0
    config = {"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}}
    compiled = losses.get(config)  # a loss object comes back in the form compile uses
    assert isinstance(compiled.loss, losses.CategoricalCrossentropy)
    assert compiled.loss.get_config()["from_logits"] is True
    assert losses.canonical_name(compiled) == "categorical_crossentropy"
    assert losses.serialize(compiled) == losses.serialize(compiled.loss)
    with pytest.raises(ValueError, match=r"Unknown loss 'mean_sqared_error'.*'mse'"):
        losses.get("mean_sqared_error")
    with pytest.raises(ValueError, match="Unknown loss class 'Nope'"):
        losses.get({"class_name": "Nope", "config": {}})
    with pytest.raises(TypeError, match="loss must be"):
        losses.get(3)

    def my_loss(y_true, y_pred):
        return y_pred

    assert losses.deserialize("my_loss", custom_objects={"my_loss": my_loss}) is my_loss


def test_compiled_form_gives_the_object_weighted_reduction():
    y_true, y_pred = DATA["regression"]
    weights = np.linspace(0.0, 2.0, 6)
    for reduction in ("sum_over_batch_size", "sum"):
        loss = losses.MeanSquaredError(reduction=reduction)
        # compile multiplies the per-sample values by the weights and takes the mean.
        per_sample = losses.get(loss)(y_true, y_pred)
        check(ops.mean(per_sample * ops.convert_to_tensor(weights, ops.dtype(per_sample))),
              ops.convert_to_numpy(loss(y_true, y_pred, weights)))  # fmt: skip
    labels, p = DATA["sparse"]
    masked = losses.SparseCategoricalCrossentropy(ignore_class=0)
    check(ops.mean(losses.get(masked)(labels, p)), ops.convert_to_numpy(masked(labels, p)))


def test_fit_with_a_loss_object_and_sample_weights():
    """One compiled fit: a single batch, so the epoch's loss is the weighted loss at the
    initial weights, which the NumPy reference computes; the weights move."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 3)).astype("float32")
    y = rng.integers(0, 2, (8, 2)).astype("float32")
    weights = np.linspace(0.5, 1.5, 8).astype("float32")
    model = keras.Sequential([layers.Dense(2, input_dim=3)])
    kernel = rng.normal(size=(3, 2)).astype("float32")
    model.set_weights([kernel, np.zeros(2, "float32")])
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    )
    history = model.fit(x, y, sample_weight=weights, batch_size=8, epochs=1, verbose=0)
    expected = np.mean(ref_bce(y, x.astype(float) @ kernel, True, 0.1) * weights)
    np.testing.assert_allclose(history.history["loss"][0], expected, rtol=1e-5)
    assert not np.allclose(model.get_weights()[0], kernel)
