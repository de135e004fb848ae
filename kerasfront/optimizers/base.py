"""The optimizer base class: arguments, learning rate, clipping, slots and saved state.

Each optimizer is written once, statefully: it reads variables and assigns new values.
The training step runs it inside a stateless scope, which turns those assignments into
the step's outputs on every engine. A constant learning rate is a variable, so callbacks
can change it without recompiling (`K.set_value(model.optimizer.lr, 1e-4)`).
"""

from __future__ import annotations

import difflib
import inspect
import numbers

import numpy as np

from kerasfront import config, ops
from kerasfront.backend.variables import Variable, unique_name, unwrap
from kerasfront.optimizers import schedules
from kerasfront.optimizers.graph_updates import GraphUpdates

# Keras 3 (and tf.keras 2.11+) arguments for features we do not implement. They are
# accepted only at the value that turns the feature off, so a Keras 3 config loads, and
# refused otherwise rather than silently ignored.
_OFF_ONLY = {
    "weight_decay": (None, 0, 0.0),
    "use_ema": (False,),
    "ema_overwrite_frequency": (None,),
    "loss_scale_factor": (None,),
    "gradient_accumulation_steps": (None, 1),
}
# Arguments that change nothing here: EMA's momentum only matters with use_ema, the step
# is compiled by `model.compile`, and the legacy flag only says which class wrote a config.
_NO_EFFECT = ("ema_momentum", "jit_compile", "is_legacy_optimizer")


class Optimizer(GraphUpdates):
    """Base class of the optimizers.

    Args:
        learning_rate: a float >= 0, a `schedules.LearningRateSchedule`, or a callable
            taking the step (the number of updates done so far) and returning the rate.
            `lr` is accepted as its Keras 2 name.
        decay: Keras 2's time decay: the rate used at step `t` (counted from 0, before
            the update) is `learning_rate(t) / (1 + decay * t)`. As in Keras 2,
            `optimizer.decay` is a variable (`K.get_value`, `K.set_value`, `K.dtype`
            work on it) and `optimizer.initial_decay` the float given; a decay created
            at 0 stays 0 (setting it raises: create the optimizer with decay > 0).
        clipnorm: when the L2 norm of ALL gradients taken together exceeds it, they are
            scaled down to that norm (Keras 2's rule; tf.keras 2 clips each gradient
            separately). None or 0: no clipping.
        global_clipnorm: the same rule under tf.keras's name; give one of the two.
        clipvalue: clip each gradient element to [-clipvalue, clipvalue]. None or 0: off.
        name: a name for the optimizer's variables.
    """

    def __init__(
        self,
        learning_rate,
        *,
        decay=0.0,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        name=None,
        **kwargs,
    ):
        cls_name = type(self).__name__
        if "lr" in kwargs:  # Keras 2's name wins, as in Keras 2.3
            learning_rate = kwargs.pop("lr")
        _check_extra_arguments(cls_name, kwargs, type(self))
        self.name = name or unique_name(cls_name.lower())
        self._schedule = None
        self._learning_rate = None
        if isinstance(learning_rate, schedules.LearningRateSchedule) or callable(learning_rate):
            self._schedule = learning_rate
        else:
            self._learning_rate = Variable(
                _non_negative(cls_name, "learning_rate", learning_rate),
                False,
                f"{self.name}/learning_rate",
                config.floatx(),
            )
        self.initial_decay = _non_negative(cls_name, "decay", decay)
        # A variable, as Keras 2 code reads it with K functions. The training step
        # carries it only when it is on, so optimizers without decay pay nothing.
        decay_class = Variable if self.initial_decay else _ZeroDecay
        self.decay = decay_class(self.initial_decay, False, f"{self.name}/decay", config.floatx())
        self.clipnorm = _optional_positive(cls_name, "clipnorm", clipnorm)
        self.global_clipnorm = _optional_positive(cls_name, "global_clipnorm", global_clipnorm)
        if self.clipnorm and self.global_clipnorm:
            raise ValueError(
                f"{cls_name}: give clipnorm or global_clipnorm, not both (both clip by the "
                f"global norm here); received clipnorm={clipnorm!r}, "
                f"global_clipnorm={global_clipnorm!r}."
            )
        self.clipvalue = _optional_positive(cls_name, "clipvalue", clipvalue)
        self.iterations = Variable(np.int32(0), False, f"{self.name}/iterations", "int32")
        self._scalars: list[Variable] = []  # per-optimizer state saved after iterations
        self._slots: dict[str, list[Variable]] = {}
        self._built_for: list[Variable] | None = None
        self._pending_weights: list[np.ndarray] | None = None

    # ---- learning rate -------------------------------------------------------------------
    # Keras 2 code reads and sets `optimizer.lr`; Keras 3 code `optimizer.learning_rate`.
    @property
    def learning_rate(self):
        """The learning-rate variable, or the schedule the optimizer was created with."""
        return self._schedule if self._schedule is not None else self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        cls_name = type(self).__name__
        if self._schedule is not None:
            raise TypeError(
                f"{cls_name} '{self.name}' was created with a learning-rate schedule "
                f"({self._schedule!r}); its rate cannot be set. Create the optimizer with a "
                "float learning_rate to change it during training."
            )
        if isinstance(value, schedules.LearningRateSchedule) or callable(value):
            raise TypeError(
                f"{cls_name} '{self.name}': a schedule must be given when the optimizer is "
                f"created (learning_rate=schedule), received {value!r} after creation."
            )
        self._learning_rate.assign(
            np.asarray(_non_negative(cls_name, "learning_rate", value), self._learning_rate.dtype)
        )

    lr = learning_rate

    def _current_learning_rate(self):
        """The rate for this step: the schedule at `iterations`, then Keras 2's decay."""
        if self._schedule is None and not self.initial_decay:
            return self._learning_rate.value
        steps = ops.cast(self.iterations.value, config.floatx())
        if self._schedule is None:
            lr = self._learning_rate.value
        else:
            lr = ops.cast(_call_schedule(self._schedule, steps), config.floatx())
        if self.initial_decay:
            lr = lr * (1.0 / (1.0 + self.decay.value * steps))
        return lr

    # ---- slots ---------------------------------------------------------------------------
    def add_slot(self, slot: str, variables: list[Variable], initial: float = 0.0):
        """One variable per model variable, filled with `initial` (e.g. Adam's `m`)."""
        created = [
            Variable(
                np.full(v.shape, initial, v.dtype), False, f"{self.name}/{v.name}/{slot}", v.dtype
            )
            for v in variables
        ]
        self._slots[slot] = created
        return created

    def build(self, variables: list[Variable]) -> None:
        """Creates the slots for `variables` (once for the same list; anew for another).
        Weights given to `set_weights` before this are loaded now."""
        variables = list(variables)
        if not self._same_variables(variables):
            self._built_for = variables
            self._slots = {}
            self._create_slots(variables)
        if self._pending_weights is not None:
            pending, self._pending_weights = self._pending_weights, None
            self.set_weights(pending)

    def _same_variables(self, variables) -> bool:
        built = self._built_for
        return (
            built is not None
            and len(built) == len(variables)
            and all(a is b for a, b in zip(built, variables))
        )

    def _create_slots(self, variables: list[Variable]) -> None:
        """Subclasses add their slots (in Keras 2's saved order) with `add_slot`."""

    @property
    def variables(self) -> list[Variable]:
        """All the state a training step carries (the learning rate included)."""
        rate = [self._learning_rate] if self._learning_rate is not None else []
        decay = [self.decay] if self.initial_decay else []
        return rate + decay + self.weights

    @property
    def weights(self) -> list[Variable]:
        """The saved state in Keras 2's order: iterations, then each slot's variables
        (all `m`, then all `v`, ...). Empty until the optimizer is built."""
        if self._built_for is None:
            return []
        return [self.iterations, *self._scalars] + [
            v for slot in self._slots.values() for v in slot
        ]

    # ---- the update ----------------------------------------------------------------------
    def _clip(self, grads):
        limit = self.clipnorm or self.global_clipnorm
        if limit and grads:
            norm = ops.sqrt(sum(ops.sum(ops.square(g)) for g in grads))
            # limit / max(norm, limit) is 1 below the limit and limit / norm above it:
            # Keras 2's switch without a branch the compiled step would have to trace.
            scale = limit / ops.maximum(norm, limit)
            grads = [g * scale for g in grads]
        if self.clipvalue:
            grads = [ops.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def apply(self, grads, variables: list[Variable]) -> None:
        """Updates `variables` from `grads` (same order) and counts one iteration."""
        variables = list(variables)
        grads = list(grads)
        if len(grads) != len(variables):
            raise ValueError(
                f"{type(self).__name__} '{self.name}': received {len(grads)} gradients for "
                f"{len(variables)} variables; give one gradient per variable."
            )
        # Gradients made outside a step (NumPy arrays) become tensors of the variables' type.
        grads = [
            g if ops.is_tensor(g) else ops.convert_to_tensor(g, v.dtype)
            for g, v in zip(grads, variables)
        ]
        if self._built_for is None:
            self.build(variables)
        elif not self._same_variables(variables):
            raise ValueError(
                f"{type(self).__name__} '{self.name}' was built for {len(self._built_for)} "
                f"variables ({[v.name for v in self._built_for][:4]}...) and received "
                f"{len(variables)} others. Call optimizer.build(variables) first (it "
                "creates fresh slots) or use one optimizer per set of variables."
            )
        grads = self._clip(grads)
        lr = self._current_learning_rate()
        next_iteration = self.iterations.value + 1  # one op for both uses (eager torch)
        step = ops.cast(next_iteration, config.floatx())
        self.update(grads, variables, lr, step)
        for variable in variables:
            if variable.constraint is not None:
                variable.assign(variable.constraint(variable.value))
        self.iterations.assign(next_iteration)

    def apply_gradients(self, grads_and_vars) -> None:
        """Keras's form: an iterable of (gradient, variable) pairs."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def update(self, grads, variables, lr, step) -> None:
        """Subclasses: assign the new variables and slots. `lr` is this step's learning
        rate (schedule and decay applied), `step` the 1-based update count as a float."""
        raise NotImplementedError

    # ---- saved state ---------------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """The state as NumPy arrays, in the order of `weights` (Keras 2's order)."""
        if self._built_for is None:
            return [np.array(w, copy=True) for w in self._pending_weights or []]
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights) -> None:
        """Sets the state from `get_weights`'s arrays (also Keras 2's saved layouts, see
        `_from_keras_layout`). Before the optimizer is built they are kept and loaded when
        it is (at the first `fit`), so training resumes where it stopped."""
        arrays = [np.asarray(w) for w in weights]
        if self._built_for is None:
            self._pending_weights = arrays
            return
        targets = self.weights
        arrays = self._from_keras_layout(arrays, targets)
        where = f"{type(self).__name__} '{self.name}'.set_weights"
        if len(arrays) != len(targets):
            raise ValueError(
                f"{where}: expected {len(targets)} arrays (iterations, then "
                f"{', '.join(self._slots) or 'no slots'} for {len(self._built_for)} "
                f"variables), received {len(arrays)}."
            )
        for variable, array in zip(targets, arrays):
            if array.shape != variable.shape:
                raise ValueError(
                    f"{where}: {variable.name!r} has shape {variable.shape}, received an "
                    f"array of shape {array.shape}."
                )
        iterations = arrays[0]
        if iterations.dtype.kind not in "iu" and float(iterations) != int(iterations):
            raise ValueError(f"{where}: iterations must be a whole number, received {iterations}.")
        if not 0 <= int(iterations) < 2**31:
            raise ValueError(f"{where}: iterations must be in [0, 2**31), received {iterations}.")
        for variable, array in zip(targets, arrays):
            variable.assign(array.astype(variable.dtype))

    def _from_keras_layout(self, arrays, targets) -> list[np.ndarray]:
        """Subclasses map Keras 2's other saved layouts to theirs (e.g. Keras 2.2.4 saved
        RMSprop without iterations). The base accepts only its own layout."""
        return arrays

    # ---- configuration -------------------------------------------------------------------
    def get_config(self) -> dict:
        if self._schedule is None:
            rate = float(self._learning_rate.numpy())
        else:
            rate = schedules.serialize(self._schedule)
        return {
            "name": self.name,
            "learning_rate": rate,
            "decay": self._current_decay(),
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
        }

    def _current_decay(self) -> float:
        """The decay now: the float given, unless set since (the variable holds float32)."""
        current = self.decay.numpy()
        return self.initial_decay if current == np.float32(self.initial_decay) else float(current)

    @classmethod
    def from_config(cls, config_: dict, custom_objects=None):
        config_ = dict(config_)
        rate = config_.get("learning_rate", config_.get("lr"))
        if isinstance(rate, dict):
            key = "learning_rate" if "learning_rate" in config_ else "lr"
            config_[key] = schedules.deserialize(rate, custom_objects)
        return cls(**config_)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


class _ZeroDecay(Variable):
    """The decay variable of an optimizer created without decay: the training step does
    not read it, so a new value would be ignored; setting one raises instead."""

    def assign(self, value) -> None:
        if np.any(np.asarray(unwrap(value)) != 0):
            raise ValueError(
                f"{self.name}: the optimizer was created with decay=0, so its training step "
                "has no decay to change. Create it with the decay to start from (e.g. "
                "SGD(lr, decay=1e-4)) to set the decay during training."
            )
        super().assign(value)


def _call_schedule(schedule, steps):
    """A schedule object or a callable of the step; callables without arguments (Keras 3
    accepts those) are called bare."""
    if isinstance(schedule, schedules.LearningRateSchedule):
        return schedule(steps)
    try:
        takes_step = bool(inspect.signature(schedule).parameters)
    except (TypeError, ValueError):  # builtins without a signature: give them the step
        takes_step = True
    return schedule(steps) if takes_step else schedule()


def _argument_names(optimizer_class) -> list:
    """The keyword arguments the class takes (its own, its bases', Keras 2's `lr`)."""
    names = {"lr"}
    for klass in optimizer_class.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            names.update(inspect.signature(init).parameters)
    return sorted(names - {"self", "args", "kwargs"})


def _check_extra_arguments(cls_name: str, kwargs: dict, optimizer_class=None) -> None:
    for key, value in kwargs.items():
        if key in _NO_EFFECT:
            continue
        if key in _OFF_ONLY:
            if _is_off(value, _OFF_ONLY[key]):
                continue
            raise ValueError(
                f"{cls_name}: {key}={value!r} is a Keras 3 feature that kerasfront's "
                f"optimizers do not implement; leave it at {_OFF_ONLY[key][0]!r}."
            )
        known = _argument_names(optimizer_class) if optimizer_class is not None else []
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        raise TypeError(
            f"{cls_name} got an unexpected keyword argument {key!r}"
            + (f" (did you mean {close[0]!r}?)" if close else "")
            + f". Keras 2's {cls_name} does not take it; it takes {known}; see "
            f"help(kerasfront.optimizers.{cls_name})."
        )


def _is_off(value, offs) -> bool:
    # Identity for None and booleans, so that use_ema=0 or weight_decay=False do not pass.
    return any(
        value is off
        if off is None or isinstance(off, bool)
        else not isinstance(value, bool) and value == off
        for off in offs
    )


def _non_negative(cls_name: str, argument: str, value) -> float:
    if isinstance(value, bool) or not _is_real_number(value) or not float(value) >= 0:
        raise ValueError(f"{cls_name}: {argument} must be a number >= 0, received {value!r}.")
    return float(value)


def _optional_positive(cls_name: str, argument: str, value):
    """None or 0 (Keras 2: no clipping) -> None, else a float > 0."""
    if value is None:
        return None
    value = _non_negative(cls_name, argument, value)
    return value or None


def _keras_224_layout(arrays, targets) -> list:
    """Keras 2.2.4 saved RMSprop, Adagrad and Adadelta without `iterations` (2.3 added it
    first): such a list starts the count at 0, as Keras 2.3 loads it."""
    if len(arrays) == len(targets) - 1 and _shapes_match(arrays, targets[1:]):
        return [np.zeros((), np.int32), *arrays]
    return arrays


def _shapes_match(arrays, variables) -> bool:
    """Whether `arrays` are one per variable, of the variables' shapes."""
    return len(arrays) == len(variables) and all(
        a.shape == v.shape for a, v in zip(arrays, variables)
    )


def _is_real_number(value) -> bool:
    if isinstance(value, numbers.Real):
        return True
    # 0-d arrays and engine scalars (what K.get_value and callbacks hand around).
    return hasattr(value, "dtype") and getattr(value, "ndim", None) == 0
