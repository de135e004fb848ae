"""The Keras backend functions (`from kerasfront import backend as K`) against NumPy.

Each function runs on the active engine and is compared with a NumPy formula written
here (atol 1e-6, rtol 1e-5 on float32 values).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from kerasfront import backend as K
from kerasfront import config, ops
from kerasfront.backend import registry
from kerasfront.backend.scope import StatelessScope
from kerasfront.backend.variables import SeedGenerator, Variable

_rng = np.random.default_rng(7)
X = _rng.normal(size=(2, 3, 4)).astype("float32")
M = _rng.normal(size=(3, 4)).astype("float32")
N = _rng.normal(size=(4, 5)).astype("float32")
POS = (np.abs(X) + 0.1).astype("float32")


def t(value):
    """A tensor of the active engine."""
    return ops.convert_to_tensor(np.asarray(value))


def close(actual, expected, atol=1e-6):
    actual = ops.convert_to_numpy(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, atol=atol, rtol=1e-5)


@pytest.fixture
def restore_settings():
    """Puts floatx, epsilon and image_data_format back after a test that changes them."""
    saved = (K.floatx(), K.epsilon(), K.image_data_format())
    yield
    K.set_floatx(saved[0])
    K.set_epsilon(saved[1])
    K.set_image_data_format(saved[2])


# Configuration.


def test_backend_name_follows_environment():
    requested = os.environ.get("KERAS_BACKEND")
    if requested:
        expected = registry.ALIASES.get(requested.lower(), requested.lower())
    else:
        expected = registry.RESOLUTION.name  # the config file or the default decided
    assert K.backend() == expected
    assert K.backend() == registry.ADAPTER.NAME


def test_epsilon_floatx_image_data_format_defaults():
    assert K.epsilon() == pytest.approx(config.SETTINGS.epsilon)
    assert isinstance(K.epsilon(), float)
    assert K.floatx() in config.FLOAT_TYPES
    assert K.image_data_format() in config.IMAGE_DATA_FORMATS


def test_setters_round_trip(restore_settings):
    K.set_epsilon(1e-4)
    assert K.epsilon() == pytest.approx(1e-4)
    K.set_floatx("float64")
    assert K.floatx() == "float64"
    K.set_image_data_format("channels_first")
    assert K.image_data_format() == "channels_first"


def test_setters_reject_bad_values(restore_settings):
    with pytest.raises(ValueError, match="floatx"):
        K.set_floatx("float31")
    with pytest.raises(ValueError, match="image_data_format"):
        K.set_image_data_format("channels_middle")
    with pytest.raises(ValueError, match="epsilon"):
        K.set_epsilon("tiny")


def test_floatx_drives_defaults(restore_settings):
    K.set_floatx("float64")
    assert K.variable([1.0, 2.0]).dtype == "float64"
    if K.backend() != "jax":  # JAX keeps 32-bit types unless jax_enable_x64 is set
        assert np.asarray(K.get_value(K.zeros((2,)))).dtype == np.float64


# Shapes and creation.


def test_int_shape():
    assert K.int_shape(t(X)) == (2, 3, 4)
    assert K.int_shape(X) == (2, 3, 4)
    assert K.int_shape(K.variable(M)) == (3, 4)
    assert K.int_shape(t(np.float32(1.0))) == ()
    assert K.ndim(t(X)) == 3


def test_variable_get_set_eval():
    v = K.variable(M, name="kernel")
    assert isinstance(v, Variable)
    assert v.name == "kernel" and v.dtype == "float32" and v.trainable
    np.testing.assert_array_equal(K.get_value(v), M)
    np.testing.assert_array_equal(K.eval(v), M)
    K.set_value(v, np.zeros((3, 4)))
    np.testing.assert_array_equal(K.get_value(v), np.zeros((3, 4), "float32"))
    assert K.get_value(v).dtype == np.float32


def test_variable_copies_its_value():
    source = M.copy()
    v = K.variable(source)
    source[0, 0] = 100.0
    assert K.get_value(v)[0, 0] == M[0, 0]


def test_variable_dtype_argument():
    v = K.variable([1, 2, 3], dtype="int32")
    assert v.dtype == "int32"
    np.testing.assert_array_equal(K.get_value(v), [1, 2, 3])


def test_eval_of_tensor():
    np.testing.assert_array_equal(K.eval(t(M)), M)


def test_batch_get_and_set_value():
    a, b = K.variable(M), K.variable(N)
    K.batch_set_value([(a, M + 1), (b, N * 2)])
    got = K.batch_get_value([a, b])
    close(got[0], M + 1)
    close(got[1], N * 2)


def test_values_of_layer_weights_read_as_attributes():
    # Keras 2 code sets weights through the layer's attribute (`layer.kernel` was the
    # variable there); here the attribute reads as the weight's value, and the K
    # functions find the variable behind it.
    from kerasfront import layers, models, optimizers

    model = models.Sequential([layers.Dense(2, input_shape=(3,))])
    dense = model.layers[0]
    K.set_value(dense.kernel, np.ones((3, 2)))
    K.batch_set_value([(dense.bias, np.full(2, 0.5))])
    K.update_add(dense.bias, np.full(2, 0.25, "float32"))
    kernel, bias = model.get_weights()
    np.testing.assert_array_equal(kernel, np.ones((3, 2), "float32"))
    np.testing.assert_array_equal(bias, [0.75, 0.75])
    np.testing.assert_array_equal(K.get_value(dense.kernel), kernel)
    # A hyperparameter held as a number is no variable: the error says so.
    with pytest.raises(TypeError, match=r"K.set_value expects a variable.*float: 0.9.*momentum"):
        K.set_value(optimizers.SGD(0.1, 0.9).momentum, 0.5)


def test_zeros_ones_and_eye_are_variables_outside_steps_as_in_keras2():
    from kerasfront import layers, models

    counts = K.zeros((2, 3))
    K.set_value(counts, M[:2, :3])  # Keras 2's K.zeros made a variable
    close(counts, M[:2, :3])
    assert isinstance(K.ones((2,), dtype="int32"), Variable) and K.dtype(K.eye(2)) == "float32"
    close(K.eye((2, 3)), np.eye(2, 3))
    # Inside a layer's call (compiled steps, shape tracing) they stay tensors.
    seen = []

    def shift(x):
        one = K.ones((3,))
        seen.append(isinstance(one, Variable))
        return x + one

    model = models.Sequential([layers.Lambda(shift, input_shape=(3,))])
    close(model.predict(np.zeros((2, 3), "float32")), np.ones((2, 3)))
    assert seen and not any(seen)


def test_constant():
    close(K.constant(M), M)
    close(K.constant(2.5, shape=(2, 3)), np.full((2, 3), 2.5, "float32"))
    value = K.get_value(K.constant([1, 2], dtype="int32"))
    assert value.dtype == np.int32
    np.testing.assert_array_equal(value, [1, 2])
    assert K.get_value(K.constant([1, 2])).dtype == np.float32


def test_zeros_and_ones():
    zeros = K.get_value(K.zeros((2, 3)))
    assert zeros.dtype == np.float32
    np.testing.assert_array_equal(zeros, np.zeros((2, 3)))
    ones = K.get_value(K.ones((3,), dtype="int32"))
    assert ones.dtype == np.int32
    np.testing.assert_array_equal(ones, np.ones(3))


def test_cast():
    value = K.get_value(K.cast(t(X * 3), "int32"))
    assert value.dtype == np.int32
    np.testing.assert_array_equal(value, (X * 3).astype("int32"))
    value = K.get_value(K.cast(t(np.array([1, 0, 2])), "float32"))
    assert value.dtype == np.float32


def test_concatenate_defaults_to_last_axis():
    close(K.concatenate([t(M), t(M * 2)]), np.concatenate([M, M * 2], axis=-1))
    close(K.concatenate([t(M), t(M)], axis=0), np.concatenate([M, M], axis=0))
    close(K.concatenate([K.variable(M), t(M)]), np.concatenate([M, M], axis=-1))


def test_reshape():
    close(K.reshape(t(X), (6, 4)), X.reshape(6, 4))
    close(K.reshape(t(X), (-1, 2)), X.reshape(-1, 2))


def test_transpose_reverses_axes():
    close(K.transpose(t(M)), M.T)
    close(K.transpose(t(X)), np.transpose(X))
    close(K.permute_dimensions(t(X), (0, 2, 1)), np.transpose(X, (0, 2, 1)))


def test_expand_dims_defaults_to_last_axis():
    close(K.expand_dims(t(M)), M[..., None])
    close(K.expand_dims(t(M), 0), M[None])
    close(K.expand_dims(t(M), 1), M[:, None, :])


def test_stack():
    close(K.stack([t(M), t(M + 1)]), np.stack([M, M + 1]))
    close(K.stack([t(M), t(M + 1)], axis=-1), np.stack([M, M + 1], axis=-1))


def test_flatten_and_batch_flatten():
    close(K.flatten(t(X)), X.reshape(-1))
    close(K.batch_flatten(t(X)), X.reshape(2, -1))


# Activations.


def numpy_softmax(x, axis=-1):
    exps = np.exp(x - x.max(axis=axis, keepdims=True))
    return exps / exps.sum(axis=axis, keepdims=True)


def numpy_relu(x, alpha=0.0, max_value=None, threshold=0.0):
    # Keras 2: x above the threshold (capped to [0, max_value] when capped), plus the
    # leak alpha * (x - threshold) at or below it.
    kept = np.where(x > threshold, x, 0.0)
    if max_value is not None:
        kept = np.clip(kept, 0.0, max_value)
    return kept - alpha * np.maximum(threshold - x, 0.0)


def test_softmax():
    close(K.softmax(t(X)), numpy_softmax(X))
    close(K.softmax(t(X), axis=1), numpy_softmax(X, axis=1))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"alpha": 0.1},
        {"max_value": 0.8},
        {"threshold": 0.3},
        {"alpha": 0.2, "max_value": 1.0},
        {"alpha": 0.1, "max_value": 6.0, "threshold": 0.5},
        {"max_value": 1.0, "threshold": -0.5},  # kept values in (-0.5, 0) clip to 0
        {"alpha": 0.3, "max_value": 0.5, "threshold": -0.2},
    ],
    ids=repr,
)
def test_relu(kwargs):
    data = np.concatenate([X.reshape(-1) * 3, [0.0, 0.3, 0.5, 6.5]]).astype("float32")
    close(K.relu(t(data), **kwargs), numpy_relu(data, **kwargs).astype("float32"))


def test_sigmoid():
    data = np.concatenate([X.reshape(-1), [-30.0, 30.0]]).astype("float32")
    close(K.sigmoid(t(data)), 1.0 / (1.0 + np.exp(-data.astype("float64"))))


def test_hard_sigmoid_is_keras2_formula():
    data = np.array([-5.0, -2.5, -1.0, 0.0, 1.0, 2.4, 2.5, 3.0], dtype="float32")
    expected = np.clip(0.2 * data + 0.5, 0.0, 1.0)
    close(K.hard_sigmoid(t(data)), expected)


def test_elu_softplus_softsign():
    close(K.elu(t(X), 0.5), np.where(X > 0, X, 0.5 * (np.exp(X) - 1)))
    close(K.softplus(t(X)), np.log1p(np.exp(X)))
    close(K.softsign(t(X)), X / (np.abs(X) + 1))


# Math.


def test_dot():
    close(K.dot(t(M), t(N)), M @ N, atol=1e-5)
    close(K.dot(t(X), t(N)), np.dot(X, N), atol=1e-5)
    # N-D y: x's last axis against y's second-to-last, shape (2, 3) . (2, 3, 5) -> (2, 2, 5)
    y = _rng.normal(size=(2, 3, 5)).astype("float32")
    close(K.dot(X[:, :, 0], y), np.dot(X[:, :, 0], y), atol=1e-5)
    close(K.dot(M, N), M @ N, atol=1e-5)  # NumPy arrays, also on engines refusing them


def test_keras2_defaults_of_reductions_and_arg_functions():
    close(K.max(X), X.max())
    close(K.min(X, 1), X.min(axis=1))
    close(K.sum(X, axis=[0, 2]), X.sum(axis=(0, 2)), atol=1e-5)  # Keras allows lists
    close(K.prod(K.variable(M), axis=-1, keepdims=True), M.prod(axis=-1, keepdims=True))
    close(K.mean(X, axis=[1, 2], keepdims=True), X.mean(axis=(1, 2), keepdims=True))
    close(K.mean(np.array([True, False, True, True])), 0.75)
    np.testing.assert_array_equal(K.get_value(K.argmax(X)), X.argmax(axis=-1))
    np.testing.assert_array_equal(K.get_value(K.argmin(X, axis=1)), X.argmin(axis=1))


def test_shape_functions_take_keras2_arguments():
    close(K.squeeze(X[:, :1], 1), X[:, 0])
    close(K.concatenate([X, K.variable(X)]), np.concatenate([X, X], axis=-1))
    close(K.stack([M, K.variable(M)], axis=1), np.stack([M, M], axis=1))
    close(K.eye((2, 3)), np.eye(2, 3, dtype="float32"))
    close(K.zeros_like(M, dtype="float32", name="z"), np.zeros_like(M))
    close(K.ones_like(K.variable(M)), np.ones_like(M))
    close(K.batch_flatten(np.ones((2, 3, 4), "float32")), np.ones((2, 12), "float32"))
    close(K.cast_to_floatx(t(np.array([1, 2]))), np.array([1.0, 2.0], "float32"))
    assert K.cast_to_floatx([1, 2]).dtype == np.float32
    close(K.maximum(np.array([1, -2], "int32"), 0), np.array([1, 0], "int32"))
    close(K.pow(np.array([2.0, 3.0], "float32"), 2), np.array([4.0, 9.0], "float32"))


def test_is_keras_tensor():
    import kerasfront as keras

    assert K.is_keras_tensor(keras.Input(shape=(3,)))
    assert not K.is_keras_tensor(t(M))
    assert not K.is_keras_tensor(K.variable(M))
    with pytest.raises(ValueError, match="expects a tensor"):
        K.is_keras_tensor(M)


@pytest.mark.parametrize(
    "kwargs", [{}, {"axis": 0}, {"axis": -1}, {"axis": 1, "keepdims": True}], ids=repr
)
def test_mean_and_sum(kwargs):
    close(K.mean(t(X), **kwargs), X.mean(**kwargs))
    close(K.sum(t(X), **kwargs), X.sum(**kwargs), atol=1e-5)


def test_mean_of_variable():
    close(K.mean(K.variable(M), axis=0), M.mean(axis=0))


def test_elementwise():
    close(K.abs(t(X)), np.abs(X))
    close(K.square(t(X)), np.square(X))
    close(K.exp(t(X)), np.exp(X))
    close(K.log(t(POS)), np.log(POS))
    close(K.pow(t(POS), 3), POS**3, atol=1e-5)


def test_sqrt_clips_negatives_to_zero():
    close(K.sqrt(t(X)), np.sqrt(np.maximum(X, 0.0)))
    assert not np.isnan(K.get_value(K.sqrt(t(X)))).any()


def test_clip():
    close(K.clip(t(X), -0.5, 0.5), np.clip(X, -0.5, 0.5))
    close(K.clip(t(X), None, 0.5), np.minimum(X, 0.5))
    # Keras 2: a max_value below min_value is raised to min_value.
    close(K.clip(t(X), 0.5, 0.2), np.full(X.shape, 0.5, "float32"))


def test_random_functions_are_seeded():
    first = K.get_value(K.random_uniform((100,), seed=3))
    np.testing.assert_array_equal(first, K.get_value(K.random_uniform((100,), seed=3)))
    assert first.dtype == np.float32 and first.min() >= 0 and first.max() <= 1
    normal = K.get_value(K.random_normal((3, 2), stddev=0.5, seed=4))
    assert normal.shape == (3, 2) and normal.dtype == np.float32


# Variables, scopes and seeds.


def test_assign_shape_mismatch_names_the_variable():
    v = Variable(np.zeros((2, 3)), name="my_kernel")
    with pytest.raises(ValueError, match="my_kernel"):
        v.assign(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="my_kernel"):
        K.set_value(v, np.zeros((6,)))
    np.testing.assert_array_equal(v.numpy(), np.zeros((2, 3)))


def test_variable_dtypes_and_flags():
    assert Variable(np.zeros(3, "float64")).dtype == K.floatx()
    assert Variable(np.zeros(3, "int32")).dtype == "int32"
    assert not Variable(np.zeros(2), trainable=False).trainable


def test_variable_assign_and_arithmetic():
    v = Variable(M, name="w")
    v.assign(t(M * 2))
    close(v.value, M * 2)
    v.assign_add(t(np.ones_like(M)))
    close(v.value, M * 2 + 1)
    close(v * 2.0, (M * 2 + 1) * 2)
    close(1.0 - v, 1.0 - (M * 2 + 1))
    np.testing.assert_allclose(np.asarray(v), M * 2 + 1, rtol=1e-6)


def test_stateless_scope_records_without_changing_storage():
    v = Variable(M, name="scoped")
    new = t(M + 10)
    with StatelessScope() as scope:
        v.assign(new)
        assert v in scope.values
        close(v.value, M + 10)  # reads inside the scope see the recorded value
    close(scope.values[v], M + 10)
    close(v.value, M)
    np.testing.assert_array_equal(K.get_value(v), M)


def test_stateless_scope_mapping_replaces_reads():
    v = Variable(M, name="mapped")
    with StatelessScope({v: t(np.zeros_like(M))}):
        close(v.value, np.zeros_like(M))
    close(v.value, M)


def test_stateless_scope_skips_shape_check():
    # Inside a scope nothing is validated: the value is only recorded.
    v = Variable(M, name="unchecked")
    with StatelessScope() as scope:
        v.assign(t(np.zeros((2,), "float32")))
    assert K.int_shape(scope.values[v]) == (2,)
    assert K.int_shape(v.value) == (3, 4)


def test_seed_generator_advances():
    generator = SeedGenerator(11)
    first = np.array(ops.convert_to_numpy(generator.next()))
    second = np.array(ops.convert_to_numpy(generator.next()))
    assert first.shape == (2,) and first[0] == second[0] == 11
    assert first[1] != second[1]
    np.testing.assert_array_equal(generator.state.numpy(), [11, 2])
    assert not generator.state.trainable


def test_seed_generator_returns_the_seed_before_advancing():
    generator = SeedGenerator(11)
    seed = generator.next()
    np.testing.assert_array_equal(ops.convert_to_numpy(seed), [11, 0])


def test_seed_generator_inside_scope_leaves_state():
    generator = SeedGenerator(5)
    with StatelessScope() as scope:
        np.testing.assert_array_equal(ops.convert_to_numpy(generator.next()), [5, 0])
        np.testing.assert_array_equal(ops.convert_to_numpy(generator.next()), [5, 1])
    np.testing.assert_array_equal(generator.state.numpy(), [5, 0])
    np.testing.assert_array_equal(ops.convert_to_numpy(scope.values[generator.state]), [5, 2])


def test_unseeded_generator_seed_shape():
    a = ops.convert_to_numpy(SeedGenerator().next())
    b = ops.convert_to_numpy(SeedGenerator().next())
    # The first element is drawn at random (not compared: two draws may collide).
    assert a.shape == (2,) and b.shape == (2,)
    assert a[0] >= 0 and b[0] >= 0
