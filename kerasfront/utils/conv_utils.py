"""Keras 2's `keras.utils.conv_utils`: the argument and size helpers custom convolution
layers of that era import (`conv_utils.normalize_tuple(kernel_size, 2, 'kernel_size')`,
`conv_utils.conv_output_length(...)`), with Keras 2's signatures. They share the rules
of kerasfront's own layers (`kerasfront.layers.conv_utils`).
"""

from __future__ import annotations

import numpy as np

from kerasfront.layers import conv_utils as _layer_rules

__all__ = [
    "conv_input_length",
    "conv_output_length",
    "convert_kernel",
    "deconv_length",
    "normalize_data_format",
    "normalize_padding",
    "normalize_tuple",
]

_PADDINGS = ("valid", "same", "causal", "full")


def normalize_tuple(value, n, name) -> tuple:
    """An int or an iterable of `n` ints as a tuple of `n` ints; `name` (the argument's
    name, e.g. 'strides') appears in the error."""
    return _layer_rules.normalize_tuple(value, n, name, "normalize_tuple", allow_zero=True)


def normalize_padding(value) -> str:
    """'valid', 'same' or 'causal' (any case) in lower case; anything else is an error."""
    return _layer_rules.normalize_padding(value, "normalize_padding", ("valid", "same", "causal"))


def normalize_data_format(value=None) -> str:
    """'channels_first' or 'channels_last'; None gives `image_data_format()`."""
    return _layer_rules.normalize_data_format(value, "normalize_data_format")


def convert_kernel(kernel) -> np.ndarray:
    """A NumPy kernel (3-D to 5-D) with its spatial axes reversed: a Theano convolution
    kernel as a TensorFlow one, and back (the flip is its own inverse)."""
    kernel = np.asarray(kernel)
    if not 3 <= kernel.ndim <= 5:
        raise ValueError(
            f"convert_kernel: expected a 3-D to 5-D kernel (*spatial, in, out), received "
            f"shape {kernel.shape}."
        )
    spatial = tuple(range(kernel.ndim - 2))
    return np.flip(kernel, axis=spatial).copy()


def _check_padding(padding, allowed, function: str) -> None:
    if padding not in allowed:
        raise ValueError(f"{function}: padding must be one of {allowed}, received {padding!r}.")


def conv_output_length(input_length, filter_size, padding, stride, dilation=1):
    """The output length of a convolution along one axis (None stays None)."""
    _check_padding(padding, _PADDINGS, "conv_output_length")
    return _layer_rules.conv_output_length(input_length, filter_size, padding, stride, dilation)


def conv_input_length(output_length, filter_size, padding, stride):
    """The input length a convolution needs for `output_length` (None stays None)."""
    _check_padding(padding, ("valid", "same", "full"), "conv_input_length")
    if output_length is None:
        return None
    pad = {"same": filter_size // 2, "valid": 0, "full": filter_size - 1}[padding]
    return (output_length - 1) * stride - 2 * pad + filter_size


def deconv_length(dim_size, stride_size, kernel_size, padding, output_padding, dilation=1):
    """The output length of a transposed convolution along one axis (None stays None);
    `output_padding` None infers it as Keras 2 did."""
    _check_padding(padding, ("valid", "same", "full"), "deconv_length")
    return _layer_rules.deconv_output_length(
        dim_size, kernel_size, padding, output_padding, stride_size, dilation
    )
