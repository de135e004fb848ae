"""Merge layers: combine a list of tensors into one (Add, Concatenate, ...), and their
function forms (`add([x1, x2])`, `concatenate([x1, x2])`)."""

from __future__ import annotations

import functools

from kerasfront import ops
from kerasfront.layers.base import Layer


class _Merge(Layer):
    """Base: checks the inputs are a list of at least two tensors of compatible shapes."""

    def _check_list(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not all(
            isinstance(shape, (list, tuple)) for shape in input_shape
        ):
            raise ValueError(
                f"{type(self).__name__} '{self.name}' must be called on a list of tensors, "
                f"received inputs of shape {input_shape}."
            )
        if len(input_shape) < 2:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' needs at least 2 inputs, received "
                f"{len(input_shape)}."
            )

    def build(self, input_shape):
        self._check_list(input_shape)
        shapes = [tuple(shape) for shape in input_shape]
        # Elementwise merges: same shape apart from the batch axis (no silent broadcast).
        first = shapes[0]
        for shape in shapes[1:]:
            if len(shape) != len(first) or any(
                a is not None and b is not None and a != b for a, b in zip(first[1:], shape[1:])
            ):
                raise ValueError(
                    f"{type(self).__name__} '{self.name}' needs inputs of the same shape, "
                    f"received shapes {shapes}."
                )
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        first = tuple(input_shape[0])
        return tuple(
            next((shape[i] for shape in input_shape if shape[i] is not None), None)
            for i in range(len(first))
        )

    @staticmethod
    def _combine(x, y):
        """How two inputs merge; the inputs are folded with it left to right."""
        raise NotImplementedError

    def _merge(self, inputs):
        return functools.reduce(self._combine, inputs)

    def call(self, inputs):
        return self._merge(list(inputs))


class Add(_Merge):
    """The elementwise sum of the inputs."""

    _combine = staticmethod(ops.add)


class Subtract(_Merge):
    """inputs[0] - inputs[1] (exactly two inputs)."""

    def build(self, input_shape):
        if isinstance(input_shape, (list, tuple)) and len(input_shape) != 2:
            raise ValueError(
                f"Subtract '{self.name}' takes exactly 2 inputs, received {len(input_shape)}."
            )
        super().build(input_shape)

    _combine = staticmethod(ops.subtract)


class Multiply(_Merge):
    """The elementwise product of the inputs."""

    _combine = staticmethod(ops.multiply)


class Average(_Merge):
    """The elementwise mean of the inputs."""

    _combine = staticmethod(ops.add)

    def _merge(self, inputs):
        return super()._merge(inputs) / float(len(inputs))


class Maximum(_Merge):
    """The elementwise maximum of the inputs."""

    _combine = staticmethod(ops.maximum)


class Minimum(_Merge):
    """The elementwise minimum of the inputs."""

    _combine = staticmethod(ops.minimum)


class Concatenate(_Merge):
    """Joins the inputs along `axis` (default: the last); other axes must match."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def build(self, input_shape):
        self._check_list(input_shape)
        shapes = [tuple(shape) for shape in input_shape]
        rank = len(shapes[0])
        axis = self.axis % rank if rank else 0
        for shape in shapes[1:]:
            mismatch = len(shape) != rank or any(
                a is not None and b is not None and a != b
                for i, (a, b) in enumerate(zip(shapes[0], shape))
                if i not in (0, axis)
            )
            if mismatch:
                raise ValueError(
                    f"Concatenate '{self.name}' needs inputs whose shapes match except on "
                    f"axis {self.axis}, received shapes {shapes}."
                )
        Layer.build(self, input_shape)

    def _merge(self, inputs):
        return ops.concatenate(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = [tuple(shape) for shape in input_shape]
        axis = self.axis % len(shapes[0])
        output = list(_Merge.compute_output_shape(self, shapes))
        sizes = [shape[axis] for shape in shapes]
        output[axis] = None if any(size is None for size in sizes) else sum(sizes)
        return tuple(output)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def add(inputs, **kwargs):
    """`Add()(inputs)`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """`Concatenate(axis)(inputs)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)
