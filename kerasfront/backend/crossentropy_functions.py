"""Crossentropies of the Keras 2 backend module, per sample (no mean over the batch).

Keras 2's formulas: probabilities are clipped to [epsilon, 1 - epsilon] (`K.epsilon()`)
and their logarithm taken as it is; categorical outputs are first scaled to sum to 1
along the class axis. With `from_logits=True` the outputs are logits and the stable
closed forms are used (log-softmax; max(x, 0) - x t + log(1 + exp(-|x|))).
"""

from __future__ import annotations

from kerasfront import config, ops
from kerasfront.backend.tensor_args import as_tensor


def _clipped(probabilities):
    eps = config.epsilon()
    return ops.clip(probabilities, eps, 1.0 - eps)


def _check_same_shape(function: str, target, output) -> None:
    target_shape, output_shape = ops.shape(target), ops.shape(output)
    compatible = len(target_shape) == len(output_shape) and all(
        a is None or b is None or a == b for a, b in zip(target_shape, output_shape)
    )
    if not compatible:
        raise ValueError(
            f"K.{function}: target and output must have the same shape; received "
            f"{target_shape} and {output_shape}."
        )


def binary_crossentropy(target, output, from_logits=False):
    """-(t log p + (1 - t) log(1 - p)) for every entry, p clipped to [eps, 1 - eps]."""
    target, output = as_tensor(target), as_tensor(output)
    target = ops.cast(target, ops.dtype(output))
    if from_logits:
        # max(x, 0) - x t + log(1 + exp(-|x|)): no overflow for large |x|.
        return ops.relu(output) - output * target + ops.log1p(ops.exp(-ops.abs(output)))
    p = _clipped(output)
    return -(target * ops.log(p) + (1.0 - target) * ops.log(1.0 - p))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-sum(t log p) along the class `axis` (-1: channels_last, 1: channels_first);
    probabilities are scaled to sum to 1, then clipped."""
    target, output = as_tensor(target), as_tensor(output)
    _check_same_shape("categorical_crossentropy", target, output)
    target = ops.cast(target, ops.dtype(output))
    return categorical_crossentropy_of_matched(target, output, from_logits, axis)


def categorical_crossentropy_of_matched(target, output, from_logits=False, axis=-1):
    """`categorical_crossentropy` for tensors already of one shape and dtype (the loss
    functions check and convert them first): the arithmetic alone, which is what a
    training step pays for every batch."""
    if from_logits:
        return -ops.sum(target * ops.log_softmax(output, axis=axis), axis=axis)
    p = _clipped(output / ops.sum(output, axis=axis, keepdims=True))
    return -ops.sum(target * ops.log(p), axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1, ignore_class=None):
    """Categorical crossentropy with integer class targets.

    `output` has the class axis `axis`; `target` has output's shape without that axis
    (or with it of size 1). Probabilities are clipped, and the loss is that of their
    logarithms taken as logits, -log(p_t / sum(p)), as Keras 2 computes it. Entries
    whose target is `ignore_class` give 0.
    """
    target, output = as_tensor(target), as_tensor(output)
    rank = len(ops.shape(output))
    axis = axis % rank
    if axis != rank - 1:  # the class axis goes last
        output = ops.transpose(output, (*range(axis), *range(axis + 1, rank), axis))
    logits = output if from_logits else ops.log(_clipped(output))
    log_probabilities = ops.log_softmax(logits, axis=-1)
    expected = ops.shape(log_probabilities)[:-1]
    target = ops.cast(target, "int32")
    if len(ops.shape(target)) != len(expected):
        target = ops.reshape(target, expected)
    valid = None
    if ignore_class is not None:
        valid = ops.not_equal(target, int(ignore_class))
        target = ops.where(valid, target, ops.zeros_like(target))
    picked = ops.take_along_axis(log_probabilities, ops.expand_dims(target, -1), axis=-1)
    loss = -ops.squeeze(picked, axis=-1)
    if valid is not None:
        loss = ops.where(valid, loss, ops.zeros_like(loss))
    return loss


def binary_focal_crossentropy(
    target, output, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False
):
    """The binary crossentropy scaled by (1 - p_t) ** gamma, p_t being the predicted
    probability of the true class (Lin et al., 2018); with `apply_class_balancing`,
    also by alpha for targets 1 and 1 - alpha for targets 0."""
    target, output = as_tensor(target), as_tensor(output)
    target = ops.cast(target, ops.dtype(output))
    probabilities = ops.sigmoid(output) if from_logits else output
    p_t = target * probabilities + (1.0 - target) * (1.0 - probabilities)
    focal = ops.power(1.0 - p_t, gamma) * binary_crossentropy(target, output, from_logits)
    if apply_class_balancing:
        focal = (target * alpha + (1.0 - target) * (1.0 - alpha)) * focal
    return focal


def categorical_focal_crossentropy(
    target, output, alpha=0.25, gamma=2.0, from_logits=False, axis=-1
):
    """sum(alpha (1 - p) ** gamma * (-t log p)) along the class `axis`: the categorical
    crossentropy with easy classes down-weighted (p scaled to sum 1 and clipped)."""
    target, output = as_tensor(target), as_tensor(output)
    _check_same_shape("categorical_focal_crossentropy", target, output)
    target = ops.cast(target, ops.dtype(output))
    if from_logits:
        output = ops.softmax(output, axis=axis)
    p = _clipped(output / ops.sum(output, axis=axis, keepdims=True))
    alpha = alpha if isinstance(alpha, (int, float)) else as_tensor(alpha)
    weighted = alpha * ops.power(1.0 - p, gamma) * (-target * ops.log(p))
    return ops.sum(weighted, axis=axis)


__all__ = [
    "binary_crossentropy",
    "binary_focal_crossentropy",
    "categorical_crossentropy",
    "categorical_focal_crossentropy",
    "sparse_categorical_crossentropy",
]
