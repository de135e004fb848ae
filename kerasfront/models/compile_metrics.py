"""The metrics of a compiled model: the loss trackers and the user's metrics per output,
with Keras 2's resolution of "accuracy" and its History names.

Per output the names are Keras 2's: a metric keeps its name on a single-output model;
with several outputs it becomes `<output_name>_<name>`, each output's loss is tracked as
`<output_name>_loss`, and a weighted metric whose name is taken by an unweighted one gets
`weighted_` in front of its name (after the output's name).
"""

from __future__ import annotations

import numpy as np

from kerasfront import metrics as metrics_module
from kerasfront import ops
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.scope import StatelessScope
from kerasfront.metrics import functions as metric_functions
from kerasfront.models.compile_utils import CompiledLoss, loss_name

_ACCURACY = ("accuracy", "acc")
_CROSSENTROPY = ("crossentropy", "ce")


def _is_group(value) -> bool:
    return isinstance(value, (list, tuple))


def metrics_per_output(metrics, output_names, what) -> list[list]:
    """Keras 2's forms -> one list of identifiers per output: a single metric or a flat
    list applies to every output; a dict maps output names to a metric or a list; a list
    holding lists gives one entry per output, in the order of the outputs."""
    if metrics is None:
        return [[] for _ in output_names]
    if isinstance(metrics, dict):
        unknown = set(metrics) - set(output_names)
        if unknown:
            raise ValueError(
                f"compile: {what} names unknown outputs {sorted(unknown)}; the model's outputs "
                f"are {output_names}."
            )
        entries = [metrics.get(name) for name in output_names]
    elif _is_group(metrics) and any(_is_group(m) or isinstance(m, dict) for m in metrics):
        if len(metrics) != len(output_names):
            raise ValueError(
                f"compile: {what} given per output (a list of lists) has {len(metrics)} "
                f"entries but the model has {len(output_names)} outputs {output_names}."
            )
        entries = list(metrics)
    else:
        # The same metrics for every output; a Metric object is copied for each output
        # after the first, since one object can hold the state of one output only.
        flat = list(metrics) if _is_group(metrics) else [metrics]
        return [
            flat if index == 0 else [_copy(m) for m in flat] for index in range(len(output_names))
        ]
    groups = []
    for entry in entries:
        group = list(entry) if _is_group(entry) else ([] if entry is None else [entry])
        groups.append(group)
    return groups


def _copy(metric):
    if not isinstance(metric, metrics_module.Metric):
        return metric
    # The name before any output prefix an earlier compile gave it.
    name = getattr(metric, "_unprefixed_name", metric.name)
    if type(metric) is metrics_module.MeanMetricWrapper:
        return metrics_module.MeanMetricWrapper(metric.fn, name, metric.dtype, **metric.kwargs)
    copy = type(metric).from_config(metric.get_config())
    copy.name = name
    return copy


def _check_identifier(identifier, what: str) -> None:
    """Fails in compile, not at the first batch, for names and objects that are no metric."""
    if identifier is None or isinstance(identifier, metrics_module.Metric):
        return
    if isinstance(identifier, str):
        if identifier.lower() not in _ACCURACY + _CROSSENTROPY:
            metrics_module.resolve_name(identifier)
        return
    if isinstance(identifier, dict) or callable(identifier):
        return
    raise TypeError(
        f"compile: each of {what} must be a name, a Metric or a function f(y_true, y_pred); "
        f"received {type(identifier).__name__}: {identifier!r:.80}."
    )


def choose_function(kind: str, loss, y_true_shape, y_pred_shape):
    """The accuracy or cross-entropy function Keras 2 picks for "accuracy"/"crossentropy":
    binary for one output unit or binary_crossentropy, sparse categorical for a sparse
    loss (or labels with one axis fewer than the outputs, or a last axis of 1), else
    categorical."""
    name = loss_name(loss) if loss is not None else None
    y_true_shape, y_pred_shape = tuple(y_true_shape), tuple(y_pred_shape)
    if name == "binary_crossentropy" or y_pred_shape[-1] == 1:
        choice = "binary"
    elif name == "sparse_categorical_crossentropy":
        choice = "sparse"
    elif name == "categorical_crossentropy":
        choice = "categorical"
    elif len(y_true_shape) < len(y_pred_shape) or (
        y_true_shape[-1] == 1 and len(y_true_shape) == len(y_pred_shape)
    ):
        choice = "sparse"
    else:
        choice = "categorical"
    if kind == "accuracy":
        return {
            "binary": metric_functions.binary_accuracy,
            "sparse": metric_functions.sparse_categorical_accuracy,
            "categorical": metric_functions.categorical_accuracy,
        }[choice]
    return {
        "binary": metric_functions.binary_crossentropy,
        "sparse": metric_functions.sparse_categorical_crossentropy,
        "categorical": metric_functions.categorical_crossentropy,
    }[choice]


def to_metric(identifier, loss, y_true_shape, y_pred_shape):
    """A Metric object for one requested metric of one output."""
    if isinstance(identifier, metrics_module.Metric):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _ACCURACY + _CROSSENTROPY:
        kind = "accuracy" if identifier.lower() in _ACCURACY else "crossentropy"
        fn = choose_function(kind, loss, y_true_shape, y_pred_shape)
        return metrics_module.MeanMetricWrapper(fn, name=identifier)
    found = metrics_module.get(identifier)
    if isinstance(found, metrics_module.Metric):
        return found
    return metrics_module.MeanMetricWrapper(found, name=_function_metric_name(identifier, found))


def _function_metric_name(identifier, found) -> str:
    if isinstance(identifier, str):
        return identifier
    name = getattr(found, "name", None) or getattr(found, "__name__", None)
    return name or metrics_module.base.snake_case(type(found).__name__)


def _requested_name(identifier) -> str:
    """The name `to_metric` gives the metric of `identifier`, before it is built."""
    if isinstance(identifier, metrics_module.Metric):
        return getattr(identifier, "_unprefixed_name", identifier.name)
    if isinstance(identifier, str) and identifier.lower() in _ACCURACY + _CROSSENTROPY:
        return identifier
    found = metrics_module.get(identifier)
    if isinstance(found, metrics_module.Metric):
        return found.name
    return _function_metric_name(identifier, found)


class CompiledMetrics:
    """The loss trackers and the user's metrics, per output, with Keras 2's names.

    As in Keras, sample and class weights reach only `weighted_metrics`.
    """

    def __init__(self, metrics, output_names, loss: CompiledLoss, weighted_metrics=None):
        self.output_names = list(output_names)
        self.loss = loss
        self.requested = metrics_per_output(metrics, self.output_names, "metrics")
        self.requested_weighted = metrics_per_output(
            weighted_metrics, self.output_names, "weighted_metrics"
        )
        seen: set[int] = set()
        for group in self.requested + self.requested_weighted:
            for identifier in group:
                _check_identifier(identifier, "metrics")
                if isinstance(identifier, metrics_module.Metric):
                    if id(identifier) in seen:
                        raise ValueError(
                            f"compile: the metric object {identifier!r} is given twice (in "
                            "metrics and weighted_metrics, or for two outputs); one object "
                            "keeps the state of one use only: pass a new object for each."
                        )
                    seen.add(id(identifier))
        self.loss_tracker = metrics_module.Mean(name="loss")
        multiple = len(self.output_names) > 1
        self.output_loss_trackers = [
            metrics_module.Mean(name=f"{name}_loss") if multiple and fn is not None else None
            for name, fn in zip(self.output_names, loss.functions)
        ]
        self.metrics: list[list] | None = None  # built once target shapes are known
        self._results_reader = None  # (the metrics it reads, their compiled results)
        self._zeroing = None  # (the variables it resets, one compiled call zeroing them)
        self.weighted: list[list] = []

    def build(self, target_shapes, output_shapes) -> None:
        """Creates the metric objects (and their state) from the shapes of the targets and
        outputs; once, before the first compiled step."""
        if self.metrics is not None:
            return
        metrics, weighted = [], []
        for requested, requested_weighted, loss_fn, t_shape, o_shape in zip(
            self.requested,
            self.requested_weighted,
            self.loss.functions,
            target_shapes,
            output_shapes,
        ):
            group, flags = [], []
            for is_weighted, identifiers in ((False, requested), (True, requested_weighted)):
                for identifier in identifiers:
                    if identifier is None:
                        continue
                    metric = to_metric(identifier, loss_fn, t_shape, o_shape)
                    if not metric.built:
                        metric.build(tuple(t_shape), tuple(o_shape))
                    group.append(metric)
                    flags.append(is_weighted)
            metrics.append(group)
            weighted.append(flags)
        self._set_names(metrics, weighted)
        self.metrics, self.weighted = metrics, weighted

    def _set_names(self, metrics, weighted) -> None:
        """Names the built metrics with Keras 2's History names."""
        bases = []
        for group in metrics:
            for metric in group:
                # Recompiling reuses a user's Metric object: name it from its own name.
                metric._unprefixed_name = getattr(metric, "_unprefixed_name", metric.name)
            bases.append([metric._unprefixed_name for metric in group])
        names = iter(self._history_names(bases, weighted))
        for group in metrics:
            for metric in group:
                metric.name = next(names)

    def _history_names(self, bases, weighted) -> list[str]:
        """Keras 2's History names of the metrics whose own names are `bases` (per
        output); two metrics may not share one."""
        multiple = len(self.output_names) > 1
        taken = {"loss"} | {t.name for t in self.output_loss_trackers if t is not None}
        names = []
        for output_name, group, flags in zip(self.output_names, bases, weighted):
            for base, is_weighted in zip(group, flags):
                prefix = f"{output_name}_" if multiple else ""
                name = prefix + base
                if is_weighted and name in taken:
                    name = f"{prefix}weighted_{base}"
                if name in taken:
                    raise ValueError(
                        f"compile: two metrics are named {name!r}; every metric of a model "
                        "needs its own name (pass name=... to the Metric)."
                    )
                taken.add(name)
                names.append(name)
        return names

    def _requested_names(self) -> list[str]:
        """The names the metrics will have once built (Keras 2 knows them at compile)."""
        bases, weighted = [], []
        for requested, requested_weighted in zip(self.requested, self.requested_weighted):
            group, flags = [], []
            for is_weighted, identifiers in ((False, requested), (True, requested_weighted)):
                for identifier in identifiers:
                    if identifier is not None:
                        group.append(_requested_name(identifier))
                        flags.append(is_weighted)
            bases.append(group)
            weighted.append(flags)
        return self._history_names(bases, weighted)

    def all_metrics(self) -> list:
        trackers = [self.loss_tracker] + [t for t in self.output_loss_trackers if t is not None]
        return trackers + [m for group in self.metrics or [] for m in group]

    @property
    def names(self) -> list[str]:
        if self.metrics is None:  # not built yet: the names they will have
            return [t.name for t in self.all_metrics()] + self._requested_names()
        return [metric.name for metric in self.all_metrics()]

    @property
    def variables(self) -> list:
        return [v for metric in self.all_metrics() for v in metric.variables]

    def update(self, total_loss, output_losses, y_true, y_pred, sample_weights, batch_size):
        """Accumulates one batch (inside the compiled step)."""
        self.loss_tracker.add_total(total_loss * batch_size, batch_size)
        for tracker, loss in zip(self.output_loss_trackers, output_losses):
            if tracker is not None:
                tracker.add_total(loss * batch_size, batch_size)
        for group, weighted, target, prediction, sw in zip(
            self.metrics, self.weighted, y_true, y_pred, sample_weights
        ):
            for metric, is_weighted in zip(group, weighted):
                metric.update_state(target, prediction, sw if is_weighted else None)

    def reset(self) -> None:
        """Resets every metric, at each epoch start. Metrics whose reset is the base
        class's (every variable back to zeros) are zeroed by one compiled call: on JAX
        one assignment costs ~30-50 us, and `fit` resets at every call. The others reset
        themselves."""
        base_reset = metrics_module.Metric.reset_state
        zeroed = []  # the variables of the metrics the base reset serves
        for metric in self.all_metrics():
            if type(metric).reset_state is base_reset:
                zeroed.extend(metric.variables)
            else:
                metric.reset_state()
        # Keyed by the variables themselves: a metric may create its own at its first update.
        zeroing = self._zeroing
        if zeroing is None or not _same_objects(zeroing[0], zeroed):
            zeroing = self._zeroing = (zeroed, _compiled_zeroing(zeroed))
        zeroing[1]()

    def results(self) -> dict:
        """Name -> value (a float, or an array for a metric with several thresholds); the
        one place where metric values travel to the host."""
        metrics = self.all_metrics()
        results = {}
        for metric, value in zip(metrics, self._result_values(metrics)):
            value = np.asarray(ops.convert_to_numpy(value))
            results[metric.name] = float(value) if value.ndim == 0 else value
        return results

    def _result_values(self, metrics: list) -> list:
        """Every metric's `result()`, computed by one compiled call: on JAX and
        TensorFlow a few eager ops per metric cost more than that call (~0.5 ms against
        ~0.1 ms for the loss alone, at every epoch end and progress-bar redraw), and
        tf.keras 2 computes results inside its compiled functions too. A metric whose
        result cannot be compiled (one that reads values on the host) is read eagerly."""
        reader = self._results_reader
        if reader is None or not _same_objects(reader[0], metrics):
            reader = self._results_reader = (metrics, _compiled_results(metrics))
        if reader[1] is not None:
            try:
                return reader[1]()
            except Exception:  # noqa: BLE001 - the eager reading below raises real errors
                self._results_reader = (metrics, None)
        return [metric.result() for metric in metrics]


def _compiled_zeroing(variables: list):
    """A compiled call setting every variable in `variables` to zeros (of its own shape
    and dtype, where it lives): the base `Metric.reset_state`, for all of them at once."""
    if not variables:
        return lambda: None

    def zeros(read_values, values):
        return [ops.zeros_like(value) for value in values], ()

    return ADAPTER.compile_state_step(zeros, [], variables)


def _compiled_results(metrics: list):
    """A compiled function returning the metrics' results from their variables."""
    variables = [variable for metric in metrics for variable in metric.variables]

    def results(values):
        with StatelessScope(zip(variables, values)):
            return [metric.result() for metric in metrics]

    return ADAPTER.compile_function(results, variables)


__all__ = ["CompiledMetrics", "choose_function", "metrics_per_output", "to_metric"]


def _same_objects(cached: list, current: list) -> bool:
    """Whether a cached compiled call was made for exactly these objects, in order."""
    return len(cached) == len(current) and all(a is b for a, b in zip(cached, current))
