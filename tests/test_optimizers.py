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


# ---- saved state: resuming training ---------------------------------------------------------

RESUME_CASES = {
    "nadam_decay": lambda: optimizers.Nadam(lr=0.01, decay=0.1),
    "rmsprop_centered_momentum": lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    "adam_amsgrad_schedule": lambda: optimizers.Adam(
        schedules.InverseTimeDecay(0.05, 1, 0.5), beta_2=0.5, amsgrad=True
    ),
}


@pytest.mark.parametrize("case", sorted(RESUME_CASES))
def test_training_resumes_exactly_from_saved_optimizer_weights(case):
    make_optimizer = RESUME_CASES[case]
    first, _ = fit_trajectory(make_optimizer(), epochs=1)
    model_weights, optimizer_weights = first.get_weights(), first.optimizer.get_weights()
    config = optimizers.serialize(first.optimizer)
    # The uninterrupted run: the same model and optimizer go on for one more epoch.
    recorder = WeightRecorder()
    first.fit(X, Y, batch_size=BATCH, shuffle=False, verbose=0, callbacks=[recorder])

    second = dense_model()
    second.set_weights(model_weights)
    optimizer = optimizers.get(config)
    # Before the first fit the optimizer has no slots: the weights wait until it builds.
    optimizer.set_weights(optimizer_weights)
    _, resumed = fit_trajectory(optimizer, model=second, epochs=1)
    assert_same_trajectory(resumed, recorder.trajectory, rtol=1e-6, atol=1e-7)
    assert int(K.get_value(optimizer.iterations)) == 6


def test_weights_follow_keras2_order():
    model, _ = fit_trajectory(optimizers.Nadam(), epochs=1)
    optimizer = model.optimizer
    kernel, bias = model.trainable_weights
    weights = optimizer.weights
    # iterations, Nadam's m_schedule, then all m, then all v (Keras 2.3's layout).
    assert weights[0] is optimizer.iterations and weights[1] is optimizer.m_schedule
    assert [w.shape for w in weights[2:]] == [kernel.shape, bias.shape] * 2
    values = optimizer.get_weights()
    assert int(values[0]) == 3
    expected_product = np.prod([nadam_momentum(t) for t in (1, 2, 3)])
    np.testing.assert_allclose(values[1], expected_product, rtol=1e-6)


def built_optimizer(optimizer):
    """`optimizer` with its slots for a Dense(2) layer's kernel and bias."""
    model = dense_model()
    optimizer.build(model.trainable_weights)
    return optimizer, model


def test_set_weights_accepts_keras2_layouts():
    kernel = np.full((3, 2), 0.5, "float32")
    bias = np.full((2,), 0.25, "float32")
    # Keras 2.2.4 saved RMSprop, Adagrad and Adadelta without iterations: count from 0.
    rmsprop, _ = built_optimizer(optimizers.RMSprop())
    rmsprop.set_weights([kernel, bias])
    assert int(rmsprop.get_weights()[0]) == 0
    np.testing.assert_array_equal(rmsprop.get_weights()[1], kernel)
    # Keras 2 saves a (1,) placeholder per variable for Adam's v_hat without amsgrad.
    adam, _ = built_optimizer(optimizers.Adam())
    saved = [np.int64(4), kernel, bias, 2 * kernel, 2 * bias, np.zeros(1), np.zeros(1)]
    adam.set_weights(saved)
    got = adam.get_weights()
    assert len(got) == 5 and int(got[0]) == 4 and got[0].dtype == np.int32
    np.testing.assert_array_equal(got[3], 2 * kernel)
    # Keras 2 saves SGD's moments even without momentum; they never enter an update.
    sgd, _ = built_optimizer(optimizers.SGD())
    sgd.set_weights([np.int64(2), kernel, bias])
    assert [int(w) for w in sgd.get_weights()] == [2]
    # Keras 2.2.4 saved Nadam without m_schedule: it is recomputed from iterations.
    nadam, _ = built_optimizer(optimizers.Nadam())
    nadam.set_weights([np.int64(5), kernel, bias, kernel, bias])
    expected_product = np.prod([nadam_momentum(t) for t in range(1, 6)])
    np.testing.assert_allclose(nadam.get_weights()[1], expected_product, rtol=1e-6)


def test_set_weights_errors():
    adam, _ = built_optimizer(optimizers.Adam(name="adam_errors"))
    kernel, bias = np.zeros((3, 2), "float32"), np.zeros(2, "float32")
    with pytest.raises(ValueError, match=r"Adam 'adam_errors'.*expected 5 arrays.*received 3"):
        adam.set_weights([np.int64(0), kernel, bias])
    with pytest.raises(ValueError, match=r"shape \(3, 2\), received an array of shape \(2, 3\)"):
        adam.set_weights([np.int64(0), kernel.T, bias, kernel, bias])
    with pytest.raises(ValueError, match="iterations must be a whole number"):
        adam.set_weights([np.float32(1.5), kernel, bias, kernel, bias])
    # Weights given before the build are checked when the optimizer builds.
    pending = optimizers.SGD(momentum=0.9, name="sgd_pending")
    pending.set_weights([np.int64(0), kernel])
    with pytest.raises(ValueError, match=r"SGD 'sgd_pending'.*expected 3 arrays"):
        built_optimizer(pending)


def test_apply_gradients_outside_fit():
    """Eager updates (no compiled step) follow the same rule; on torch this runs the
    fused kernels on the variables' storage and, without them, the plain ops."""
    model = dense_model()
    variables = model.trainable_weights
    params = [KERNEL.astype("float64"), BIAS.astype("float64")]
    grads = mse_gradients(X.astype("float64"), Y.astype("float64"), *params)
    for make, rule in [
        (lambda: optimizers.Adam(0.1, amsgrad=True), adam_rule(amsgrad=True)),
        (lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True), sgd_rule(0.9, True)),
    ]:
        for fused in (True, False):
            model.set_weights([KERNEL, BIAS])
            optimizer = make()
            reference = Reference(rule, 0.1)
            expected = [params]
            with _without_fused_kernels(not fused):
                for _ in range(2):
                    optimizer.apply_gradients(zip([g.astype("float32") for g in grads], variables))
                    expected.append(reference.step(expected[-1], grads))
            for got, want in zip(model.get_weights(), expected[-1]):
                np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)


class _without_fused_kernels:
    """Hides the adapter's fused optimizer kernels (if any) inside the block."""

    NAMES = ("adam_update", "sgd_momentum_update")

    def __init__(self, active):
        from kerasfront.backend.registry import ADAPTER

        self.adapter, self.active, self.saved = ADAPTER, active, {}

    def __enter__(self):
        if self.active:
            for name in self.NAMES:
                if hasattr(self.adapter, name):
                    self.saved[name] = getattr(self.adapter, name)
                    delattr(self.adapter, name)

    def __exit__(self, *exc):
        for name, value in self.saved.items():
            setattr(self.adapter, name, value)


# ---- names, defaults, configurations, errors ------------------------------------------------

# Keras 2.2's documented defaults (keras/optimizers.py of Keras 2.2.4).
KERAS2_DEFAULTS = {
    "sgd": (optimizers.SGD, {"lr": 0.01, "momentum": 0.0, "nesterov": False, "decay": 0.0}),
    "rmsprop": (optimizers.RMSprop, {"lr": 0.001, "rho": 0.9, "epsilon": EPSILON}),
    "adagrad": (
        optimizers.Adagrad,
        {"lr": 0.01, "epsilon": EPSILON, "initial_accumulator_value": 0.0},
    ),
    "adadelta": (optimizers.Adadelta, {"lr": 1.0, "rho": 0.95, "epsilon": EPSILON}),
    "adam": (
        optimizers.Adam,
        {"lr": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": EPSILON, "amsgrad": False},
    ),
    "adamax": (optimizers.Adamax, {"lr": 0.002, "beta_1": 0.9, "beta_2": 0.999}),
    "nadam": (
        optimizers.Nadam,
        {"lr": 0.002, "beta_1": 0.9, "beta_2": 0.999, "schedule_decay": 0.004},
    ),
}


@pytest.mark.parametrize("name", sorted(KERAS2_DEFAULTS))
def test_get_by_keras2_name_has_keras2_defaults(name):
    cls, defaults = KERAS2_DEFAULTS[name]
    for identifier in (name, name.upper(), cls.__name__):
        optimizer = optimizers.get(identifier)
        assert type(optimizer) is cls
    for attribute, expected in defaults.items():
        value = getattr(optimizer, attribute)
        value = K.get_value(value) if attribute == "lr" else value
        np.testing.assert_allclose(value, expected, rtol=1e-7, err_msg=attribute)
    assert getattr(optimizers, name) is cls  # Keras 2's lower-case aliases
    assert optimizers.get(optimizer) is optimizer
    assert int(K.get_value(optimizer.iterations)) == 0


CONFIG_CASES = [
    lambda: optimizers.SGD(0.2, momentum=0.3, nesterov=True, decay=0.01, clipnorm=1.5),
    lambda: optimizers.RMSprop(0.02, rho=0.7, momentum=0.1, epsilon=1e-5, centered=True),
    lambda: optimizers.Adagrad(0.3, initial_accumulator_value=0.1, clipvalue=0.5),
    lambda: optimizers.Adadelta(0.5, rho=0.9, global_clipnorm=2.0),
    lambda: optimizers.Adam(0.003, beta_1=0.8, beta_2=0.9, epsilon=1e-6, amsgrad=True),
    lambda: optimizers.Adamax(0.004, beta_1=0.7),
    lambda: optimizers.Nadam(0.005, schedule_decay=0.01, decay=0.1),
    lambda: optimizers.SGD(schedules.PiecewiseConstantDecay([2, 5], [0.1, 0.05, 0.01])),
    lambda: optimizers.Adam(schedules.CosineDecay(0.1, 10, alpha=0.1, warmup_target=0.2)),
]


@pytest.mark.parametrize("index", range(len(CONFIG_CASES)))
def test_config_round_trip(index):
    optimizer = CONFIG_CASES[index]()
    config = optimizer.get_config()
    again = type(optimizer).from_config(config)
    assert type(again) is type(optimizer)
    assert again.get_config() == config
    through_get = optimizers.get(optimizers.serialize(optimizer))
    assert through_get.get_config() == config


def test_configs_written_by_keras():
    # Keras 2.2.4 wrote `lr`; class names were matched without case.
    keras2 = {"class_name": "adam", "config": {"lr": 0.01, "beta_1": 0.8, "decay": 0.0}}
    adam = optimizers.get(keras2)
    assert isinstance(adam, optimizers.Adam) and adam.beta_1 == 0.8
    np.testing.assert_allclose(K.get_value(adam.lr), 0.01)
    # Keras 3 writes its feature switches; at their "off" values they load.
    keras3 = {
        "name": "SGD",
        "learning_rate": 0.05,
        "weight_decay": None,
        "clipnorm": None,
        "global_clipnorm": None,
        "clipvalue": None,
        "use_ema": False,
        "ema_momentum": 0.99,
        "ema_overwrite_frequency": None,
        "loss_scale_factor": None,
        "gradient_accumulation_steps": None,
        "momentum": 0.9,
        "nesterov": False,
    }
    sgd = optimizers.deserialize({"class_name": "SGD", "config": keras3})
    assert sgd.momentum == 0.9 and sgd.name == "SGD"
    schedule = {
        "class_name": "ExponentialDecay",
        "config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5},
    }
    with_schedule = optimizers.RMSprop.from_config({"learning_rate": schedule})
    assert isinstance(with_schedule.learning_rate, schedules.ExponentialDecay)


def test_argument_errors():
    with pytest.raises(TypeError, match=r"SGD got an unexpected keyword argument 'epsilon'"):
        optimizers.SGD(epsilon=1e-7)
    with pytest.raises(TypeError, match=r"Adam got an unexpected keyword argument 'betas'"):
        optimizers.Adam(betas=(0.9, 0.99))
    with pytest.raises(ValueError, match=r"Adam: weight_decay=0.01 is a Keras 3 feature"):
        optimizers.Adam(weight_decay=0.01)
    with pytest.raises(ValueError, match=r"SGD: use_ema=True is a Keras 3 feature"):
        optimizers.SGD(use_ema=True)
    with pytest.raises(ValueError, match=r"RMSprop: learning_rate must be a number >= 0.*-0.1"):
        optimizers.RMSprop(lr=-0.1)
    with pytest.raises(ValueError, match=r"Adagrad: learning_rate must be a number.*'fast'"):
        optimizers.Adagrad("fast")
    with pytest.raises(ValueError, match=r"SGD: momentum must be a number in \[0, 1\].*1.5"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match=r"Adamax: beta_1 must be in \[0, 1\).*1.0"):
        optimizers.Adamax(beta_1=1.0)
    with pytest.raises(ValueError, match=r"Adam: give clipnorm or global_clipnorm, not both"):
        optimizers.Adam(clipnorm=1.0, global_clipnorm=1.0)
    with pytest.raises(ValueError, match=r"Nadam: clipvalue must be a number >= 0"):
        optimizers.Nadam(clipvalue=-1)
    with pytest.raises(ValueError, match=r"Unknown optimizer 'adamw'.*'adadelta'.*'sgd'"):
        optimizers.get("adamw")
    with pytest.raises(ValueError, match=r"Unknown optimizer 'Lion'.*custom_objects"):
        optimizers.get({"class_name": "Lion", "config": {}})
    with pytest.raises(TypeError, match=r"must be a name, a config dict or an Optimizer.*int"):
        optimizers.get(3)


def test_learning_rate_variable_and_schedule():
    optimizer = optimizers.SGD(lr=0.1)
    assert optimizer.lr is optimizer.learning_rate
    K.set_value(optimizer.lr, 0.25)
    optimizer.learning_rate = np.float32(0.5)
    np.testing.assert_allclose(K.get_value(optimizer.learning_rate), 0.5)
    with pytest.raises(ValueError, match="learning_rate must be a number >= 0"):
        optimizer.lr = -1.0
    with pytest.raises(TypeError, match="a schedule must be given when the optimizer is created"):
        optimizer.learning_rate = schedules.InverseTimeDecay(0.1, 1, 1.0)
    schedule = schedules.InverseTimeDecay(0.1, 1, 1.0)
    scheduled = optimizers.Adam(learning_rate=schedule, name="adam_scheduled")
    assert scheduled.learning_rate is schedule
    with pytest.raises(TypeError, match=r"Adam 'adam_scheduled' was created with a learning-rate"):
        scheduled.lr = 0.01


# ---- schedules ------------------------------------------------------------------------------


def cosine_reference(step, initial, decay_steps, alpha=0.0, warmup_target=None, warmup=0):
    if warmup_target is None:
        fraction = min(step, decay_steps) / decay_steps
        return initial * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * fraction)) + alpha)
    if step < warmup:
        return initial + (warmup_target - initial) * step / warmup
    return cosine_reference(step - warmup, warmup_target, decay_steps, alpha)


SCHEDULE_CASES = {
    "exponential": (
        schedules.ExponentialDecay(0.1, 3, 0.5),
        lambda t: 0.1 * 0.5 ** (t / 3),
    ),
    "exponential_staircase": (
        schedules.ExponentialDecay(0.1, 3, 0.5, staircase=True),
        lambda t: 0.1 * 0.5 ** (t // 3),
    ),
    "inverse_time": (
        schedules.InverseTimeDecay(0.2, 4, 0.5),
        lambda t: 0.2 / (1 + 0.5 * t / 4),
    ),
    "inverse_time_staircase": (
        schedules.InverseTimeDecay(0.2, 4, 0.5, staircase=True),
        lambda t: 0.2 / (1 + 0.5 * (t // 4)),
    ),
    "piecewise": (
        schedules.PiecewiseConstantDecay([2, 5], [1.0, 0.5, 0.1]),
        lambda t: 1.0 if t <= 2 else 0.5 if t <= 5 else 0.1,
    ),
    "cosine": (
        schedules.CosineDecay(0.1, 7, alpha=0.2),
        lambda t: cosine_reference(t, 0.1, 7, alpha=0.2),
    ),
    "cosine_warmup": (
        schedules.CosineDecay(0.0, 6, warmup_target=0.3, warmup_steps=3),
        lambda t: cosine_reference(t, 0.0, 6, warmup_target=0.3, warmup=3),
    ),
}


@pytest.mark.parametrize("case", sorted(SCHEDULE_CASES))
def test_schedule_values(case):
    schedule, reference = SCHEDULE_CASES[case]
    for step in (0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 100):
        expected = reference(step)
        for given in (step, np.float32(step)):
            got = K.get_value(schedule(given))
            np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7, err_msg=f"step {step}")
    again = schedules.deserialize(schedules.serialize(schedule))
    assert type(again) is type(schedule) and again.get_config() == schedule.get_config()


def test_schedule_errors():
    with pytest.raises(ValueError, match=r"values needs one more entry than boundaries"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match=r"boundaries must increase, received \[3, 2\]"):
        schedules.PiecewiseConstantDecay([3, 2], [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match=r"ExponentialDecay: decay_steps must be a number > 0"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match=r"Unknown learning-rate schedule 'Warmup'"):
        schedules.deserialize({"class_name": "Warmup", "config": {}})


@pytest.mark.skipif(K.backend() != "torch", reason="torch's fused Adam kernel")
def test_torch_adam_with_a_strided_gradient_matches_the_contiguous_one():
    # A gradient that arrives strided (a weight used transposed, as the fused LSTM does)
    # goes through the fused kernel after a contiguous copy: same update as contiguous.
    import torch

    from kerasfront.backends.torch.optimizer_kernels import adam_update

    rng = np.random.default_rng(0)
    grad = rng.normal(size=(5, 3)).astype("float32")
    results = []
    for strided in (False, True):
        w = torch.tensor(np.arange(15, dtype="float32").reshape(3, 5) / 10)
        m, v = torch.zeros(3, 5), torch.zeros(3, 5)
        g = torch.tensor(grad.T.copy())
        if strided:
            g = torch.tensor(grad).t()
            assert not g.is_contiguous()
        adam_update([w], [g], [m], [v], 0.1, 0.9, 0.999, 1e-7)
        results.append((w.numpy().copy(), m.numpy().copy(), v.numpy().copy()))
    expected_m = 0.1 * grad.T
    expected_v = 0.001 * grad.T**2
    expected_w = np.arange(15, dtype="float32").reshape(3, 5) / 10 - 0.1 * expected_m / (
        np.sqrt(expected_v) + 1e-7
    )
    for w, m, v in results:
        np.testing.assert_allclose(m, expected_m, rtol=1e-6)
        np.testing.assert_allclose(v, expected_v, rtol=1e-6)
        np.testing.assert_allclose(w, expected_w, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(K.backend() != "torch", reason="torch variable storage")
def test_torch_variables_are_row_major_whatever_their_initial_value():
    # An orthogonal initializer returns a transposed matrix; stored as given, the
    # recurrent kernels of every LSTM kept torch's fused Adam on its slow path.
    import torch

    from kerasfront.backends.torch.optimizer_kernels import _row_major

    layer = layers.LSTM(4, recurrent_initializer="orthogonal")
    layer.build((None, 3, 2))
    storages = [w.storage for w in layer.weights]
    assert all(s.is_contiguous() for s in storages)
    slots = [torch.zeros(s.shape) for s in storages]
    assert _row_major(storages, [s.clone() for s in storages], slots, slots, None) is not None
    transposed = torch.arange(6.0).reshape(2, 3).t()
    variable = K.variable(transposed)
    variable.assign(transposed * 2)
    assert variable.storage.is_contiguous()
    np.testing.assert_array_equal(K.get_value(variable), transposed.numpy() * 2)


@pytest.mark.skipif(K.backend() != "torch", reason="torch storage layouts")
def test_torch_fused_lstm_weights_are_column_major_and_adam_updates_them_exactly():
    # The fused LSTM reads torch's (4 units, features) weights: stored column-major,
    # Keras's (features, 4 units) kernel is that matrix as it is, with no copy per step.
    from kerasfront.backends.torch.optimizer_kernels import _row_major

    def lstm_model(**arguments):
        model = keras.Sequential(
            [layers.Input((2, 4)), layers.LSTM(3, recurrent_activation="sigmoid", **arguments)]
        )
        model.compile(optimizer=optimizers.Adam(0.1), loss="mse")
        return model

    model, reference = lstm_model(), lstm_model(use_cudnn=False)  # the second: row-major
    kernel, recurrent_kernel = (w.storage for w in model.weights[:2])
    assert kernel.stride() == (1, 4) and recurrent_kernel.stride() == (1, 3)
    assert all(w.storage.is_contiguous() for w in reference.weights)
    looped = layers.LSTM(3)  # Keras 2's hard_sigmoid runs the generic loop: row-major
    looped.build((None, 2, 4))
    assert all(w.storage.is_contiguous() for w in looped.weights)

    values = [
        np.arange(np.prod(w.shape), dtype="float32").reshape(w.shape) / 50 for w in model.weights
    ]
    for m in (model, reference):
        m.set_weights(values)  # assignments keep the layout
    assert kernel.stride() == (1, 4)
    for got, expected in zip(model.get_weights(), values):
        np.testing.assert_array_equal(got, expected)

    # Adam steps on the column-major weights equal those on row-major ones.
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(5, 2, 4)), rng.normal(size=(5, 3))
    for _ in range(2):
        for m in (model, reference):
            m.train_on_batch(x, y)
    # On a GPU cuDNN's LSTM rounds otherwise than the generic loop, and Adam's normalized
    # steps (learning rate 0.1) carry that into the weights at about 1e-5.
    tolerance = {"rtol": 1e-4, "atol": 1e-4} if kernel.is_cuda else {"rtol": 1e-5, "atol": 1e-6}
    for got, expected in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(got, expected, **tolerance)
    assert kernel.stride() == (1, 4)
    slots = model.optimizer._slots
    storages = [w.storage for w in model.weights]
    lists = _row_major(
        storages,
        [w.t().contiguous().t() for w in storages],  # gradients come in the same layout
        [m.storage for m in slots["m"]],
        [v.storage for v in slots["v"]],
        None,
    )
    assert lists is not None  # the fused kernel takes them
    assert all(tensor.is_contiguous() for group in lists for tensor in group)
