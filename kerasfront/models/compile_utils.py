"""What `compile` sets up: the losses per output with their weights and sample-weight
modes, and the checks that targets and sample weights fit them. The metrics per output
live in `compile_metrics.py`.

As in Keras 2, an output may have no loss (`loss=None`, a None entry, or a name left out
of a loss dict): it then takes no target, and the training objective is whatever the
other outputs, `add_loss` terms and weight regularizers give.
"""

from __future__ import annotations

import types
import warnings

import numpy as np

from kerasfront import config, ops
from kerasfront import losses as losses_module
from kerasfront.backend import user_code
from kerasfront.layers.keras_tensor import KerasTensor

SAMPLE_WEIGHT_MODES = (None, "temporal")


def per_output(value, output_names, what, default=None):
    """A single value (for every output), a list (by position) or a dict (by output
    name) -> one entry per output."""
    if isinstance(value, dict):
        unknown = set(value) - set(output_names)
        if unknown:
            raise ValueError(
                f"compile: {what} names unknown outputs {sorted(unknown)}; the model's outputs "
                f"are {output_names}."
            )
        return [value.get(name, default) for name in output_names]
    if isinstance(value, (list, tuple)):
        if len(value) != len(output_names):
            raise ValueError(
                f"compile: {what} has {len(value)} entries but the model has "
                f"{len(output_names)} outputs {output_names}."
            )
        return list(value)
    return [value] * len(output_names)


def loss_name(loss) -> str | None:
    """The Keras name of a built-in loss (a function or a loss object), else None."""
    canonical = getattr(losses_module, "canonical_name", None)
    if canonical is not None:
        return canonical(loss)
    fn = getattr(loss, "fn", loss)
    name = getattr(fn, "__name__", None)
    try:
        return name if losses_module.get(name) is fn else None
    except (ValueError, TypeError):
        return None


def _loss_weight(value, name):
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(
            f"compile: loss_weights for output '{name}' must be a number, received "
            f"{type(value).__name__}: {value!r:.80}."
        )
    return float(value)


def _sample_weight_mode(value, name):
    if value not in SAMPLE_WEIGHT_MODES:
        raise ValueError(
            f"compile: sample_weight_mode for output '{name}' must be None or 'temporal' "
            f"(per-timestep weights of shape (samples, timesteps)), received {value!r}."
        )
    return value


class CompiledLoss:
    """The training objective: the sum over outputs of weight * mean(weighted loss).

    As in Keras 2 (tf.keras), each output's loss is the sum of its per-sample (or, with
    `sample_weight_mode="temporal"`, per-timestep) losses times their weights, divided by
    the number of those losses.
    """

    def __init__(self, loss, loss_weights, output_names, sample_weight_mode=None):
        self.output_names = list(output_names)
        identifiers = per_output(loss, self.output_names, "loss")
        if isinstance(loss, dict):
            left_out = [name for name in self.output_names if name not in loss]
            if left_out:
                # Keras 2 warns too: a forgotten key would otherwise train nothing there.
                warnings.warn(
                    f"compile: outputs {left_out} are missing from the loss dict; they get "
                    "no loss and take no targets (give them None explicitly to silence "
                    "this warning).",
                    stacklevel=3,
                )
        self.functions = [None if i is None else losses_module.get(i) for i in identifiers]
        # Which outputs take targets: those with a loss.
        self.has_loss = [fn is not None for fn in self.functions]
        # Set once a forward pass showed `add_loss` terms or regularizers: with no output
        # loss they are the whole objective (see `BatchFormat.check_loss_to_optimize`).
        self.other_losses_found = False
        self.weights = [
            _loss_weight(w, name)
            for w, name in zip(
                per_output(loss_weights, self.output_names, "loss_weights", 1.0),
                self.output_names,
            )
        ]
        self.sample_weight_modes = [
            _sample_weight_mode(mode, name)
            for mode, name in zip(
                per_output(sample_weight_mode, self.output_names, "sample_weight_mode"),
                self.output_names,
            )
        ]

    @property
    def target_names(self) -> list[str]:
        """The outputs that take targets (those with a loss), in order."""
        return [name for name, has in zip(self.output_names, self.has_loss) if has]

    def weigh(self, values, sample_weight, index: int, prediction):
        """`values` (one loss per sample, or per time step) times the sample weights of
        output `index`, after checking the weights' shape against its mode."""
        name, mode = self.output_names[index], self.sample_weight_modes[index]
        weight_shape = tuple(ops.shape(sample_weight))
        if mode == "temporal":
            if len(ops.shape(prediction)) < 3:
                raise ValueError(
                    f"Output '{name}' has shape {tuple(ops.shape(prediction))}: "
                    "sample_weight_mode='temporal' is for outputs with a time axis (samples, "
                    "timesteps, ...)."
                )
            if weight_shape != tuple(ops.shape(values))[:2]:
                raise ValueError(
                    f"Output '{name}' uses sample_weight_mode='temporal', which expects "
                    f"sample weights of shape (samples, timesteps) = "
                    f"{tuple(ops.shape(values))[:2]}; received shape {weight_shape}."
                )
        else:
            if len(weight_shape) == 2 and weight_shape[-1] == 1:
                sample_weight = ops.reshape(sample_weight, weight_shape[:1])
            elif len(weight_shape) != 1:
                raise ValueError(
                    f"Output '{name}': sample weights of shape {weight_shape} give more than "
                    "one weight per sample; per-timestep weights need "
                    "compile(sample_weight_mode='temporal')."
                )
        sample_weight = ops.cast(sample_weight, ops.dtype(values))
        extra_axes = len(ops.shape(values)) - len(ops.shape(sample_weight))
        return values * ops.reshape(
            sample_weight, tuple(ops.shape(sample_weight)) + (1,) * extra_axes
        )

    def __call__(self, y_true, y_pred, sample_weights):
        """Returns (total, [loss of each output, None where no loss])."""
        # No `0.0 + 1.0 * loss` for the usual single output: every op here is also a node
        # of the backward pass, which eager PyTorch runs op by op.
        total, per_output_losses = None, []
        for index, (fn, weight, target, prediction, sw) in enumerate(
            zip(self.functions, self.weights, y_true, y_pred, sample_weights)
        ):
            if fn is None:
                per_output_losses.append(None)
                continue
            if user_code.is_users(fn):
                # Keras 2 losses may update y_pred in place (see backend/user_code.py).
                target, prediction = user_code.private_copies((target, prediction))
                used = _graph_tensors_read_by(fn)
                if used:
                    fn = _with_step_values(fn, used, self.output_names[index])
                values = user_code.call_users(fn, target, prediction)
                if isinstance(values, KerasTensor):
                    raise TypeError(_graph_loss_message(fn, self.output_names[index], values))
            else:
                values = fn(target, prediction)
            if sw is not None:
                values = self.weigh(values, sw, index, prediction)
            loss = ops.mean(values)
            per_output_losses.append(loss)
            term = loss if weight == 1 else weight * loss
            total = term if total is None else total + term
        if total is None:
            # No output has a loss: `add_loss` terms and regularizers are added to this.
            total = ops.zeros((), config.floatx())
        return total, per_output_losses

    def check_sample_weights(self, sample_weights: list, output_shapes: list) -> None:
        """Raises early (before any step runs) when sample weight arrays do not fit the
        outputs' modes: (samples,) without a mode, (samples, timesteps) with 'temporal'."""
        for name, mode, weights, shape in zip(
            self.output_names, self.sample_weight_modes, sample_weights, output_shapes
        ):
            if weights is None:
                continue
            ndim = np.ndim(weights)
            if mode == "temporal" and ndim != 2:
                raise ValueError(
                    f"Output '{name}' uses sample_weight_mode='temporal': sample_weight must "
                    f"have shape (samples, timesteps), received {np.shape(weights)}."
                )
            if mode is None and not (ndim == 1 or (ndim == 2 and np.shape(weights)[1] == 1)):
                raise ValueError(
                    f"Output '{name}': sample_weight of shape {np.shape(weights)} has more "
                    "than one weight per sample; per-timestep weights need "
                    "compile(sample_weight_mode='temporal')."
                )
            if mode == "temporal" and shape is not None and len(shape) < 3:
                raise ValueError(
                    f"Output '{name}' has shape {shape}: sample_weight_mode='temporal' is "
                    "for outputs with a time axis (samples, timesteps, ...)."
                )

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
                and loss_name(fn) != "sparse_categorical_crossentropy"
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
            if isinstance(target, np.ndarray) and target.dtype.kind in "US":
                raise TypeError(
                    f"Output '{name}': targets must be numbers, received an array of "
                    f"dtype {target.dtype} (e.g. {target.reshape(-1)[:1].tolist()}). Encode "
                    "string labels as integers first, e.g. "
                    "`classes, y = numpy.unique(labels, return_inverse=True)`."
                )
            name_of_loss = loss_name(fn)
            if name_of_loss is None:
                continue  # a user's loss may take targets of any shape it likes
            expected_rank = len(shape)
            if name_of_loss == "sparse_categorical_crossentropy":
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
                if name_of_loss == "categorical_crossentropy" and target.ndim <= expected_rank:
                    hint = (
                        " Integer labels need loss='sparse_categorical_crossentropy', or "
                        "convert them with utils.to_categorical."
                    )
                raise ValueError(
                    f"Output '{name}' has shape {shape} but its targets have shape "
                    f"{target.shape}; loss '{name_of_loss}' expects targets of the output's "
                    f"shape.{hint}"
                )


def _is_per_output(metrics) -> bool:
    """Whether metrics are given per output (a dict, or a list holding lists or dicts)
    rather than one flat list for every output (compile_metrics.metrics_per_output)."""
    return isinstance(metrics, dict) or (
        isinstance(metrics, (list, tuple))
        and any(isinstance(m, (list, tuple, dict)) for m in metrics)
    )


def metrics_with_targets(metrics, compiled_loss: CompiledLoss, what: str):
    """`metrics` (or `weighted_metrics`) limited to the outputs that take targets.

    A metric compares targets with outputs, and an output without a loss takes no targets:
    metrics given for such an output by name or position are an error naming it. A flat
    list, meant for every output, goes to the outputs with a loss (tf.keras 2 skips the
    others too); with no such output at all it is an error, as nothing could be measured.
    """
    names, has_loss = compiled_loss.output_names, compiled_loss.has_loss
    if metrics is None or all(has_loss):
        return metrics
    from kerasfront.models.compile_metrics import metrics_per_output

    if _is_per_output(metrics):
        for name, has, group in zip(names, has_loss, metrics_per_output(metrics, names, what)):
            if not has and any(m is not None for m in group):
                raise ValueError(
                    f"compile: {what} are given for output '{name}', which has no loss and "
                    "therefore takes no targets; a metric compares targets with outputs. "
                    f"Give output '{name}' a loss, or leave it out of {what}."
                )
        return metrics
    if isinstance(metrics, (list, tuple)) and not metrics:
        return metrics
    targets = compiled_loss.target_names
    if not targets:
        outputs = f"output '{names[0]}' has" if len(names) == 1 else f"outputs {names} have"
        raise ValueError(
            f"compile: {what}={metrics!r:.80} need targets, but the model's {outputs} "
            "no loss (loss=None), so the model takes no targets. Drop the metrics, or "
            "compile with a loss for the outputs to measure."
        )
    # Built per output with the outputs that have a loss, so that a Metric object in the
    # list serves the first of them (copies serve the others, as for every output).
    groups = iter(metrics_per_output(metrics, targets, what))
    return [next(groups) if has else [] for has in has_loss]


# Re-exported for the trainer; at the end because compile_metrics imports this module.
from kerasfront.models.compile_metrics import CompiledMetrics  # noqa: E402, F401


def _graph_tensors_read_by(fn) -> dict:
    """The symbolic tensors a loss function reads by name, from its closure or its
    module's globals (`z_mean` of a script), by name; empty for other callables."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return {}
    found = {}
    for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
        try:
            value = cell.cell_contents
        except ValueError:  # a cell not filled yet
            continue
        if isinstance(value, KerasTensor):
            found[name] = value
    module_globals = getattr(fn, "__globals__", {})
    for name in code.co_names:
        if isinstance(module_globals.get(name), KerasTensor):
            found[name] = module_globals[name]
    return found


def graph_tensors_read_by_losses(compiled_loss) -> list:
    """Every symbolic tensor the user's loss functions of `compiled_loss` read, once."""
    found = {}
    for fn in compiled_loss.functions:
        if fn is not None and user_code.is_users(fn):
            for tensor in _graph_tensors_read_by(fn).values():
                found[id(tensor)] = tensor
    return list(found.values())


def _with_step_values(fn, used: dict, output_name: str):
    """`fn` reading this step's values of the graph tensors `used` where it read the
    tensors: Keras 2 ran such a loss inside the graph, on the same forward pass. The
    forward pass of the step computed them (`symbolic_losses.run_collecting_losses`)."""
    from kerasfront.models.symbolic_losses import loss_read_values

    step_values = loss_read_values()
    missing = {name: t for name, t in used.items() if id(t) not in step_values}
    if missing:
        raise TypeError(_graph_loss_message(fn, output_name, missing))
    code = fn.__code__
    module_globals = fn.__globals__
    replaced_globals = {n: t for n, t in used.items() if n in code.co_names}
    if replaced_globals:
        module_globals = dict(module_globals)
        for name, tensor in replaced_globals.items():
            module_globals[name] = step_values[id(tensor)]
    closure = fn.__closure__
    if closure is not None:
        closure = tuple(
            types.CellType(step_values[id(used[name])])
            if name in used and name not in replaced_globals
            else cell
            for name, cell in zip(code.co_freevars, closure)
        )
    bound = types.FunctionType(code, module_globals, fn.__name__, fn.__defaults__, closure)
    bound.__kwdefaults__ = fn.__kwdefaults__
    return bound


def _graph_loss_message(fn, output_name: str, values) -> str:
    """Says why a loss that returned a symbolic tensor cannot run, and the Keras 2 way
    that can: Keras 2 graph-mode losses could close over the model's inner tensors (the
    blog's VAE loss reads `z_mean`), but losses here see only each step's targets and
    predictions."""
    name = getattr(fn, "__name__", type(fn).__name__)
    if isinstance(values, dict):
        what = (
            f"reads the symbolic tensors {sorted(values)}, which the model's inputs do not "
            "reach (or the model is not a functional one)"
        )
    else:
        what = f"returned the symbolic tensor {values!r}: it uses tensors of the model's graph"
    return (
        f"Loss function '{name}' of output '{output_name}' {what} (Keras 2 graph-mode "
        "losses could close over an inner layer's output), which have no value inside a "
        "training step. Add the terms built from those tensors with "
        "`model.add_loss(K.mean(...))` (they are computed with each step's forward pass) "
        "and keep only the terms of (y_true, y_pred) in the loss function, or "
        "compile(loss=None) when add_loss holds the whole objective."
    )
