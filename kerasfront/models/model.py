"""`Model`: a layer graph (functional API) or a subclass with its own `call`, trainable
with `compile`/`fit` (see `trainer.py`)."""

from __future__ import annotations

import inspect

import numpy as np

from kerasfront import tree
from kerasfront.backend.tracing import Spec
from kerasfront.layers.base import Layer
from kerasfront.layers.input_layer import InputLayer
from kerasfront.layers.keras_tensor import KerasTensor
from kerasfront.models.data import select_by_name
from kerasfront.models.functional import Graph
from kerasfront.models.keras2_attributes import Keras2Attributes
from kerasfront.models.summary import print_summary
from kerasfront.models.symbolic_losses import (
    check_symbolic_loss,
    graph_with_losses,
    run_collecting_losses,
)
from kerasfront.models.trainer import Trainer


class Model(Keras2Attributes, Trainer, Layer):
    """Groups layers into an object with training and inference features.

    Functional: `Model(inputs, outputs)` where `inputs`/`outputs` are symbolic tensors,
    lists of them or dicts of them by name. Subclassing: define layers in `__init__` and
    the forward pass in `call(inputs, training=None)`.
    """

    _init_argument_names = ("inputs", "outputs")

    def __init__(self, *args, **kwargs):
        # Keras 2 still took Keras 1's `Model(input=..., output=...)`.
        for legacy, argument in (("input", "inputs"), ("output", "outputs")):
            if legacy in kwargs and argument not in kwargs:
                kwargs[argument] = kwargs.pop(legacy)
        inputs = kwargs.pop("inputs", args[0] if len(args) > 0 else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        Layer.__init__(self, **kwargs)
        Trainer.__init__(self)
        self._graph = None
        self._symbolic_losses = []  # add_loss(K.mean(...)) on the model's tensors
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError(
                    "A functional Model needs both inputs and outputs, received "
                    f"inputs={inputs!r:.60} and outputs={outputs!r:.60}."
                )
            self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs):
        self._graph = Graph(inputs, outputs)
        _check_unique_layer_names(self.name, self._graph.layers)
        self._sublayers[:] = [
            layer for layer in self._graph.layers if not isinstance(layer, InputLayer)
        ]
        self.built = True
        self.inputs = self._graph.inputs
        self.outputs = self._graph.outputs
        # Dict inputs and outputs are named by their keys (flattened in sorted order),
        # lists by the names of the layers that make them.
        if isinstance(inputs, dict):
            self.input_names = sorted(inputs)
        else:
            self.input_names = [t.keras_history[0].name for t in self.inputs]
        if len(self.inputs) == 1:
            # Lets a built model start a Sequential model, as a first layer with
            # input_shape= would.
            self._batch_input_shape = self.inputs[0].shape
        if isinstance(outputs, dict):
            self.output_names = sorted(outputs)
        else:
            self.output_names = _unique_output_names(self.outputs)

    @property
    def layers(self) -> list[Layer]:
        if self._graph is not None:
            return list(self._graph.layers)
        return list(self._sublayers)

    def reset_states(self) -> None:
        """Zeroes the states of every stateful layer (recurrent layers built with
        `stateful=True`, Bidirectional over them), also inside nested models."""
        for layer in self.layers:
            if isinstance(layer, Model) or getattr(layer, "stateful", False):
                layer.reset_states()

    def get_layer(self, name=None, index=None) -> Layer:
        """A layer by its name or by its index in `model.layers`."""
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(
                    f"Model '{self.name}' has {len(self.layers)} layers; received index={index}."
                )
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f"No layer named {name!r} in model '{self.name}'. Layers: "
            f"{[layer.name for layer in self.layers]}."
        )

    # ---- forward -------------------------------------------------------------------------
    def call(self, inputs, training=None, mask=None):
        if self._graph is None:
            raise NotImplementedError(
                f"Model '{self.name}' was built without inputs/outputs; a subclass must define "
                "call(inputs, training=None)."
            )
        return run_collecting_losses(
            self, self.flatten_inputs(inputs), training, self._flat_masks(mask)
        )

    def add_loss(self, losses, inputs=None) -> None:
        """Adds loss terms to the model's objective (Keras 2).

        A symbolic scalar built from the model's tensors (`K.mean(...)` of its inputs,
        outputs or inner tensors) is recomputed at every training and evaluation step
        and added to the loss (then `compile(loss=None)` may leave the compiled loss
        out). A value given during a forward pass adds to that pass's loss, as a
        layer's does. `inputs` is accepted for Keras 2's signature and has no effect.
        """
        for loss in losses if isinstance(losses, (list, tuple)) else [losses]:
            if isinstance(loss, KerasTensor):
                check_symbolic_loss(self, loss)
                self._symbolic_losses.append(loss)
                try:  # a loss the inputs cannot reach fails here, not at the first step
                    graph_with_losses(self)
                except ValueError:
                    self._symbolic_losses.pop()
                    raise
            else:
                Layer.add_loss(self, loss)

    def _flat_masks(self, mask):
        return None if mask is None else self.flatten_inputs(mask)

    def compute_mask(self, inputs, mask=None):
        """The masks of the outputs: the graph is run with the input masks, as Keras 2's
        models do when used as a layer (one mask per output, None where unmasked). That
        is a second run of the inner graph; an outer graph asks for it only where masks
        exist (the model's outputs carry one, or its inputs do)."""
        if self._graph is None:
            return Layer.compute_mask(self, inputs, mask)
        _, masks = self._graph.run_with_masks(
            self.flatten_inputs(inputs), training=False, input_masks=self._flat_masks(mask)
        )
        if all(m is None for m in masks):
            return None
        return masks[0] if len(masks) == 1 else masks

    def flatten_inputs(self, inputs) -> list:
        """Data for the inputs (one array, a list, or a dict by input name) as a list in
        the order of `model.inputs`; raises a clear error when something is missing."""
        names = self.input_names
        if isinstance(inputs, dict):
            return select_by_name(inputs, names, self.name, "data for input(s)")
        if isinstance(inputs, (list, tuple)):
            if len(names) == 1 and not any(hasattr(item, "shape") for item in inputs):
                return [inputs]  # nested lists of numbers: the data of the one input
            if len(inputs) != len(names):
                raise ValueError(
                    f"Model '{self.name}' expects {len(names)} input(s) {names}, received "
                    f"{len(inputs)} arrays."
                )
            return list(inputs)
        if len(names) != 1:
            raise ValueError(
                f"Model '{self.name}' expects {len(names)} inputs {names}, received a single "
                "array. Pass a list or a dict by input name."
            )
        return [inputs]

    def check_input_shapes(self, flat_inputs) -> None:
        """Raises when data does not match the rank or fixed sizes of the model's inputs."""
        for tensor, name, data in zip(self.inputs, self.input_names, flat_inputs):
            if isinstance(data, np.ndarray) and data.dtype.kind in "US":
                raise TypeError(
                    f"Input '{name}' of model '{self.name}' takes numbers ({tensor.dtype}), "
                    f"received an array of dtype {data.dtype} and shape {data.shape}. Encode "
                    f"text first (e.g. kerasfront.preprocessing.text.Tokenizer)."
                )
            shape = tuple(np.shape(data)) if not hasattr(data, "shape") else tuple(data.shape)
            expected = tensor.shape
            if len(shape) != len(expected) or any(
                e is not None and e != s for e, s in zip(expected[1:], shape[1:])
            ):
                raise ValueError(
                    f"Input '{name}' of model '{self.name}' expects arrays of shape {expected} "
                    f"(None = any size), received an array of shape {shape}."
                )

    def compute_output_shape(self, input_shape):
        if self._graph is not None and tree.flatten(input_shape) == tree.flatten(
            [t.shape for t in self.inputs]
        ):
            return tree.map_structure(lambda t: t.shape, self._graph.output_structure)
        return Layer.compute_output_shape(self, input_shape)

    def compute_output_spec(self, inputs, *args, **kwargs):
        if type(self).compute_output_shape is not Model.compute_output_shape:
            return Layer.compute_output_spec(self, inputs, *args, **kwargs)
        if self._graph is not None and tree.flatten(
            tree.map_structure(lambda t: t.shape, inputs)
        ) == tree.flatten([t.shape for t in self.inputs]):
            return tree.map_structure(
                lambda t: Spec(t.shape, t.dtype), self._graph.output_structure
            )
        # Other shapes than the graph's (a Sequential built for (None, None) called on
        # (None, 10), as Keras 2 allows): run the graph on stand-ins. Layer's default
        # would ask compute_output_shape, which asks back here for a shape it lacks.
        return self._trace(
            lambda structure: self.call(structure[0], *args, **structure[1]), (inputs, kwargs)
        )

    # ---- shapes and description ----------------------------------------------------------
    def _graph_shapes(self, tensors):
        shapes = [t.shape for t in tensors]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def input_shape(self):
        if self._graph is not None:
            return self._graph_shapes(self.inputs)
        return Layer.input_shape.fget(self)

    @property
    def output_shape(self):
        if self._graph is not None:
            return self._graph_shapes(self.outputs)
        return Layer.output_shape.fget(self)

    @property
    def input(self):
        return self.inputs[0] if len(self.inputs) == 1 else self.inputs

    @property
    def output(self):
        return self.outputs[0] if len(self.outputs) == 1 else self.outputs

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False):
        """Prints Keras 2's table: each layer with its type, output shape, parameter count
        and, for a graph that is not a plain chain, the layer calls it is connected to;
        then the total, trainable and non-trainable parameter counts.

        Args:
            line_length: the width of the table (default 65, or 98 with "Connected to").
            positions: where each column ends, as characters or as fractions of
                `line_length`.
            print_fn: called with each line instead of `print`.
            expand_nested: also list the layers of nested models under their row.
        """
        if not self.built:
            raise ValueError(
                f"Model '{self.name}' has not been built yet: give the first layer an "
                "input_shape, or call the model on data (e.g. fit) before summary()."
            )
        print_summary(self, line_length, positions, print_fn, expand_nested=expand_nested)

    # ---- saving --------------------------------------------------------------------------
    def compile(self, *args, **kwargs):
        Trainer.compile(self, *args, **kwargs)
        # What was asked for, kept for `save` (Keras 2's training_config): the compiled
        # forms lose names and per-output structure.
        bound = inspect.signature(Trainer.compile).bind(self, *args, **kwargs)
        bound.apply_defaults()
        self._compile_arguments = {k: v for k, v in bound.arguments.items() if k != "self"}

    compile.__doc__ = Trainer.compile.__doc__

    def _weights_in_order(self) -> list:
        """The model's weights layer by layer, as Keras 2's `Model.get_weights` lists them.

        `model.weights` puts every trainable weight first, so freezing a layer (the
        fine-tuning recipe) would reorder it; `get_weights`/`set_weights` follow the layers
        instead, so arrays taken before a freeze, or from the same architecture frozen
        differently, still land on the right weights. Weights a subclassed model made
        itself (no layer owns them) come last."""
        by_layer = [w for layer in self.layers for w in layer.weights]
        return tree.unique_objects(by_layer + self.weights)

    def save_weights(self, filepath, overwrite=True, save_format=None) -> None:
        """Writes the weights to an HDF5 file in Keras 2's layout (`layer_names`, one group
        per layer with `weight_names`), atomically: a failed save leaves any previous file
        as it was."""
        from kerasfront.saving import weights_h5

        weights_h5.save_weights(self, filepath, overwrite=overwrite, save_format=save_format)

    def load_weights(self, filepath, by_name=False, skip_mismatch=False, reshape=False) -> None:
        """Loads weights from `save_weights`'s file or a whole-model `.h5`/`.keras` file.

        Args:
            filepath: the file.
            by_name: match layers by name (layers absent from the file keep their
                weights) instead of by the order of the layers that have weights.
            skip_mismatch: with `by_name`, skip layers whose weights do not fit (with a
                warning) instead of raising.
            reshape: reshape (row-major) a saved weight that has the layer weight's
                number of values but another shape, instead of raising (Keras 2).
        """
        from kerasfront.saving import weights_h5

        weights_h5.load_weights(
            self, filepath, by_name=by_name, skip_mismatch=skip_mismatch, reshape=reshape
        )

    def save(self, filepath, overwrite=True, include_optimizer=True, save_format=None) -> None:
        """Saves the architecture, weights, and compile settings with the optimizer state.

        `.keras` (or `save_format="keras"`): a zip of config.json, metadata.json and
        model.weights.h5; any other path: Keras 2's HDF5 file. Written atomically: a
        failed save leaves any previous file as it was.
        """
        from kerasfront.saving import api

        api.save_model(self, filepath, overwrite, include_optimizer, save_format)

    def get_config(self) -> dict:
        """Keras 2's functional config: `name`, `layers` (each with `class_name`,
        `config`, `name` and `inbound_nodes`), `input_layers`, `output_layers`."""
        if self._graph is None:
            raise NotImplementedError(
                f"Model '{self.name}' is a subclassed model (its own call), so its structure "
                "is Python code that no config describes. Define get_config()/from_config() "
                "in the subclass, or save its weights with save_weights()."
            )
        from kerasfront.saving import config as config_module

        return config_module.functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds a functional model from `get_config()`'s dict (Keras 2's too); classes
        are found only among kerasfront's and `custom_objects`."""
        from kerasfront.saving import config as config_module

        return config_module.functional_from_config(cls, config, custom_objects)

    def to_json(self, **kwargs) -> str:
        """The model's config as JSON (`{"class_name", "config", "keras_version",
        "backend"}`); `kwargs` go to `json.dumps`."""
        from kerasfront.saving import api

        return api.model_to_json(self, **kwargs)

    def to_yaml(self, **kwargs) -> str:
        """The model's config as YAML (Keras 2; needs PyYAML), written with PyYAML's safe
        dumper; `model_from_yaml` reads it back with the safe loader (plain data only).
        `kwargs` go to `yaml.safe_dump`."""
        from kerasfront.saving import yaml_config

        return yaml_config.model_to_yaml(self, **kwargs)


def _unique_output_names(outputs) -> list[str]:
    """The names of the layers making `outputs`, made unique as tf.keras 2 does: two
    outputs of one layer (a nested model's, as in the AC-GAN example's combined model)
    are named 'model' and 'model_1'. Keras 2.2 repeated the name, and History and the
    per-output losses, keyed by name, then kept only the last of them."""
    names: list[str] = []
    suffixes: dict[str, int] = {}
    for tensor in outputs:
        base = proposal = tensor.keras_history[0].name
        while proposal in names:
            suffixes[base] = suffixes.get(base, 0) + 1
            proposal = f"{base}_{suffixes[base]}"
        names.append(proposal)
    return names


def _check_unique_layer_names(model_name: str, model_layers) -> None:
    """Keras 2 refused two layers of one name in a model: weights are saved and loaded
    by layer name, so the second would overwrite the first in a file."""
    seen = {}
    for layer in model_layers:
        earlier = seen.setdefault(layer.name, layer)
        if earlier is not layer:
            raise ValueError(
                f"Model '{model_name}': the layer name {layer.name!r} is used by two layers "
                f"({type(earlier).__name__} and {type(layer).__name__}); layer names must be "
                f"unique within a model. Give one of them another name=."
            )
