"""The Keras 2.2 API surface of the backend module (`from kerasfront import backend as
K`), `kerasfront.utils` and `kerasfront.preprocessing`: names importable from Keras 2's
module paths, argument names, positional order and defaults as the Keras 2.2.4
documentation gives them, and the behaviour of what was missing, against NumPy
references written here.

Tolerance: float32 engines against float64 NumPy, rtol 1e-5, atol 1e-4 (convolutions).
"""

from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import layers, ops

sys.path.insert(0, str(Path(__file__).resolve().parent / "layers"))
import conv_numpy_reference as reference  # noqa: E402

RTOL, ATOL = 1e-5, 1e-4


def data(*shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def close(actual, expected, rtol=RTOL, atol=ATOL):
    actual = ops.convert_to_numpy(actual)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def parse_table(table: str) -> dict:
    """{name: [(argument, has default, default source)]} from lines `name(a, b=1)`; a line
    starting with spaces continues the one before."""
    joined = []
    for line in table.strip("\n").splitlines():
        if line.startswith(" ") and joined:
            joined[-1] += " " + line.strip()
        else:
            joined.append(line)
    signatures = {}
    for line in joined:
        function = ast.parse(f"def {line}: pass").body[0]
        arguments = function.args
        defaults = [None] * (len(arguments.args) - len(arguments.defaults))
        defaults += [ast.unparse(d) for d in arguments.defaults]
        entries = [(a.arg, d is not None, d) for a, d in zip(arguments.args, defaults)]
        if arguments.vararg:
            entries.append(("*" + arguments.vararg.arg, False, None))
        if arguments.kwarg:
            entries.append(("**" + arguments.kwarg.arg, False, None))
        signatures[function.name] = entries
    return signatures


def same_default(ours, theirs) -> bool:
    """Equal defaults; True and 1 (or False and 0) differ here, None only equals None."""
    if ours is None or theirs is None or isinstance(theirs, bool):
        return ours is theirs
    return type(ours) is type(theirs) and ours == theirs


def signature_differences(label: str, ours, expected) -> list[str]:
    """Where `ours` cannot be called as the Keras 2 signature `expected` allows: a missing
    argument, one at another position, a different default. Extra optional arguments
    (Keras 3 spellings, kerasfront options) are allowed."""
    parameters = list(inspect.signature(ours).parameters.values())
    if parameters and parameters[0].name == "self":
        parameters = parameters[1:]
    names = [p.name for p in parameters]
    kinds = {p.kind for p in parameters}
    problems = []
    positional = [name for name, _, _ in expected if not name.startswith("*")]
    for name, has_default, default in expected:
        if name.startswith("**"):
            if inspect.Parameter.VAR_KEYWORD not in kinds:
                problems.append(f"{label}: takes no {name}")
            continue
        if name.startswith("*"):
            if inspect.Parameter.VAR_POSITIONAL not in kinds:
                problems.append(f"{label}: takes no {name}")
            continue
        if name not in names:
            problems.append(f"{label}: no argument {name!r}")
            continue
        parameter = parameters[names.index(name)]
        if names.index(name) != positional.index(name) or parameter.kind not in (
            parameter.POSITIONAL_ONLY,
            parameter.POSITIONAL_OR_KEYWORD,
        ):
            problems.append(
                f"{label}: {name!r} is not positional argument {positional.index(name)}"
            )
        if has_default:
            if parameter.default is inspect.Parameter.empty:
                problems.append(f"{label}: {name!r} has no default (Keras 2: {default})")
            elif not same_default(parameter.default, ast.literal_eval(default)):
                problems.append(f"{label}: {name}={parameter.default!r}, Keras 2: {default}")
    for parameter in parameters:
        required = parameter.default is inspect.Parameter.empty and parameter.kind in (
            parameter.POSITIONAL_ONLY,
            parameter.POSITIONAL_OR_KEYWORD,
            parameter.KEYWORD_ONLY,
        )
        if required and parameter.name not in positional:
            problems.append(f"{label}: requires {parameter.name!r}, which Keras 2 does not take")
    return problems


# ---- The backend module -------------------------------------------------------------------

# Keras 2.2.4's `keras.backend` functions (TensorFlow backend and common.py): names,
# argument names in positional order, defaults.
KERAS_2_BACKEND = """
abs(x)
all(x, axis=None, keepdims=False)
any(x, axis=None, keepdims=False)
arange(start, stop=None, step=1, dtype='int32')
argmax(x, axis=-1)
argmin(x, axis=-1)
batch_dot(x, y, axes=None)
batch_flatten(x)
batch_get_value(ops)
batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=0.001)
batch_set_value(tuples)
bias_add(x, bias, data_format=None)
binary_crossentropy(target, output, from_logits=False)
cast(x, dtype)
cast_to_floatx(x)
categorical_crossentropy(target, output, from_logits=False, axis=-1)
clear_session()
clip(x, min_value, max_value)
concatenate(tensors, axis=-1)
constant(value, dtype=None, shape=None, name=None)
conv1d(x, kernel, strides=1, padding='valid', data_format=None, dilation_rate=1)
conv2d(x, kernel, strides=(1, 1), padding='valid', data_format=None, dilation_rate=(1, 1))
conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding='valid', data_format=None,
    dilation_rate=(1, 1))
conv3d(x, kernel, strides=(1, 1, 1), padding='valid', data_format=None, dilation_rate=(1, 1, 1))
conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1), padding='valid', data_format=None)
cos(x)
count_params(x)
ctc_batch_cost(y_true, y_pred, input_length, label_length)
ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1)
ctc_label_dense_to_sparse(labels, label_lengths)
cumprod(x, axis=0)
cumsum(x, axis=0)
depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding='valid', data_format=None,
    dilation_rate=(1, 1))
dot(x, y)
dropout(x, level, noise_shape=None, seed=None)
dtype(x)
elu(x, alpha=1.0)
epsilon()
equal(x, y)
eval(x)
exp(x)
expand_dims(x, axis=-1)
eye(size, dtype=None, name=None)
flatten(x)
floatx()
foldl(fn, elems, initializer=None, name=None)
foldr(fn, elems, initializer=None, name=None)
function(inputs, outputs, updates=None, **kwargs)
gather(reference, indices)
get_session()
get_uid(prefix='')
get_value(x)
get_variable_shape(x)
gradients(loss, variables)
greater(x, y)
greater_equal(x, y)
hard_sigmoid(x)
identity(x, name=None)
image_data_format()
image_dim_ordering()
in_test_phase(x, alt, training=None)
in_top_k(predictions, targets, k)
in_train_phase(x, alt, training=None)
int_shape(x)
is_keras_tensor(x)
is_placeholder(x)
is_sparse(tensor)
is_tensor(x)
l2_normalize(x, axis=None)
learning_phase()
less(x, y)
less_equal(x, y)
local_conv1d(inputs, kernel, kernel_size, strides, data_format=None)
local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format=None)
log(x)
logsumexp(x, axis=None, keepdims=False)
manual_variable_initialization(value)
map_fn(fn, elems, name=None, dtype=None)
max(x, axis=None, keepdims=False)
maximum(x, y)
mean(x, axis=None, keepdims=False)
min(x, axis=None, keepdims=False)
minimum(x, y)
moving_average_update(x, value, momentum)
ndim(x)
normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=0.001)
normalize_data_format(value)
not_equal(x, y)
one_hot(indices, num_classes)
ones(shape, dtype=None, name=None)
ones_like(x, dtype=None, name=None)
permute_dimensions(x, pattern)
placeholder(shape=None, ndim=None, dtype=None, sparse=False, name=None)
pool2d(x, pool_size, strides=(1, 1), padding='valid', data_format=None, pool_mode='max')
pool3d(x, pool_size, strides=(1, 1, 1), padding='valid', data_format=None, pool_mode='max')
pow(x, a)
print_tensor(x, message='')
prod(x, axis=None, keepdims=False)
random_binomial(shape, p=0.0, dtype=None, seed=None)
random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None)
random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None)
random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None)
random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None)
relu(x, alpha=0.0, max_value=None, threshold=0.0)
repeat(x, n)
repeat_elements(x, rep, axis)
reset_uids()
reshape(x, shape)
resize_images(x, height_factor, width_factor, data_format, interpolation='nearest')
resize_volumes(x, depth_factor, height_factor, width_factor, data_format)
reverse(x, axes)
rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None,
    unroll=False, input_length=None)
round(x)
separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1, padding='valid',
    data_format=None, dilation_rate=1)
separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding='valid',
    data_format=None, dilation_rate=(1, 1))
set_epsilon(e)
set_floatx(floatx)
set_image_data_format(data_format)
set_image_dim_ordering(dim_ordering)
set_learning_phase(value)
set_session(session)
set_value(x, value)
shape(x)
sigmoid(x)
sign(x)
sin(x)
slice(x, start, size)
softmax(x, axis=-1)
softplus(x)
softsign(x)
sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1)
spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None)
spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None)
sqrt(x)
square(x)
squeeze(x, axis)
stack(x, axis=0)
std(x, axis=None, keepdims=False)
stop_gradient(variables)
sum(x, axis=None, keepdims=False)
switch(condition, then_expression, else_expression)
tanh(x)
temporal_padding(x, padding=(1, 1))
tile(x, n)
to_dense(tensor)
transpose(x)
truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None)
update(x, new_x)
update_add(x, increment)
update_sub(x, decrement)
var(x, axis=None, keepdims=False)
variable(value, dtype=None, name=None, constraint=None)
zeros(shape, dtype=None, name=None)
zeros_like(x, dtype=None, name=None)
"""


def test_backend_functions_take_keras_2_arguments():
    expected = parse_table(KERAS_2_BACKEND)
    missing = sorted(name for name in expected if not callable(getattr(K, name, None)))
    assert not missing, f"kerasfront.backend lacks Keras 2 functions: {missing}"
    problems = []
    for name, arguments in expected.items():
        problems += signature_differences(f"K.{name}", getattr(K, name), arguments)
    assert not problems, "\n".join(problems)
    # The module's other public names in Keras 2.2.
    assert K.backend() in ("tensorflow", "torch", "jax", "numpy")
    assert (K.py_all, K.py_any, K.py_sum, K.py_slice) == (all, any, sum, slice)


def test_logsumexp_slice_identity_against_numpy():
    x = data(3, 4, 5)
    x[0, 1, :] = -np.inf  # a row of -inf gives -inf, not NaN
    with np.errstate(divide="ignore"):
        for axis, keepdims in [(None, False), (1, False), (-1, True), ([0, 2], False)]:
            axes = tuple(axis) if isinstance(axis, list) else axis
            expected = np.log(np.sum(np.exp(x.astype("float64")), axis=axes, keepdims=keepdims))
            result = ops.convert_to_numpy(K.logsumexp(x, axis, keepdims))
            assert result.shape == expected.shape
            np.testing.assert_allclose(result, expected, rtol=RTOL, atol=1e-5)
    large = np.array([[1000.0, 1000.0], [-1000.0, 0.0]], "float32")
    close(K.logsumexp(large, axis=1), np.array([1000.0 + np.log(2.0), 0.0]))
    y = data(4, 5, 6)
    close(K.slice(y, (1, 0, 2), (2, -1, 3)), y[1:3, :, 2:5])
    close(K.slice(K.variable(y), [0, 3, 0], [4, 2, 1]), y[:, 3:5, 0:1])
    with pytest.raises(ValueError, match="slice"):
        K.slice(y, (0, 0), (1, 1))
    with pytest.raises(ValueError, match="slice"):
        K.slice(y, (3, 0, 0), (2, 1, 1))
    variable = K.variable(y)
    copy = K.identity(variable, name="copy")
    variable.assign(np.zeros_like(y))
    close(copy, y)
    assert K.is_tensor(copy) and K.is_tensor(variable) and K.is_tensor(keras.Input((3,)))
    assert not K.is_tensor(y) and not K.is_tensor(1.0)
    assert K.get_variable_shape(variable) == (4, 5, 6)


def test_dim_ordering_and_data_format_helpers():
    before = K.image_data_format()
    try:
        K.set_image_dim_ordering("th")
        assert (K.image_data_format(), K.image_dim_ordering()) == ("channels_first", "th")
        assert K.normalize_data_format(None) == "channels_first"
        K.set_image_dim_ordering("tf")
        assert (K.image_data_format(), K.image_dim_ordering()) == ("channels_last", "tf")
        assert K.normalize_data_format("Channels_First") == "channels_first"
        with pytest.raises(ValueError, match="dim_ordering"):
            K.set_image_dim_ordering("channels_last")
        with pytest.raises(ValueError, match="data_format"):
            K.normalize_data_format("nhwc")
        # Keras 2's argument names, by keyword.
        K.set_image_data_format(data_format="channels_first")
        assert K.image_data_format() == "channels_first"
    finally:
        K.set_image_data_format(before)
    epsilon, floatx = K.epsilon(), K.floatx()
    try:
        K.set_epsilon(e=1e-5)
        K.set_floatx(floatx="float64")
        assert (K.epsilon(), K.floatx()) == (1e-5, "float64")
    finally:
        K.set_epsilon(epsilon)
        K.set_floatx(floatx)


def test_value_functions_take_keras_2_argument_names():
    a, b = K.variable(np.zeros((2,))), K.variable(np.ones((3,)))
    K.batch_set_value(tuples=[(a, [1.0, 2.0]), (b, np.full((3,), 5.0))])
    values = K.batch_get_value(ops=[a, b])
    np.testing.assert_array_equal(values[0], [1.0, 2.0])
    np.testing.assert_array_equal(values[1], [5.0, 5.0, 5.0])
    stopped = K.stop_gradient(variables=[a, b])
    assert isinstance(stopped, list) and len(stopped) == 2
    close(stopped[1], np.full((3,), 5.0))
    close(K.stop_gradient(a), np.array([1.0, 2.0]))
    assert K.is_sparse(tensor=a.value) is False
    close(K.to_dense(tensor=a.value), np.array([1.0, 2.0]))


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_separable_conv1d_against_numpy(data_format):
    x = data(2, 9, 3)
    depthwise, pointwise = data(3, 3, 2, seed=1), data(1, 6, 4, seed=2)
    for padding, strides, dilation in [("valid", 1, 1), ("same", 2, 1), ("valid", 1, 2)]:
        expected = reference.depthwise_conv(x, depthwise, (strides,), padding, (dilation,))
        expected = expected @ pointwise[0].astype("float64")
        given = x if data_format == "channels_last" else reference.to_channels_first(x)
        result = K.separable_conv1d(
            given, depthwise, pointwise, strides, padding, data_format, dilation
        )
        if data_format == "channels_first":
            result = reference.to_channels_last(ops.convert_to_numpy(result))
        close(result, expected)
    with pytest.raises(ValueError, match="separable_conv1d"):
        K.separable_conv1d(x, depthwise[None], pointwise)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv3d_transpose_against_numpy(data_format):
    x, kernel = data(2, 2, 3, 2, 3), data(2, 3, 2, 4, 3, seed=1)
    for padding, strides in [("valid", (2, 1, 2)), ("same", (1, 2, 2))]:
        expected = reference.conv_transpose(x, kernel, strides, padding)
        size = expected.shape[1:4]
        if data_format == "channels_last":
            result = K.conv3d_transpose(x, kernel, (None, *size, 4), strides, padding)
        else:
            first = reference.to_channels_first(x)
            result = K.conv3d_transpose(first, kernel, (2, 4, *size), strides, padding, data_format)
            result = reference.to_channels_last(ops.convert_to_numpy(result))
        close(result, expected)
    with pytest.raises(ValueError, match="conv3d_transpose.*impossible"):
        K.conv3d_transpose(x, kernel, (2, 9, 3, 2, 4), (1, 1, 1), "valid")


def test_keras_2_2_functions_inside_a_trained_lambda():
    """A Lambda calling K.slice, K.logsumexp and K.identity inside fit's compiled step."""

    def pooled(t):
        head = K.slice(t, (0, 0), (-1, 3))  # the batch axis with size -1: any batch size
        return K.identity(K.logsumexp(head, axis=1, keepdims=True))

    inputs = keras.Input((4,))
    hidden = layers.Dense(5, kernel_initializer="glorot_uniform")(inputs)
    model = keras.Model(inputs, layers.Lambda(pooled)(hidden))
    model.compile(optimizer="sgd", loss="mse")
    x, y = data(8, 4, seed=3), data(8, 1, seed=4)
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0).history["loss"]
    assert np.all(np.isfinite(history))
    kernel, bias = model.get_weights()
    h = x.astype("float64") @ kernel + bias
    expected = np.log(np.exp(h[:, :3]).sum(axis=1, keepdims=True))
    close(model.predict(x, batch_size=8, verbose=0), expected)
