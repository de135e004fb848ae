"""`jit_compile=True` on a CUDA device with torch: the steps replayed from CUDA graphs
(backends/torch/cuda_graphs.py) give what the eager steps give, through every way state
changes between steps. Runs where torch sees a GPU; skipped elsewhere (CI has none).
"""

import warnings

import numpy as np
import pytest

import kerasfront as kf
from kerasfront import backend as K
from kerasfront import layers


def _torch_sees_a_gpu() -> bool:
    if K.backend() != "torch":
        return False
    import torch

    return torch.cuda.is_available()


needs_gpu = pytest.mark.skipif(
    not _torch_sees_a_gpu(), reason="CUDA graphs: torch with a CUDA device only"
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(100, 8)).astype("float32")  # batches of 32: a short last one (4)
Y = np.eye(3, dtype="float32")[RNG.integers(0, 3, 100)]
X_VAL, Y_VAL = X[:40] * 0.5, Y[:40]


def _dense_model(jit_compile, extra_layers=()):
    model = kf.Sequential(
        [
            layers.Dense(16, activation="relu", input_shape=(8,)),
            layers.BatchNormalization(),
            layers.Dropout(0.3, seed=3),
            *extra_layers,
            layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        kf.optimizers.Adam(0.01), "categorical_crossentropy", ["accuracy"], jit_compile=jit_compile
    )
    return model


def _twins(build):
    """The same model twice, same weights: eager, and with `jit_compile=True`."""
    eager, graphed = build(None), build(True)
    graphed.set_weights(eager.get_weights())
    return eager, graphed


def _same(a, b, what):
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=what)


def _same_weights(eager, graphed):
    for i, (a, b) in enumerate(zip(eager.get_weights(), graphed.get_weights())):
        _same(a, b, f"weight {i}")


def _fit_both(eager, graphed, **options):
    histories = [
        model.fit(X, Y, batch_size=32, shuffle=False, verbose=0, **options).history
        for model in (eager, graphed)
    ]
    for key in histories[0]:
        _same(histories[0][key], histories[1][key], key)


@needs_gpu
def test_training_validation_evaluate_and_predict_match_the_eager_steps():
    eager, graphed = _twins(_dense_model)
    # Four epochs: every batch shape (32, and the last 4) is recorded and then replayed.
    _fit_both(eager, graphed, epochs=4, validation_data=(X_VAL, Y_VAL))
    _same_weights(eager, graphed)
    steps = graphed._train_step
    assert type(steps).__name__ == "GraphedStep" and len(steps.graphs) == 2
    assert steps.disabled_because is None
    _same(eager.evaluate(X, Y, verbose=0), graphed.evaluate(X, Y, verbose=0), "evaluate")
    first = graphed.predict(X[:5], verbose=0)
    for _ in range(3):  # replays reuse the graph's memory: returned outputs must be copies
        later = graphed.predict(X[5:10], verbose=0)
    _same(eager.predict(X[:5], verbose=0), first, "predict, first call")
    _same(eager.predict(X[5:10], verbose=0), later, "predict, later call")


@needs_gpu
def test_weights_and_learning_rate_set_between_fits_are_used():
    eager, graphed = _twins(_dense_model)
    _fit_both(eager, graphed, epochs=3)
    start = [w * 0.5 for w in eager.get_weights()]
    for model in (eager, graphed):
        model.set_weights(start)  # new memory for every weight: copied where graphs read
        K.set_value(model.optimizer.lr, 0.002)
    _fit_both(eager, graphed, epochs=2)
    _same_weights(eager, graphed)
    assert len(graphed._train_step.graphs) == 2  # no new recording for new values


@needs_gpu
def test_recurrent_model_matches_the_eager_steps():
    def build(jit_compile):
        model = kf.Sequential([layers.LSTM(6, input_shape=(5, 8)), layers.Dense(3, "softmax")])
        model.compile("adam", "categorical_crossentropy", jit_compile=jit_compile)
        return model

    eager, graphed = _twins(build)
    x = np.repeat(X[:, None, :], 5, axis=1) * np.linspace(0.2, 1.0, 5)[None, :, None]
    x = x.astype("float32")
    # An eager predict keeps cuDNN's weight buffer (rnn.py); graph replays during fit
    # change the weights without torch counting it, and the next predict (still eager,
    # a warm-up before its own recording) must see them.
    graphed.predict(x[:8], verbose=0)
    histories = [
        m.fit(x, Y, batch_size=32, epochs=3, shuffle=False, verbose=0) for m in (eager, graphed)
    ]
    _same(histories[0].history["loss"], histories[1].history["loss"], "loss")
    _same_weights(eager, graphed)
    _same(eager.predict(x[:8], verbose=0), graphed.predict(x[:8], verbose=0), "predict")


@needs_gpu
def test_a_step_that_reads_values_on_the_host_runs_eagerly_with_a_warning():
    # `.item()` waits for the device, which a graph cannot hold.
    def host_read(t):
        return t * (1.0 if float(t.abs().max().item()) >= 0 else 0.0)

    eager, graphed = _twins(lambda jit: _dense_model(jit, [layers.Lambda(host_read)]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _fit_both(eager, graphed, epochs=3)
    messages = [str(w.message) for w in caught if "CUDA graph" in str(w.message)]
    assert messages and "the training step" in messages[0], messages
    assert graphed._train_step.disabled_because is not None
    _same_weights(eager, graphed)


@needs_gpu
def test_embedding_model_is_recorded_and_matches_the_eager_steps():
    # The lookup's bounds check reads back to the host; inside a graph it is replaced by
    # a lookup that needs no check (see the next test).
    def build(jit_compile):
        model = kf.Sequential(
            [layers.Embedding(10, 4, input_length=6), layers.LSTM(5), layers.Dense(3, "softmax")]
        )
        model.compile("adam", "categorical_crossentropy", jit_compile=jit_compile)
        return model

    eager, graphed = _twins(build)
    tokens = RNG.integers(0, 10, (100, 6)).astype("int32")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no fallback to eager steps
        histories = [
            m.fit(tokens, Y, batch_size=32, epochs=3, shuffle=False, verbose=0)
            for m in (eager, graphed)
        ]
    _same(histories[0].history["loss"], histories[1].history["loss"], "loss")
    assert len(graphed._train_step.graphs) == 2


@pytest.mark.skipif(K.backend() != "torch", reason="the torch adapter's lookup")
def test_lookup_inside_a_graph_gives_zero_rows_out_of_range(monkeypatch):
    # Checked on any device by pretending a graph is being recorded.
    import torch

    from kerasfront.backends.torch import nn

    monkeypatch.setattr(nn, "_recording_cuda_graph", lambda tensor: True)
    table = torch.arange(12.0).reshape(4, 3).requires_grad_()
    indices = torch.tensor([[0, 3], [-1, 4]])
    found = nn.embedding_lookup(table, indices)
    expected = np.array([[[0, 1, 2], [9, 10, 11]], [[0, 0, 0], [0, 0, 0]]], "float32")
    np.testing.assert_array_equal(found.detach().numpy(), expected)
    found.sum().backward()
    np.testing.assert_array_equal(table.grad.numpy()[:, 0], [1, 0, 0, 1])
