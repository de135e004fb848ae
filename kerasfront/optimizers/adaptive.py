"""Optimizers that scale each coordinate by its gradients' history: RMSprop, Adagrad and
Adadelta, with Keras 2's update rules and defaults."""

from __future__ import annotations

from kerasfront import config, ops
from kerasfront.optimizers.base import Optimizer, _keras_224_layout, _non_negative


def _epsilon(cls_name: str, epsilon) -> float:
    """Keras 2's fuzz factor: `K.epsilon()` (1e-7) when None."""
    return config.epsilon() if epsilon is None else _non_negative(cls_name, "epsilon", epsilon)


class RMSprop(Optimizer):
    """Divides the gradient by a running root mean square of its recent values:
    `a = rho * a + (1 - rho) * g^2; w -= lr * g / (sqrt(a) + epsilon)`.

    `momentum` and `centered` are tf.keras 2's extensions, with epsilon kept outside the
    square root as in Keras 2's rule: centered subtracts the square of a running mean of
    `g` from `a`; momentum accumulates the increments, `m = momentum * m + increment;
    w -= m`.

    Args:
        learning_rate: default 0.001 (`lr` accepted). rho: discount of the average.
        epsilon: default `K.epsilon()`. decay: Keras 2's time decay (see `Optimizer`).
        momentum: float >= 0 (keyword only). centered: bool (keyword only).
        **kwargs: `clipnorm`, `clipvalue`, `global_clipnorm`, `name`.

    The positional order is Keras 2's, `RMSprop(lr, rho, epsilon, decay)`; tf.keras's
    extensions come after it, by keyword, so a Keras 2 positional call cannot land in them.
    """

    def __init__(
        self,
        learning_rate=0.001,
        rho=0.9,
        epsilon=None,
        decay=0.0,
        *,
        momentum=0.0,
        centered=False,
        **kwargs,
    ):
        super().__init__(learning_rate, decay=decay, **kwargs)
        self.rho = _non_negative("RMSprop", "rho", rho)
        self.momentum = _non_negative("RMSprop", "momentum", momentum)
        self.epsilon = _epsilon("RMSprop", epsilon)
        self.centered = bool(centered)

    def _create_slots(self, variables):
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
                # Rounding can make the variance estimate slightly negative.
                denominator = ops.maximum(new_rms - ops.square(new_mean), 0.0)
            increment = lr * g / (ops.sqrt(denominator) + self.epsilon)
            if self.momentum:
                velocity = self._slots["momentum"][index]
                increment = self.momentum * velocity.value + increment
                velocity.assign(increment)
            w.assign(w.value - increment)

    def _from_keras_layout(self, arrays, targets):
        return _keras_224_layout(arrays, targets)

    def get_config(self):
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }


class Adagrad(Optimizer):
    """Per-coordinate rates from the sum of squared gradients:
    `a = a + g^2; w -= lr * g / (sqrt(a) + epsilon)`.

    The sums start at `initial_accumulator_value`, 0 by default as in Keras 2 (tf.keras 2
    starts at 0.1; pass `initial_accumulator_value=0.1` for its numbers).

    Args:
        learning_rate: default 0.01 (`lr` accepted). epsilon: default `K.epsilon()`.
        decay: Keras 2's time decay (see `Optimizer`).
        initial_accumulator_value: float >= 0 (keyword only: Keras 2's positional order
            is `Adagrad(lr, epsilon, decay)`).
        **kwargs: `clipnorm`, `clipvalue`, `global_clipnorm`, `name`.
    """

    def __init__(
        self,
        learning_rate=0.01,
        epsilon=None,
        decay=0.0,
        *,
        initial_accumulator_value=0.0,
        **kwargs,
    ):
        super().__init__(learning_rate, decay=decay, **kwargs)
        self.initial_accumulator_value = _non_negative(
            "Adagrad", "initial_accumulator_value", initial_accumulator_value
        )
        self.epsilon = _epsilon("Adagrad", epsilon)

    def _create_slots(self, variables):
        self.add_slot("accumulator", variables, self.initial_accumulator_value)

    def update(self, grads, variables, lr, step):
        for g, w, accumulator in zip(grads, variables, self._slots["accumulator"]):
            new_accumulator = accumulator.value + ops.square(g)
            accumulator.assign(new_accumulator)
            w.assign(w.value - lr * g / (ops.sqrt(new_accumulator) + self.epsilon))

    def _from_keras_layout(self, arrays, targets):
        return _keras_224_layout(arrays, targets)

    def get_config(self):
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }


class Adadelta(Optimizer):
    """Adadelta (Zeiler 2012) with Keras 2's learning rate on top:
    `a = rho * a + (1 - rho) * g^2;
    u = g * sqrt(d + epsilon) / sqrt(a + epsilon); w -= lr * u;
    d = rho * d + (1 - rho) * u^2`.

    Args:
        learning_rate: default 1.0, Keras 2's (tf.keras 2 uses 0.001); `lr` accepted.
        rho: decay of both running averages (default 0.95). epsilon: `K.epsilon()`.
        decay: Keras 2's time decay of the learning rate (see `Optimizer`).
        **kwargs: `clipnorm`, `clipvalue`, `global_clipnorm`, `name`.
    """

    def __init__(self, learning_rate=1.0, rho=0.95, epsilon=None, decay=0.0, **kwargs):
        super().__init__(learning_rate, decay=decay, **kwargs)
        self.rho = _non_negative("Adadelta", "rho", rho)
        self.epsilon = _epsilon("Adadelta", epsilon)

    def _create_slots(self, variables):
        self.add_slot("accumulator", variables)
        self.add_slot("delta_accumulator", variables)

    def update(self, grads, variables, lr, step):
        slots = zip(self._slots["accumulator"], self._slots["delta_accumulator"])
        for g, w, (accumulator, delta) in zip(grads, variables, slots):
            new_accumulator = self.rho * accumulator.value + (1.0 - self.rho) * ops.square(g)
            accumulator.assign(new_accumulator)
            change = (
                g * ops.sqrt(delta.value + self.epsilon) / ops.sqrt(new_accumulator + self.epsilon)
            )
            w.assign(w.value - lr * change)
            delta.assign(self.rho * delta.value + (1.0 - self.rho) * ops.square(change))

    def _from_keras_layout(self, arrays, targets):
        return _keras_224_layout(arrays, targets)

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}
