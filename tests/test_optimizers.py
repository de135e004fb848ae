"""Optimizers against a float64 NumPy reference of Keras 2's update rules.

Each trajectory test trains a Dense(2) layer with one compiled `fit` (two epochs of three
batches, no shuffling) and compares the weights after every batch with the reference fed
the exact gradients of the same batches. Every engine is compared with the same reference,
which is the cross-engine check. Tolerance: rtol 1e-5, atol 1e-6 (float32 against float64
over six steps).
"""

import math

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import callbacks, layers, optimizers
from kerasfront.optimizers import schedules

EPSILON = 1e-7  # K.epsilon(), Keras 2's default fuzz factor
RTOL, ATOL = 1e-5, 1e-6
BATCH, EPOCHS = 2, 2

RNG = np.random.default_rng(7)
X = RNG.normal(size=(6, 3)).astype("float32")
Y = RNG.normal(size=(6, 2)).astype("float32")
KERNEL = RNG.normal(size=(3, 2)).astype("float32")
BIAS = np.array([0.1, -0.2], dtype="float32")


def mse_gradients(x, y, kernel, bias):
    """Gradients of mean((x @ kernel + bias - y)^2) over every element."""
    error = x @ kernel + bias - y
    d_prediction = 2.0 * error / error.size
    return [x.T @ d_prediction, d_prediction.sum(axis=0)]


# ---- the reference: Keras 2's rules in float64 ---------------------------------------------


def sgd_rule(momentum=0.0, nesterov=False):
    def rule(p, g, state, lr, t):
        v = momentum * state.get("v", 0.0) - lr * g
        state["v"] = v
        return p + momentum * v - lr * g if nesterov else p + v

    return rule


def rmsprop_rule(rho=0.9, epsilon=EPSILON, momentum=0.0, centered=False):
    def rule(p, g, state, lr, t):
        state["a"] = rho * state.get("a", 0.0) + (1 - rho) * g**2
        denominator = state["a"]
        if centered:
            state["mg"] = rho * state.get("mg", 0.0) + (1 - rho) * g
            denominator = denominator - state["mg"] ** 2
        increment = lr * g / (np.sqrt(denominator) + epsilon)
        if momentum:
            increment = momentum * state.get("mom", 0.0) + increment
            state["mom"] = increment
        return p - increment

    return rule


def adagrad_rule(epsilon=EPSILON, initial=0.0):
    def rule(p, g, state, lr, t):
        state["a"] = state.get("a", initial) + g**2
        return p - lr * g / (np.sqrt(state["a"]) + epsilon)

    return rule


def adadelta_rule(rho=0.95, epsilon=EPSILON):
    def rule(p, g, state, lr, t):
        state["a"] = rho * state.get("a", 0.0) + (1 - rho) * g**2
        delta = state.get("d", np.zeros_like(p))
        update = g * np.sqrt(delta + epsilon) / np.sqrt(state["a"] + epsilon)
        state["d"] = rho * delta + (1 - rho) * update**2
        return p - lr * update

    return rule


def adam_rule(beta_1=0.9, beta_2=0.999, epsilon=EPSILON, amsgrad=False):
    def rule(p, g, state, lr, t):
        lr_t = lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        state["m"] = beta_1 * state.get("m", 0.0) + (1 - beta_1) * g
        state["v"] = beta_2 * state.get("v", 0.0) + (1 - beta_2) * g**2
        v = state["v"]
        if amsgrad:
            state["v_hat"] = v = np.maximum(state.get("v_hat", 0.0), v)
        return p - lr_t * state["m"] / (np.sqrt(v) + epsilon)

    return rule


def adamax_rule(beta_1=0.9, beta_2=0.999, epsilon=EPSILON):
    def rule(p, g, state, lr, t):
        state["m"] = beta_1 * state.get("m", 0.0) + (1 - beta_1) * g
        state["u"] = np.maximum(beta_2 * state.get("u", 0.0), np.abs(g))
        return p - lr / (1 - beta_1**t) * state["m"] / (state["u"] + epsilon)

    return rule


def nadam_momentum(t, beta_1=0.9, schedule_decay=0.004):
    return beta_1 * (1 - 0.5 * 0.96 ** (t * schedule_decay))


def nadam_rule(beta_1=0.9, beta_2=0.999, epsilon=EPSILON, schedule_decay=0.004):
    def rule(p, g, state, lr, t):
        mu_t = nadam_momentum(t, beta_1, schedule_decay)
        mu_next = nadam_momentum(t + 1, beta_1, schedule_decay)
        # The running product of the momentum schedule up to t (Keras 2's m_schedule).
        product = np.prod([nadam_momentum(s, beta_1, schedule_decay) for s in range(1, t + 1)])
        state["m"] = beta_1 * state.get("m", 0.0) + (1 - beta_1) * g
        state["v"] = beta_2 * state.get("v", 0.0) + (1 - beta_2) * g**2
        g_prime = g / (1 - product)
        m_prime = state["m"] / (1 - product * mu_next)
        v_prime = state["v"] / (1 - beta_2**t)
        m_bar = (1 - mu_t) * g_prime + mu_next * m_prime
        return p - lr * m_bar / (np.sqrt(v_prime) + epsilon)

    return rule


class Reference:
    """The shared part of Keras 2's optimizers: the learning rate at step t (schedule, then
    lr / (1 + decay t), t counted before the update), clipping by the global norm of all
    gradients, then clipping by value; `rule` updates one variable."""

    def __init__(self, rule, lr, decay=0.0, clipnorm=None, clipvalue=None):
        self.rule, self.lr, self.decay = rule, lr, decay
        self.clipnorm, self.clipvalue = clipnorm, clipvalue
        self.iterations = 0
        self.clipped = 0  # steps where the norm clipping changed the gradients
        self.states = None

    def step(self, params, grads):
        t = self.iterations
        lr = self.lr(t) if callable(self.lr) else self.lr
        lr = lr / (1.0 + self.decay * t)
        if self.clipnorm:
            norm = math.sqrt(sum(float(np.sum(g**2)) for g in grads))
            if norm >= self.clipnorm:
                grads = [g * self.clipnorm / norm for g in grads]
                self.clipped += 1
        if self.clipvalue:
            grads = [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        if self.states is None:
            self.states = [{} for _ in params]
        params = [self.rule(p, g, s, lr, t + 1) for p, g, s in zip(params, grads, self.states)]
        self.iterations += 1
        return params


def reference_trajectory(reference, steps_per_epoch=3, epochs=EPOCHS):
    params = [KERNEL.astype("float64"), BIAS.astype("float64")]
    x, y = X.astype("float64"), Y.astype("float64")
    trajectory = []
    for _ in range(epochs):
        for batch in range(steps_per_epoch):
            rows = slice(batch * BATCH, (batch + 1) * BATCH)
            params = reference.step(params, mse_gradients(x[rows], y[rows], *params))
            trajectory.append(params)
    return trajectory


# ---- fitting --------------------------------------------------------------------------------


class WeightRecorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.trajectory = []

    def on_train_batch_end(self, batch, logs=None):
        self.trajectory.append(self.model.get_weights())


def dense_model():
    model = keras.Sequential([layers.Dense(2, input_dim=3)])
    model.set_weights([KERNEL, BIAS])
    return model


def fit_trajectory(optimizer, model=None, epochs=EPOCHS):
    model = model or dense_model()
    model.compile(optimizer=optimizer, loss="mse")
    recorder = WeightRecorder()
    model.fit(X, Y, batch_size=BATCH, epochs=epochs, shuffle=False, verbose=0, callbacks=[recorder])
    return model, recorder.trajectory


def assert_same_trajectory(got, expected, rtol=RTOL, atol=ATOL):
    assert len(got) == len(expected)
    for step, (got_params, expected_params) in enumerate(zip(got, expected)):
        for got_array, expected_array in zip(got_params, expected_params):
            np.testing.assert_allclose(
                got_array, expected_array, rtol=rtol, atol=atol, err_msg=f"after step {step + 1}"
            )


# Each case: (the optimizer, its reference). Every argument of Keras 2's optimizers is
# covered by one case or another; decay, clipping and schedules ride along.
CASES = {
    "sgd": (lambda: optimizers.SGD(lr=0.1), lambda: Reference(sgd_rule(), 0.1)),
    "sgd_nesterov_decay": (
        lambda: optimizers.SGD(learning_rate=0.1, momentum=0.9, nesterov=True, decay=0.1),
        lambda: Reference(sgd_rule(0.9, nesterov=True), 0.1, decay=0.1),
    ),
    "sgd_momentum_clipnorm": (
        lambda: optimizers.SGD(0.1, momentum=0.5, clipnorm=0.3),
        lambda: Reference(sgd_rule(0.5), 0.1, clipnorm=0.3),
    ),
    "rmsprop_clipvalue": (
        lambda: optimizers.RMSprop(lr=0.01, clipvalue=0.2),
        lambda: Reference(rmsprop_rule(), 0.01, clipvalue=0.2),
    ),
    "rmsprop_centered_momentum": (
        lambda: optimizers.RMSprop(0.01, rho=0.8, momentum=0.5, centered=True),
        lambda: Reference(rmsprop_rule(0.8, momentum=0.5, centered=True), 0.01),
    ),
    "adagrad_decay": (
        lambda: optimizers.Adagrad(lr=0.1, decay=0.05),
        lambda: Reference(adagrad_rule(), 0.1, decay=0.05),
    ),
    "adadelta": (lambda: optimizers.Adadelta(), lambda: Reference(adadelta_rule(), 1.0)),
    "adam_global_clipnorm": (
        lambda: optimizers.Adam(learning_rate=0.01, global_clipnorm=0.3),
        lambda: Reference(adam_rule(), 0.01, clipnorm=0.3),
    ),
    "adam_amsgrad_decay": (
        lambda: optimizers.Adam(lr=0.05, beta_2=0.5, amsgrad=True, decay=0.2),
        lambda: Reference(adam_rule(beta_2=0.5, amsgrad=True), 0.05, decay=0.2),
    ),
    "adamax": (
        lambda: optimizers.Adamax(lr=0.02, beta_1=0.8),
        lambda: Reference(adamax_rule(beta_1=0.8), 0.02),
    ),
    "nadam": (lambda: optimizers.Nadam(lr=0.01), lambda: Reference(nadam_rule(), 0.01)),
    "sgd_exponential_schedule_decay": (
        lambda: optimizers.SGD(
            learning_rate=schedules.ExponentialDecay(0.1, 2, 0.5, staircase=True),
            momentum=0.5,
            decay=0.1,
        ),
        lambda: Reference(sgd_rule(0.5), lambda t: 0.1 * 0.5 ** (t // 2), decay=0.1),
    ),
    "adam_callable_rate": (
        lambda: optimizers.Adam(learning_rate=lambda step: 0.02 / (1.0 + step)),
        lambda: Reference(adam_rule(), lambda t: 0.02 / (1.0 + t)),
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_trajectory_matches_keras2_rule(case):
    make_optimizer, make_reference = CASES[case]
    reference = make_reference()
    expected = reference_trajectory(reference)
    model, trajectory = fit_trajectory(make_optimizer())
    assert_same_trajectory(trajectory, expected)
    assert int(K.get_value(model.optimizer.iterations)) == len(expected)
    if reference.clipnorm:  # the case checks the clipping only if it happened
        assert 0 < reference.clipped


def test_reference_cases_exercise_their_options():
    """The clipnorm, clipvalue and amsgrad cases would fail if the option were ignored or
    clipped each gradient on its own: their references differ from those variants."""

    def final(reference):
        return reference_trajectory(reference)[-1]

    def differs(a, b):
        return any(not np.allclose(p, q, rtol=1e-4, atol=1e-5) for p, q in zip(a, b))

    assert differs(
        final(Reference(adam_rule(beta_2=0.5, amsgrad=True), 0.05)),
        final(Reference(adam_rule(beta_2=0.5), 0.05)),
    )
    assert differs(
        final(Reference(rmsprop_rule(), 0.01, clipvalue=0.2)),
        final(Reference(rmsprop_rule(), 0.01)),
    )

    class PerTensorClip(Reference):
        def step(self, params, grads):
            clipped = []
            for g in grads:
                norm = float(np.sqrt(np.sum(g**2)))
                clipped.append(g * 0.3 / norm if norm >= 0.3 else g)
            return Reference.step(self, params, clipped)

    assert differs(
        final(Reference(sgd_rule(0.5), 0.1, clipnorm=0.3)), final(PerTensorClip(sgd_rule(0.5), 0.1))
    )
