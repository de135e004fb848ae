"""The attributes Keras 2 code reads on a model: `stateful`, `uses_learning_phase`,
`updates`, `state_updates`, and what `compile` was given (`metrics`, `loss_weights`,
`sample_weight_mode`, `weighted_metrics`)."""

from __future__ import annotations

import inspect


def _leaf_layers(model) -> list:
    """The model's layers, with nested models replaced by their own layers."""
    found = []
    for layer in model.layers:
        if hasattr(layer, "layers") and isinstance(layer, Keras2Attributes):
            found += _leaf_layers(layer)
        else:
            found.append(layer)
    return found


_DROPOUT_RATES = ("rate", "dropout", "recurrent_dropout")


def _uses_learning_phase(layer) -> bool:
    wrapped = getattr(layer, "layer", None)  # Bidirectional, TimeDistributed: the inner layer
    if wrapped is not None and hasattr(wrapped, "call"):
        return _uses_learning_phase(wrapped)
    if "training" not in inspect.signature(layer.call).parameters:
        return False
    owners = [layer, getattr(layer, "cell", None)]
    rates = [
        getattr(owner, name)
        for owner in owners
        if owner is not None
        for name in _DROPOUT_RATES
        if isinstance(getattr(owner, name, None), (int, float))
    ]
    return not rates or any(rate > 0 for rate in rates)


def _compile_argument(key: str, doc: str, empty=None) -> property:
    def read(self):
        value = (getattr(self, "_compile_arguments", None) or {}).get(key)
        return empty() if value is None and empty is not None else value

    def write(self, value):
        arguments = getattr(self, "_compile_arguments", None)
        if arguments is None:
            arguments = self._compile_arguments = {}
        arguments[key] = value

    return property(read, write, doc=doc)


class Keras2Attributes:
    """Mixed into `Model`."""

    @property
    def stateful(self) -> bool:
        """Whether a layer keeps state between batches (a recurrent layer built with
        `stateful=True`), nested models included."""
        return any(getattr(layer, "stateful", False) for layer in _leaf_layers(self))

    @property
    def uses_learning_phase(self) -> bool:
        """Whether a layer behaves differently in training (Dropout, BatchNormalization,
        noise layers, recurrent layers with dropout): the layers whose `call` takes
        `training`, except those whose dropout rates are all 0 (as in Keras 2, a
        Dropout(0) or an LSTM without dropout does not use the phase)."""
        return any(_uses_learning_phase(layer) for layer in _leaf_layers(self))

    @property
    def updates(self) -> list:
        """Keras 2's list of update ops to run with a training function. Always empty
        here: layers' state changes (BatchNormalization's moving statistics, stateful
        RNN states) are part of their calls and are applied by `fit` and `K.function`
        themselves, so Keras 2 code that adds `model.updates` to a `K.function` gets the
        same training."""
        return []

    @property
    def state_updates(self) -> list:
        """Keras 2's updates of stateful layers; empty for the reason `updates` gives."""
        return []

    # ---- what compile was given --------------------------------------------------------
    # Plain attributes in Keras 2, so code may set them too; `save` writes them as the
    # training config.
    metrics = _compile_argument(
        "metrics", "The `metrics` given to `compile` (`[]` for None, as in Keras 2).", list
    )
    weighted_metrics = _compile_argument(
        "weighted_metrics", "The `weighted_metrics` given to `compile`."
    )
    loss_weights = _compile_argument("loss_weights", "The `loss_weights` given to `compile`.")
    sample_weight_mode = _compile_argument(
        "sample_weight_mode", "The `sample_weight_mode` given to `compile`."
    )
