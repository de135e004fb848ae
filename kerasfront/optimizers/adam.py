"""The Adam family: Adam (with AMSGrad), Adamax and Nadam, with Keras 2's update rules
and defaults."""

from __future__ import annotations

import math

import numpy as np

from kerasfront import config, ops
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.variables import Variable
from kerasfront.optimizers.adaptive import _epsilon
from kerasfront.optimizers.base import Optimizer, _non_negative, _shapes_match


def _beta(cls_name: str, argument: str, value) -> float:
    value = _non_negative(cls_name, argument, value)
    if not value < 1:
        raise ValueError(f"{cls_name}: {argument} must be in [0, 1), received {value!r}.")
    return value


class _AdamFamily(Optimizer):
    """The arguments the three share."""

    def __init__(self, learning_rate, beta_1, beta_2, epsilon, **kwargs):
        super().__init__(learning_rate, **kwargs)
        cls_name = type(self).__name__
        self.beta_1 = _beta(cls_name, "beta_1", beta_1)
        self.beta_2 = _beta(cls_name, "beta_2", beta_2)
        self.epsilon = _epsilon(cls_name, epsilon)

    def get_config(self):
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }


class Adam(_AdamFamily):
    """Adam (Kingma & Ba): running means of `g` and `g^2`,
    `m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + epsilon)` at step t = 1, 2, ...
    With `amsgrad`, the running maximum of `v` replaces `v` in the denominator.

    Args:
        learning_rate: default 0.001 (`lr` accepted). beta_1: 0.9. beta_2: 0.999.
        epsilon: default `K.epsilon()`. decay: Keras 2's time decay (see `Optimizer`).
        amsgrad: bool.
        **kwargs: `clipnorm`, `clipvalue`, `global_clipnorm`, `name`.

    The positional order is Keras 2's: `Adam(lr, beta_1, beta_2, epsilon, decay, amsgrad)`.
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=None,
        decay=0.0,
        amsgrad=False,
        **kwargs,
    ):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, decay=decay, **kwargs)
        self.amsgrad = bool(amsgrad)

    def _create_slots(self, variables):
        self.add_slot("m", variables)
        self.add_slot("v", variables)
        if self.amsgrad:
            self.add_slot("v_hat", variables)

    def _step_size(self, lr, step):
        """lr * sqrt(1 - b2^t) / (1 - b1^t): on the host where the engine can read both
        cheaply (eager torch on the CPU; see `host_scalar`), else with tensor ops."""
        read = getattr(ADAPTER, "host_scalar", None)
        if read is not None:
            lr_value, step_value = read(lr), read(step)
            if lr_value is not None and step_value is not None:
                return (
                    lr_value
                    * math.sqrt(1.0 - self.beta_2**step_value)
                    / (1.0 - self.beta_1**step_value)
                )
        return (
            lr * ops.sqrt(1.0 - ops.power(self.beta_2, step)) / (1.0 - ops.power(self.beta_1, step))
        )

    def update(self, grads, variables, lr, step):
        alpha = self._step_size(lr, step)
        ms, vs = self._slots["m"], self._slots["v"]
        v_hats = self._slots.get("v_hat")
        fused = getattr(ADAPTER, "adam_update", None)
        if fused is not None:
            arguments = [[v.value for v in slot] for slot in (variables, ms, vs)]
            extra = {"v_hats": [v.value for v in v_hats]} if v_hats else {}
            results = fused(
                arguments[0],
                grads,
                arguments[1],
                arguments[2],
                alpha,
                self.beta_1,
                self.beta_2,
                self.epsilon,
                **extra,
            )
            # (weights, ms, vs) and v_hats when given: flat in the order of the slots.
            targets = variables + ms + vs + (v_hats or [])
            for variable, value in zip(targets, [v for group in results for v in group]):
                variable.assign(value)
            return
        for index, (g, w) in enumerate(zip(grads, variables)):
            m, v = ms[index], vs[index]
            new_m = self.beta_1 * m.value + (1.0 - self.beta_1) * g
            new_v = self.beta_2 * v.value + (1.0 - self.beta_2) * ops.square(g)
            m.assign(new_m)
            v.assign(new_v)
            if v_hats:
                new_v = ops.maximum(v_hats[index].value, new_v)
                v_hats[index].assign(new_v)
            w.assign(w.value - alpha * new_m / (ops.sqrt(new_v) + self.epsilon))

    def _from_keras_layout(self, arrays, targets):
        # Keras 2 saves a (1,)-shaped placeholder per variable for v_hat without amsgrad.
        count = len(self._built_for)
        placeholders = arrays[len(targets) :]
        if (
            not self.amsgrad
            and len(placeholders) == count
            and all(a.shape == (1,) for a in placeholders)
        ):
            return arrays[: len(targets)]
        return arrays

    def get_config(self):
        return {**super().get_config(), "amsgrad": self.amsgrad}


class Adamax(_AdamFamily):
    """Adamax, Adam with the infinity norm:
    `m = b1 m + (1 - b1) g; u = max(b2 u, |g|); w -= lr / (1 - b1^t) * m / (u + epsilon)`.

    Args:
        learning_rate: default 0.002, Keras 2's (tf.keras 2 uses 0.001); `lr` accepted.
        beta_1: 0.9. beta_2: 0.999. epsilon: default `K.epsilon()`.
        decay: Keras 2's time decay (see `Optimizer`), fifth as in Keras 2.
        **kwargs: `clipnorm`, `clipvalue`, `global_clipnorm`, `name`.
    """

    def __init__(
        self, learning_rate=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0, **kwargs
    ):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, decay=decay, **kwargs)

    def _create_slots(self, variables):
        self.add_slot("m", variables)
        self.add_slot("u", variables)

    def update(self, grads, variables, lr, step):
        rate = lr / (1.0 - ops.power(self.beta_1, step))
        for g, w, m, u in zip(grads, variables, self._slots["m"], self._slots["u"]):
            new_m = self.beta_1 * m.value + (1.0 - self.beta_1) * g
            new_u = ops.maximum(self.beta_2 * u.value, ops.abs(g))
            m.assign(new_m)
            u.assign(new_u)
            w.assign(w.value - rate * new_m / (new_u + self.epsilon))


class Nadam(_AdamFamily):
    """Adam with Nesterov momentum, with Keras 2's warming momentum schedule
    `mu_t = b1 * (1 - 0.5 * 0.96^(t * schedule_decay))` and its running product
    `M_t = mu_1 ... mu_t` (the `m_schedule` state):
    `m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    m_bar = (1 - mu_t) g / (1 - M_t) + mu_{t+1} m / (1 - M_t mu_{t+1});
    w -= lr * m_bar / (sqrt(v / (1 - b2^t)) + epsilon)`.

    Keras 2.2 Nadam took no `decay`; here `decay` and schedules apply to `lr` as in
    tf.keras 2.

    Args:
        learning_rate: default 0.002, Keras 2's (tf.keras 2 uses 0.001); `lr` accepted.
        beta_1: 0.9. beta_2: 0.999. epsilon: default `K.epsilon()`.
        schedule_decay: default 0.004.
        **kwargs: `decay`, `clipnorm`, `clipvalue`, `global_clipnorm`, `name`.
    """

    def __init__(
        self,
        learning_rate=0.002,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=None,
        schedule_decay=0.004,
        **kwargs,
    ):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **kwargs)
        self.schedule_decay = _non_negative("Nadam", "schedule_decay", schedule_decay)
        # Saved right after iterations, as Keras 2.3 does.
        self.m_schedule = Variable(1.0, False, f"{self.name}/m_schedule", config.floatx())
        self._scalars = [self.m_schedule]

    def _momentum_at(self, step):
        return self.beta_1 * (1.0 - 0.5 * ops.power(0.96, step * self.schedule_decay))

    def _create_slots(self, variables):
        self.add_slot("m", variables)
        self.add_slot("v", variables)

    def update(self, grads, variables, lr, step):
        momentum, next_momentum = self._momentum_at(step), self._momentum_at(step + 1.0)
        product = self.m_schedule.value * momentum
        next_product = product * next_momentum
        self.m_schedule.assign(product)
        v_correction = 1.0 - ops.power(self.beta_2, step)
        for g, w, m, v in zip(grads, variables, self._slots["m"], self._slots["v"]):
            new_m = self.beta_1 * m.value + (1.0 - self.beta_1) * g
            new_v = self.beta_2 * v.value + (1.0 - self.beta_2) * ops.square(g)
            m.assign(new_m)
            v.assign(new_v)
            m_bar = (1.0 - momentum) * g / (1.0 - product) + next_momentum * new_m / (
                1.0 - next_product
            )
            w.assign(w.value - lr * m_bar / (ops.sqrt(new_v / v_correction) + self.epsilon))

    def _from_keras_layout(self, arrays, targets):
        # Keras 2.2.4 saved no m_schedule. It is the product of the momentum schedule over
        # the steps done, so it is recomputed from iterations instead of reset to 1.
        if len(arrays) == len(targets) - 1 and _shapes_match(arrays[1:], targets[2:]):
            steps = np.arange(1, int(arrays[0]) + 1, dtype=np.float64)
            factors = self.beta_1 * (1.0 - 0.5 * 0.96 ** (steps * self.schedule_decay))
            return [arrays[0], np.asarray(np.prod(factors), config.floatx()), *arrays[1:]]
        return arrays

    def get_config(self):
        return {**super().get_config(), "schedule_decay": self.schedule_decay}
