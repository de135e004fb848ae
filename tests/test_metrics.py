"""Metrics against NumPy references written here: the function metrics, Precision/Recall
(thresholds, top_k, class_id), AUC (tf.keras 2's bucketed curves), MeanIoU (a confusion
matrix), Mean/Sum; used alone and accumulated over batches inside fit and evaluate.

Tolerances: float32 counts and ratios, rtol 1e-5 / atol 1e-6 (AUC sums 199 terms: 1e-5).
"""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers, metrics, ops, optimizers

EPS = 1e-7  # Keras's epsilon, which frames AUC's thresholds
RTOL, ATOL = 1e-5, 1e-6


def value(tensor):
    return np.asarray(ops.convert_to_numpy(tensor))


def scores(samples, classes, seed, ties=False):
    rng = np.random.default_rng(seed)
    p = rng.uniform(size=(samples, classes)).astype("float32")
    if ties:  # round so that equal scores occur and the tie rules matter
        p = np.round(p * 4) / 4
    return p


# ---- NumPy references ----------------------------------------------------------------------


def np_top_k_mask(p, k):
    """tf.math.top_k's choice: the k highest, equal scores by lower index first."""
    order = np.argsort(-p, axis=-1, kind="stable")[..., :k]
    mask = np.zeros(p.shape, bool)
    np.put_along_axis(mask, order, True, axis=-1)
    return mask


def np_confusion(y, p, thresholds, w=None, top_k=None, class_id=None):
    """(tp, fp, tn, fn) per threshold, pred positive when p > t, label positive when y != 0."""
    y, p = np.asarray(y, "float64"), np.asarray(p, "float64")
    w = (
        np.ones_like(p)
        if w is None
        else np.broadcast_to(
            np.asarray(w, "float64").reshape(w.shape + (1,) * (p.ndim - np.ndim(w))), p.shape
        )
    )
    if top_k is not None:
        p = np.where(np_top_k_mask(p, top_k), p, -1e10)
    if class_id is not None:
        y, p, w = y[..., class_id], p[..., class_id], w[..., class_id]
    y, p, w = y.ravel() != 0, p.ravel(), w.ravel()
    predicted = p[None, :] > np.asarray(thresholds)[:, None]
    tp = (predicted & y).astype(float) @ w
    fp = (predicted & ~y).astype(float) @ w
    tn = (~predicted & ~y).astype(float) @ w
    fn = (~predicted & y).astype(float) @ w
    return tp, fp, tn, fn


def np_div(a, b):
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1.0, b))


def np_auc(y, p, w=None, num_thresholds=200, curve="ROC", method="interpolation", inner=None):
    """tf.keras 2's AUC: counts at -eps, 1/(n-1), ..., (n-2)/(n-1), 1+eps (or at the given
    `inner` thresholds, sorted, framed the same way), then a Riemann sum (trapezoids, left
    or right heights) or, for PR, Davis & Goadrich's interpolation."""
    if inner is None:
        inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    tp, fp, tn, fn = np_confusion(y, p, [-EPS, *sorted(inner), 1 + EPS], w)
    if curve == "PR" and method == "interpolation":
        dtp = tp[:-1] - tp[1:]
        predicted = tp + fp
        dp = predicted[:-1] - predicted[1:]
        slope = np_div(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * predicted[1:]
        both = (predicted[:-1] > 0) & (predicted[1:] > 0)
        ratio = np.where(both, np_div(predicted[:-1], np.maximum(predicted[1:], 0)), 1.0)
        return np.sum(np_div(slope * (dtp + intercept * np.log(ratio)), tp[1:] + fn[1:]))
    recall = np_div(tp, tp + fn)
    x, yy = (np_div(fp, fp + tn), recall) if curve == "ROC" else (recall, np_div(tp, tp + fp))
    heights = {
        "interpolation": (yy[:-1] + yy[1:]) / 2,
        "minoring": np.minimum(yy[:-1], yy[1:]),
        "majoring": np.maximum(yy[:-1], yy[1:]),
    }[method]
    return np.sum((x[:-1] - x[1:]) * heights)


def np_mean_iou(y, p, classes, w=None, ignore=None):
    y, p = np.asarray(y).ravel().astype(int), np.asarray(p).ravel().astype(int)
    w = np.ones(len(y)) if w is None else np.asarray(w, float).ravel()
    if ignore is not None:
        w = np.where(y == ignore, 0.0, w)
        y = np.where(y == ignore, 0, y)
    matrix = np.zeros((classes, classes))
    np.add.at(matrix, (y, p), w)
    tp = np.diag(matrix)
    union = matrix.sum(0) + matrix.sum(1) - tp
    present = union != 0
    return np.sum(np_div(tp, union)) / max(present.sum(), 1)


# ---- function metrics ------------------------------------------------------------------------


def test_function_metrics_match_numpy():
    p = scores(12, 5, seed=0, ties=True)
    labels = np.random.default_rng(1).integers(0, 5, 12)
    onehot = np.eye(5, dtype="float32")[labels]
    binary = (np.random.default_rng(2).uniform(size=(12, 5)) > 0.5).astype("float32")
    target = p[np.arange(12), labels][:, None]
    higher = np.sum(p > target, axis=-1)  # in_top_k: fewer than k scores are higher
    cases = [
        (metrics.binary_accuracy(binary, p), np.mean((p > 0.5) == binary, -1)),
        (metrics.binary_accuracy(binary, p, threshold=0.7), np.mean((p > 0.7) == binary, -1)),
        (metrics.categorical_accuracy(onehot, p), onehot.argmax(-1) == p.argmax(-1)),
        (metrics.sparse_categorical_accuracy(labels, p), labels == p.argmax(-1)),
        (metrics.sparse_categorical_accuracy(labels[:, None], p), labels == p.argmax(-1)),
        (metrics.top_k_categorical_accuracy(onehot, p, k=2), higher < 2),
        (metrics.top_k_categorical_accuracy(onehot, p), higher < 5),
        (metrics.sparse_top_k_categorical_accuracy(labels, p, k=3), higher < 3),
        (metrics.sparse_top_k_categorical_accuracy(labels[:, None], p, k=1), higher < 1),
        (metrics.accuracy(binary, (p > 0.5).astype("float32")), (p > 0.5) == binary),
        (
            metrics.cosine_similarity(binary + 0.1, p),
            np.sum((binary + 0.1) * p, -1)
            / np.linalg.norm(binary + 0.1, axis=-1)
            / np.linalg.norm(p, axis=-1),
        ),
        (
            metrics.categorical_hinge(onehot, p),
            np.maximum(np.max((1 - onehot) * p, -1) - np.sum(onehot * p, -1) + 1, 0),
        ),
        (
            metrics.mse(ops.convert_to_tensor(binary), ops.convert_to_tensor(p)),
            np.mean((binary - p) ** 2, -1),
        ),
    ]
    for index, (got, expected) in enumerate(cases):
        np.testing.assert_allclose(
            value(got), np.asarray(expected, "float32"), rtol=RTOL, atol=ATOL, err_msg=index
        )


def test_mean_sum_and_wrapper_classes_accumulate_with_weights():
    mean, total = metrics.Mean(), metrics.Sum(name="total")
    batches = [np.arange(4, dtype="float32"), np.array([10.0, -2.0], "float32")]
    weights = [np.array([1.0, 0.0, 2.0, 1.0], "float32"), np.array([0.5, 1.5], "float32")]
    for values, w in zip(batches, weights):
        mean.update_state(values, sample_weight=w)
        total.update_state(values, sample_weight=w)
    all_values, all_weights = np.concatenate(batches), np.concatenate(weights)
    expected_sum = np.sum(all_values * all_weights)
    np.testing.assert_allclose(value(mean.result()), expected_sum / all_weights.sum(), RTOL)
    np.testing.assert_allclose(value(total.result()), expected_sum, RTOL)
    assert mean.name == "mean" and total.name == "total"
    mean.reset_state()
    assert value(mean.result()) == 0.0

    y, p = scores(6, 3, seed=3), scores(6, 3, seed=4)
    rmse = metrics.RootMeanSquaredError()
    binary = metrics.BinaryAccuracy(threshold=0.3)
    for part in (slice(0, 4), slice(4, 6)):
        rmse.update_state(y[part], p[part])
        binary.update_state(y[part] > 0.5, p[part])
    np.testing.assert_allclose(value(rmse.result()), np.sqrt(np.mean((y - p) ** 2)), RTOL)
    np.testing.assert_allclose(value(binary.result()), np.mean((y > 0.5) == (p > 0.3)), RTOL)
    assert (rmse.name, binary.name) == ("root_mean_squared_error", "binary_accuracy")


def test_flat_targets_meet_column_predictions_without_broadcasting():
    """Targets (samples,) with predictions (samples, 1) compare sample by sample, never
    as a (samples, samples) grid."""
    labels = np.array([1, 0, 1, 1, 0], "float32")
    p = np.array([[0.9], [0.6], [0.4], [0.8], [0.1]], "float32")
    accuracy, auc, precision = metrics.BinaryAccuracy(), metrics.AUC(), metrics.Precision()
    for metric in (accuracy, auc, precision):
        metric.update_state(labels, p)
    np.testing.assert_allclose(value(accuracy.result()), np.mean((p[:, 0] > 0.5) == labels), RTOL)
    np.testing.assert_allclose(value(auc.result()), np_auc(labels, p[:, 0]), 1e-5, 1e-6)
    np.testing.assert_allclose(value(precision.result()), 2 / 3, RTOL)


# ---- Precision, Recall, confusion counts -----------------------------------------------------


def test_precision_recall_and_counts_with_thresholds_top_k_and_class_id():
    p = scores(10, 4, seed=5, ties=True)
    y = (np.random.default_rng(6).uniform(size=(10, 4)) > 0.6).astype("float32")
    w = np.random.default_rng(7).uniform(0.0, 2.0, size=10).astype("float32")
    thresholds = [0.2, 0.5, 0.75]
    cases = [
        (metrics.Precision(thresholds=thresholds), {"thresholds": thresholds}, "precision"),
        (metrics.Recall(thresholds=thresholds), {"thresholds": thresholds}, "recall"),
        (metrics.Precision(top_k=2), {"thresholds": [-1e10], "top_k": 2}, "precision"),
        (metrics.Recall(top_k=1), {"thresholds": [-1e10], "top_k": 1}, "recall"),
        (
            metrics.Precision(thresholds=0.3, top_k=2),
            {"thresholds": [0.3], "top_k": 2},
            "precision",
        ),
        (metrics.Precision(class_id=2), {"thresholds": [0.5], "class_id": 2}, "precision"),
        (
            metrics.Recall(class_id=1, top_k=2),
            {"thresholds": [-1e10], "class_id": 1, "top_k": 2},
            "recall",
        ),
        (metrics.TruePositives(thresholds=thresholds), {"thresholds": thresholds}, 0),
        (metrics.FalsePositives(), {"thresholds": [0.5]}, 1),
        (metrics.TrueNegatives(), {"thresholds": [0.5]}, 2),
        (metrics.FalseNegatives(thresholds=[0.1, 0.9]), {"thresholds": [0.1, 0.9]}, 3),
    ]
    for metric, arguments, kind in cases:
        for part in (slice(0, 6), slice(6, 10)):  # two batches, one state
            metric.update_state(y[part], p[part], sample_weight=w[part])
        counts = np_confusion(y, p, w=w, **arguments)
        if kind == "precision":
            expected = np_div(counts[0], counts[0] + counts[1])
        elif kind == "recall":
            expected = np_div(counts[0], counts[0] + counts[3])
        else:
            expected = counts[kind]
        expected = expected if len(expected) > 1 else expected[0]
        np.testing.assert_allclose(
            value(metric.result()), expected, rtol=RTOL, atol=ATOL, err_msg=repr(metric)
        )


# ---- AUC ----------------------------------------------------------------------------------


def test_auc_curves_and_summation_methods_match_the_bucketed_reference():
    rng = np.random.default_rng(8)
    y = (rng.uniform(size=(40, 1)) > 0.5).astype("float32")
    p = np.clip(0.35 * y + rng.uniform(0, 0.65, size=(40, 1)), 0, 1).astype("float32")
    p[:5] = np.round(p[:5] * 10) / 10  # scores on thresholds: the strict > matters
    w = rng.uniform(0.5, 1.5, size=40).astype("float32")
    for curve in ("ROC", "PR"):
        for method in ("interpolation", "minoring", "majoring"):
            for thresholds in (200, 7):
                auc = metrics.AUC(num_thresholds=thresholds, curve=curve, summation_method=method)
                for part in (slice(0, 25), slice(25, 40)):
                    auc.update_state(y[part], p[part], sample_weight=w[part])
                expected = np_auc(y, p, w, thresholds, curve, method)
                np.testing.assert_allclose(
                    value(auc.result()),
                    expected,
                    rtol=1e-5,
                    atol=1e-6,
                    err_msg=f"{curve} {method} {thresholds}",
                )


def test_auc_multi_label_label_weights_logits_and_given_thresholds():
    rng = np.random.default_rng(9)
    y = (rng.uniform(size=(30, 3)) > 0.5).astype("float32")
    logits = (2 * y - 1 + rng.normal(size=(30, 3))).astype("float32")
    p = 1 / (1 + np.exp(-logits))
    label_weights = np.array([1.0, 0.0, 3.0])
    multi = metrics.AUC(num_thresholds=50, multi_label=True, label_weights=label_weights)
    multi.build((None, 3), (None, 3))
    from_logits = metrics.AUC(num_thresholds=50, from_logits=True)
    given = metrics.AUC(thresholds=[0.8, 0.2, 0.5], curve="PR")
    for part in (slice(0, 16), slice(16, 30)):
        multi.update_state(y[part], p[part])
        from_logits.update_state(y[part], logits[part])
        given.update_state(y[part], p[part])
    per_label = [np_auc(y[:, j], p[:, j], num_thresholds=50) for j in range(3)]
    expected_multi = np.sum(np.array(per_label) * label_weights) / label_weights.sum()
    np.testing.assert_allclose(value(multi.result()), expected_multi, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        value(from_logits.result()), np_auc(y, p, num_thresholds=50), rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(
        value(given.result()), np_auc(y, p, curve="PR", inner=[0.8, 0.2, 0.5]), 1e-5, 1e-6
    )
    assert given.num_thresholds == 5


# ---- MeanIoU ------------------------------------------------------------------------------


def test_mean_iou_from_a_confusion_matrix():
    rng = np.random.default_rng(10)
    y = rng.integers(0, 4, size=(6, 5))
    p = np.where(rng.uniform(size=(6, 5)) > 0.4, y, rng.integers(0, 4, size=(6, 5)))
    p[p == 3] = 2  # class 3 never predicted; it still counts through its labels
    w = rng.uniform(0.0, 2.0, size=6).astype("float32")
    plain, weighted = metrics.MeanIoU(num_classes=5), metrics.MeanIoU(5, ignore_class=0)
    from_scores = metrics.MeanIoU(4, sparse_y_pred=False)
    one_hot_scores = np.eye(4, dtype="float32")[p] * 0.9 + 0.01
    for part in (slice(0, 2), slice(2, 6)):
        plain.update_state(y[part], p[part])
        weighted.update_state(y[part], p[part], sample_weight=w[part])
        from_scores.update_state(y[part], one_hot_scores[part])
    per_sample = np.broadcast_to(w[:, None], y.shape)
    np.testing.assert_allclose(value(plain.result()), np_mean_iou(y, p, 5), RTOL)
    np.testing.assert_allclose(
        value(weighted.result()), np_mean_iou(y, p, 5, per_sample, ignore=0), RTOL
    )
    np.testing.assert_allclose(value(from_scores.result()), np_mean_iou(y, p, 4), RTOL)
    assert plain.name.startswith("mean_io_u")
    iou = metrics.IoU(4, target_class_ids=[1])
    iou.update_state(y, p)
    matrix = np.zeros((4, 4))
    np.add.at(matrix, (y.ravel(), p.ravel()), 1)
    np.testing.assert_allclose(
        value(iou.result()),
        matrix[1, 1] / (matrix[1].sum() + matrix[:, 1].sum() - matrix[1, 1]),
        RTOL,
    )


# ---- accumulated inside fit and evaluate --------------------------------------------------


def test_stateful_metrics_accumulate_over_batches_in_fit_and_evaluate():
    rng = np.random.default_rng(11)
    x = rng.normal(size=(30, 4)).astype("float32")
    y = (rng.uniform(size=(30, 3)) > 0.5).astype("float32")
    model = keras.Sequential([layers.Dense(3, activation="sigmoid", input_dim=4)])
    model.compile(
        optimizer=optimizers.SGD(0.0),  # frozen weights: fit's metrics see predict's outputs
        loss="binary_crossentropy",
        metrics=[
            metrics.AUC(name="roc"),
            metrics.AUC(curve="PR", name="pr"),
            metrics.Precision(thresholds=[0.3, 0.6], name="precision"),
            metrics.Recall(top_k=1, name="recall_top1"),
            metrics.Precision(class_id=1, name="precision_1"),
            metrics.BinaryAccuracy(threshold=0.4),
            "mae",
        ],
    )
    history = model.fit(x, y, batch_size=7, epochs=1, shuffle=False, verbose=0)
    results = model.evaluate(x, y, batch_size=7, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    tp, fp, _, _ = np_confusion(y, p, [0.3, 0.6])
    top1 = np_confusion(y, p, [-1e10], top_k=1)
    class1 = np_confusion(y, p, [0.5], class_id=1)
    expected = {
        "roc": np_auc(y, p),
        "pr": np_auc(y, p, curve="PR"),
        "precision": np_div(tp, tp + fp),
        "recall_top1": np_div(top1[0], top1[0] + top1[3])[0],
        "precision_1": np_div(class1[0], class1[0] + class1[1])[0],
        "binary_accuracy": np.mean((p > 0.4) == y),
        "mae": np.mean(np.abs(p - y)),
    }
    for name, reference in expected.items():
        np.testing.assert_allclose(results[name], reference, rtol=1e-5, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(
            np.asarray(history.history[name][-1]), reference, rtol=1e-5, atol=1e-6, err_msg=name
        )


def test_categorical_metrics_in_evaluate_with_weighted_metrics():
    rng = np.random.default_rng(12)
    x = rng.normal(size=(26, 4)).astype("float32")
    labels = rng.integers(0, 4, 26)
    w = rng.uniform(0.0, 2.0, size=26).astype("float32")

    def mean_max(y_true, y_pred):
        return ops.max(y_pred, axis=-1)

    model = keras.Sequential([layers.Dense(4, activation="softmax", input_dim=4)])
    model.compile(
        optimizer="sgd",
        loss="sparse_categorical_crossentropy",
        metrics=[
            "accuracy",
            "crossentropy",
            metrics.SparseTopKCategoricalAccuracy(k=2),
            metrics.MeanIoU(4, sparse_y_pred=False, name="mean_io_u"),
            mean_max,
        ],
        weighted_metrics=["acc", metrics.SparseCategoricalAccuracy(name="weighted_sparse")],
    )
    results = model.evaluate(x, labels, sample_weight=w, batch_size=6, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    hit = p.argmax(-1) == labels
    higher = np.sum(p > p[np.arange(26), labels][:, None], axis=-1)
    expected = {
        "accuracy": np.mean(hit),
        "crossentropy": np.mean(-np.log(np.clip(p[np.arange(26), labels], EPS, 1 - EPS))),
        "sparse_top_k_categorical_accuracy": np.mean(higher < 2),
        "mean_io_u": np_mean_iou(labels, p.argmax(-1), 4),
        "mean_max": np.mean(p.max(-1)),
        "acc": np.sum(hit * w) / np.sum(w),
        "weighted_sparse": np.sum(hit * w) / np.sum(w),
    }
    assert set(results) == {"loss", *expected}
    for name, reference in expected.items():
        np.testing.assert_allclose(results[name], reference, rtol=1e-5, atol=1e-6, err_msg=name)


# ---- get, serialize, configs, errors ------------------------------------------------------


def test_get_serialize_and_config_round_trips():
    assert metrics.get("mse") is metrics.mean_squared_error
    assert metrics.get("binary_accuracy") is metrics.binary_accuracy
    assert metrics.get("top_k_categorical_accuracy") is metrics.top_k_categorical_accuracy
    assert callable(metrics.get("poisson"))  # every loss is a metric
    assert isinstance(metrics.get("AUC"), metrics.AUC)
    assert isinstance(metrics.get(metrics.Precision), metrics.Precision)
    existing = metrics.Recall()
    assert metrics.get(existing) is existing
    objects = [
        metrics.AUC(num_thresholds=17, curve="PR", summation_method="minoring", name="a"),
        metrics.AUC(multi_label=True, num_labels=3, label_weights=[1, 2, 3], name="b"),
        metrics.Precision(thresholds=[0.2, 0.4], top_k=3, class_id=1, name="p"),
        metrics.Recall(name="r"),
        metrics.TruePositives(thresholds=0.7, name="tp"),
        metrics.MeanIoU(3, ignore_class=0, name="iou"),
        metrics.IoU(3, target_class_ids=[0, 2], name="iou2"),
        metrics.BinaryAccuracy(threshold=0.3, name="ba"),
        metrics.TopKCategoricalAccuracy(k=3),
        metrics.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
        metrics.CosineSimilarity(axis=-1),
        metrics.MeanMetricWrapper(metrics.binary_accuracy, name="w", threshold=0.2),
        metrics.Mean(name="m"),
        metrics.Sum(name="s"),
        metrics.RootMeanSquaredError(),
    ]
    for metric in objects:
        config = metric.get_config()
        rebuilt = metrics.deserialize(metrics.serialize(metric))
        assert type(rebuilt) is type(metric)
        assert rebuilt.get_config() == config
        assert [v.shape for v in rebuilt.variables] == [v.shape for v in metric.variables]
    assert metrics.serialize(metrics.binary_accuracy) == "binary_accuracy"
    with pytest.raises(ValueError, match=r"Unknown metric 'acuracy'"):
        metrics.get("acuracy")
    with pytest.raises(TypeError, match="A metric must be"):
        metrics.get(3)
    with pytest.raises(ValueError, match="Unknown metric class 'Nope'"):
        metrics.deserialize({"class_name": "Nope", "config": {}})


def test_argument_errors_name_the_metric_and_the_value():
    with pytest.raises(ValueError, match=r"curve must be one of .*'ROCK'"):
        metrics.AUC(curve="ROCK")
    with pytest.raises(ValueError, match="summation_method"):
        metrics.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match="num_thresholds must be an integer > 1"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match=r"thresholds must be in \[0, 1\]"):
        metrics.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="top_k must be a positive integer"):
        metrics.Recall(top_k=0)
    with pytest.raises(ValueError, match=r"target_class_ids must be classes in \[0, 3\)"):
        metrics.IoU(3, target_class_ids=[3])
    with pytest.raises(TypeError, match=r"BinaryAccuracy got unexpected arguments \['k'\]"):
        metrics.BinaryAccuracy(k=2)
    with pytest.raises(ValueError, match="class_id=4 is outside the 3 classes"):
        metrics.Precision(class_id=4).update_state(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"sample_weight of shape \(3,\) does not fit"):
        metrics.Mean().update_state(np.ones(2, "float32"), sample_weight=np.ones(3, "float32"))


def _mean_prediction(y_true, y_pred):
    return ops.mean(y_pred, axis=-1)


class HostReadMeanPrediction(metrics.MeanMetricWrapper):
    """A user's metric whose result reads its state on the host: it cannot be compiled,
    so the model reads it eagerly (the other metrics stay compiled)."""

    def __init__(self, name="host_mean_prediction"):
        super().__init__(_mean_prediction, name=name)

    def result(self):
        total = float(ops.convert_to_numpy(self.total.value))
        count = float(ops.convert_to_numpy(self.count.value))
        return ops.convert_to_tensor(np.float32(total / count if count else 0.0))


def test_a_metric_whose_result_reads_the_host_is_read_eagerly():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(12, 3)).astype("float32")
    y = rng.normal(size=(12, 1)).astype("float32")
    model = keras.Sequential([layers.Dense(1, input_dim=3)])
    model.compile(
        optimizer=optimizers.SGD(0.0),  # frozen: fit's metrics see predict's outputs
        loss="mse",
        metrics=["mae", HostReadMeanPrediction()],
    )
    history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    results = model.evaluate(x, y, batch_size=4, verbose=0, return_dict=True)
    p = model.predict(x, verbose=0)
    expected = {
        "loss": np.mean((p - y) ** 2),
        "mae": np.mean(np.abs(p - y)),
        "host_mean_prediction": np.mean(p),
    }
    for name, reference in expected.items():
        np.testing.assert_allclose(results[name], reference, rtol=1e-5, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(
            history.history[name][-1], reference, rtol=1e-5, atol=1e-6, err_msg=name
        )
