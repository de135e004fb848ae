"""`Sequential`: a linear stack of layers, a functional model wired one layer at a time."""

from __future__ import annotations

import warnings

from kerasfront import tree
from kerasfront.layers.base import Layer
from kerasfront.layers.input_layer import Input, InputLayer
from kerasfront.layers.keras_tensor import KerasTensor
from kerasfront.models.model import Model


class Sequential(Model):
    """A model whose layers each take the previous layer's output.

    The first layer may say the input shape (`input_shape=(784,)`, `input_dim=784` or
    `batch_input_shape=(None, 784)`), or an `Input`/`InputLayer` may come first; without
    either, the model is built from the data on its first call.

    Example:
        >>> model = Sequential([Dense(32, input_shape=(784,)), Activation("relu")])
        >>> model.add(Dense(10, activation="softmax"))
    """

    def __init__(self, layers=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self._stack: list[Layer] = []
        self._input_tensor: KerasTensor | None = None
        self._layer_outputs: list[KerasTensor] = []  # the output of each layer in _stack
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list[Layer]:
        # Like Keras, the InputLayer is not listed.
        return list(self._stack)

    @property
    def model(self) -> Sequential:
        """The model itself: Keras 1's Sequential wrapped a Model here, and Keras 2 kept
        the attribute, deprecated, for code that still reads `model.model`."""
        warnings.warn(
            "Sequential.model is deprecated (as in Keras 2): a Sequential is a Model, use "
            "it directly.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self

    def add(self, layer) -> None:
        """Appends a layer; when the input shape is known, wires it right away."""
        if isinstance(layer, KerasTensor):
            layer = layer.keras_history[0]
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add expects a Layer instance, received {type(layer).__name__}: "
                f"{layer!r:.80}."
            )
        if isinstance(layer, InputLayer):
            if self._stack or self._input_tensor is not None:
                raise ValueError("An InputLayer can only be the first layer of a Sequential model.")
            self._input_tensor = layer._inbound_nodes[0].outputs
            return
        if self._input_tensor is None and not self._stack:
            batch_shape = getattr(layer, "_batch_input_shape", None)
            if batch_shape is not None:
                # A layer that takes other data than its own dtype (Embedding: indices)
                # says so with `input_dtype`.
                dtype = getattr(layer, "input_dtype", None) or layer.dtype
                self._input_tensor = Input(
                    batch_shape=batch_shape, dtype=dtype, name=f"{layer.name}_input"
                )
        self._stack.append(layer)
        if self._input_tensor is not None:
            self._wire([layer])

    def pop(self) -> None:
        """Removes the last layer."""
        if not self._stack:
            raise TypeError("There are no layers in the model to pop.")
        self._stack.pop()
        if self._layer_outputs:
            self._layer_outputs.pop()
        if self._stack and self._layer_outputs:
            self._init_graph(self._input_tensor, self._layer_outputs[-1])
            self._reset_compiled_functions()
        elif not self._stack:
            self._graph, self.built = None, False
            self._sublayers[:] = []

    def _wire(self, layers) -> None:
        """Calls `layers` in turn on the current output, so each layer gets exactly one
        node in this model however many times the model grows."""
        output = self._layer_outputs[-1] if self._layer_outputs else self._input_tensor
        for layer in layers:
            output = layer(output)
            if len(tree.flatten(output)) != 1:
                raise ValueError(
                    "All layers in a Sequential model should have a single output tensor; "
                    f"layer '{layer.name}' returns {len(tree.flatten(output))}. Use the "
                    "functional API for multi-output layers."
                )
            self._layer_outputs.append(output)
        self._init_graph(self._input_tensor, output)
        self._reset_compiled_functions()

    def build(self, input_shape=None) -> None:
        """Wires the layers for inputs of `input_shape` (batch axis first)."""
        if self._graph is not None:
            return
        if input_shape is None:
            raise ValueError(f"Sequential model '{self.name}' needs an input_shape to build.")
        name = f"{self._stack[0].name}_input" if self._stack else None
        self._input_tensor = Input(batch_shape=(None, *tuple(input_shape)[1:]), name=name)
        self._layer_outputs = []
        if self._stack:
            self._wire(self._stack)

    def call(self, inputs, training=None, mask=None):
        if self._graph is None:
            self.build(tuple(inputs.shape))
        return super().call(inputs, training=training, mask=mask)

    def predict_proba(self, x, batch_size=32, verbose=0):
        """Keras 2's `predict` for models that output probabilities; warns when the
        outputs leave [0, 1] (the model then does not output probabilities)."""
        probabilities = self.predict(x, batch_size=batch_size, verbose=verbose)
        if probabilities.min() < 0.0 or probabilities.max() > 1.0:
            warnings.warn(
                f"predict_proba: Sequential model '{self.name}' returned values outside "
                "[0, 1]; add a sigmoid or softmax activation to its last layer for "
                "probabilities.",
                stacklevel=2,
            )
        return probabilities

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Keras 2's class indices: the argmax of the last axis, or for a single output
        unit (a sigmoid) 1 where the output exceeds 0.5, as int32."""
        probabilities = self.predict(x, batch_size=batch_size, verbose=verbose)
        if probabilities.shape[-1] > 1:
            return probabilities.argmax(axis=-1)
        return (probabilities > 0.5).astype("int32")

    def get_config(self) -> dict:
        """Keras 2's Sequential config: `name` and `layers` (`class_name`, `config`)."""
        from kerasfront.saving import config as config_module

        return config_module.sequential_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds the model from `get_config()`'s dict (or Keras 2.0's list of layers)."""
        from kerasfront.saving import config as config_module

        return config_module.sequential_from_config(cls, config, custom_objects)
