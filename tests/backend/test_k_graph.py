"""Keras 2's graph functions: placeholders and K functions on graph tensors, K.function
(learning phase, updates, inner inputs), K.gradients (weights, inputs, inner tensors), the
learning phase, K.update* (eagerly, in K.function and under fit), K.print_tensor, names and
sessions; against NumPy references written here."""

from __future__ import annotations

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import layers
from kerasfront.backend.registry import ADAPTER

needs_training = pytest.mark.skipif(
    not ADAPTER.SUPPORTS_TRAINING, reason="this backend has no gradients"
)
TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}
RNG = np.random.default_rng(80)
X = RNG.normal(size=(5, 3)).astype("float32")


@pytest.fixture(autouse=True)
def _fresh_session():
    yield
    K.clear_session()


def test_k_functions_and_operators_on_a_placeholder_build_a_graph():
    x = K.placeholder(shape=(None, 3))
    assert K.is_placeholder(x) and not K.is_placeholder(X)
    outputs = [
        K.sum(K.square(x) * 2, axis=1),
        1 - x / 2 + x**2 - (-x) * 3,
        x[:, 1:],
        K.cast(x > 0.5, "float32") + K.cast(x <= -0.2, "float32"),
        abs(x) @ np.ones((3, 2), "float32"),
        np.full((3,), 2.0, "float32") * x,
    ]
    assert K.int_shape(outputs[0]) == (None,) and K.int_shape(outputs[2]) == (None, 2)
    results = K.function([x], outputs)([X])
    expected = [
        np.sum(X**2 * 2, axis=1),
        1 - X / 2 + X**2 + X * 3,
        X[:, 1:],
        (X > 0.5).astype("float32") + (X <= -0.2).astype("float32"),
        np.abs(X) @ np.ones((3, 2)),
        2.0 * X,
    ]
    for result, reference in zip(results, expected):
        np.testing.assert_allclose(result, reference, **TOLERANCE)
    # A single output (not in a list) comes back alone; float64 input is fed as float32.
    single = K.function([x], K.mean(x))
    np.testing.assert_allclose(single([X.astype("float64")]), X.mean(), **TOLERANCE)
    with pytest.raises(ValueError, match=r"shape \(5, 4\), expected \(None, 3\)"):
        single([np.ones((5, 4))])
    with pytest.raises(ValueError, match="takes 1 input values"):
        single([X, X])


def test_placeholder_arguments():
    assert K.int_shape(K.placeholder(ndim=3)) == (None, None, None)
    assert K.dtype(K.placeholder(shape=(2,), dtype="int32")) == "int32"
    with pytest.raises(ValueError, match="sparse placeholders are not supported"):
        K.placeholder(shape=(None, 3), sparse=True)
    with pytest.raises(ValueError, match="ragged"):
        K.placeholder(shape=(None, 3), ragged=True)
    with pytest.raises(ValueError, match="needs shape"):
        K.placeholder()
    with pytest.raises(ValueError, match="ndim=3"):
        K.placeholder(shape=(None, 2), ndim=3)
    with pytest.raises(ValueError, match="session arguments"):
        K.function([K.placeholder(ndim=1)], [], fetches=[])


def _dense_model():
    """Input(4) -> Dense(3, tanh) -> Dropout(0.5) -> Dense(1), with known weights."""
    inputs = layers.Input(shape=(4,))
    hidden = layers.Dense(3, activation="tanh")
    outputs = layers.Dense(1)(layers.Dropout(0.5)(hidden(inputs)))
    model = keras.models.Model(inputs, outputs)
    w1, b1 = RNG.normal(size=(4, 3)).astype("float32"), RNG.normal(size=(3,)).astype("float32")
    w2, b2 = RNG.normal(size=(3, 1)).astype("float32"), RNG.normal(size=(1,)).astype("float32")
    model.set_weights([w1, b1, w2, b2])
    return model, hidden, (w1, b1, w2, b2)


def test_function_with_the_learning_phase_and_inner_inputs():
    model, hidden, (w1, b1, w2, b2) = _dense_model()
    x = RNG.normal(size=(6, 4)).astype("float32")
    h = np.tanh(x @ w1 + b1)
    dropped = model.layers[-2].output
    get_hidden = K.function([model.input, K.learning_phase()], [dropped])
    np.testing.assert_allclose(get_hidden([x, 0])[0], h, **TOLERANCE)
    # Training: Dropout(0.5) keeps entries scaled by 2 and zeroes the rest.
    trained = get_hidden([x, 1])[0]
    kept = trained != 0
    np.testing.assert_allclose(trained[kept], 2 * h[kept], **TOLERANCE)
    assert 0 < kept.sum() < kept.size
    with pytest.raises(ValueError, match="0 \\(test\\) or 1 \\(train\\)"):
        get_hidden([x, 2])
    # An inner tensor fed directly: the layers before it do not run.
    tail = K.function([hidden.output], [model.output])
    np.testing.assert_allclose(tail([h])[0], h @ w2 + b2, **TOLERANCE)
    with pytest.raises(ValueError, match="not among the inputs"):
        K.function([K.placeholder(shape=(None, 4))], [model.output])


@needs_training
def test_gradients_of_weights_inputs_and_inner_tensors():
    model, hidden, (w1, b1, w2, b2) = _dense_model()
    x = RNG.normal(size=(6, 4)).astype("float32")
    loss = K.mean(K.square(model.output))
    grads = K.gradients(loss, model.trainable_weights)
    saliency = K.gradients(K.sum(model.output), model.input)[0]
    (inner,) = K.gradients(loss, [hidden.output])
    unrelated = K.placeholder(shape=(None, 4))
    assert K.gradients(loss, [unrelated, model.input])[0] is None
    assert [K.int_shape(g) for g in grads] == [(4, 3), (3,), (3, 1), (1,)]
    results = K.function([model.input], [loss, *grads, saliency, inner])([x])

    # NumPy backpropagation through tanh(x W1 + b1) W2 + b2 (Dropout off: phase 0).
    h = np.tanh(x @ w1 + b1)
    out = h @ w2 + b2
    d_out = 2 * out / out.size
    d_h = d_out @ w2.T
    d_z = d_h * (1 - h**2)
    expected = [np.mean(out**2), x.T @ d_z, d_z.sum(0), h.T @ d_out, d_out.sum(0)]
    expected += [((np.ones_like(out) @ w2.T) * (1 - h**2)) @ w1.T, d_h]
    for result, reference in zip(results, expected):
        np.testing.assert_allclose(result, reference, rtol=1e-4, atol=1e-5)
    # Gradients are graph tensors: arithmetic on them stays symbolic (filter visualisation).
    normalized = saliency / (K.sqrt(K.mean(K.square(saliency))) + 1e-5)
    step = K.function([model.input], [normalized])([x])[0]
    np.testing.assert_allclose(
        step, expected[5] / (np.sqrt(np.mean(expected[5] ** 2)) + 1e-5), rtol=1e-4
    )
    with pytest.raises(TypeError, match="K.gradients is symbolic"):
        K.gradients(K.sum(K.constant(x)), model.trainable_weights)


def test_k_functions_in_a_functional_model():
    kernel = K.variable(RNG.normal(size=(3, 2)))
    inputs = layers.Input(shape=(3,))
    outputs = K.mean(K.dot(inputs, kernel) * 2, axis=1, keepdims=True) - inputs[:, :1]
    model = keras.models.Model(inputs, outputs)
    expected = np.mean(X @ K.get_value(kernel) * 2, axis=1, keepdims=True) - X[:, :1]
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, **TOLERANCE)
    # A Variable passed to a K function is read when the graph runs (also by the model's
    # compiled predict step, which ran once already).
    K.set_value(kernel, np.ones((3, 2)))
    expected = 2 * X.sum(1, keepdims=True) - X[:, :1]
    np.testing.assert_allclose(K.function([inputs], [outputs])([X])[0], expected, **TOLERANCE)
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, **TOLERANCE)


@needs_training
def test_a_weight_passed_to_a_k_function_trains_through_both_uses():
    dense = layers.Dense(3, use_bias=False)
    inputs = layers.Input(shape=(3,))
    outputs = K.dot(dense(inputs), dense.weights[0])  # x W W
    model = keras.models.Model(inputs, outputs)
    model.compile("sgd", "mse")
    w = model.get_weights()[0]
    y = RNG.normal(size=(5, 3)).astype("float32")
    model.fit(X, y, batch_size=5, epochs=1, verbose=0)
    grad_out = 2 * (X @ w @ w - y) / y.size
    grad = X.T @ (grad_out @ w.T) + (X @ w).T @ grad_out
    np.testing.assert_allclose(model.get_weights()[0], w - 0.01 * grad, rtol=1e-4, atol=1e-6)


def test_update_functions_on_variables():
    v = K.variable(np.array([1.0, 2.0]))
    np.testing.assert_allclose(K.eval(K.update(v, np.array([3.0, 4.0]))), [3.0, 4.0])
    K.update_add(v, np.array([1.0, 1.0]))
    K.update_sub(v, 0.5)
    np.testing.assert_allclose(K.get_value(v), [3.5, 4.5])
    average = K.variable(0.0)
    K.moving_average_update(average, 2.0, 0.9)
    K.moving_average_update(average, 2.0, 0.9)
    np.testing.assert_allclose(K.get_value(average), (0.0 * 0.9 + 0.2) * 0.9 + 0.2, **TOLERANCE)
    with pytest.raises(TypeError, match="x must be a variable"):
        K.update_add(K.constant([1.0]), 1.0)
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        K.update(v, np.ones((3,)))
    counter = K.variable(np.array(0, "int32"), dtype="int32")
    with pytest.raises(TypeError, match="without loss"):
        K.update_add(counter, 0.5)


def test_function_updates():
    x = K.placeholder(shape=(None, 3))
    total, count, average = K.variable(0.0), K.variable(0.0), K.variable(0.0)
    f = K.function(
        [x],
        [K.sum(x)],
        updates=[
            (total, K.sum(x) + total),
            K.update_add(count, K.sum(K.ones_like(x[:, 0]))),
            K.moving_average_update(average, K.mean(x), 0.5),
        ],
    )
    first, second = X[:2], X[2:]
    f([first])
    f([second])
    np.testing.assert_allclose(K.get_value(total), X.sum(), **TOLERANCE)
    np.testing.assert_allclose(K.get_value(count), 5.0)
    np.testing.assert_allclose(
        K.get_value(average), (first.mean() * 0.5) * 0.5 + second.mean() * 0.5, **TOLERANCE
    )
    eager = K.constant(1.0)
    if not isinstance(eager, np.ndarray):  # the NumPy backend's tensors are arrays
        with pytest.raises(TypeError, match="computed once"):
            K.function([x], [K.sum(x)], updates=[(total, eager)])


class CountingLayer(layers.Layer):
    """Keras 2 style: counts training batches, keeps a moving mean of its inputs, and
    halves its inputs while training."""

    def build(self, input_shape):
        self.batches = self.add_weight("batches", (), initializer="zeros", trainable=False)
        self.mean = self.add_weight("mean", (), initializer="zeros", trainable=False)
        super().build(input_shape)

    def call(self, inputs, training=None):
        K.update_add(self.batches, K.in_train_phase(1.0, 0.0, training=training))
        K.moving_average_update(self.mean, K.mean(inputs), 0.5)
        return K.in_train_phase(lambda: inputs * 0.5, inputs, training=training)


@needs_training
def test_updates_in_a_layer_under_fit():
    counting = CountingLayer()
    model = keras.models.Sequential([layers.Dense(2, input_shape=(3,), use_bias=False), counting])
    model.compile("sgd", "mse")
    x = RNG.normal(size=(12, 3)).astype("float32")
    kernel = model.get_weights()[0]
    model.fit(x, np.zeros((12, 2), "float32"), batch_size=4, epochs=1, verbose=0, shuffle=False)
    # Before each step's update, the layer saw this batch through the current kernel;
    # replay SGD on mse(0.5 * x W, 0) in NumPy for the means.
    mean = 0.0
    for batch in np.split(x, 3):
        out = batch @ kernel
        mean = mean * 0.5 + out.mean() * 0.5
        grad = batch.T @ (2 * (0.5 * out) / out.size * 0.5)
        kernel = kernel - 0.01 * grad
    np.testing.assert_allclose(K.get_value(counting.weights[0]), 3.0)
    np.testing.assert_allclose(K.get_value(counting.weights[1]), mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], kernel, rtol=1e-4, atol=1e-6)
    # Inference: no batch counted, outputs not halved.
    np.testing.assert_allclose(model.predict(x, verbose=0), x @ kernel, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(K.get_value(counting.weights[0]), 3.0)


def test_learning_phase_and_in_train_phase():
    x = K.constant(X)
    assert K.learning_phase() == 0 and int(K.learning_phase()) == 0
    np.testing.assert_allclose(K.eval(K.in_train_phase(x * 2, x)), X)  # no phase set: test
    assert K.in_test_phase(1, 2, training=1) == 2
    assert K.in_train_phase(lambda: 1, lambda: 2, training=True) == 1
    with K.learning_phase_scope(1):
        assert K.learning_phase() == 1
        np.testing.assert_allclose(K.eval(K.in_train_phase(x * 2, x)), 2 * X)
    assert K.learning_phase() == 0
    # A tensor flag selects when it is computed.
    chosen = K.in_train_phase(x * 2, x, training=K.constant(1.0))
    np.testing.assert_allclose(K.eval(chosen), 2 * X)
    # Set for the session: layer calls without `training` train (Dropout drops).
    K.set_learning_phase(1)
    assert K.learning_phase() == 1
    dropped = K.get_value(layers.Dropout(0.5)(np.ones((4, 50), "float32")))
    assert set(np.unique(dropped)) == {0.0, 2.0}
    with pytest.raises(ValueError, match="0 \\(test\\) or 1 \\(train\\)"):
        K.set_learning_phase(2)
    K.clear_session()
    assert K.learning_phase() == 0

    # On graph tensors, the phase is chosen when the graph runs.
    placeholder = K.placeholder(shape=(None, 3))
    selected = K.in_train_phase(placeholder * 2, placeholder)
    f = K.function([placeholder, K.learning_phase()], [selected])
    np.testing.assert_allclose(f([X, 1])[0], 2 * X)
    np.testing.assert_allclose(f([X, 0])[0], X)
    model = keras.models.Model(placeholder, selected)
    np.testing.assert_allclose(model.predict(X, verbose=0), X)
    # The placeholder passed explicitly is an input of the node: its fed value selects.
    phase = K.learning_phase()
    explicit = K.in_train_phase(placeholder * 3, placeholder, training=phase)
    g = K.function([placeholder, phase], [explicit])
    np.testing.assert_allclose(g([X, 1])[0], 3 * X, **TOLERANCE)
    np.testing.assert_allclose(g([X, 0])[0], X)
    with K.learning_phase_scope(1):
        assert int(phase) == 1 and phase == 1  # outside graphs: the phase in force


def test_print_tensor_eagerly_and_in_a_compiled_function(capfd):
    value = K.constant([[1.0, 2.0, 3.0]])
    returned = K.print_tensor(value, message="eager value:")
    np.testing.assert_allclose(K.get_value(returned), [[1.0, 2.0, 3.0]])
    assert "eager value:" in capfd.readouterr().out
    x = K.placeholder(shape=(None, 3))
    f = K.function([x], [K.print_tensor(x * 10, message="times ten:") + 1])
    np.testing.assert_allclose(f([np.arange(3.0).reshape(1, 3)])[0], [[1.0, 11.0, 21.0]])
    printed = capfd.readouterr().out
    assert "times ten:" in printed and "20" in printed
    long = K.print_tensor(K.constant(np.arange(20.0)), message="long:", summarize=2)
    printed = capfd.readouterr().out
    assert "..." in printed and "19" in printed and "10" not in printed
    np.testing.assert_allclose(K.get_value(long), np.arange(20.0))


def test_uids_names_sessions_and_variables():
    K.clear_session()
    assert layers.Dense(2).name == "dense"
    assert K.get_uid("dense") == 2
    assert [K.get_uid("prefix"), K.get_uid("prefix")] == [1, 2]
    K.reset_uids()
    assert K.get_uid("prefix") == 1
    K.clear_session()
    assert layers.Dense(2).name == "dense"
    with K.name_scope("block") as name:
        assert name == "block"
        np.testing.assert_allclose(K.get_value(K.sum(K.constant(X))), X.sum(), rtol=1e-5)
    with pytest.raises(ValueError, match="sessions do not exist"):
        K.get_session()
    with pytest.raises(ValueError, match="sessions do not exist"):
        K.set_session(object())
    K.manual_variable_initialization(False)
    with pytest.raises(ValueError, match="not supported"):
        K.manual_variable_initialization(True)
    non_negative = keras.constraints.NonNeg()
    assert K.variable(X, constraint=non_negative).constraint is non_negative
    with pytest.raises(TypeError, match="constraint must be a function"):
        K.variable(X, constraint="non_neg")


def test_concrete_calls_are_not_recorded():
    # The wrapper passes concrete calls straight through; getters are not wrapped.
    assert K.sum.__wrapped__ is not K.sum
    assert not hasattr(K.int_shape, "__wrapped__")
    np.testing.assert_allclose(K.get_value(K.sum(K.constant(X), axis=0)), X.sum(0), rtol=1e-5)


def test_an_error_while_a_function_runs_is_reported_once():
    # The first run tries the compiled function, then eager; an error of the user's code
    # raises from the eager run alone, not chained to the same error from the first try.
    failing = {"now": False}

    class Refused(RuntimeError):
        pass

    def check(tensor):
        if failing["now"]:
            raise Refused("the Lambda refuses")
        return tensor

    x = K.placeholder(shape=(None, 3))
    function = K.function([x], [layers.Lambda(check)(x)])
    failing["now"] = True
    with pytest.raises(Refused) as raised:
        function([np.ones((2, 3), "float32")])
    chain, error = [], raised.value
    while error is not None:  # the layer's message, then the Lambda's own error
        chain.append(error)
        error = error.__cause__ or error.__context__
    raised_by_lambda = [e for e in chain if str(e) == "the Lambda refuses"]
    assert len(raised_by_lambda) == 1, chain
