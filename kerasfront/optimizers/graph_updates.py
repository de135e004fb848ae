"""Keras 2's graph-mode optimizer API: `get_gradients` and `get_updates`, and `clip_norm`.

Keras 2 code that trains outside `fit` builds its own training function:

    updates = optimizer.get_updates(loss=loss, params=model.trainable_weights)
    train = K.function([model.input, target], [loss], updates=updates)

Here `loss` is a graph tensor (see `K.gradients`), and `get_updates` returns one graph
node that runs the optimizer's update rule (`Optimizer.apply`) on the gradients each time
the `K.function` runs, so its variables and slots change as `fit` would change them.
"""

from __future__ import annotations

from kerasfront import ops


def clip_norm(g, c, n):
    """`g` scaled by `c / n` when the norm `n` is at least `c`, else `g` (Keras 2's rule;
    `c <= 0` turns clipping off).

    Args:
        g: a gradient (tensor).
        c: the clipping norm (a number).
        n: the norm to compare with `c`, usually the global norm of all the gradients.
    """
    if c <= 0:
        return g
    # c / max(n, c) is 1 below the limit and c / n above it: no branch on a tensor value,
    # so the rule works inside compiled steps too.
    return g * (c / ops.maximum(n, c))


class GraphUpdates:
    """Mixed into `Optimizer`: the methods Keras 2 code calls on graph tensors."""

    def get_gradients(self, loss, params) -> list:
        """Graph tensors for the gradients of `loss` with respect to `params`, clipped by
        `clipnorm`/`clipvalue` as training clips them.

        Args:
            loss: a graph tensor (computed from `K.placeholder()`, `Input()` or a model's
                output).
            params: the variables, e.g. `model.trainable_weights`.
        """
        from kerasfront.layers.backend_op import symbolic_call

        grads = self._graph_gradients(loss, list(params), "get_gradients")
        if not (self.clipnorm or self.global_clipnorm or self.clipvalue):
            return grads

        def clip_gradients(*values):
            return self._clip(list(values))

        clipped = symbolic_call(clip_gradients, tuple(grads), {})
        return list(clipped) if isinstance(clipped, (list, tuple)) else [clipped]

    def get_updates(self, loss, params) -> list:
        """The updates that train `params` to lower `loss`, for `K.function(...,
        updates=...)`: one graph node that applies this optimizer's rule to the
        gradients (clipping, learning rate, decay and slots included) and counts one
        iteration each time the function runs.

        Args:
            loss: a graph tensor.
            params: the variables to train, e.g. `model.trainable_weights`.
        """
        from kerasfront.layers.backend_op import symbolic_call

        params = list(params)
        grads = self._graph_gradients(loss, params, "get_updates")
        self.build(params)  # the slots exist before the node lists the variables it uses
        state = [v for v in self.variables if all(v is not p for p in params)]

        def apply_optimizer(gradients, variables, optimizer_state):
            # The variables and the state are arguments so that the K.function maps them
            # to their current values and keeps what the rule assigns. `apply` clips.
            self.apply(list(gradients), params)
            return ops.cast(self.iterations.value, "int32")

        apply_optimizer.__name__ = f"{self.name}_update"
        return [symbolic_call(apply_optimizer, (grads, params, state), {})]

    def _graph_gradients(self, loss, params: list, method: str) -> list:
        from kerasfront import backend as K

        grads = K.gradients(loss, params)
        missing = [p.name for p, g in zip(params, grads) if g is None]
        if missing:
            raise ValueError(
                f"{type(self).__name__}.{method}: the loss does not depend on {missing}; "
                "pass only variables the loss is computed from."
            )
        return grads
