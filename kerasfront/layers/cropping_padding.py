"""Cropping and zero-padding of the spatial axes (Keras 2's Cropping1D/2D/3D and
ZeroPadding1D/2D/3D).

Both take, per spatial axis, a pair (before, after): how many entries to remove from
(cropping) or add to (padding) each end. Keras accepts several spellings of these pairs;
`normalize_pairs` turns them all into one tuple of pairs.
"""

from __future__ import annotations

from kerasfront import ops
from kerasfront.layers.base import Layer
from kerasfront.layers.conv_utils import (
    describe,
    normalize_data_format,
    normalize_tuple,
    spatial_dims,
)
from kerasfront.layers.input_spec import InputSpec


def normalize_pairs(value, rank: int, argument: str, where: str) -> tuple:
    """Keras's spellings of per-axis (before, after) amounts as `rank` pairs of ints >= 0.

    rank 1: an int (the same at both ends) or a pair (before, after).
    rank 2 or 3: an int (everywhere), a tuple of `rank` ints (symmetric per axis), or a
    tuple of `rank` entries that are each an int or a pair (before, after).
    """
    if rank == 1:
        return (normalize_tuple(value, 2, argument, where, allow_zero=True),)
    if isinstance(value, int) and not isinstance(value, bool):
        pair = normalize_tuple(value, 2, argument, where, allow_zero=True)
        return (pair,) * rank
    if isinstance(value, (tuple, list)) and len(value) == rank:
        return tuple(
            normalize_tuple(entry, 2, f"entry {index} of {argument}", where, allow_zero=True)
            for index, entry in enumerate(value)
        )
    raise ValueError(
        f"{where}: {argument} must be an int, a tuple of {rank} ints (symmetric per axis) or "
        f"a tuple of {rank} pairs ((before, after) per spatial axis), received {value!r}."
    )


def _per_axis(pairs, data_format: str) -> tuple:
    """The spatial pairs with (0, 0) for the batch and channel axes, in axis order."""
    if data_format == "channels_last":
        return ((0, 0), *pairs, (0, 0))
    return ((0, 0), (0, 0), *pairs)


class _Cropping(Layer):
    """The shared body of the cropping layers; subclasses set `rank`."""

    rank = 0

    def __init__(self, cropping, data_format, **kwargs):
        super().__init__(**kwargs)
        where = describe(self)
        self.cropping = normalize_pairs(cropping, self.rank, "cropping", where)
        self.data_format = normalize_data_format(data_format, where)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        # Negative stops count from the end, so one index serves every input size.
        self._index = tuple(
            slice(before, -after if after else None)
            for before, after in _per_axis(self.cropping, self.data_format)
        )

    def _check_fits(self, input_shape) -> None:
        for size, (before, after) in zip(
            spatial_dims(input_shape, self.data_format), self.cropping
        ):
            if size is not None and before + after >= size:
                raise ValueError(
                    f"{describe(self)}: cropping {self.cropping} removes {before + after} "
                    f"entries from a spatial axis of size {size} (input shape "
                    f"{tuple(input_shape)}, {self.data_format}), leaving nothing. Crop less."
                )

    def call(self, inputs):
        self._check_fits(ops.shape(inputs))
        return inputs[self._index]

    def compute_output_shape(self, input_shape):
        self._check_fits(input_shape)
        return tuple(
            None if size is None else size - before - after
            for size, (before, after) in zip(
                input_shape, _per_axis(self.cropping, self.data_format)
            )
        )

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}


class Cropping1D(_Cropping):
    """Removes entries from the start and end of the steps axis of `(batch, steps,
    features)` inputs.

    Args:
        cropping: an int (the same at both ends) or a pair (start, end); default (1, 1).
    """

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, "channels_last", **kwargs)

    def get_config(self):
        config_ = super().get_config()
        del config_["data_format"]
        config_["cropping"] = self.cropping[0]
        return config_


class Cropping2D(_Cropping):
    """Removes rows and columns at the edges of an image.

    Args:
        cropping: an int (every edge), a pair (symmetric rows, symmetric cols) or a pair
            of pairs ((top, bottom), (left, right)); default ((0, 0), (0, 0)).
        data_format: "channels_last" or "channels_first"; None (default) means
            `image_data_format()`.

    Example:
        >>> Cropping2D(((1, 0), (2, 2)))(np.zeros((1, 5, 8, 3), "float32")).shape
        (1, 4, 4, 3)
    """

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Removes entries at the edges of three spatial axes; `cropping` as in Cropping2D
    with three entries, default ((1, 1), (1, 1), (1, 1))."""

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class _ZeroPadding(Layer):
    """The shared body of the zero-padding layers; subclasses set `rank`."""

    rank = 0

    def __init__(self, padding, data_format, **kwargs):
        super().__init__(**kwargs)
        where = describe(self)
        self.padding = normalize_pairs(padding, self.rank, "padding", where)
        self.data_format = normalize_data_format(data_format, where)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self._pad_width = _per_axis(self.padding, self.data_format)

    def call(self, inputs):
        return ops.pad(inputs, self._pad_width)

    def compute_output_shape(self, input_shape):
        return tuple(
            None if size is None else size + before + after
            for size, (before, after) in zip(input_shape, self._pad_width)
        )

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


class ZeroPadding1D(_ZeroPadding):
    """Adds zeros at the start and end of the steps axis of `(batch, steps, features)`
    inputs.

    Args:
        padding: an int (the same at both ends) or a pair (start, end); default 1.
        data_format: Keras 3's option; "channels_last" (default, Keras 2's only layout)
            or "channels_first" (`(batch, features, steps)`).
    """

    rank = 1

    def __init__(self, padding=1, data_format="channels_last", **kwargs):
        super().__init__(padding, data_format, **kwargs)

    def get_config(self):
        config_ = super().get_config()
        config_["padding"] = self.padding[0]
        # Keras 2's config has no data_format; keep its keys for the Keras 2 layout.
        if self.data_format == "channels_last":
            del config_["data_format"]
        return config_


class ZeroPadding2D(_ZeroPadding):
    """Adds rows and columns of zeros at the edges of an image.

    Args:
        padding: an int (every edge), a pair (symmetric rows, symmetric cols) or a pair
            of pairs ((top, bottom), (left, right)); default (1, 1).
        data_format: "channels_last" or "channels_first"; None (default) means
            `image_data_format()`.
    """

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Adds zeros at the edges of three spatial axes; `padding` as in ZeroPadding2D
    with three entries, default (1, 1, 1)."""

    rank = 3

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)
