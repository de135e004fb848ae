"""What `compile` sets up: the losses per output and their weights, the metrics per
output, and the checks that targets fit the losses."""

from __future__ import annotations

import numpy as np

from kerasfront import losses as losses_module
from kerasfront import metrics as metrics_module
from kerasfront import ops


def _per_output(value, output_names, what, default=None):
    """A single value, a list (by position) or a dict (by output name) -> list per output."""
    if isinstance(value, dict):
        unknown = set(value) - set(output_names)
        if unknown:
            raise ValueError(
                f"compile: {what} names unknown outputs {sorted(unknown)}; the model's outputs "
                f"are {output_names}."
            )
        return [value.get(name, default) for name in output_names]
    # A list of metrics applies to every output; a list of anything else is per output.
    if isinstance(value, (list, tuple)) and what not in ("metrics", "weighted_metrics"):
        if len(value) != len(output_names):
            raise ValueError(
                f"compile: {what} has {len(value)} entries but the model has "
                f"{len(output_names)} outputs {output_names}."
            )
        return list(value)
    return [value] * len(output_names)


class CompiledLoss:
    """The training objective: sum over outputs of weight * mean(loss(y_true, y_pred))."""

    def __init__(self, loss, loss_weights, output_names):
        self.output_names = list(output_names)
        identifiers = _per_output(loss, self.output_names, "loss")
        self.functions = [None if i is None else losses_module.get(i) for i in identifiers]
        self.weights = [
            1.0 if w is None else float(w)
            for w in _per_output(loss_weights, self.output_names, "loss_weights", 1.0)
        ]
        if all(fn is None for fn in self.functions):
            raise ValueError("compile: no loss was given for any output; pass loss=... .")

    def __call__(self, y_true, y_pred, sample_weights):
        """Returns (total, [loss of each output, None where no loss])."""
        total, per_output = 0.0, []
        for fn, weight, target, prediction, sw in zip(
            self.functions, self.weights, y_true, y_pred, sample_weights
        ):
            if fn is None:
                per_output.append(None)
                continue
            values = fn(target, prediction)
            if sw is not None:
                extra_axes = len(ops.shape(values)) - len(ops.shape(sw))
                values = values * ops.reshape(sw, ops.shape(sw) + (1,) * extra_axes)
            loss = ops.mean(values)
            per_output.append(loss)
            total = total + weight * loss
        return total, per_output

    def expand_targets(self, targets: list, output_shapes: list) -> list:
        """Targets of shape (samples,) for an output of shape (None, 1) become
        (samples, 1), as Keras 2 accepts them (e.g. 0/1 labels for a sigmoid unit).
        Sparse losses take (samples,) labels as they are."""
        expanded = []
        for fn, target, shape in zip(self.functions, targets, output_shapes):
            is_array = isinstance(target, np.ndarray)
            if (
                fn is not None
                and shape is not None
                and len(shape) == 2
                and shape[-1] in (1, None)
                and (target.ndim if is_array else len(ops.shape(target))) == 1
                and losses_module.canonical_name(fn) != "sparse_categorical_crossentropy"
            ):
                target = target.reshape(-1, 1) if is_array else ops.expand_dims(target, -1)
            expanded.append(target)
        return expanded

    def check_targets(self, targets: list[np.ndarray], output_shapes: list[tuple]) -> None:
        """Raises a clear error when the target arrays cannot go with the losses."""
        for name, fn, target, shape in zip(
            self.output_names, self.functions, targets, output_shapes
        ):
            if fn is None or shape is None:
                continue
            loss_name = losses_module.canonical_name(fn)
            if loss_name is None:
                continue  # a user's loss may take targets of any shape it likes
            expected_rank = len(shape)
            if loss_name == "sparse_categorical_crossentropy":
                if not (
                    target.ndim == expected_rank - 1
                    or (target.ndim == expected_rank and target.shape[-1] == 1)
                ):
                    raise ValueError(
                        f"Output '{name}' uses sparse_categorical_crossentropy, which expects "
                        f"integer class labels of shape (samples,) or (samples, 1); received "
                        f"targets of shape {target.shape} for outputs of shape {shape}. One-hot "
                        "targets need loss='categorical_crossentropy'."
                    )
                if target.size and (target.min() < 0 or target.max() >= shape[-1]):
                    raise ValueError(
                        f"Output '{name}': labels must be in [0, {shape[-1]}), received labels "
                        f"from {target.min()} to {target.max()}."
                    )
                continue
            compatible = target.ndim == expected_rank and all(
                s is None or s == t for s, t in zip(shape[1:], target.shape[1:])
            )
            if not compatible:
                hint = ""
                if loss_name == "categorical_crossentropy" and target.ndim <= expected_rank:
                    hint = (
                        " Integer labels need loss='sparse_categorical_crossentropy', or "
                        "convert them with utils.to_categorical."
                    )
                raise ValueError(
                    f"Output '{name}' has shape {shape} but its targets have shape "
                    f"{target.shape}; loss '{loss_name}' expects targets of the output's "
                    f"shape.{hint}"
                )


class CompiledMetrics:
    """The loss trackers and the user's metrics, per output, with Keras 2's names.

    As in Keras, sample and class weights reach only `weighted_metrics`; a metric asked
    for in both lists keeps its name unweighted and gets a `weighted_` prefix weighted.
    """

    def __init__(self, metrics, output_names, loss: CompiledLoss, weighted_metrics=None):
        self.output_names = list(output_names)
        self.loss = loss
        self.requested = _per_output(metrics or [], self.output_names, "metrics")
        self.requested_weighted = _per_output(
            weighted_metrics or [], self.output_names, "weighted_metrics"
        )
        # Metrics are built once target shapes are known; unknown names fail now, in compile.
        for requested in self.requested + self.requested_weighted:
            for identifier in requested if isinstance(requested, (list, tuple)) else [requested]:
                if isinstance(identifier, str) and identifier not in ("accuracy", "acc"):
                    metrics_module.function_for_name(identifier)
        self.loss_tracker = metrics_module.Mean(name="loss")
        multiple = len(self.output_names) > 1
        self.output_loss_trackers = [
            metrics_module.Mean(name=f"{name}_loss") if multiple and fn is not None else None
            for name, fn in zip(self.output_names, loss.functions)
        ]
        self.metrics: list[list] | None = None  # built once target shapes are known

    def build(self, target_shapes, output_shapes) -> None:
        if self.metrics is not None:
            return
        multiple = len(self.output_names) > 1
        self.metrics, self.weighted = [], []
        for name, requested, requested_weighted, loss_fn, t_shape, o_shape in zip(
            self.output_names,
            self.requested,
            self.requested_weighted,
            self.loss.functions,
            target_shapes,
            output_shapes,
        ):
            built, weighted, taken = [], [], set()
            for is_weighted, identifiers in ((False, requested), (True, requested_weighted)):
                if not isinstance(identifiers, (list, tuple)):
                    identifiers = [identifiers]
                for identifier in identifiers:
                    if identifier is None:
                        continue
                    metric = metrics_module.get(identifier, loss_fn, t_shape, o_shape)
                    if not isinstance(identifier, metrics_module.Metric):
                        if is_weighted and metric.name in taken:
                            metric.name = f"weighted_{metric.name}"
                        taken.add(metric.name)
                        if multiple:
                            metric.name = f"{name}_{metric.name}"
                    built.append(metric)
                    weighted.append(is_weighted)
            self.metrics.append(built)
            self.weighted.append(weighted)

    def all_metrics(self) -> list:
        trackers = [self.loss_tracker] + [t for t in self.output_loss_trackers if t is not None]
        return trackers + [m for group in self.metrics or [] for m in group]

    @property
    def names(self) -> list[str]:
        return [metric.name for metric in self.all_metrics()]

    @property
    def variables(self) -> list:
        return [v for metric in self.all_metrics() for v in metric.variables]

    def update(self, total_loss, output_losses, y_true, y_pred, sample_weights, batch_size):
        self.loss_tracker.update_state(total_loss * batch_size, count=batch_size)
        for tracker, loss in zip(self.output_loss_trackers, output_losses):
            if tracker is not None:
                tracker.update_state(loss * batch_size, count=batch_size)
        for group, weighted, target, prediction, sw in zip(
            self.metrics, self.weighted, y_true, y_pred, sample_weights
        ):
            for metric, is_weighted in zip(group, weighted):
                metric.update_state(target, prediction, sw if is_weighted else None)

    def reset(self) -> None:
        for metric in self.all_metrics():
            metric.reset_state()

    def results(self) -> dict:
        """Name -> float; the one place where metric values travel to the host."""
        return {m.name: float(ops.convert_to_numpy(m.result())) for m in self.all_metrics()}
