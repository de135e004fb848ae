"""Optimizers: SGD (momentum, Nesterov), RMSprop, Adam, with Keras 2's arguments.

Each optimizer is written once, statefully: it reads variables and assigns new values.
The training step runs it inside a stateless scope, which turns those assignments into
the step's outputs on every engine. The learning rate is a variable, so callbacks can
change it without recompiling (`K.set_value(model.optimizer.lr, 1e-4)`).
"""

from __future__ import annotations

import numpy as np

from kerasfront import config, ops
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.variables import Variable, unique_name


class Optimizer:
    """Base class.

    Args:
        learning_rate: the step size (`lr` is accepted as its Keras 2 name).
        decay: Keras 2's time decay, lr / (1 + decay * iterations).
        clipnorm: clip each gradient to this L2 norm. clipvalue: clip each element.
    """

    def __init__(
        self, learning_rate=0.01, decay=0.0, clipnorm=None, clipvalue=None, name=None, **kwargs
    ):
        if "lr" in kwargs:
            learning_rate = kwargs.pop("lr")
        unknown = set(kwargs) - {"global_clipnorm", "epsilon"}
        if unknown:
            raise TypeError(
                f"{type(self).__name__} got unexpected keyword arguments {sorted(unknown)}."
            )
        if learning_rate is None or float(learning_rate) < 0:
            raise ValueError(
                f"{type(self).__name__}: learning_rate must be a non-negative number, received "
                f"{learning_rate!r}."
            )
        self.name = name or unique_name(type(self).__name__.lower())
        self._learning_rate = Variable(
            float(learning_rate), False, f"{self.name}/learning_rate", "float32"
        )
        self.iterations = Variable(np.int32(0), False, f"{self.name}/iterations", "int32")
        self.decay = float(decay)
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self._slots: dict[str, list[Variable]] = {}
        self._built_for: list[Variable] | None = None

    # Keras 2 code reads and sets `optimizer.lr`; Keras 3 code `optimizer.learning_rate`.
    @property
    def learning_rate(self) -> Variable:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate.assign(np.float32(value))

    lr = learning_rate

    def add_slot(self, slot: str, variables: list[Variable]) -> list[Variable]:
        """One zero-filled variable per model variable (e.g. Adam's `m` and `v`)."""
        created = [
            Variable(np.zeros(v.shape, v.dtype), False, f"{self.name}/{v.name}/{slot}")
            for v in variables
        ]
        self._slots[slot] = created
        return created

    def build(self, variables: list[Variable]) -> None:
        """Creates the slots for `variables`; called once, before the first update."""
        self._built_for = list(variables)

    @property
    def variables(self) -> list[Variable]:
        return [self._learning_rate, self.iterations] + [
            v for slots in self._slots.values() for v in slots
        ]

    def _current_learning_rate(self):
        lr = self._learning_rate.value
        if self.decay:
            steps = ops.cast(self.iterations.value, "float32")
            lr = lr / (1.0 + self.decay * steps)
        return lr

    def _clip(self, grads):
        if self.clipnorm is not None:
            clipped = []
            for g in grads:
                norm = ops.sqrt(ops.sum(ops.square(g)))
                clipped.append(g * ops.minimum(1.0, self.clipnorm / ops.maximum(norm, 1e-12)))
            grads = clipped
        if self.clipvalue is not None:
            grads = [ops.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def apply(self, grads, variables: list[Variable]) -> None:
        """Updates `variables` from `grads` (same order) and counts one iteration."""
        if self._built_for is None:
            self.build(variables)
        grads = self._clip(list(grads))
        lr = self._current_learning_rate()
        step = ops.cast(self.iterations.value + 1, "float32")
        self.update(grads, variables, lr, step)
        for variable in variables:
            if variable.constraint is not None:
                variable.assign(variable.constraint(variable.value))
        self.iterations.assign(self.iterations.value + 1)

    def apply_gradients(self, grads_and_vars) -> None:
        """Keras's form: an iterable of (gradient, variable) pairs."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def update(self, grads, variables, lr, step) -> None:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "learning_rate": float(self._learning_rate.numpy()),
            "decay": self.decay,
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
        }

    @classmethod
    def from_config(cls, config_):
        return cls(**config_)


class SGD(Optimizer):
    """Gradient descent with optional momentum: v = momentum v - lr g; w += v
    (Nesterov: w += momentum v - lr g)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be in [0, 1], received {momentum!r}.")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def build(self, variables):
        super().build(variables)
        if self.momentum:
            self.add_slot("momentum", variables)

    def update(self, grads, variables, lr, step):
        if not self.momentum:
            for g, w in zip(grads, variables):
                w.assign(w.value - lr * g)
            return
        velocities = self._slots["momentum"]
        fused = getattr(ADAPTER, "sgd_momentum_update", None)
        if fused is not None:
            new_w, new_v = fused(
                [w.value for w in variables],
                grads,
                [v.value for v in velocities],
                lr,
                self.momentum,
                self.nesterov,
            )
            _assign_all(variables + velocities, new_w + new_v)
            return
        for g, w, v in zip(grads, variables, velocities):
            velocity = self.momentum * v.value - lr * g
            v.assign(velocity)
            if self.nesterov:
                w.assign(w.value + self.momentum * velocity - lr * g)
            else:
                w.assign(w.value + velocity)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class RMSprop(Optimizer):
    """Divides the gradient by a running RMS: a = rho a + (1 - rho) g^2;
    w -= lr g / (sqrt(a) + epsilon)."""

    def __init__(
        self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=None, centered=False, **kwargs
    ):
        super().__init__(learning_rate, **kwargs)
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = config.epsilon() if epsilon is None else float(epsilon)
        self.centered = bool(centered)

    def build(self, variables):
        super().build(variables)
        self.add_slot("rms", variables)
        if self.momentum:
            self.add_slot("momentum", variables)
        if self.centered:
            self.add_slot("mean_gradient", variables)

    def update(self, grads, variables, lr, step):
        for index, (g, w) in enumerate(zip(grads, variables)):
            rms = self._slots["rms"][index]
            new_rms = self.rho * rms.value + (1.0 - self.rho) * ops.square(g)
            rms.assign(new_rms)
            denominator = new_rms
            if self.centered:
                mean_g = self._slots["mean_gradient"][index]
                new_mean = self.rho * mean_g.value + (1.0 - self.rho) * g
                mean_g.assign(new_mean)
                denominator = new_rms - ops.square(new_mean)
            increment = lr * g / (ops.sqrt(ops.maximum(denominator, 0.0)) + self.epsilon)
            if self.momentum:
                velocity = self._slots["momentum"][index]
                increment = self.momentum * velocity.value + increment
                velocity.assign(increment)
            w.assign(w.value - increment)

    def get_config(self):
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }


class Adam(Optimizer):
    """Adam (Kingma & Ba): m and v are running means of g and g^2;
    w -= lr sqrt(1 - beta_2^t) / (1 - beta_1^t) m / (sqrt(v) + epsilon)."""

    def __init__(
        self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=None, amsgrad=False, **kwargs
    ):
        super().__init__(learning_rate, **kwargs)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = config.epsilon() if epsilon is None else float(epsilon)
        self.amsgrad = bool(amsgrad)

    def build(self, variables):
        super().build(variables)
        self.add_slot("m", variables)
        self.add_slot("v", variables)
        if self.amsgrad:
            self.add_slot("v_hat", variables)

    def update(self, grads, variables, lr, step):
        alpha = (
            lr * ops.sqrt(1.0 - ops.power(self.beta_2, step)) / (1.0 - ops.power(self.beta_1, step))
        )
        fused = getattr(ADAPTER, "adam_update", None)
        if fused is not None and not self.amsgrad:
            ms, vs = self._slots["m"], self._slots["v"]
            new_w, new_m, new_v = fused(
                [w.value for w in variables],
                grads,
                [m.value for m in ms],
                [v.value for v in vs],
                alpha,
                self.beta_1,
                self.beta_2,
                self.epsilon,
            )
            _assign_all(variables + ms + vs, new_w + new_m + new_v)
            return
        for index, (g, w) in enumerate(zip(grads, variables)):
            m, v = self._slots["m"][index], self._slots["v"][index]
            new_m = self.beta_1 * m.value + (1.0 - self.beta_1) * g
            new_v = self.beta_2 * v.value + (1.0 - self.beta_2) * ops.square(g)
            m.assign(new_m)
            v.assign(new_v)
            if self.amsgrad:
                v_hat = self._slots["v_hat"][index]
                new_v = ops.maximum(v_hat.value, new_v)
                v_hat.assign(new_v)
            w.assign(w.value - alpha * new_m / (ops.sqrt(new_v) + self.epsilon))

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }


def _assign_all(variables, values) -> None:
    for variable, value in zip(variables, values):
        variable.assign(value)


sgd, rmsprop, adam = SGD, RMSprop, Adam  # Keras 2 lower-case names
_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam}


def get(identifier) -> Optimizer:
    """An optimizer from a name ("sgd", "rmsprop", "adam") or an Optimizer."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(
        f"Unknown optimizer {identifier!r}. Expected one of {sorted(_BY_NAME)} or an "
        "Optimizer instance such as SGD(learning_rate=0.01)."
    )
