"""Layer wrappers: `Wrapper`, the base of layers that hold another layer, and
`TimeDistributed`, which applies its layer to every temporal slice of its input
(Keras 2's `keras.layers.wrappers`; `Bidirectional` lives in `bidirectional.py`).
"""

from __future__ import annotations

from kerasfront import ops
from kerasfront.layers.base import Layer, is_single_shape
from kerasfront.layers.conv_utils import describe
from kerasfront.lazy_exports import lazy_exports


class Wrapper(Layer):
    """The base of layers that augment another layer (TimeDistributed, Bidirectional).

    The wrapped layer is a sublayer: its weights are the wrapper's weights, in its own
    order, and the wrapper is trainable exactly when the wrapped layer is (Keras 2).

    Args:
        layer: the layer to wrap.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise TypeError(
                f"{type(self).__name__} wraps a layer instance, received "
                f"{type(layer).__name__}: {layer!r:.80}."
            )
        super().__init__(**kwargs)
        self.layer = layer
        if "trainable" in kwargs:
            self.trainable = kwargs["trainable"]

    @property
    def trainable(self) -> bool:
        layer = self.__dict__.get("layer")
        return self._trainable if layer is None else layer.trainable

    @trainable.setter
    def trainable(self, value: bool):
        self._trainable = bool(value)
        layer = self.__dict__.get("layer")
        if layer is not None:
            layer.trainable = bool(value)

    def get_config(self) -> dict:
        from kerasfront.saving.config import serialize_layer

        # The registry's name, so a registered custom layer or a whole model inside
        # the wrapper is found again when loading.
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config_: dict, custom_objects=None):
        """Rebuilds the wrapper and its layer (any registered layer, a custom object, or
        a Sequential/functional model)."""
        from kerasfront.saving.config import deserialize_layer

        config_ = dict(config_)
        where = f"{cls.__name__} '{config_.get('name')}'"
        layer = deserialize_layer(config_.pop("layer", None), custom_objects, where)
        return cls(layer, **config_)


class TimeDistributed(Wrapper):
    """Applies `layer` to every temporal slice of the input.

    The input is `(batch, time, ...)` (rank 3 or more; axis 1 is time). The slices are
    folded into the batch, `(batch * time, ...)`, the layer runs once on all of them,
    and the result is unfolded to `(batch, time, ...)`. Keras 2 loops over time when the
    batch size is fixed; the fold gives the same values with one call on every engine.
    `layer` can be any layer or a whole `Model` (a CNN applied to each video frame).

    Masks (Keras 2 semantics, with one relaxation): a `(batch, time)` mask marks whole
    slices, so it passes through to the output unchanged. It is not given to the wrapped
    layer, where it would be a per-sample mask that no layer reads (Keras 2 hands it
    over, and layers that do not support masking then refuse it). A mask with more axes,
    `(batch, time, steps)`, is folded to `(batch * time, steps)` and given to a wrapped
    layer whose `call` takes `mask` (a recurrent layer over nested sequences). A wrapped
    layer that makes or changes masks (Masking, Embedding(mask_zero=True), an RNN with
    return_sequences, a Model) decides the output mask, unfolded to `(batch, time, ...)`.

    Args:
        layer: a layer instance.

    Example:
        >>> model = Sequential([TimeDistributed(Dense(8), input_shape=(10, 16))])
        >>> model.output_shape
        (None, 10, 8)
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.supports_masking = True
        # Whether the wrapped layer returned a mask, by whether it was given one: masks
        # are structural (present or not for every batch), so one look is enough.
        self._inner_makes_masks: dict[bool, bool] = {}

    # ---- shapes -------------------------------------------------------------------------
    def _check_time_axis(self, input_shape) -> None:
        if not is_single_shape(input_shape):
            raise ValueError(
                f"{describe(self)} takes a single input tensor, received inputs of shapes "
                f"{input_shape}."
            )
        if len(input_shape) < 3:
            raise ValueError(
                f"{describe(self)} needs inputs with a time axis, (batch, time, ...) of "
                f"rank 3 or more; received an input of shape {tuple(input_shape)}."
            )

    @staticmethod
    def _slice_shape(input_shape) -> tuple:
        """The shape the wrapped layer sees: time folded into the batch axis."""
        batch, time = input_shape[0], input_shape[1]
        folded = None if batch is None or time is None else batch * time
        return (folded, *tuple(input_shape)[2:])

    def build(self, input_shape):
        self._check_time_axis(input_shape)
        self.layer._maybe_build(self._slice_shape(input_shape))
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        self._check_time_axis(input_shape)
        self.layer._maybe_build(self._slice_shape(input_shape))
        slice_output = self.layer.compute_output_shape(self._slice_shape(input_shape))
        if not is_single_shape(slice_output):
            raise ValueError(
                f"{describe(self)}: the wrapped layer '{self.layer.name}' returns several "
                f"outputs {slice_output}; TimeDistributed supports layers with one output."
            )
        return (input_shape[0], input_shape[1], *tuple(slice_output)[1:])

    # ---- folding time into the batch ----------------------------------------------------
    @staticmethod
    def _fold(x):
        shape = tuple(ops.shape(x))
        return ops.reshape(x, (-1, *shape[2:]))

    def _unfold(self, y, batch, time):
        rest = tuple(ops.shape(y))[1:]
        if batch is None and time is None:
            # Only while an engine traces with both sizes unknown; the shape inference
            # then retries with concrete sizes.
            raise ValueError(
                f"{describe(self)}: both the batch and the time size are unknown, so the "
                "time axis cannot be restored by a reshape."
            )
        return ops.reshape(y, (-1 if batch is None else batch, -1 if time is None else time, *rest))

    # ---- computation --------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        shape = tuple(ops.shape(inputs))
        self._check_time_axis(shape)
        kwargs = {"training": training}
        if mask is not None and len(ops.shape(mask)) > 2 and self.layer._call_accepts_mask:
            kwargs["mask"] = self._fold(mask)
        outputs = self.layer(self._fold(inputs), **kwargs)
        if not ops.is_tensor(outputs):
            raise ValueError(
                f"{describe(self)}: the wrapped layer '{self.layer.name}' returned "
                f"{type(outputs).__name__}; TimeDistributed supports layers with one output."
            )
        return self._unfold(outputs, shape[0], shape[1])

    def compute_mask(self, inputs, mask=None):
        inner_mask_given = mask is not None and len(ops.shape(mask)) > 2
        makes_masks = type(self.layer).compute_mask is not Layer.compute_mask
        if makes_masks and self._inner_makes_masks.get(inner_mask_given, True):
            shape = tuple(ops.shape(inputs))
            inner = self.layer.compute_mask(
                self._fold(inputs), self._fold(mask) if inner_mask_given else None
            )
            self._inner_makes_masks[inner_mask_given] = inner is not None
            if inner is not None:
                return self._unfold(inner, shape[0], shape[1])
        if mask is None:
            return None
        if self.layer.supports_masking and not makes_masks:
            return mask  # the wrapped layer passes its (folded) mask on unchanged
        # The wrapped layer drops the mask: what stays is which time slices are real.
        while len(ops.shape(mask)) > 2:
            mask = ops.any(mask, axis=-1)
        return mask


# Keras 2 code imports Bidirectional from here (`from keras.layers.wrappers import
# Bidirectional`); its module imports this one, so it loads on first use.
__getattr__, __dir__ = lazy_exports(__name__, {"Bidirectional": "kerasfront.layers.bidirectional"})

__all__ = ["Bidirectional", "TimeDistributed", "Wrapper"]  # noqa: F822 (loaded on first use)
