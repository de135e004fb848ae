"""Layers that rearrange each sample's axes: Permute and RepeatVector."""

from __future__ import annotations

import numpy as np

from kerasfront import ops
from kerasfront.layers.base import Layer
from kerasfront.layers.conv_utils import describe
from kerasfront.layers.input_spec import InputSpec


class Permute(Layer):
    """Reorders the axes of each sample; the batch axis stays first.

    Args:
        dims: a permutation of `1..rank-1` (Keras counts from 1, the batch axis being 0):
            `Permute((2, 1))` turns `(batch, 10, 64)` into `(batch, 64, 10)`.
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        received = dims
        try:
            dims = tuple(dims)
        except TypeError:
            dims = None
        if (
            dims is None
            or not all(isinstance(d, int) and not isinstance(d, bool) for d in dims)
            or sorted(dims) != list(range(1, len(dims) + 1))
        ):
            raise ValueError(
                f"{describe(self)}: dims must be a permutation of 1..n (axis 0, the batch, is "
                f"left out), e.g. (2, 1); received {received!r}."
            )
        self.dims = dims
        self.input_spec = InputSpec(ndim=len(dims) + 1)

    def call(self, inputs):
        return ops.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


class RepeatVector(Layer):
    """Repeats each sample `n` times along a new axis: `(batch, features)` becomes
    `(batch, n, features)`.

    Args:
        n: the number of repetitions, a positive integer.
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
            raise ValueError(f"{describe(self)}: n must be a positive integer, received {n!r}.")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return ops.tile(ops.expand_dims(inputs, 1), (1, self.n, 1))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
