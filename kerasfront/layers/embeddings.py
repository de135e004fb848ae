"""Embedding: integer indices to rows of a learned table."""

from __future__ import annotations

import numpy as np

from kerasfront import constraints, initializers, ops, regularizers
from kerasfront.layers.base import Layer
from kerasfront.layers.conv_utils import describe
from kerasfront.layers.input_spec import InputSpec


class Embedding(Layer):
    """Turns indices into dense vectors: `(batch, length)` indices in `[0, input_dim)`
    become `(batch, length, output_dim)` rows of the weight `embeddings`.

    Args:
        input_dim: the number of rows (the vocabulary size, plus one with mask_zero).
        output_dim: the size of each vector.
        embeddings_initializer / embeddings_regularizer / embeddings_constraint: for
            the table (default initializer: uniform in [-0.05, 0.05], as in Keras).
        activity_regularizer: a penalty on the outputs.
        mask_zero: index 0 is padding: the output mask is `indices != 0`, for the RNNs
            downstream.
        input_length: the length of the index sequences (a tuple for inputs of more than
            one axis); checked against the inputs. As in Keras 2, the first layer of a
            Sequential model defines the model's input `(batch, input_length)`, or
            `(batch, None)` without it.

    Indices of any integer or float dtype are cast to int32 (Keras 2). An index outside
    `[0, input_dim)` raises an error naming the layer on every engine, in eager calls and
    inside `fit`/`predict`. The weight `embeddings` has shape `(input_dim, output_dim)`.
    """

    # The dtype of the `Input` a Sequential model creates for this layer: indices.
    input_dtype = "int32"

    def __init__(
        self,
        input_dim,
        output_dim,
        embeddings_initializer="uniform",
        embeddings_regularizer=None,
        activity_regularizer=None,
        embeddings_constraint=None,
        mask_zero=False,
        input_length=None,
        **kwargs,
    ):
        if input_length is not None and not all(
            d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0)
            for d in _lengths(input_length)
        ):
            # Checked before the base class turns it into input_shape (the layer has no
            # default name yet).
            where = f"Embedding {kwargs['name']!r}" if kwargs.get("name") else "Embedding"
            raise ValueError(
                f"{where}: input_length must be a positive integer, None or a tuple of them, "
                f"received {input_length!r}."
            )
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            # Keras 2: the first layer of a Sequential model says its input shape.
            kwargs["input_shape"] = _lengths(input_length) if input_length else (None,)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for argument, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            # NumPy integers too: the Keras 2 examples size the vocabulary with np.max.
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(
                    f"{describe(self)}: {argument} must be a positive integer, received {value!r}."
                )
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.input_length = input_length

    def _checked_lengths(self, input_shape) -> tuple:
        """The index axes' sizes, with input_length filling unknown ones; raises when
        input_length contradicts `input_shape`."""
        index_axes = tuple(input_shape[1:])
        if self.input_length is None:
            return index_axes
        lengths = _lengths(self.input_length)
        if len(lengths) != len(index_axes) or any(
            given is not None and actual is not None and given != actual
            for given, actual in zip(lengths, index_axes)
        ):
            raise ValueError(
                f"{describe(self)}: input_length is {self.input_length!r}, but the inputs have "
                f"shape {tuple(input_shape)} (index axes {index_axes})."
            )
        return tuple(a if a is not None else g for g, a in zip(lengths, index_axes))

    def build(self, input_shape):
        lengths = self._checked_lengths(input_shape)
        self.embeddings = self.add_weight(
            "embeddings",
            (self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )
        if self.input_length is not None:
            # Later calls are checked too (build runs once).
            axes = {i + 1: size for i, size in enumerate(_lengths(self.input_length)) if size}
            self.input_spec = InputSpec(ndim=len(lengths) + 1, axes=axes)
        super().build(input_shape)

    def call(self, inputs):
        dtype = np.dtype(ops.dtype(inputs))
        if dtype.kind not in "iuf":
            raise TypeError(
                f"{describe(self)} takes integer indices (any integer or float dtype), "
                f"received a tensor of dtype {dtype}."
            )
        if dtype != np.int32:
            inputs = ops.cast(inputs, "int32")
        return ops.embedding_lookup(self.embeddings, inputs, describe(self))

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self._checked_lengths(input_shape), self.output_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "input_length": self.input_length,
        }


def _lengths(input_length) -> tuple:
    return tuple(input_length) if isinstance(input_length, (list, tuple)) else (input_length,)
