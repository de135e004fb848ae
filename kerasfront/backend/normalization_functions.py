"""Batch normalization functions of the Keras 2 backend module: `K.batch_normalization`
and `K.normalize_batch_in_training`."""

from __future__ import annotations

from kerasfront import ops
from kerasfront.backend.tensor_args import as_operand, as_tensor


def _broadcastable(parameter, x_rank: int, axis: int):
    """A per-channel vector shaped to broadcast along `axis` of a rank-`x_rank` tensor;
    parameters of another rank broadcast as they are."""
    if parameter is None:
        return None
    parameter = as_operand(parameter)
    if isinstance(parameter, float | int) or len(ops.shape(parameter)) != 1 or x_rank < 2:
        return parameter
    target = [1] * x_rank
    target[axis % x_rank] = ops.shape(parameter)[0]
    return ops.reshape(parameter, tuple(target))


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta; `beta`/`gamma` may be None.

    Vectors (one entry per channel) apply along `axis`; parameters of x's rank (shaped
    with size-1 axes) broadcast as they are.
    """
    x = as_tensor(x)
    rank = len(ops.shape(x))
    mean, var = _broadcastable(mean, rank, axis), _broadcastable(var, rank, axis)
    normed = (x - mean) / ops.sqrt(var + epsilon)
    gamma, beta = _broadcastable(gamma, rank, axis), _broadcastable(beta, rank, axis)
    if gamma is not None:
        normed = normed * gamma
    if beta is not None:
        normed = normed + beta
    return normed


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """Normalises `x` with its own mean and variance over `reduction_axes`, then
    scales by `gamma` and shifts by `beta` (either may be None).

    Returns `(normed, mean, variance)`, the statistics shaped as x without the reduced
    axes. The variance is divided by n (TensorFlow's fused kernel, which Keras 2 uses
    for some 4-D inputs, reports the n - 1 form instead; the normalisation is the same).
    `gamma`/`beta` hold one entry per kept position: a vector for the usual
    all-but-the-last-axis reduction, or any shape with as many entries.
    """
    x = as_tensor(x)
    rank = len(ops.shape(x))
    axes = tuple(sorted(int(a) % rank for a in reduction_axes))
    mean, variance = ops.moments(x, axes, keepdims=True)
    kept_shape = tuple(ops.shape(mean))

    def shaped(parameter):
        return None if parameter is None else ops.reshape(as_tensor(parameter), kept_shape)

    normed = batch_normalization(x, mean, variance, shaped(beta), shaped(gamma), -1, epsilon)
    return normed, ops.squeeze(mean, axis=axes), ops.squeeze(variance, axis=axes)


__all__ = ["batch_normalization", "normalize_batch_in_training"]
