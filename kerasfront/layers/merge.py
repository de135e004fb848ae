"""Merge layers: combine a list of tensors into one (Add, Concatenate, ...), and their
function forms (`add([x1, x2])`, `concatenate([x1, x2])`)."""

from __future__ import annotations

import functools
import math

from kerasfront import ops
from kerasfront.layers.base import Layer

# l2-normalization floor of Dot(normalize=True), TensorFlow's `l2_normalize` default
# that Keras 2's backend used: x / sqrt(max(sum(x ** 2), 1e-12)).
_L2_EPSILON = 1e-12


def _looks_like_inputs(value) -> bool:
    """True for a list of tensors, passed where a merge layer takes its arguments."""
    return isinstance(value, (list, tuple)) and any(
        not isinstance(item, int) or isinstance(item, bool) for item in value
    )


def _refuse_inputs(class_name: str, received) -> None:
    """`Add([a, b])` is a common slip for `add([a, b])`: say so instead of failing later."""
    function = class_name.lower()
    raise TypeError(
        f"{class_name} received its inputs as a constructor argument ({received!r:.80}). "
        f"Create the layer, then call it on the list: `{class_name}()([a, b])`, or use the "
        f"function form `{function}([a, b])`."
    )


class _Merge(Layer):
    """Base: checks the inputs are a list of at least two tensors of compatible shapes.

    Masks (Keras 2): the inputs may carry masks; the output's mask is the logical AND of
    the inputs' masks, an input without one counting as unmasked (all True), and None
    when no input has one.
    """

    # Elementwise merges broadcast inputs of different ranks (Keras 2); Concatenate and
    # Dot have rules of their own.
    _elementwise = True

    def __init__(self, *args, **kwargs):
        if args:
            if _looks_like_inputs(args[0]):
                _refuse_inputs(type(self).__name__, args[0])
            raise TypeError(
                f"{type(self).__name__} takes keyword arguments only, received positional "
                f"arguments {args!r:.80}."
            )
        super().__init__(**kwargs)
        self.supports_masking = True

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
        self._broadcast_shape(input_shape)  # raises for shapes Keras 2 refuses
        super().build(input_shape)

    def _broadcast_shape(self, input_shape) -> tuple:
        """The output shape under Keras 2's rule for elementwise merges: the shapes after
        the batch axis are aligned on their last axes, where sizes must be equal or 1
        (which broadcasts), so an input with fewer axes counts as having axes of size 1
        after its batch axis; the batch sizes must agree. Anything else is refused."""
        shapes = [tuple(shape) for shape in input_shape]
        rank = max(len(shape) for shape in shapes)
        output: list = [1] * (rank - 1)
        unknown = [False] * (rank - 1)
        compatible = True
        for shape in shapes:
            rest = shape[1:]
            for offset, size in enumerate(rest, start=rank - len(shape)):
                if size is None:
                    unknown[offset] = True
                elif size != 1:
                    compatible = compatible and output[offset] in (1, size)
                    output[offset] = size
        batch_sizes = {shape[0] for shape in shapes if shape and shape[0] is not None}
        if not compatible or len(batch_sizes) > 1:
            raise ValueError(
                f"{type(self).__name__} '{self.name}' needs inputs of the same shape, or of "
                "shapes Keras 2 broadcasts (axes of size 1, fewer axes after the batch axis) "
                f"with one batch size; received shapes {shapes}."
            )
        # An axis of unknown size stays unknown unless another input fixes it above 1.
        rest = [
            None if is_unknown and size == 1 else size for size, is_unknown in zip(output, unknown)
        ]
        return (next(iter(batch_sizes), None), *rest)

    def compute_output_shape(self, input_shape):
        return self._broadcast_shape(input_shape)

    @staticmethod
    def _combine(x, y):
        """How two inputs merge; the inputs are folded with it left to right."""
        raise NotImplementedError

    def _merge(self, inputs):
        return functools.reduce(self._combine, inputs)

    def call(self, inputs):
        inputs = list(inputs)
        ranks = [len(ops.shape(x)) for x in inputs]
        if self._elementwise and min(ranks) != max(ranks):
            # Keras 2: inputs with fewer axes get axes of size 1 after the batch axis;
            # the engine then broadcasts the axes of size 1.
            for index, x in enumerate(inputs):
                for _ in range(max(ranks) - ranks[index]):
                    x = ops.expand_dims(x, 1)
                inputs[index] = x
        return self._merge(inputs)

    def _input_masks(self, inputs, mask):
        """The per-input masks as a list (None entries for unmasked inputs), or None
        when no input has a mask."""
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': mask must be a list with one entry "
                f"(a mask or None) per input, {len(inputs)} in all; received {mask!r:.100}."
            )
        return None if all(m is None for m in mask) else list(mask)

    def compute_mask(self, inputs, mask=None):
        masks = self._input_masks(inputs, mask)
        if masks is None:
            return None
        present = [ops.cast(m, "bool") for m in masks if m is not None]
        return functools.reduce(ops.logical_and, present)


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

    _elementwise = False

    def __init__(self, axis=-1, **kwargs):
        if _looks_like_inputs(axis):
            _refuse_inputs("Concatenate", axis)
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(
                f"Concatenate '{self.name}': axis must be an integer, received {axis!r}."
            )
        self.axis = axis

    def build(self, input_shape):
        self._check_list(input_shape)
        shapes = [tuple(shape) for shape in input_shape]
        rank = len(shapes[0])
        if not -rank <= self.axis < rank:
            raise ValueError(
                f"Concatenate '{self.name}': axis {self.axis} is out of range for inputs of "
                f"rank {rank} (expected -{rank} <= axis < {rank}); received shapes {shapes}."
            )
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
        # Each axis: the size any input knows (build checked that they agree).
        output = [
            next((shape[i] for shape in shapes if shape[i] is not None), None)
            for i in range(len(shapes[0]))
        ]
        sizes = [shape[axis] for shape in shapes]
        output[axis] = None if any(size is None for size in sizes) else sum(sizes)
        return tuple(output)

    def compute_mask(self, inputs, mask=None):
        """Keras 2's rule: every mask is brought to the input's rank with a last axis of
        size 1 (a missing one as all True, a full-rank one reduced with `all` over the
        last axis), the masks are concatenated along `axis`, and `all` over the last
        axis gives the output mask. So masks along the concatenation axis (e.g. time,
        `axis=1`) are joined, and along the feature axis they are AND-ed."""
        masks = self._input_masks(inputs, mask)
        if masks is None:
            return None
        columns = [self._mask_column(x, m) for x, m in zip(inputs, masks)]
        return ops.all(ops.concatenate(columns, axis=self.axis), axis=-1)

    def _mask_column(self, x, mask):
        """`mask` of input `x` as a boolean tensor of shape `x.shape[:-1] + (1,)`."""
        rank = len(ops.shape(x))
        if mask is None:
            return ops.ones_like(ops.take(x, [0], axis=-1), dtype="bool")
        mask = ops.cast(mask, "bool")
        mask_rank = len(ops.shape(mask))
        if mask_rank == rank:
            return ops.all(mask, axis=-1, keepdims=True)
        if mask_rank == rank - 1:
            return ops.expand_dims(mask, -1)
        raise ValueError(
            f"Concatenate '{self.name}': a mask must have the rank of its input or one "
            f"less; received a mask of shape {tuple(ops.shape(mask))} for an input of shape "
            f"{tuple(ops.shape(x))}."
        )

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Dot(_Merge):
    """The dot product of two inputs along one axis of each, sample by sample.

    Keras 2's `batch_dot`: for inputs `x` and `y` and axes `(a, b)`, the output has the
    shape of `x` without axis `a` followed by the shape of `y` without its batch axis
    and axis `b`; a result with only the batch axis left becomes `(batch, 1)`. So two
    `(batch, n)` inputs with `axes=1` give `(batch, 1)`, and `(batch, t, n)` with
    `(batch, n, m)` and `axes=(2, 1)` give `(batch, t, m)`.

    Args:
        axes: one axis for both inputs, or a pair `(axis of x, axis of y)`; negative
            values count from the end; never the batch axis 0.
        normalize: L2-normalize both inputs along their axes first, so the output is
            the cosine similarity.
    """

    _elementwise = False

    def __init__(self, axes, normalize=False, **kwargs):
        if _looks_like_inputs(axes):
            _refuse_inputs("Dot", axes)
        super().__init__(**kwargs)
        where = f"Dot '{self.name}'"
        if isinstance(axes, int) and not isinstance(axes, bool):
            pair = (axes, axes)
        elif (
            isinstance(axes, (list, tuple))
            and len(axes) == 2
            and all(isinstance(a, int) and not isinstance(a, bool) for a in axes)
        ):
            pair = tuple(axes)
        else:
            raise TypeError(
                f"{where}: axes must be an integer or a pair of integers, received {axes!r}."
            )
        self.axes = axes if isinstance(axes, int) else list(axes)
        self._axes_pair = pair
        self.normalize = bool(normalize)
        # Keras 2: masked inputs are accepted, and the output carries no mask.
        self.supports_masking = True

    def _resolved_axes(self, shapes) -> tuple[int, int]:
        """Both axes as non-negative positions; refuses the batch axis and bad ranks."""
        resolved = []
        for axis, shape in zip(self._axes_pair, shapes):
            rank = len(shape)
            position = axis + rank if axis < 0 else axis
            if not 1 <= position < rank:
                raise ValueError(
                    f"Dot '{self.name}': axes {self.axes!r} do not fit inputs of shapes "
                    f"{[tuple(s) for s in shapes]}; each axis must be a non-batch axis "
                    f"(1..rank-1 or negative)."
                )
            resolved.append(position)
        return resolved[0], resolved[1]

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2:
            raise ValueError(
                f"Dot '{self.name}' must be called on a list of exactly 2 tensors, received "
                f"inputs of shape {input_shape}."
            )
        self._check_list(input_shape)
        first, second = (tuple(shape) for shape in input_shape)
        axis_x, axis_y = self._resolved_axes((first, second))
        size_x, size_y = first[axis_x], second[axis_y]
        if size_x is not None and size_y is not None and size_x != size_y:
            raise ValueError(
                f"Dot '{self.name}': axis {axis_x} of the first input (size {size_x}) and "
                f"axis {axis_y} of the second (size {size_y}) must have the same size; "
                f"received shapes {first} and {second}."
            )
        Layer.build(self, input_shape)

    def _merge(self, inputs):
        x, y = inputs
        shape_x, shape_y = tuple(ops.shape(x)), tuple(ops.shape(y))
        axis_x, axis_y = self._resolved_axes((shape_x, shape_y))
        if self.normalize:
            x = _l2_normalize(x, axis_x)
            y = _l2_normalize(y, axis_y)
        rest_x = [i for i in range(1, len(shape_x)) if i != axis_x]
        rest_y = [i for i in range(1, len(shape_y)) if i != axis_y]
        size = shape_x[axis_x]
        # (batch, rows, size) @ (batch, size, columns): one batched matmul for any ranks.
        rows = math.prod(shape_x[i] for i in rest_x)
        columns = math.prod(shape_y[i] for i in rest_y)
        x = ops.reshape(ops.transpose(x, (0, *rest_x, axis_x)), (-1, rows, size))
        y = ops.reshape(ops.transpose(y, (0, axis_y, *rest_y)), (-1, size, columns))
        product = ops.matmul(x, y)
        sizes = [shape_x[i] for i in rest_x] + [shape_y[i] for i in rest_y]
        return ops.reshape(product, (-1, *(sizes or [1])))

    def compute_output_shape(self, input_shape):
        first, second = (tuple(shape) for shape in input_shape)
        axis_x, axis_y = self._resolved_axes((first, second))
        rest_x = [d for i, d in enumerate(first) if i not in (0, axis_x)]
        rest_y = [d for i, d in enumerate(second) if i not in (0, axis_y)]
        return (first[0], *(rest_x + rest_y or [1]))

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _l2_normalize(x, axis):
    squares = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return x / ops.sqrt(ops.maximum(squares, _L2_EPSILON))


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


def dot(inputs, axes, normalize=False, **kwargs):
    """`Dot(axes, normalize)(inputs)`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
