"""The same seeded model, trained the same way, gives the same numbers on every engine.

One process binds one engine, so each engine trains in its own subprocess; the results are
compared with each other and with a NumPy implementation of the same forward pass,
backward pass and SGD updates. The subprocesses cover all engines at once, so the test runs
in one of the per-backend runs only (the JAX one).
"""

import os

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("KERAS_BACKEND") != "jax",
    reason="trains on every engine in subprocesses; runs once, in the KERAS_BACKEND=jax run",
)

SCRIPT = """
import json, sys
import numpy as np
import kerasfront as keras

payload = json.loads(sys.argv[1])
keras.utils.set_random_seed(payload["seed"])
model = keras.Sequential([
    keras.layers.Dense(payload["hidden"], activation="tanh", input_dim=payload["features"]),
    keras.layers.Dense(payload["classes"], activation="softmax"),
])
initial = [w.tolist() for w in model.get_weights()]
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=payload["lr"]),
    loss="categorical_crossentropy",
)
history = model.fit(
    np.asarray(payload["x"], dtype="float32"),
    np.asarray(payload["y"], dtype="float32"),
    batch_size=payload["batch_size"],
    epochs=payload["epochs"],
    shuffle=False,
    verbose=0,
)
result = {
    "backend": keras.backend.backend(),
    "initial": initial,
    "losses": history.history["loss"],
    "final": [w.tolist() for w in model.get_weights()],
}
print("RESULT " + json.dumps(result), flush=True)
"""


def make_payload():
    rng = np.random.default_rng(11)
    samples, features, classes = 12, 3, 3
    x = rng.normal(size=(samples, features)).astype("float32")
    y = np.eye(classes, dtype="float32")[rng.integers(0, classes, samples)]
    return {
        "seed": 7,
        "features": features,
        "hidden": 5,
        "classes": classes,
        "lr": 0.5,
        "batch_size": 4,
        "epochs": 5,
        "x": x.tolist(),
        "y": y.tolist(),
    }


def numpy_reference(payload, initial):
    """Forward, backward and SGD of the same MLP in float64; returns the epoch losses."""
    x = np.asarray(payload["x"], dtype="float64")
    y = np.asarray(payload["y"], dtype="float64")
    w1, b1, w2, b2 = (np.asarray(w, dtype="float64") for w in initial)
    lr, batch_size = payload["lr"], payload["batch_size"]
    epoch_losses = []
    for _ in range(payload["epochs"]):
        total, count = 0.0, 0
        for start in range(0, len(x), batch_size):
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
            hidden = np.tanh(xb @ w1 + b1)
            logits = hidden @ w2 + b2
            exp = np.exp(logits - logits.max(axis=1, keepdims=True))
            probabilities = exp / exp.sum(axis=1, keepdims=True)
            clipped = np.clip(probabilities, 1e-7, 1 - 1e-7)
            losses = -np.sum(yb * np.log(clipped), axis=1)
            total += losses.sum()
            count += len(xb)
            # Softmax followed by cross-entropy: d loss / d logits = (p - y) / batch.
            d_logits = (probabilities - yb) / len(xb)
            d_w2, d_b2 = hidden.T @ d_logits, d_logits.sum(axis=0)
            d_hidden = (d_logits @ w2.T) * (1 - hidden**2)
            d_w1, d_b1 = xb.T @ d_hidden, d_hidden.sum(axis=0)
            w1, b1 = w1 - lr * d_w1, b1 - lr * d_b1
            w2, b2 = w2 - lr * d_w2, b2 - lr * d_b2
        epoch_losses.append(total / count)
    return epoch_losses, [w1, b1, w2, b2]


@pytest.fixture(scope="module")
def engine_results(engine_runner):
    payload = make_payload()
    return payload, engine_runner(SCRIPT, payload)


def test_each_subprocess_ran_its_engine(engine_results):
    _, results = engine_results
    for name, result in results.items():
        assert result["backend"] == name


def test_seeded_initial_weights_are_identical(engine_results):
    _, results = engine_results
    names = sorted(results)
    for name in names[1:]:
        for a, b in zip(results[names[0]]["initial"], results[name]["initial"]):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_losses_agree_between_engines(engine_results):
    _, results = engine_results
    names = sorted(results)
    for name in names[1:]:
        np.testing.assert_allclose(
            results[name]["losses"],
            results[names[0]]["losses"],
            rtol=1e-5,
            err_msg=f"{name} vs {names[0]}",
        )
        for a, b in zip(results[name]["final"], results[names[0]]["final"]):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_losses_match_numpy_reference(engine_results):
    payload, results = engine_results
    initial = next(iter(results.values()))["initial"]
    expected_losses, expected_weights = numpy_reference(payload, initial)
    # The loss has to fall, or the comparison would not say much about the updates.
    assert expected_losses[-1] < expected_losses[0]
    for name, result in results.items():
        np.testing.assert_allclose(result["losses"], expected_losses, rtol=1e-5, err_msg=name)
        for got, expected in zip(result["final"], expected_weights):
            np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5, err_msg=name)
