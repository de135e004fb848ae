"""SGD: gradient descent with optional momentum and Nesterov momentum (Keras 2's rule)."""

from __future__ import annotations

from kerasfront.backend.registry import ADAPTER
from kerasfront.optimizers.base import Optimizer, _is_real_number, _shapes_match


class SGD(Optimizer):
    """Stochastic gradient descent.

    With velocity `v` (zero at first): `v = momentum * v - lr * g`, then `w = w + v`, or
    with `nesterov=True`, `w = w + momentum * v - lr * g`. Without momentum: `w -= lr * g`.

    Args:
        learning_rate: float >= 0, a schedule or a callable of the step (default 0.01;
            Keras 2's `lr` is accepted).
        momentum: float in [0, 1].
        decay: Keras 2's time decay of the learning rate (see `Optimizer`).
        nesterov: whether to use Nesterov momentum.
        **kwargs: `clipnorm`, `clipvalue`, `global_clipnorm`, `name` (see `Optimizer`).
            SGD has no `epsilon`, in Keras 2 as in Keras 3.

    The positional order is Keras 2's, `SGD(lr, momentum, decay, nesterov)`, so Keras 2
    code such as `SGD(0.01, 0.9, 1e-6, True)` means the same here.

    Example:
        >>> optimizer = SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, decay=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, decay=decay, **kwargs)
        if isinstance(momentum, bool) or not _is_real_number(momentum) or not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be a number in [0, 1], received {momentum!r}.")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _create_slots(self, variables):
        # Without momentum the velocity is never read: no slot (tf.keras 2), so plain SGD
        # costs no memory. Keras 2's saved moments are still accepted by set_weights.
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
            for variable, value in zip(variables + velocities, new_w + new_v):
                variable.assign(value)
            return
        for g, w, v in zip(grads, variables, velocities):
            velocity = self.momentum * v.value - lr * g
            v.assign(velocity)
            if self.nesterov:
                w.assign(w.value + self.momentum * velocity - lr * g)
            else:
                w.assign(w.value + velocity)

    def _from_keras_layout(self, arrays, targets):
        # Keras 2 saves [iterations] + one moment per variable even without momentum; with
        # momentum 0 those moments never enter an update, so they are dropped.
        moments = arrays[1:]
        if not self.momentum and len(targets) == 1 and _shapes_match(moments, self._built_for):
            return arrays[:1]
        return arrays

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
