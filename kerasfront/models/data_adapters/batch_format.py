"""What every adapter needs to know about the model: the order of its inputs and outputs.

`BatchFormat` turns user structures (an array, a list, a dict by name) into flat lists of
NumPy arrays in the model's order, builds the model and its metrics from the first data it
sees, and converts NumPy batches into the tuples the compiled steps take. Array data goes
through it once, whole; batch sources (generators, Sequences, datasets) batch by batch.
"""

from __future__ import annotations

import numpy as np

from kerasfront import config
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.scope import StatelessScope
from kerasfront.layers import base as layer_base
from kerasfront.models.data import (
    check_class_weight,
    class_weights_to_sample_weights,
    count_samples,
    expand_1d,
    sample_weight_array,
    select_by_name,
    times_class_weight,
    to_array,
    to_step_input,
)
from kerasfront.models.data_adapters.base import unpack


def _class_weight_per_output(model, class_weight) -> list | None:
    """Keras 2's forms: one `{class: weight}` (here applied to every output), a list with
    one per output, or a dict of them by output name (outputs left out get none)."""
    if class_weight is None:
        return None
    names = list(getattr(model, "output_names", None) or ["output"])
    if isinstance(class_weight, (list, tuple)):
        if len(class_weight) != len(names):
            raise ValueError(
                f"class_weight has {len(class_weight)} entries but the model has "
                f"{len(names)} outputs {names}."
            )
        return [check_class_weight(weights) if weights else None for weights in class_weight]
    if (
        isinstance(class_weight, dict)
        and class_weight
        and all(isinstance(key, str) for key in class_weight)
    ):
        unknown = sorted(set(class_weight) - set(names))
        if unknown:
            raise ValueError(
                f"class_weight names unknown outputs {unknown}; the model's outputs are "
                f"{names} (or give one {{class index: weight}} dict for every output)."
            )
        return [
            check_class_weight(class_weight[name]) if class_weight.get(name) else None
            for name in names
        ]
    return [check_class_weight(class_weight)] * len(names)


def arrays_and_names(x_arrays: list, targets: list) -> tuple[list, list[str]]:
    """The inputs and the targets present, with their names for `count_samples`."""
    arrays = list(x_arrays) + [t for t in targets if t is not None]
    names = [f"x[{i}]" for i in range(len(x_arrays))]
    names += [f"y[{i}]" for i, t in enumerate(targets) if t is not None]
    return arrays, names


def _is_array_like(data) -> bool:
    return hasattr(data, "shape") and hasattr(data, "__getitem__")


def _as_input_dtype(array: np.ndarray, dtype) -> np.ndarray:
    """Booleans and integers for a float Input in that float type: Keras 2 fed them to
    the Input's placeholder, which converted them (one-hot bool arrays, uint8 pixels).
    Other pairs stay as given, so the layers report any real mismatch."""
    if array.dtype.kind in "biu" and np.dtype(dtype).kind == "f":
        return array.astype(dtype)
    return array


class BatchFormat:
    """Formats data for one model and one purpose (with or without targets).

    Args:
        model: the model the data is for.
        with_targets: False for `predict`, which takes inputs only.
        class_weight: `{class: weight}`, turned into sample weights batch by batch.
    """

    def __init__(self, model, with_targets: bool, class_weight=None):
        self.model = model
        self.with_targets = with_targets
        # One `{class: weight}` (or None) per output.
        self.class_weight = _class_weight_per_output(model, class_weight)
        self._targets_checked = self._weights_checked = False

    def without_class_weight(self) -> BatchFormat:
        """The same format for validation data, which Keras 2 does not class-weight."""
        other = BatchFormat(self.model, self.with_targets)
        other._targets_checked = self._targets_checked
        other._weights_checked = self._weights_checked
        return other

    # ---- structures -> flat lists of NumPy arrays ----------------------------------------
    def inputs(self, x, keep_array_likes: bool = False) -> list:
        """The inputs as a list in the order of `model.inputs`. With `keep_array_likes`,
        array-likes that read on demand (an HDF5Matrix) stay unread."""
        model = self.model
        if x is None:
            raise ValueError(f"Model '{model.name}': x (the inputs) is required.")
        if getattr(model, "_graph", None) is None:
            arrays = [expand_1d(to_array(x, "Input"), 2)]
            from kerasfront.models.sequential import Sequential  # it imports this module

            if isinstance(model, Sequential):
                # It builds a floatx Input from this data (Sequential.build).
                arrays = [_as_input_dtype(arrays[0], config.floatx())]
        else:
            arrays = []
            for data, name, tensor in zip(model.flatten_inputs(x), model.input_names, model.inputs):
                read_later = (
                    keep_array_likes
                    and _is_array_like(data)
                    and not isinstance(data, np.ndarray)
                    and not ADAPTER.is_tensor(data)
                )
                if not read_later:
                    data = expand_1d(to_array(data, f"Input '{name}'"), len(tensor.shape))
                    data = _as_input_dtype(data, tensor.dtype)
                arrays.append(data)
            model.check_input_shapes(arrays)
        if not model.built:
            self._build(arrays)
        return arrays

    def _build(self, arrays) -> None:
        """Creates the weights of a model built from data, outside any compiled step."""
        sample = [ADAPTER.convert_to_tensor(to_array(a[:1], "Input")) for a in arrays]
        with StatelessScope():
            self.model(sample[0] if len(sample) == 1 else sample, training=False)

    def _output_shapes(self, count: int) -> list:
        if getattr(self.model, "_graph", None) is not None:
            return [t.shape for t in self.model.outputs]
        return [None] * count

    @property
    def needs_targets(self) -> bool:
        """Whether batches must hold targets: for training or evaluation, when some output
        has a loss (with `compile(loss=None)` the model takes `x` alone)."""
        return self.with_targets and any(self.model._compiled_loss.has_loss)

    def targets(self, y) -> list:
        """The targets as a list in the order of the model's outputs (an array, a list by
        position or a dict by output name), None for the outputs without a loss; checked
        against the losses the first time."""
        model = self.model
        compiled_loss = model._compiled_loss
        names = list(getattr(model, "output_names", None) or ["output"])
        if all(compiled_loss.has_loss):
            arrays = self._all_targets(y, names)
        else:
            arrays = self._some_targets(y, names, compiled_loss)
        shapes = self._output_shapes(len(arrays))
        arrays = compiled_loss.expand_targets(arrays, shapes)
        if not self._targets_checked:
            compiled_loss.check_targets(arrays, shapes)
            model._compiled_metrics.build(
                [None if t is None else t.shape for t in arrays],
                [s if s is not None or t is None else t.shape for s, t in zip(shapes, arrays)],
            )
            self._targets_checked = True
        return arrays

    def _all_targets(self, y, names: list) -> list[np.ndarray]:
        """Every output has a loss: one target each."""
        model = self.model
        if y is None:
            raise ValueError(f"Model '{model.name}': y (the targets) is required.")
        if isinstance(y, dict):
            parts = select_by_name(y, names, model.name, "targets for output(s)")
        elif isinstance(y, (list, tuple)) and (
            len(names) > 1 or (y and all(_is_array_like(t) for t in y))
        ):
            if len(y) != len(names):
                raise ValueError(
                    f"Model '{model.name}' has {len(names)} output(s) {names}, received "
                    f"{len(y)} target arrays."
                )
            parts = list(y)
        else:  # one array, or nested lists of numbers for the one output
            if len(names) > 1:
                raise ValueError(
                    f"Model '{model.name}' has {len(names)} outputs {names}: pass one target "
                    "array per output, as a list or a dict by output name."
                )
            parts = [y]
        return [to_array(t, f"Target '{name}'") for t, name in zip(parts, names)]

    def _some_targets(self, y, names: list, compiled_loss) -> list:
        """Some outputs have no loss (`compile(loss=None)` or None entries): as in Keras 2,
        `y` holds targets for the others only (a dict by name, a list of those targets,
        one array when one output has a loss, None when none has), or, as tf.keras 2
        takes it, a list over every output with None where there is no loss. A target
        given for an output without a loss is refused: nothing would use it."""
        model = self.model
        wanted = compiled_loss.target_names
        if not wanted:
            if y is not None:
                raise ValueError(
                    f"Model '{model.name}' was compiled without a loss for any output "
                    f"(loss=None), so it takes no targets; received y of type "
                    f"{type(y).__name__}. Pass y=None (the objective is the add_loss terms "
                    "and regularizers), or compile with a loss for the outputs to fit."
                )
            return [None] * len(names)
        if y is None:
            raise ValueError(
                f"Model '{model.name}': y (the targets) is required for the outputs with a "
                f"loss, {wanted}."
            )
        if isinstance(y, dict):
            unused = [n for n in names if n not in wanted and y.get(n) is not None]
            parts = dict(zip(wanted, select_by_name(y, wanted, model.name, "targets for")))
        elif isinstance(y, (list, tuple)) and all(t is None or _is_array_like(t) for t in y):
            if len(y) == len(names):
                unused = [n for n, t in zip(names, y) if n not in wanted and t is not None]
                parts = {n: t for n, t in zip(names, y) if n in wanted}
            elif len(y) == len(wanted):
                unused, parts = [], dict(zip(wanted, y))
            else:
                raise ValueError(
                    f"Model '{model.name}' has {len(names)} outputs {names}, of which "
                    f"{wanted} have a loss; received {len(y)} target arrays. Pass one per "
                    "output with a loss, or one per output with None where there is none."
                )
        elif len(wanted) == 1:
            unused, parts = [], {wanted[0]: y}
        else:
            raise ValueError(
                f"Model '{model.name}' has {len(wanted)} outputs with a loss, {wanted}: pass "
                "one target array for each, as a list or a dict by output name."
            )
        if unused:
            raise ValueError(
                f"Model '{model.name}': targets were given for outputs {unused}, which have "
                "no loss, so nothing would use them. Leave them out (or pass None), or "
                "compile with a loss for them."
            )
        missing = [n for n in wanted if parts.get(n) is None]
        if missing:
            raise ValueError(f"Model '{model.name}': the targets for outputs {missing} are None.")
        return [
            to_array(parts[name], f"Target '{name}'") if name in parts else None for name in names
        ]

    def check_loss_to_optimize(self, x_arrays: list) -> None:
        """Raises when the model has nothing to train or evaluate: no output has a loss,
        no layer adds one (`add_loss`, activity regularizers) and no weight is regularized.
        Keras 2 refuses such a model ("it has no loss to optimize").

        The `add_loss` terms exist only while the model runs, so with no output loss one
        forward pass on the first sample looks for them (outside any compiled step; its
        state changes are discarded), once per compile."""
        if not self.with_targets:
            return
        model = self.model
        compiled_loss = model._compiled_loss
        if any(compiled_loss.has_loss) or compiled_loss.other_losses_found:
            return
        if (
            getattr(model, "_symbolic_losses", None)  # model.add_loss(symbolic tensor)
            or model.regularization_losses()
            or self._forward_adds_losses(x_arrays)
        ):
            compiled_loss.other_losses_found = True
            return
        raise ValueError(
            f"Model '{model.name}' has no loss to optimize: it was compiled with loss=None, "
            "no layer adds a loss in its call (add_loss, activity_regularizer) and no weight "
            "has a regularizer. Pass compile(loss=...), or add the objective with "
            "self.add_loss(...) in a layer's call."
        )

    def _forward_adds_losses(self, x_arrays: list) -> bool:
        sample = [ADAPTER.convert_to_tensor(to_array(a[:1], "Input")) for a in x_arrays]
        collected: list = []
        layer_base._LOSS_COLLECTORS.append(collected)
        try:
            with StatelessScope():
                self.model(sample[0] if len(sample) == 1 else sample, training=True)
        finally:
            layer_base._LOSS_COLLECTORS.pop()
        return bool(collected)

    def sample_weights(self, sample_weight, targets: list, count: int) -> list:
        """The user's sample weights, one entry per output (None where unweighted, and for
        outputs without a loss): one array for every output with a loss, or a list/dict
        per output (Keras 2)."""
        names = list(getattr(self.model, "output_names", None) or ["output"])
        if sample_weight is None:
            return [None] * len(targets)
        has_loss = self.model._compiled_loss.has_loss
        if not any(has_loss):
            raise ValueError(
                f"Model '{self.model.name}' has no loss on any output (loss=None): "
                "sample_weight would weigh nothing (add_loss terms are not weighted per "
                "sample). Leave sample_weight out."
            )
        if isinstance(sample_weight, dict):
            unknown = set(sample_weight) - set(names)
            if unknown:
                raise ValueError(
                    f"sample_weight names unknown outputs {sorted(unknown)}; the model's "
                    f"outputs are {names}."
                )
            parts = [sample_weight.get(name) for name in names]
            labels = [f"sample_weight['{name}']" for name in names]
        elif (
            isinstance(sample_weight, (list, tuple))
            and len(names) > 1
            and all(w is None or _is_array_like(w) for w in sample_weight)
        ):
            if len(sample_weight) != len(names):
                raise ValueError(
                    f"sample_weight has {len(sample_weight)} entries but the model has "
                    f"{len(names)} outputs {names}."
                )
            parts = list(sample_weight)
            labels = [f"sample_weight[{index}]" for index in range(len(names))]
        else:
            one = sample_weight_array(sample_weight, count)
            parts = [one if has else None for has in has_loss]
            labels = ["sample_weight"] * len(names)
        unused = [n for n, w, has in zip(names, parts, has_loss) if w is not None and not has]
        if unused:
            raise ValueError(
                f"sample_weight is given for outputs {unused}, which have no loss to weigh; "
                "leave them out (or pass None for them)."
            )
        weights = [
            None if w is None else sample_weight_array(w, count, label)
            for w, label in zip(parts, labels)
        ]
        if any(w is None for w, has in zip(weights, has_loss) if has):
            # An unweighted output with a loss counts each sample once.
            ones = np.ones(count, dtype=next(w for w in weights if w is not None).dtype)
            weights = [ones if w is None and has else w for w, has in zip(weights, has_loss)]
        if not self._weights_checked:
            self.model._compiled_loss.check_sample_weights(
                weights, self._output_shapes(len(weights))
            )
            self._weights_checked = True
        return weights

    def with_class_weight(self, targets: list, weights: list) -> list:
        """`weights` multiplied by the class weights of the targets, when there are any."""
        if self.class_weight is None:
            return weights
        if all(t is None for t in targets):
            raise ValueError(
                f"Model '{self.model.name}' has no loss on any output (loss=None): "
                "class_weight would weigh nothing. Leave class_weight out."
            )
        weighted = [
            w
            if t is None or per_class is None
            else times_class_weight(w, class_weights_to_sample_weights(t, per_class))
            for t, w, per_class in zip(targets, weights, self.class_weight)
        ]
        # Once some output is weighted, the others need weights of 1, as sample_weights
        # gives (a None among arrays is read as weighing nothing).
        return [
            np.ones(len(t), config.floatx()) if w is None and t is not None else w
            for t, w in zip(targets, weighted)
        ]

    # ---- NumPy -> the compiled steps -----------------------------------------------------
    def step_batch(self, x_arrays: list, targets=None, weights=None) -> tuple:
        """`(x,)` or `(x, targets, sample_weights)` as the compiled steps take them."""
        tensors = [to_step_input(a) for a in x_arrays]
        x = tensors[0] if len(tensors) == 1 else tensors
        if not self.with_targets:
            return (x,)
        return (
            x,
            [None if t is None else to_step_input(t) for t in targets],
            [None if w is None else to_step_input(w) for w in weights],
        )

    def stream_batch(self, item, kind: str, lists_are_tuples: bool = False) -> tuple:
        """One element of a batch source, formatted and converted for the steps."""
        x, y, sample_weight = unpack(item, self.needs_targets, kind, lists_are_tuples)
        x_arrays = self.inputs(x)
        if not self.with_targets:
            return self.step_batch(x_arrays)
        self.check_loss_to_optimize(x_arrays)
        targets = self.targets(y)
        count = count_samples(*arrays_and_names(x_arrays, targets))
        weights = self.with_class_weight(
            targets, self.sample_weights(sample_weight, targets, count)
        )
        return self.step_batch(x_arrays, targets, weights)
