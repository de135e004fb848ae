"""The `Layer` base class: weights, building, calling on data or on symbolic inputs.

A layer called on concrete tensors goes straight to `call` (after a one-time build). A
layer called on `KerasTensor`s builds itself from the shapes, finds the output shapes
(its own `compute_output_shape` when it defines one, else by tracing `call` with the
engine), and records a `Node` so that a functional model can replay the call.
"""

from __future__ import annotations

import inspect
import re

import numpy as np

from kerasfront import config, regularizers, tree
from kerasfront.backend import user_code
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.tracing import Spec
from kerasfront.backend.variables import SeedGenerator, Variable, unique_name
from kerasfront.layers.call_errors import reraise_with_layer
from kerasfront.layers.input_spec import InputSpec, check_input_spec
from kerasfront.layers.keras2_layer_api import Keras2LayerAPI
from kerasfront.layers.keras_tensor import KerasTensor, Node, carried_masks, one_mask_per_output
from kerasfront.layers.layer_arguments import (
    BASE_KWARGS,
    batch_shape_from,
    check_dtype_argument,
    unknown_arguments_message,
)
from kerasfront.layers.layer_weights import LayerWeights
from kerasfront.layers.node_accessors import NodeAccessors
from kerasfront.layers.unseeded_draws import (
    CALLING_LAYERS,
    SYMBOLIC_CALLS,
    give_waiting_layers_generators,
)

# The `training` flag of the outermost call, seen by nested layers called with None.
_TRAINING_CONTEXT: list = [None]
_RUNS_USER_CODE: dict = {}


def _runs_user_code(layer_class) -> bool:
    """Whether `layer_class.call` is the user's code (a class may say, as Lambda does)."""
    known = _RUNS_USER_CODE.get(layer_class)
    if known is None:
        known = getattr(layer_class, "_calls_user_code", None)
        if known is None:
            known = user_code.is_users(layer_class.call)
        _RUNS_USER_CODE[layer_class] = known
    return known


# Losses added during the current forward pass (activity regularizers, `add_loss`).
_LOSS_COLLECTORS: list[list] = []


def to_snake_case(name: str) -> str:
    """Keras's default layer names: `Conv2D` -> `conv2d`, `GlobalMaxPooling2D` ->
    `global_max_pooling2d` (a digit joins the word before it), so that weights saved
    by name match Keras's."""
    snake = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", snake).lower()


def is_single_shape(shape) -> bool:
    return isinstance(shape, (tuple, list)) and all(d is None or isinstance(d, int) for d in shape)


class Layer(NodeAccessors, LayerWeights, Keras2LayerAPI):
    """The base of every layer. Subclasses write `build(input_shape)` and `call(inputs)`.

    Args:
        name: unique name within the session (default: the class name in snake case).
        trainable: whether fit updates this layer's weights.
        dtype: the layer's float type (default `floatx()`).
        input_shape / batch_input_shape / batch_size / input_dim: for the first layer of
            a Sequential model, the shape of one sample (or of a whole batch).
        weights: initial weights, set once the layer is built (Keras 2's `weights=`).
        activity_regularizer: a penalty on the layer's outputs, added to the loss.
    """

    def __init__(self, **kwargs):
        unknown = set(kwargs) - BASE_KWARGS
        if unknown:
            raise TypeError(unknown_arguments_message(type(self), unknown))
        check_dtype_argument(type(self).__name__, kwargs.get("dtype"))
        set_ = object.__setattr__
        set_(self, "_own_weights", [])
        set_(self, "_sublayers", [])
        set_(self, "_variable_attributes", {})
        set_(self, "_weight_regularizers", [])
        set_(self, "_seed_generators", [])
        self._inbound_nodes = []
        self.built = False
        self.supports_masking = False
        self.input_spec = None
        self._trainable = kwargs.get("trainable", True)
        self.name = kwargs.get("name") or unique_name(to_snake_case(type(self).__name__))
        self.dtype = kwargs.get("dtype") or config.floatx()
        self._initial_weights = kwargs.get("weights")
        if kwargs.get("input_dtype") is not None:
            self.input_dtype = kwargs["input_dtype"]  # read by Sequential (see Embedding)
        self.activity_regularizer = regularizers.get(kwargs.get("activity_regularizer"))
        self._batch_input_shape = batch_shape_from(f"{type(self).__name__} '{self.name}'", kwargs)
        parameters = inspect.signature(self.call).parameters
        self._call_accepts_training = "training" in parameters
        self._call_accepts_mask = "mask" in parameters

    # Attribute tracking: variables and sublayers assigned to attributes are found by
    # `weights`; reading a variable attribute gives its current value (a tensor).
    def __setattr__(self, name, value):
        attributes = self.__dict__.get("_variable_attributes")
        if isinstance(value, Variable) and attributes is not None:
            attributes[name] = value
            self.__dict__.pop(name, None)
            # A variable made with K.variable in build (`self.scale = K.variable(...)`) is
            # one of the layer's weights, as tf.keras 2 tracks it: trained, constrained,
            # saved.
            if not any(value is weight for weight in self._own_weights):
                self._own_weights.append(value)
            return
        if isinstance(value, SeedGenerator) and "_seed_generators" in self.__dict__:
            self._seed_generators.append(value)
        if "_sublayers" in self.__dict__:
            # A layer, or a list/tuple of layers (e.g. `self.blocks = [Dense(8), Dense(8)]`).
            candidates = value if isinstance(value, (list, tuple)) else [value]
            for item in candidates:
                if isinstance(item, Layer) and item is not self and item not in self._sublayers:
                    self._sublayers.append(item)
        if attributes is not None:
            attributes.pop(name, None)
        object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Only reached when normal lookup fails, so plain attributes pay nothing.
        attributes = self.__dict__.get("_variable_attributes")
        if attributes is not None and name in attributes:
            return attributes[name].value
        prop = getattr(type(self), name, None)
        if isinstance(prop, property) and prop.fget is not None:
            # The property raised AttributeError and Python fell back to us: run it again
            # so that its own message (e.g. "use get_input_shape_at") reaches the user.
            return prop.fget(self)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    # ---- building and calling -------------------------------------------------------
    def build(self, input_shape):
        """Creates the weights once the input shape is known. Call super().build() last."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        """The layer's computation; the default returns the inputs unchanged."""
        return inputs

    def _maybe_build(self, input_shapes):
        if self.built:
            return
        self.build(input_shapes)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def __call__(self, inputs, *args, **kwargs):
        training = kwargs.pop("training", None)
        if training is None:
            training = _TRAINING_CONTEXT[-1]
        if self._call_accepts_training:
            kwargs["training"] = training
        if self.built and ADAPTER.is_tensor(inputs) and not isinstance(inputs, np.ndarray):
            # The hot path (a built layer on one engine tensor, as in every compiled
            # step): no structure walks, and the input spec checked once per shape.
            if not self._call_accepts_mask and "mask" in kwargs:
                self._check_mask_supported(kwargs.pop("mask"))
            if self.input_spec is not None:
                self._check_input_spec_once(inputs)
            return self._run_call(inputs, args, kwargs, training)
        leaves = tree.flatten(inputs)
        if any(isinstance(leaf, KerasTensor) for leaf in leaves):
            return self._symbolic_call(inputs, args, kwargs)
        if not self._call_accepts_mask:
            self._check_mask_supported(kwargs.pop("mask", None))
        if isinstance(inputs, np.ndarray) or any(isinstance(leaf, np.ndarray) for leaf in leaves):
            inputs = tree.map_structure(lambda x: _to_tensor(x, self), inputs)
        if self.input_spec is not None:
            check_input_spec(self, inputs)
        if not self.built:
            self._maybe_build(tree.map_structure(lambda x: tuple(ADAPTER.shape(x)), inputs))
        return self._run_call(inputs, args, kwargs, training)

    def _check_input_spec_once(self, tensor) -> None:
        """`check_input_spec` for one tensor, skipped for a shape already accepted by
        the same spec (the spec only looks at shapes; a new spec object starts over)."""
        shape = getattr(tensor, "shape", None)
        key = shape if isinstance(shape, tuple) else tuple(ADAPTER.shape(tensor))
        accepted = self.__dict__.get("_accepted_shapes")
        if accepted is None or accepted[0] is not self.input_spec:
            accepted = (self.input_spec, set())
            object.__setattr__(self, "_accepted_shapes", accepted)
        if key not in accepted[1]:
            check_input_spec(self, tensor)
            accepted[1].add(key)

    def _users_function(self):
        """The user's code this layer's call runs (a Lambda's: its function)."""
        return type(self).call

    def _run_call(self, inputs, args, kwargs, training):
        scope = None
        if user_code.COPY_FOR_USER_CODE is not None and _runs_user_code(type(self)):
            # Keras 2 code may update its inputs in place (see backend/user_code.py).
            inputs = user_code.private_copies(inputs)
            if user_code.USER_CODE_SCOPE is not None and user_code.augments_in_place(
                self._users_function()
            ):
                scope = user_code.USER_CODE_SCOPE()
        _TRAINING_CONTEXT.append(training)
        CALLING_LAYERS.append(self)
        try:
            if scope is None:
                outputs = self.call(inputs, *args, **kwargs)
            else:
                with scope:
                    outputs = self.call(inputs, *args, **kwargs)
        except Exception as error:
            reraise_with_layer(self, inputs, error)
        finally:
            _TRAINING_CONTEXT.pop()
            CALLING_LAYERS.pop()
        if self.activity_regularizer is not None and _LOSS_COLLECTORS:
            for output in tree.flatten(outputs):
                self.add_loss(self.activity_regularizer(output))
        return outputs

    def _symbolic_call(self, inputs, args, kwargs):
        shapes = tree.map_structure(lambda t: t.shape, inputs)
        if self.input_spec is not None:
            check_input_spec(self, inputs)
        self._maybe_build(shapes)
        # Masks travel with the tensors: those the inputs carry, unless one is passed.
        masks = kwargs["mask"] if "mask" in kwargs else carried_masks(inputs)
        call_kwargs = dict(kwargs)
        call_kwargs.pop("mask", None)
        if self._call_accepts_mask and masks is not None:
            call_kwargs["mask"] = masks
        CALLING_LAYERS.append(self)
        SYMBOLIC_CALLS.append(self)
        try:
            specs = self.compute_output_spec(inputs, *args, **call_kwargs)
            output_masks = self._symbolic_output_masks(inputs, masks)
        except Exception as error:
            reraise_with_layer(self, inputs, error, action="cannot be called on")
        finally:
            CALLING_LAYERS.pop()
            SYMBOLIC_CALLS.pop()
        if not SYMBOLIC_CALLS:
            give_waiting_layers_generators()
        node_index = len(self._inbound_nodes)
        flat_specs = tree.flatten(specs)
        outputs = tree.pack_like(
            specs,
            [
                KerasTensor(spec.shape, spec.dtype, name=f"{self.name}/out{i}")
                for i, spec in enumerate(flat_specs)
            ],
        )
        flat_outputs = tree.flatten(outputs)
        for index, tensor in enumerate(flat_outputs):
            tensor.keras_history = (self, node_index, index)
        for tensor, mask in zip(flat_outputs, one_mask_per_output(output_masks, len(flat_outputs))):
            tensor.keras_mask = mask
        self._inbound_nodes.append(Node(self, inputs, kwargs, outputs))
        return outputs

    def _symbolic_output_masks(self, inputs, masks):
        """The masks of the outputs of a symbolic call: KerasTensors (or None)."""
        if type(self).compute_mask is Layer.compute_mask:
            return self.compute_mask(inputs, masks)  # passes masks on or drops them
        specs = self._trace(lambda structure: self.compute_mask(*structure), (inputs, masks))
        return tree.map_structure(
            lambda spec: None if spec is None else KerasTensor(spec.shape, spec.dtype), specs
        )

    def _trace(self, fn, structure):
        """The output specs of `fn(structure)` with the KerasTensors in `structure` (also
        in keyword arguments such as masks) replaced by the engine's stand-ins. None
        outputs stay None."""
        leaves = tree.flatten(structure)
        positions = [i for i, leaf in enumerate(leaves) if isinstance(leaf, KerasTensor)]
        recorded: list = []  # fn's result and where it returned None, kept while tracing

        def run(concrete):
            filled = list(leaves)
            for position, value in zip(positions, concrete):
                filled[position] = value
            result = fn(tree.pack_like(structure, filled))
            flat = tree.flatten(result)
            recorded[:] = [result, [leaf is None for leaf in flat]]
            return [leaf for leaf in flat if leaf is not None]

        specs = ADAPTER.compute_output_spec(
            run, [Spec(leaves[i].shape, leaves[i].dtype) for i in positions], self.weights
        )
        result, is_none = recorded
        present = iter(specs)
        return tree.pack_like(result, [None if gone else next(present) for gone in is_none])

    # ---- masks ---------------------------------------------------------------------------
    def compute_mask(self, inputs, mask=None):
        """The mask of the outputs, from the inputs and their mask.

        Layers with `supports_masking = True` pass the mask on unchanged; others drop it,
        and refuse one (as Keras 2 does) rather than silently ignore what it marks.
        Override to make a mask (Embedding with `mask_zero`, Masking) or change it.
        """
        if self.supports_masking:
            return mask
        self._check_mask_supported(mask)
        return None

    def _check_mask_supported(self, mask) -> None:
        if mask is None or self.supports_masking:
            return
        if all(m is None for m in tree.flatten(mask)):
            return
        raise TypeError(
            f"Layer '{self.name}' ({type(self).__name__}) does not support masking, but its "
            "input carries a mask (from Embedding(mask_zero=True), Masking or an explicit "
            "mask=). Put a layer that consumes the mask (a recurrent layer, "
            "GlobalAveragePooling1D) before it, or drop the mask."
        )

    def compute_output_spec(self, inputs, *args, **kwargs):
        """Output shapes and dtypes for symbolic `inputs` (a structure of KerasTensors)."""
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            shapes = self.compute_output_shape(tree.map_structure(lambda t: t.shape, inputs))
            if is_single_shape(shapes):
                return Spec(tuple(shapes), self.dtype)
            return [Spec(tuple(shape), self.dtype) for shape in shapes]
        return self._trace(
            lambda structure: self.call(structure[0], *args, **structure[1]), (inputs, kwargs)
        )

    def compute_output_shape(self, input_shape):
        """The output shape for `input_shape`; by default found by tracing `call`."""
        single = is_single_shape(input_shape)
        inputs = (
            KerasTensor(input_shape, self.dtype)
            if single
            else [KerasTensor(shape, self.dtype) for shape in input_shape]
        )
        self._maybe_build(input_shape)
        return tree.map_structure(lambda spec: spec.shape, self.compute_output_spec(inputs))

    # ---- losses -------------------------------------------------------------------------
    def add_loss(self, losses, inputs=None) -> None:
        """Adds a scalar (or a list of scalars) to the training loss of the current
        forward pass. `inputs` is accepted for Keras 2's signature and has no effect."""
        if _LOSS_COLLECTORS:
            collected = _LOSS_COLLECTORS[-1]
            if isinstance(losses, (list, tuple)):
                collected.extend(losses)
            else:
                collected.append(losses)

    def add_update(self, updates, inputs=None) -> None:
        """Keras 2's registration of the state updates a layer makes in `call`.

        `K.update`, `K.update_add`, `K.update_sub` and `K.moving_average_update` apply
        their update when called (a compiled step stores it like any assignment), so
        their results need nothing more; `(variable, new_value)` pairs are applied here.
        `inputs` (Keras 2's conditional updates) is accepted and has no effect.
        """
        from kerasfront.backend.update_functions import update

        pairs_or_results = updates if isinstance(updates, list) else [updates]
        for item in pairs_or_results:
            if isinstance(item, tuple) and len(item) == 2:
                update(*item)
            elif not (item is None or ADAPTER.is_tensor(item) or isinstance(item, Variable)):
                raise TypeError(
                    f"Layer '{self.name}'.add_update expects results of K.update* or "
                    f"(variable, new_value) pairs; received {type(item).__name__}."
                )

    def regularization_losses(self) -> list:
        """The weight penalties of this layer and its sublayers, from the current values."""
        own = [regularizer(variable.value) for variable, regularizer in self._weight_regularizers]
        return own + [loss for layer in self._sublayers for loss in layer.regularization_losses()]

    @property
    def losses(self) -> list:
        return self.regularization_losses()

    # ---- configuration -------------------------------------------------------------------
    def get_config(self) -> dict:
        config_ = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config_["batch_input_shape"] = self._batch_input_shape
        return config_

    @classmethod
    def from_config(cls, config_: dict):
        return cls(**config_)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _to_tensor(x, layer):
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "USO":
            # No engine tensor holds text or Python objects; say so before the engine does.
            raise TypeError(
                f"{type(layer).__name__} '{layer.name}': inputs must be numbers, received "
                f"an array of dtype {x.dtype} and shape {x.shape}. Encode text first (e.g. "
                f"kerasfront.preprocessing.text.Tokenizer, or np.unique(..., return_inverse=True) "
                f"for labels)."
            )
        if x.dtype.kind == "f" and x.dtype != np.dtype(config.floatx()):
            x = x.astype(config.floatx())
        return ADAPTER.convert_to_tensor(x)
    return x


__all__ = ["InputSpec", "Layer"]
