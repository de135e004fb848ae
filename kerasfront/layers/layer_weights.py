"""The weights part of `Layer`: creating weights, listing them, reading and setting them.

A mixin of `Layer` (kerasfront/layers/base.py) that relies on the lists `Layer.__init__`
makes: `_own_weights`, `_sublayers`, `_weight_regularizers` and `_seed_generators`.
"""

from __future__ import annotations

import numpy as np

from kerasfront import initializers, regularizers, tree
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.variables import Variable


class LayerWeights:
    """Weight creation and access, mixed into `Layer`."""

    def add_weight(
        self,
        name=None,
        shape=None,
        dtype=None,
        initializer=None,
        regularizer=None,
        trainable=True,
        constraint=None,
    ) -> Variable:
        """Creates a weight of this layer, initialised now, and returns it."""
        if isinstance(name, (tuple, list)) and (shape is None or isinstance(shape, str)):
            # Keras 2 still took the older order, shape first (`add_weight((3, 4), "w")`).
            name, shape = shape, name
        shape = tuple(int(d) for d in (shape or ()))
        dtype = dtype or self.dtype
        if initializer is None:
            initializer = "glorot_uniform" if np.dtype(dtype).kind == "f" else "zeros"
        value = initializers.get(initializer)(shape, dtype=dtype)
        value = ADAPTER.convert_to_numpy(value) if not isinstance(value, np.ndarray) else value
        if tuple(np.shape(value)) != shape:
            raise ValueError(
                f"Layer '{self.name}': the initializer of weight {name!r} returned shape "
                f"{np.shape(value)}, expected {shape}."
            )
        variable = Variable(
            value, trainable=trainable, name=f"{self.name}/{name or 'weight'}", dtype=dtype
        )
        variable.constraint = constraint
        self._own_weights.append(variable)
        regularizer = regularizers.get(regularizer)
        if regularizer is not None:
            self._weight_regularizers.append((variable, regularizer))
        return variable

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool):
        self._trainable = bool(value)

    def _all_weights(self):
        """Every weight of this layer and its sublayers, each once, in creation order."""
        return tree.unique_objects(
            self._own_weights + [w for layer in self._sublayers for w in layer.weights]
        )

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self.trainable:
            return []
        own = [w for w in self._own_weights if w.trainable]
        nested = [w for layer in self._sublayers for w in layer.trainable_weights]
        return tree.unique_objects(own + nested)

    @trainable_weights.setter
    def trainable_weights(self, weights) -> None:
        # Keras 2 layers written before add_weight assigned their lists in build
        # (`self.trainable_weights = [self.W, self.b]`): the listed variables train, the
        # layer's other weights stop training (they stay weights, so they are saved).
        listed = self._adopt_weights(weights, "trainable_weights")
        for weight in listed:
            if not weight.trainable:
                raise ValueError(
                    f"Layer '{self.name}': trainable_weights lists {weight.name!r}, which was "
                    "created non-trainable; create it with trainable=True instead."
                )
        for weight in self._own_weights:
            if not any(weight is chosen for chosen in listed):
                weight.trainable = False

    @property
    def non_trainable_weights(self) -> list[Variable]:
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self._all_weights() if id(w) not in trainable]

    @non_trainable_weights.setter
    def non_trainable_weights(self, weights) -> None:
        for weight in self._adopt_weights(weights, "non_trainable_weights"):
            weight.trainable = False

    def _adopt_weights(self, weights, what: str) -> list[Variable]:
        """`weights` as a list of Variables, each made one of this layer's own weights."""
        adopted = []
        for weight in weights:
            if not isinstance(weight, Variable):
                weight = self._variable_of(weight)
            if not isinstance(weight, Variable):
                raise TypeError(
                    f"Layer '{self.name}': {what} must list the layer's variables (from "
                    f"add_weight or K.variable), received {type(weight).__name__}."
                )
            if not any(weight is own for own in self._own_weights):
                self._own_weights.append(weight)
            adopted.append(weight)
        return adopted

    def _variable_of(self, tensor):
        """The variable behind `tensor`, read from a variable attribute (`self.W`); or, for
        a tensor held by a plain attribute (Keras 2's K.zeros made variables:
        `self.b = K.zeros(...)`), a new variable that the attribute then holds. Anything
        else is returned as it is."""
        attributes = self.__dict__.get("_variable_attributes", {})
        for variable in self._own_weights + list(attributes.values()):
            if variable.value is tensor:
                return variable
        for name, value in list(self.__dict__.items()):
            if value is tensor and not name.startswith("_") and hasattr(tensor, "shape"):
                variable = Variable(ADAPTER.convert_to_numpy(tensor), name=f"{self.name}/{name}")
                setattr(self, name, variable)
                return variable
        return tensor

    @property
    def weights(self) -> list[Variable]:
        return self.trainable_weights + self.non_trainable_weights

    variables = weights

    @property
    def forward_state_variables(self) -> list[Variable]:
        """State that calling the layer itself updates, which is not a weight: the seed
        states of random layers (Dropout) and the states of stateful recurrent layers.
        Every compiled step (fit, evaluate, predict) carries and updates it."""
        own = [generator.state for generator in self._seed_generators]
        return tree.unique_objects(
            own + [v for layer in self._sublayers for v in layer.forward_state_variables]
        )

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def _weights_in_order(self) -> list:
        """The weights in the order `get_weights`/`set_weights` use (a model: by layer)."""
        return self.weights

    def get_weights(self) -> list[np.ndarray]:
        return [weight.numpy() for weight in self._weights_in_order()]

    def set_weights(self, weights) -> None:
        """Sets the weights from NumPy arrays, in the order of `get_weights()`."""
        own = self._weights_in_order()
        if len(weights) != len(own):
            raise ValueError(
                f"{type(self).__name__} '{self.name}' expects {len(own)} weight arrays "
                f"{[w.shape for w in own]}, received {len(weights)}."
            )
        for variable, value in zip(own, weights):
            value = np.asarray(value)
            if value.shape != variable.shape:
                raise ValueError(
                    f"{type(self).__name__} '{self.name}': weight {variable.name!r} has shape {variable.shape}, "
                    f"received an array of shape {value.shape}."
                )
            if value.dtype.kind in "USV":
                # NumPy would try to parse text as numbers; a file of names is a mix-up.
                raise TypeError(
                    f"{type(self).__name__} '{self.name}': weight {variable.name!r} takes numbers "
                    f"({variable.dtype}), received an array of dtype {value.dtype}."
                )
            variable.assign(value.astype(variable.dtype))

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                f"Layer '{self.name}' is not built yet, so its weights do not exist. Call it "
                "on data or give the model an input shape first."
            )
        return int(sum(np.prod(w.shape) for w in self.weights))
