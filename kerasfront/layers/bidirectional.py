"""`Bidirectional`: a recurrent layer run forwards and backwards over the same sequence,
the two outputs merged (Keras 2's `keras.layers.wrappers.Bidirectional`)."""

from __future__ import annotations

import numpy as np

from kerasfront import ops
from kerasfront.backend.registry import ADAPTER
from kerasfront.layers.base import is_single_shape
from kerasfront.layers.conv_utils import describe
from kerasfront.layers.wrappers import Wrapper

MERGE_MODES = ("concat", "sum", "mul", "ave", None)
# Attributes the forward and backward layers must share (go_backwards must differ).
_SHARED_ATTRIBUTES = ("return_sequences", "return_state", "stateful")


def _is_recurrent(layer) -> bool:
    """Recurrent layers are those whose configuration has a direction (`go_backwards`)
    and the output switches Bidirectional reads."""
    return all(hasattr(layer, name) for name in ("go_backwards", *_SHARED_ATTRIBUTES)) and (
        "go_backwards" in layer.get_config()
    )


def _reverse_time(x):
    """`x` (batch, time, ...) with its time axis reversed."""
    length = ops.shape(x)[1]
    if length is None:
        raise ValueError("the time size must be known to reverse the backward outputs")
    indices = ADAPTER.convert_to_tensor(np.arange(length - 1, -1, -1, dtype="int32"))
    return ops.take(x, indices, axis=1)


def _rename(layer, name: str) -> None:
    """Renames `layer`, and its cell when the cell is named after it (the Keras layers
    name their cell's weights after themselves: "forward_lstm/kernel", as Keras 2 saves
    them)."""
    cell = getattr(layer, "cell", None)
    if cell is not None and getattr(cell, "name", None) == layer.name and not layer.built:
        cell.name = name
    layer.name = name


class Bidirectional(Wrapper):
    """Runs a recurrent layer over the sequence forwards and a copy of it backwards.

    The forward and backward layers are new layers made from `layer`'s configuration
    (the backward one with `go_backwards` flipped), named `forward_<name>` and
    `backward_<name>` as in Keras 2, so their weights are saved under those names;
    `layer` itself is only their template. Weights: the forward layer's, then the
    backward layer's.

    With `return_sequences`, the backward layer's outputs (produced last step first) are
    put back in input order before merging (Keras 2), so step t of the merged output
    combines what both directions computed for input step t. With `return_state`, the
    call returns `[merged, *forward_states, *backward_states]` (`[forward_output,
    backward_output, *states]` when merge_mode is None). A mask is given to both layers;
    `initial_state` is split in half, the first half for the forward layer.

    Args:
        layer: a recurrent layer (SimpleRNN, GRU, LSTM, RNN, ConvLSTM2D).
        merge_mode: how the two outputs combine: "concat" (along the last axis, as
            Keras 2 does for every layer), "sum", "mul", "ave", or None for a list of
            both outputs.
        weights: initial weights, forward layer's then backward layer's (Keras 2).
        backward_layer: a recurrent layer to use as the backward layer instead of a copy
            (Keras 2.3 / tf.keras); it must process the sequence in the opposite direction
            and match `layer` in return_sequences, return_state and stateful.

    Example:
        >>> model = Sequential([Bidirectional(LSTM(10, return_sequences=True),
        ...                                   input_shape=(5, 10)), Dense(5)])
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        super().__init__(layer, weights=weights, **kwargs)
        # `layer` is a template: only the two copies hold weights.
        self._sublayers.remove(layer)
        if merge_mode not in MERGE_MODES:
            raise ValueError(
                f"{describe(self)}: merge_mode must be one of {list(MERGE_MODES)}, received "
                f"{merge_mode!r}."
            )
        self._check_recurrent(layer, "layer")
        self.merge_mode = merge_mode
        self._backward_layer_config = None
        forward = type(layer).from_config(layer.get_config())
        if backward_layer is None:
            backward_config = layer.get_config()
            backward_config["go_backwards"] = not backward_config["go_backwards"]
            backward_layer = type(layer).from_config(backward_config)
        else:
            self._check_recurrent(backward_layer, "backward_layer")
            if backward_layer is layer:
                raise ValueError(
                    f"{describe(self)}: backward_layer must be another layer than `layer`, "
                    "one that processes the sequence backwards."
                )
            self._backward_layer_config = {
                "class_name": type(backward_layer).__name__,
                "config": backward_layer.get_config(),
            }
        self._check_directions(forward, backward_layer)
        _rename(forward, f"forward_{forward.name}")
        _rename(backward_layer, f"backward_{backward_layer.name}")
        self.forward_layer = forward
        self.backward_layer = backward_layer
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.trainable = kwargs.get("trainable", True)

    # ---- checks -------------------------------------------------------------------------
    def _check_recurrent(self, layer, argument: str) -> None:
        if not _is_recurrent(layer):
            raise TypeError(
                f"{describe(self)}: {argument} must be a recurrent layer (SimpleRNN, GRU, "
                f"LSTM, RNN, ConvLSTM2D), received {type(layer).__name__} '{layer.name}'."
            )

    def _check_directions(self, forward, backward) -> None:
        for attribute in _SHARED_ATTRIBUTES:
            if getattr(forward, attribute) != getattr(backward, attribute):
                raise ValueError(
                    f"{describe(self)}: the forward and backward layers must have the same "
                    f"{attribute}, received {getattr(forward, attribute)!r} for "
                    f"'{forward.name}' and {getattr(backward, attribute)!r} for "
                    f"'{backward.name}'."
                )
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                f"{describe(self)}: the backward layer must process the sequence in the "
                f"opposite direction of the forward layer; both have go_backwards="
                f"{forward.go_backwards!r} ('{forward.name}', '{backward.name}')."
            )

    # ---- trainability -------------------------------------------------------------------
    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool):
        self._trainable = bool(value)
        for name in ("forward_layer", "backward_layer"):
            layer = self.__dict__.get(name)
            if layer is not None:
                layer.trainable = bool(value)

    # ---- shapes -------------------------------------------------------------------------
    def build(self, input_shape):
        self.forward_layer._maybe_build(input_shape)
        self.backward_layer._maybe_build(input_shape)
        super().build(input_shape)

    def compute_output_shape(self, input_shape):
        self._maybe_build(input_shape)
        shapes = self.forward_layer.compute_output_shape(input_shape)
        if self.return_state:
            output_shape, state_shapes = tuple(shapes[0]), [tuple(s) for s in shapes[1:]]
        else:
            output_shape, state_shapes = tuple(shapes), []
        if not is_single_shape(output_shape):
            raise ValueError(f"{describe(self)}: unexpected output shapes {shapes}.")
        if self.merge_mode == "concat":
            last = output_shape[-1]
            merged = [(*output_shape[:-1], None if last is None else 2 * last)]
        elif self.merge_mode is None:
            merged = [output_shape, output_shape]
        else:
            merged = [output_shape]
        result = merged + state_shapes + state_shapes
        return result[0] if len(result) == 1 else result

    # ---- computation --------------------------------------------------------------------
    def _split_initial_state(self, initial_state):
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else None
        if not states or len(states) % 2:
            raise ValueError(
                f"{describe(self)}: initial_state must be a list with the forward layer's "
                "states followed by the backward layer's (an even number of tensors), "
                f"received {initial_state!r:.120}."
            )
        half = len(states) // 2
        return states[:half], states[half:]

    def call(self, inputs, training=None, mask=None, initial_state=None):
        kwargs = {"training": training}
        if mask is not None:
            kwargs["mask"] = mask
        forward_kwargs, backward_kwargs = dict(kwargs), dict(kwargs)
        if initial_state is not None:
            forward_state, backward_state = self._split_initial_state(initial_state)
            forward_kwargs["initial_state"] = forward_state
            backward_kwargs["initial_state"] = backward_state
        forward = self.forward_layer(inputs, **forward_kwargs)
        backward = self.backward_layer(inputs, **backward_kwargs)
        states = []
        if self.return_state:
            states = list(forward[1:]) + list(backward[1:])
            forward, backward = forward[0], backward[0]
        if self.return_sequences:
            try:
                backward = _reverse_time(backward)
            except ValueError as error:
                raise ValueError(f"{describe(self)}: {error}.") from error
        merged = self._merge(forward, backward)
        if not self.return_state:
            return merged
        return [*merged, *states] if self.merge_mode is None else [merged, *states]

    def _merge(self, forward, backward):
        if self.merge_mode == "concat":
            return ops.concatenate([forward, backward], axis=-1)
        if self.merge_mode == "sum":
            return forward + backward
        if self.merge_mode == "mul":
            return forward * backward
        if self.merge_mode == "ave":
            return (forward + backward) / 2.0
        return [forward, backward]

    def compute_mask(self, inputs, mask=None):
        """Keras 2: the outputs keep the input's mask only with return_sequences (one
        for each output when merge_mode is None); states carry none."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        masks = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            masks += [None] * (2 * self._state_count())
        return masks[0] if len(masks) == 1 else masks

    def _state_count(self) -> int:
        """How many states one direction returns (2 for an LSTM)."""
        state_size = self.forward_layer.cell.state_size
        return len(state_size) if isinstance(state_size, (list, tuple)) else 1

    def reset_states(self, states=None) -> None:
        """Resets both layers' states (stateful layers); `states` is split in half like
        `initial_state`."""
        if states is None:
            self.forward_layer.reset_states()
            self.backward_layer.reset_states()
            return
        forward_states, backward_states = self._split_initial_state(states)
        self.forward_layer.reset_states(forward_states)
        self.backward_layer.reset_states(backward_states)

    # ---- configuration ------------------------------------------------------------------
    def get_config(self) -> dict:
        config_ = {**super().get_config(), "merge_mode": self.merge_mode}
        if self._backward_layer_config is not None:
            from kerasfront.saving.registry import class_name_of

            # The registry's name, so a registered custom backward layer loads again.
            config_["backward_layer"] = {
                **self._backward_layer_config,
                "class_name": class_name_of(self.backward_layer),
            }
        return config_

    @classmethod
    def from_config(cls, config_: dict, custom_objects=None):
        from kerasfront.saving.config import deserialize_layer

        config_ = dict(config_)
        where = f"Bidirectional '{config_.get('name')}'"
        layer = deserialize_layer(config_.pop("layer", None), custom_objects, where)
        # Keras 2 writes num_constants when the layer was called with constants=, which
        # this Bidirectional does not take: refuse it rather than drop the constants.
        if config_.pop("num_constants", None) is not None:
            raise ValueError(
                f"{where}: the config was written by a Bidirectional called with "
                "constants= (num_constants is set); kerasfront's Bidirectional does not take "
                "constants. Wrap an RNN whose cell reads them and call it without "
                "Bidirectional, or rebuild the model without constants."
            )
        backward = config_.pop("backward_layer", None)
        if backward is not None:
            backward = deserialize_layer(backward, custom_objects, where)
        return cls(layer, backward_layer=backward, **config_)


__all__ = ["Bidirectional"]
