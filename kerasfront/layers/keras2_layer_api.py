"""The members Keras 2 code reads on any layer and that have nothing to do here:
`stateful`, `updates`, `get_updates_for` and `assert_input_compatibility`.

Keras 2 built a graph: a layer's state changes (`add_update`) were ops that a training
function had to run, listed by `layer.updates`. Here a layer's updates run as part of its
call, inside `fit`, `evaluate` and `K.function`, so there is nothing left to list; the
members answer as a Keras 2 layer without pending updates would, and Keras 2 code that
passes them on (`K.function(..., updates=layer.updates)`) trains the same.
"""

from __future__ import annotations

from kerasfront.layers.input_spec import check_input_spec


class Keras2LayerAPI:
    """Mixed into `Layer`."""

    #: Whether the layer keeps state between batches; recurrent layers set it.
    stateful = False

    @property
    def updates(self) -> list:
        """Update ops to run with a training function: none (see the module docstring)."""
        return []

    def get_updates_for(self, inputs) -> list:
        """The updates conditional on `inputs` (Keras 2): none, as for `updates`."""
        return []

    def assert_input_compatibility(self, inputs) -> None:
        """Raises a ValueError naming the layer when `inputs` do not fit its `input_spec`
        (the check every call makes)."""
        if self.input_spec is not None:
            check_input_spec(self, inputs)
