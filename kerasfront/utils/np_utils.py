"""NumPy helpers for labels and feature vectors: `to_categorical` and `normalize`."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["to_categorical", "normalize"]


def _as_integer_labels(y: Any) -> np.ndarray:
    """Converts `y` to an integer array, refusing values that are not whole numbers."""
    labels = np.asarray(y)
    if labels.dtype == np.bool_:
        return labels.astype(np.int64)
    if np.issubdtype(labels.dtype, np.integer):
        return labels.astype(np.int64, copy=False)
    if np.issubdtype(labels.dtype, np.floating):
        # Float labels such as 3.0 are common (targets loaded from CSV); 2.5 is a bug upstream
        # and truncating it would silently train on the wrong class.
        bad = ~np.isfinite(labels) | (labels != np.floor(labels))
        if np.any(bad):
            raise ValueError(
                "to_categorical: `y` must hold whole-number class labels; received the value "
                f"{labels[bad].flat[0]!r} (array of dtype {labels.dtype})."
            )
        return labels.astype(np.int64)
    raise ValueError(
        "to_categorical: `y` must hold integer class labels; received an array of dtype "
        f"{labels.dtype}."
    )


def _is_whole_number(value) -> bool:
    if isinstance(value, (bool, str, bytes)):
        return False
    try:
        return float(value).is_integer()
    except (TypeError, ValueError):
        return False


def to_categorical(y: Any, num_classes: int | None = None, dtype: Any = "float32") -> np.ndarray:
    """Converts a class vector (integers from 0 to num_classes - 1) to a one-hot matrix.

    The output has shape `y.shape + (num_classes,)`, except that a trailing axis of size 1 in a
    `y` of rank 2 or more is dropped first, so labels of shape `(n, 1)` give `(n, num_classes)`.

    Args:
        y: Array-like of class labels (ints, or floats holding whole numbers).
        num_classes: Total number of classes. If `None`, it is `max(y) + 1`.
        dtype: Data type of the output, `'float32'` by default.

    Returns:
        The one-hot encoded array.

    Raises:
        ValueError: If a label is negative, not a whole number, or `>= num_classes`.

    Example:
        >>> to_categorical([0, 2, 1], num_classes=3)
        array([[1., 0., 0.],
               [0., 0., 1.],
               [0., 1., 0.]], dtype=float32)
    """
    labels = _as_integer_labels(y)
    input_shape = labels.shape
    if len(input_shape) > 1 and input_shape[-1] == 1:
        input_shape = input_shape[:-1]
    flat = labels.ravel()

    if flat.size and flat.min() < 0:
        raise ValueError(
            f"to_categorical: class labels in `y` must be >= 0; received the label {flat.min()}."
        )
    if num_classes is not None and not _is_whole_number(num_classes):
        raise TypeError(
            f"to_categorical: `num_classes` must be an integer (or None to infer it); received "
            f"{type(num_classes).__name__}: {num_classes!r}."
        )
    if num_classes is None or num_classes == 0:
        if not flat.size:
            raise ValueError(
                "to_categorical: `y` is empty, so `num_classes` cannot be inferred; pass "
                "`num_classes` explicitly."
            )
        num_classes = int(flat.max()) + 1
    num_classes = int(num_classes)
    if num_classes < 1:
        raise ValueError(f"to_categorical: `num_classes` must be >= 1; received {num_classes}.")
    if flat.size and flat.max() >= num_classes:
        raise ValueError(
            f"to_categorical: every label must be < num_classes={num_classes}; received the "
            f"label {flat.max()}. Increase `num_classes` or fix the labels."
        )

    categorical = np.zeros((flat.size, num_classes), dtype=dtype)
    categorical[np.arange(flat.size), flat] = 1
    return categorical.reshape(input_shape + (num_classes,))


def normalize(x: Any, axis: int = -1, order: int | float = 2) -> np.ndarray:
    """Scales `x` so that its `order`-norm along `axis` is 1.

    Slices whose norm is 0 are left as they are (divided by 1) instead of becoming NaN.

    Args:
        x: Array-like to normalize.
        axis: Axis along which the norm is taken.
        order: Order of the norm, as for `numpy.linalg.norm` (2 is the Euclidean norm).

    Returns:
        A floating-point array of the same shape as `x`; as in Keras 2, a 1-D `x` of length n
        comes back with shape `(1, n)`.

    Example:
        >>> normalize([[3.0, 4.0], [0.0, 0.0]])
        array([[0.6, 0.8],
               [0. , 0. ]])
    """
    array = np.asarray(x)
    norms = np.atleast_1d(np.linalg.norm(array, order, axis))
    norms[norms == 0] = 1
    return array / np.expand_dims(norms, axis)
