"""What SimpleRNNCell, GRUCell and LSTMCell share: arguments, weights in Keras's layout,
and Keras 2's dropout masks.

Weights (Keras 2): `kernel` (input_dim, gates * units), `recurrent_kernel`
(units, gates * units), `bias` (gates * units,), the gate blocks side by side along the
last axis, so weights saved by Keras load as they are.

Dropout (Keras 2.2.4): a mask is drawn once per batch (per call of the recurrent layer)
and the same mask applies at every time step; only while training. Masks are scaled by
1 / (1 - rate), as `K.dropout(ones, rate)` makes them. With implementation 1, GRU and
LSTM draw one input mask and one recurrent mask per gate; with implementation 2, one of
each for all gates.
"""

from __future__ import annotations

import numpy as np

from kerasfront import activations, constraints, initializers, ops, regularizers
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.variables import SeedGenerator
from kerasfront.layers.base import Layer
from kerasfront.layers.conv_utils import describe


def check_units(where: str, units) -> int:
    if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
        raise ValueError(f"{where}: units must be a positive integer, received {units!r}.")
    return int(units)


def check_dropout(where: str, argument: str, rate) -> float:
    """A dropout rate in [0, 1). Keras 2 clipped other values silently (and ignored 1)."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise ValueError(f"{where}: {argument} must be a number in [0, 1), received {rate!r}.")
    return float(rate)


def check_implementation(where: str, implementation) -> int:
    # Keras 2 mapped the removed implementation 0 to 1.
    if implementation == 0:
        return 1
    if implementation not in (1, 2) or isinstance(implementation, bool):
        raise ValueError(f"{where}: implementation must be 1 or 2, received {implementation!r}.")
    return int(implementation)


def as_numpy(value) -> np.ndarray:
    return value if isinstance(value, np.ndarray) else np.asarray(ADAPTER.convert_to_numpy(value))


def blocks(x, units: int, count: int) -> list:
    """The first `count` gate blocks of width `units` along the last axis of `x`. A split
    where they fill the axis: its gradient is one concatenation, where slices' is padded
    blocks added together (about a fifth of an LSTM training step on JAX)."""
    if ops.shape(x)[-1] == units * count:
        return ops.split(x, count, axis=-1)
    return [x[..., g * units : (g + 1) * units] for g in range(count)]


class RecurrentCell(Layer):
    """The base of the Keras recurrent cells: one time step of a recurrent layer.

    Subclasses set `GATES` and write `call(inputs, states, training=None)` returning
    `(output, new_states)`. `state_size` and `output_size` are `units` (LSTM: two states).
    """

    GATES = 1

    def __init__(
        self,
        units,
        activation="tanh",
        use_bias=True,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        bias_initializer="zeros",
        kernel_regularizer=None,
        recurrent_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        recurrent_constraint=None,
        bias_constraint=None,
        dropout=0.0,
        recurrent_dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        where = describe(self)
        self.units = check_units(where, units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = check_dropout(where, "dropout", dropout)
        self.recurrent_dropout = check_dropout(where, "recurrent_dropout", recurrent_dropout)
        self.seed = seed
        if self.dropout or self.recurrent_dropout:
            self.seed_generator = SeedGenerator(seed, name=f"{self.name}/seed")
        self.state_size = self.units
        self.output_size = self.units
        self.implementation = 1
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    # ---- weights -------------------------------------------------------------------------
    def _bias_shape(self) -> tuple:
        return (self.GATES * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape):
        input_dim = tuple(input_shape)[-1]
        if input_dim is None:
            raise ValueError(
                f"{describe(self)}: the last axis of the step inputs must be known, received "
                f"shape {tuple(input_shape)}."
            )
        width = self.GATES * self.units
        self.kernel = self.add_weight(
            "kernel",
            (input_dim, width),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel",
            (self.units, width),
            initializer=self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                "bias",
                self._bias_shape(),
                initializer=self._bias_initializer(),
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        super().build(input_shape)

    # ---- dropout -------------------------------------------------------------------------
    def _mask_count(self) -> int:
        return self.GATES if self.implementation == 1 else 1

    def _draw_masks(self, shape, rate: float) -> list:
        masks = []
        for _ in range(self._mask_count()):
            noise = ops.random_uniform(shape, 0.0, 1.0, self.dtype, self.seed_generator.next())
            masks.append(ops.cast(ops.greater_equal(noise, rate), self.dtype) / (1.0 - rate))
        return masks

    def prepare_dropout_masks(self, step_input_shape, training) -> None:
        """Draws this batch's masks before the time loop (so every step uses the same
        ones, and no random state changes inside the loop). Inputs of the steps have
        `step_input_shape` (batch, features)."""
        batch = tuple(step_input_shape)[0]
        self._dropout_mask = None
        self._recurrent_dropout_mask = None
        if training and self.dropout:
            self._dropout_mask = self._draw_masks(tuple(step_input_shape), self.dropout)
        if training and self.recurrent_dropout:
            shape = (batch, self.units)
            self._recurrent_dropout_mask = self._draw_masks(shape, self.recurrent_dropout)

    def reset_dropout_masks(self) -> None:
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    def _current_masks(self, inputs, previous_output, training):
        """(input masks, recurrent masks): those prepared for this batch, or, for a cell
        called on its own while training, masks drawn now; None where there are none."""
        if self._dropout_mask is not None or self._recurrent_dropout_mask is not None:
            return self._dropout_mask, self._recurrent_dropout_mask
        if not training or not (self.dropout or self.recurrent_dropout):
            return None, None
        self.prepare_dropout_masks(tuple(ops.shape(inputs)), training)
        masks = self._dropout_mask, self._recurrent_dropout_mask
        self.reset_dropout_masks()
        return masks

    # ---- configuration -------------------------------------------------------------------
    def get_config(self):
        config_ = {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
        }
        if self.seed is not None:
            config_["seed"] = self.seed
        return config_


def forget_bias_initializer(base, units: int, before: int, after: int):
    """An initializer of a (before + 1 + after) * units bias: `base` everywhere but ones
    for the block at position `before` (the forget gate, `unit_forget_bias`)."""

    def initializer(shape, dtype=None):
        dtype = dtype or "float32"
        parts = [
            as_numpy(base((before * units,), dtype=dtype)),
            np.ones((units,), dtype=dtype),
            as_numpy(base((after * units,), dtype=dtype)),
        ]
        return np.concatenate(parts).astype(dtype)

    return initializer
