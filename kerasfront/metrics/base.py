"""The metric base classes: state kept in variables on the device, read only when shown.

`update_state` assigns to the metric's variables. Inside a compiled step those
assignments are recorded by the step's scope, so metrics accumulate without a host sync
per batch; outside one they update the variables directly (a metric used on its own).
"""

from __future__ import annotations

import re

import numpy as np

from kerasfront import config, ops
from kerasfront.backend import user_code
from kerasfront.backend.scope import in_stateless_scope
from kerasfront.backend.variables import Variable, unique_name, unwrap


def snake_case(class_name: str) -> str:
    """`MeanIoU` -> `mean_io_u`, `AUC` -> `auc`: Keras 2's default metric names."""
    spaced = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", spaced).lower()


def as_tensor(x, dtype=None):
    """Arrays, scalars, Variables and engine tensors as an engine tensor (cast if asked)."""
    tensor = ops.convert_to_tensor(unwrap(x))
    return tensor if dtype is None else ops.cast(tensor, dtype)


def divide_no_nan(numerator, denominator):
    """numerator / denominator, and 0 where the denominator is 0 (no NaN, no warning)."""
    zero = ops.equal(denominator, 0.0)
    safe = ops.where(zero, ops.ones_like(denominator), denominator)
    return ops.where(zero, ops.zeros_like(numerator), numerator / safe)


def align_targets(y_true, y_pred):
    """Targets of shape (samples,) for predictions of shape (samples, 1) gain the
    trailing axis (and the reverse loses it), so that comparing them never broadcasts to
    (samples, samples)."""
    true_rank, pred_rank = len(ops.shape(y_true)), len(ops.shape(y_pred))
    if pred_rank == true_rank + 1 and ops.shape(y_pred)[-1] == 1:
        return ops.expand_dims(y_true, -1)
    if true_rank == pred_rank + 1 and ops.shape(y_true)[-1] == 1:
        return ops.squeeze(y_true, -1)
    return y_true


def broadcast_weights(sample_weight, values, owner: str):
    """`sample_weight` spread over `values`' shape: one weight per sample (or per time
    step) covers the trailing axes, as Keras 2 weights samples; a trailing axis of size 1
    is dropped. Shapes that do not fit raise instead of broadcasting silently."""
    weights = as_tensor(sample_weight, ops.dtype(values))
    value_shape, weight_shape = tuple(ops.shape(values)), tuple(ops.shape(weights))
    if len(weight_shape) == len(value_shape) + 1 and weight_shape[-1] == 1:
        weights = ops.squeeze(weights, -1)
        weight_shape = weight_shape[:-1]
    fits = len(weight_shape) <= len(value_shape) and all(
        w in (1, v) for w, v in zip(weight_shape, value_shape)
    )
    if not fits:
        raise ValueError(
            f"{owner}: sample_weight of shape {weight_shape} does not fit values of shape "
            f"{value_shape}; expected one weight per sample (shape {value_shape[:1]}) or a "
            f"shape that leads {value_shape}."
        )
    extra_axes = len(value_shape) - len(weight_shape)
    weights = ops.reshape(weights, weight_shape + (1,) * extra_axes)
    return ops.broadcast_to(weights, value_shape)


class Metric:
    """Base class of stateful metrics.

    A subclass creates its state with `add_variable` in `__init__` (or in `build` when
    the state's shape depends on the data), accumulates in `update_state(y_true, y_pred,
    sample_weight=None)` with tensor operations only (it runs inside compiled steps), and
    computes the value from its state in `result()`.

    Args:
        name: the metric's name (History key); defaults to the class name in snake case.
        dtype: the dtype of the state, `floatx()` by default.
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.dtype = str(dtype or config.floatx())
        self._variables: list[Variable] = []
        self.built = True

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"

    def add_variable(self, name: str, shape=(), initial=0.0) -> Variable:
        """A non-trainable state variable that `reset_state` sets back to zeros."""
        if in_stateless_scope():
            raise RuntimeError(
                f"{type(self).__name__} '{self.name}': its state must be created before the "
                "compiled step runs (in __init__ or build), not inside update_state."
            )
        variable = Variable(
            np.full(shape, initial, self.dtype), trainable=False, name=f"{self.name}/{name}"
        )
        self._variables.append(variable)
        return variable

    add_weight = add_variable  # the tf.keras 2 name

    def build(self, y_true_shape, y_pred_shape) -> None:
        """Creates state whose shape depends on the data; most metrics need nothing."""

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    weights = variables

    def reset_state(self) -> None:
        for variable in self._variables:
            variable.assign(np.zeros(variable.shape, variable.dtype))

    reset_states = reset_state  # the tf.keras 2.0-2.4 name

    def update_state(self, y_true, y_pred, sample_weight=None):
        raise NotImplementedError(f"{type(self).__name__} must define update_state.")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must define result.")

    def __call__(self, *args, **kwargs):
        """Updates the state with one batch and returns the new result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        """The constructor arguments; `from_config` rebuilds an equal, fresh metric."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class Reduce(Metric):
    """Sums values (weighted) into `total`; `Mean` also counts them."""

    def __init__(self, name=None, dtype=None):
        super().__init__(name, dtype)
        self.total = self.add_variable("total")

    def _weighted(self, values, sample_weight):
        values = as_tensor(values, self.dtype)
        if sample_weight is None:
            return values, float(ops.size(values))
        weights = broadcast_weights(sample_weight, values, f"{type(self).__name__} '{self.name}'")
        return values * weights, ops.sum(weights)


class Sum(Reduce):
    """The (weighted) sum of every value passed to `update_state(values)`."""

    def update_state(self, values, sample_weight=None):
        weighted, _ = self._weighted(values, sample_weight)
        self.total.assign(self.total.value + ops.sum(weighted))

    def result(self):
        return ops.convert_to_tensor(self.total.value)


class Mean(Reduce):
    """The (weighted) mean of every value passed to `update_state(values)`:
    sum(values * weights) / sum(weights), 0 before any value."""

    def __init__(self, name=None, dtype=None):
        super().__init__(name, dtype)
        self.count = self.add_variable("count")

    def update_state(self, values, sample_weight=None):
        weighted, count = self._weighted(values, sample_weight)
        self.add_total(ops.sum(weighted), count)

    def add_total(self, total, count) -> None:
        """Adds a sum already taken over `count` samples (the loss trackers' batch means
        times their batch sizes)."""
        self.total.assign(self.total.value + ops.cast(total, self.dtype))
        self.count.assign(self.count.value + count)

    def result(self):
        return divide_no_nan(self.total.value, self.count.value)


class MeanMetricWrapper(Mean):
    """Averages `fn(y_true, y_pred, **kwargs)` over every sample seen.

    As in tf.keras 2, `y_true` and `y_pred` are cast to the metric's dtype first. A
    function that returns one value per sample is averaged per sample (per time step for
    sequences); one that returns a scalar for the batch (a user's `mean_pred`) counts as
    many times as the batch has samples, so the epoch value is the mean over samples.

    Args:
        fn: the function `f(y_true, y_pred, **kwargs)`.
        name: defaults to `fn.__name__`.
        dtype: the dtype of the state.
        **kwargs: passed to `fn` on every call (`threshold`, `k`, ...).
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(
                f"MeanMetricWrapper needs a function f(y_true, y_pred), received "
                f"{type(fn).__name__}: {fn!r:.80}."
            )
        super().__init__(name or getattr(fn, "__name__", None), dtype)
        self.fn = fn
        self.kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred = as_tensor(y_true, self.dtype), as_tensor(y_pred, self.dtype)
        if user_code.is_users(self.fn):
            # Keras 2 metrics may update y_pred in place (see backend/user_code.py).
            y_true, y_pred = user_code.private_copies((y_true, y_pred))
        values = self.fn(align_targets(y_true, y_pred), y_pred, **self.kwargs)
        if len(ops.shape(values)) > 0:
            return Mean.update_state(self, values, sample_weight)
        # One value for the whole batch: it stands for each of the batch's samples.
        if sample_weight is None:
            count = float(ops.shape(y_pred)[0]) if ops.shape(y_pred) else 1.0
        else:
            count = ops.sum(as_tensor(sample_weight, self.dtype))
        self.add_total(as_tensor(values, self.dtype) * count, count)

    def get_config(self) -> dict:
        config = {**super().get_config(), **self.kwargs}
        if type(self) is MeanMetricWrapper:
            # Only a named function can be rebuilt; a user's function needs custom_objects.
            config["fn"] = getattr(self.fn, "__name__", None)
        return config

    @classmethod
    def from_config(cls, config: dict):
        if cls is MeanMetricWrapper:
            from kerasfront.metrics import get

            config = dict(config)
            return cls(get(config.pop("fn")), **config)
        return cls(**config)
