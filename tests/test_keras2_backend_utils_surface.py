"""The Keras 2.2 API surface of the backend module (`from kerasfront import backend as
K`), `kerasfront.utils` and `kerasfront.preprocessing`: names importable from Keras 2's
module paths, argument names, positional order and defaults as the Keras 2.2.4
documentation gives them, and the behaviour of what was missing, against NumPy
references written here.

Tolerance: float32 engines against float64 NumPy, rtol 1e-5, atol 1e-4 (convolutions).
"""

from __future__ import annotations

import ast
import importlib
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
        name, arguments_text = line.split("(", 1)  # names may be dotted: module.Class.method
        function = ast.parse(f"def f({arguments_text}: pass").body[0]
        arguments = function.args
        defaults = [None] * (len(arguments.args) - len(arguments.defaults))
        defaults += [ast.unparse(d) for d in arguments.defaults]
        entries = [(a.arg, d is not None, d) for a, d in zip(arguments.args, defaults)]
        if arguments.vararg:
            entries.append(("*" + arguments.vararg.arg, False, None))
        if arguments.kwarg:
            entries.append(("**" + arguments.kwarg.arg, False, None))
        signatures[name] = entries
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


def test_backend_submodule_paths():
    """`keras.backend.common` and `keras.backend.tensorflow_backend` (`import
    keras.backend.tensorflow_backend as KTF`) as Keras 2 code imports them."""
    from kerasfront.backend import common
    from kerasfront.backend import tensorflow_backend as KTF

    assert common.epsilon() == K.epsilon() and common.floatx() == K.floatx()
    assert common.image_dim_ordering() in ("th", "tf")
    assert common.cast_to_floatx([1, 2]).dtype == np.dtype(K.floatx())
    close(KTF.mean(np.array([[1.0, 3.0]]), axis=1), np.array([2.0]))
    assert callable(KTF.set_session) and callable(KTF.get_session)
    assert isinstance(KTF._get_available_gpus(), list)


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


# ---- keras.utils --------------------------------------------------------------------------

# What `keras.utils` exported in Keras 2.2.4, and its submodules' public names.
KERAS_2_UTILS_NAMES = """
HDF5Matrix h5dict get_file Sequence GeneratorEnqueuer OrderedEnqueuer CustomObjectScope
custom_object_scope get_custom_objects serialize_keras_object deserialize_keras_object
Progbar convert_all_kernels_in_model get_source_inputs print_summary plot_model
to_categorical normalize multi_gpu_model np_utils generic_utils data_utils io_utils
conv_utils layer_utils vis_utils multi_gpu_utils
""".split()
KERAS_2_UTILS_MODULES = {
    "np_utils": "to_categorical normalize",
    "data_utils": "get_file Sequence SequenceEnqueuer OrderedEnqueuer GeneratorEnqueuer",
    "io_utils": "HDF5Matrix H5Dict h5dict ask_to_proceed_with_overwrite",
    "layer_utils": "count_params print_summary convert_all_kernels_in_model "
    "convert_dense_weights_data_format get_source_inputs",
    "vis_utils": "model_to_dot plot_model",
    "multi_gpu_utils": "multi_gpu_model",
    "generic_utils": "CustomObjectScope custom_object_scope get_custom_objects "
    "serialize_keras_object deserialize_keras_object func_dump func_load has_arg Progbar "
    "to_list unpack_singleton object_list_uid is_all_none slice_arrays transpose_shape",
    "conv_utils": "normalize_tuple normalize_padding convert_kernel conv_output_length "
    "conv_input_length deconv_length",
}
# Keras 2.2.4 signatures (module.function or module.Class.method).
KERAS_2_UTILS = """
np_utils.to_categorical(y, num_classes=None, dtype='float32')
np_utils.normalize(x, axis=-1, order=2)
data_utils.get_file(fname, origin, untar=False, md5_hash=None, file_hash=None,
    cache_subdir='datasets', hash_algorithm='auto', extract=False, archive_format='auto',
    cache_dir=None)
data_utils.OrderedEnqueuer.__init__(sequence, use_multiprocessing=False, shuffle=False)
data_utils.OrderedEnqueuer.start(workers=1, max_queue_size=10)
data_utils.OrderedEnqueuer.stop(timeout=None)
data_utils.GeneratorEnqueuer.__init__(sequence, use_multiprocessing=False, wait_time=None,
    random_seed=None)
io_utils.HDF5Matrix.__init__(datapath, dataset, start=0, end=None, normalizer=None)
layer_utils.count_params(weights)
layer_utils.print_summary(model, line_length=None, positions=None, print_fn=None)
layer_utils.convert_all_kernels_in_model(model)
layer_utils.convert_dense_weights_data_format(dense, previous_feature_map_shape,
    target_data_format='channels_first')
layer_utils.get_source_inputs(tensor, layer=None, node_index=None)
vis_utils.model_to_dot(model, show_shapes=False, show_layer_names=True, rankdir='TB')
vis_utils.plot_model(model, to_file='model.png', show_shapes=False, show_layer_names=True,
    rankdir='TB')
multi_gpu_utils.multi_gpu_model(model, gpus=None, cpu_merge=True, cpu_relocation=False)
generic_utils.serialize_keras_object(instance)
generic_utils.deserialize_keras_object(identifier, module_objects=None, custom_objects=None,
    printable_module_name='object')
generic_utils.func_dump(func)
generic_utils.func_load(code, defaults=None, closure=None, globs=None)
generic_utils.has_arg(fn, name, accept_all=False)
generic_utils.Progbar.__init__(target, width=30, verbose=1, interval=0.05,
    stateful_metrics=None)
generic_utils.Progbar.update(current, values=None)
generic_utils.Progbar.add(n, values=None)
generic_utils.to_list(x, allow_tuple=False)
generic_utils.unpack_singleton(x)
generic_utils.slice_arrays(arrays, start=None, stop=None)
generic_utils.transpose_shape(shape, target_format, spatial_axes)
conv_utils.normalize_tuple(value, n, name)
conv_utils.normalize_padding(value)
conv_utils.convert_kernel(kernel)
conv_utils.conv_output_length(input_length, filter_size, padding, stride, dilation=1)
conv_utils.conv_input_length(output_length, filter_size, padding, stride)
conv_utils.deconv_length(dim_size, stride_size, kernel_size, padding, output_padding,
    dilation=1)
"""


def resolve(package: str, dotted: str):
    target = importlib.import_module(f"{package}.{dotted.split('.')[0]}")
    for part in dotted.split(".")[1:]:
        target = getattr(target, part)
    return target


def check_table(package: str, table: str) -> None:
    problems = []
    for dotted, arguments in parse_table(table).items():
        problems += signature_differences(dotted, resolve(package, dotted), arguments)
    assert not problems, "\n".join(problems)


def test_utils_exports_and_signatures():
    import kerasfront.utils as utils

    missing = [name for name in KERAS_2_UTILS_NAMES if not hasattr(utils, name)]
    assert not missing, f"kerasfront.utils lacks {missing}"
    for module, names in KERAS_2_UTILS_MODULES.items():
        loaded = importlib.import_module(f"kerasfront.utils.{module}")
        assert getattr(utils, module) is loaded
        missing = [name for name in names.split() if not hasattr(loaded, name)]
        assert not missing, f"kerasfront.utils.{module} lacks {missing}"
    check_table("kerasfront.utils", KERAS_2_UTILS)


def test_progbar_averages_keras_2_value_pairs():
    import io

    from kerasfront.utils.generic_utils import Progbar

    stream = io.StringIO()
    bar = Progbar(10, stateful_metrics=["acc"], stream=stream)
    bar.update(4, [("loss", 1.0), ("acc", 0.5)])
    bar.add(6, [("loss", 3.0), ("acc", 0.75)])  # reaches the target: the line is written
    line = stream.getvalue()
    expected_loss = (1.0 * 4 + 3.0 * 6) / 10  # weighted by the steps each update advanced
    assert f"loss: {expected_loss:.4f}" in line and "acc: 0.7500" in line, line
    assert line.startswith("10/10")


class _Batches(keras.utils.Sequence):
    def __init__(self):
        self.epochs_ended = 0

    def __len__(self):
        return 3

    def __getitem__(self, index):
        return np.full((2,), index + 10 * self.epochs_ended)

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_enqueuers_read_in_order_epoch_after_epoch():
    from kerasfront.utils.data_utils import GeneratorEnqueuer, OrderedEnqueuer

    sequence = _Batches()
    enqueuer = OrderedEnqueuer(sequence, use_multiprocessing=False)
    enqueuer.start(workers=2, max_queue_size=4)
    assert enqueuer.is_running()
    batches = enqueuer.get()
    seen = [int(next(batches)[0]) for _ in range(6)]
    enqueuer.stop()
    assert not enqueuer.is_running()
    assert seen == [0, 1, 2, 10, 11, 12]  # on_epoch_end ran between the epochs
    shuffled = OrderedEnqueuer(_Batches(), shuffle=True)
    shuffled.start(workers=1)
    first_epoch = sorted(int(next(shuffled.get())[0]) for _ in range(1))
    shuffled.stop()
    assert first_epoch[0] in (0, 1, 2)

    def numbers():
        yield from range(5)

    reader = GeneratorEnqueuer(numbers(), random_seed=1)
    reader.start(workers=1, max_queue_size=2)
    assert list(reader.get()) == [0, 1, 2, 3, 4]
    reader.stop()
    with pytest.raises(RuntimeError, match="start"):
        next(OrderedEnqueuer(_Batches()).get())


def test_generic_utils_helpers():
    from kerasfront.utils import generic_utils as g

    dense = layers.Dense(3, activation="relu", name="d")
    config = g.serialize_keras_object(dense)
    assert config["class_name"] == "Dense" and config["config"]["units"] == 3
    rebuilt = g.deserialize_keras_object(config, printable_module_name="layer")
    assert isinstance(rebuilt, layers.Dense) and rebuilt.get_config() == dense.get_config()

    class Scale:
        def __init__(self, factor=1.0):
            self.factor = factor

        def get_config(self):
            return {"factor": self.factor}

    found = g.deserialize_keras_object(
        {"class_name": "Scale", "config": {"factor": 2.0}}, custom_objects={"Scale": Scale}
    )
    assert isinstance(found, Scale) and found.factor == 2.0
    assert g.deserialize_keras_object("Scale", module_objects={"Scale": Scale}) is Scale
    with pytest.raises(ValueError, match="Unknown metric: 'nothing'"):
        g.deserialize_keras_object("nothing", printable_module_name="metric")
    assert g.serialize_keras_object(None) is None

    offset = 3.0

    def shifted(x, scale=2.0):
        return x * scale + offset

    loaded = g.func_load(*g.func_dump(shifted))
    assert loaded(1.0) == 5.0 and loaded(1.0, 1.0) == 4.0
    assert g.has_arg(shifted, "scale") and not g.has_arg(shifted, "other")
    assert g.has_arg(lambda **kw: None, "other", accept_all=True)
    a, b = np.arange(10), np.arange(10, 20)
    sliced = g.slice_arrays([a, None, b], 2, 5)
    assert (
        sliced[1] is None and sliced[0].tolist() == [2, 3, 4] and sliced[2].tolist() == [12, 13, 14]
    )
    assert g.slice_arrays(a, [1, 3]).tolist() == [1, 3]
    assert g.transpose_shape((16, 128, 64, 32), "channels_first", (1, 2)) == (16, 32, 128, 64)
    assert g.transpose_shape([5, 7, 3], "channels_first", [1]) == [5, 3, 7]
    assert g.unpack_singleton(x=[4]) == 4 and g.to_list((1, 2), allow_tuple=True) == [1, 2]
    assert g.is_all_none([None, None]) and not g.is_all_none([None, 0])


def test_h5dict_round_trip_and_safety(tmp_path):
    h5py = pytest.importorskip("h5py")
    from kerasfront.utils.io_utils import H5Dict

    path = str(tmp_path / "store.h5")
    with H5Dict(path, mode="w") as store:
        store["weights"] = np.arange(6.0).reshape(2, 3)
        store["name"] = "dense"
        store["layer_names"] = ["a", "b"]
        store["layer"]["bias"] = np.ones(3)  # a missing key makes a group
        with pytest.raises(KeyError, match="exists"):
            store["weights"] = np.zeros(2)
    with h5py.File(str(tmp_path / "other.h5"), "w") as other:
        other["x"] = np.zeros(2)
    with h5py.File(path, "a") as raw:
        raw["elsewhere"] = h5py.ExternalLink(str(tmp_path / "other.h5"), "/x")
    with H5Dict(path, mode="r") as store:
        np.testing.assert_array_equal(store["weights"], np.arange(6.0).reshape(2, 3))
        assert store["name"] == "dense" and store["layer_names"] == ["a", "b"]
        np.testing.assert_array_equal(store["layer"]["bias"], np.ones(3))
        assert "layer" in store and "name" in store and store.get("missing") is None
        with pytest.raises(ValueError, match="external link"):
            store["elsewhere"]
        with pytest.raises(ValueError, match="read only"):
            store["new"] = 1
    memory = H5Dict({})
    memory["group"]["value"] = 3
    assert memory["group"]["value"] == 3


def test_conv_utils_lengths_and_kernel_flip():
    from kerasfront.utils import conv_utils

    assert conv_utils.normalize_tuple(3, 2, "kernel_size") == (3, 3)
    assert conv_utils.normalize_padding("SAME") == "same"
    with pytest.raises(ValueError, match="strides"):
        conv_utils.normalize_tuple((1, 2, 3), 2, "strides")
    for n, k, s, d in [(10, 3, 1, 1), (11, 3, 2, 1), (9, 2, 3, 2)]:
        w = (k - 1) * d + 1
        assert conv_utils.conv_output_length(n, k, "valid", s, d) == (n - w) // s + 1
        assert conv_utils.conv_output_length(n, k, "same", s, d) == -(-n // s)
        assert conv_utils.conv_output_length(n, k, "full", s, d) == -(-(n + w - 1) // s)
        assert conv_utils.conv_input_length(n, k, "valid", s) == (n - 1) * s + k
        assert conv_utils.deconv_length(n, s, k, "valid", None, d) == n * s + max(w - s, 0)
        assert conv_utils.deconv_length(n, s, k, "same", 1, d) == (n - 1) * s + w - 2 * (w // 2) + 1
    assert conv_utils.conv_output_length(None, 3, "same", 1) is None
    kernel = data(2, 3, 4, 5)
    np.testing.assert_array_equal(conv_utils.convert_kernel(kernel), kernel[::-1, ::-1])


def test_layer_utils_against_numpy():
    from kerasfront.utils import layer_utils

    inputs = keras.Input((4, 5, 2))
    conv = layers.Conv2D(2, 2, name="conv")  # a (3, 4, 2) feature map
    features = conv(inputs)
    flat = layers.Flatten()(features)
    dense = layers.Dense(2, name="dense")
    model = keras.Model(inputs, dense(flat))
    assert layer_utils.get_source_inputs(flat) == [inputs]
    assert layer_utils.count_params(model.weights + conv.weights) == model.count_params()
    kernel = conv.get_weights()[0]
    layer_utils.convert_all_kernels_in_model(model)
    np.testing.assert_array_equal(conv.get_weights()[0], kernel[::-1, ::-1])
    # A Dense after a channels_last Flatten, converted for the channels_first feature map.
    rows_cols_channels = data(5, 3, 4, 2, seed=5)
    before = ops.convert_to_numpy(dense(rows_cols_channels.reshape(5, -1)))
    layer_utils.convert_dense_weights_data_format(dense, (2, 3, 4), "channels_first")
    channels_first = rows_cols_channels.transpose(0, 3, 1, 2).reshape(5, -1)
    close(dense(channels_first), before.astype("float64"))


# ---- keras.preprocessing ------------------------------------------------------------------

KERAS_2_PREPROCESSING = """
image.ImageDataGenerator.__init__(featurewise_center=False, samplewise_center=False,
    featurewise_std_normalization=False, samplewise_std_normalization=False,
    zca_whitening=False, zca_epsilon=1e-06, rotation_range=0, width_shift_range=0.0,
    height_shift_range=0.0, brightness_range=None, shear_range=0.0, zoom_range=0.0,
    channel_shift_range=0.0, fill_mode='nearest', cval=0.0, horizontal_flip=False,
    vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
    validation_split=0.0, dtype=None)
image.ImageDataGenerator.flow(x, y=None, batch_size=32, shuffle=True, sample_weight=None,
    seed=None, save_to_dir=None, save_prefix='', save_format='png', subset=None)
image.ImageDataGenerator.flow_from_directory(directory, target_size=(256, 256),
    color_mode='rgb', classes=None, class_mode='categorical', batch_size=32, shuffle=True,
    seed=None, save_to_dir=None, save_prefix='', save_format='png', follow_links=False,
    subset=None, interpolation='nearest')
image.ImageDataGenerator.flow_from_dataframe(dataframe, directory, x_col='filename',
    y_col='class', has_ext=True, target_size=(256, 256), color_mode='rgb', classes=None,
    class_mode='categorical', batch_size=32, shuffle=True, seed=None, save_to_dir=None,
    save_prefix='', save_format='png', subset=None, interpolation='nearest')
image.ImageDataGenerator.standardize(x)
image.ImageDataGenerator.random_transform(x, seed=None)
image.ImageDataGenerator.fit(x, augment=False, rounds=1, seed=None)
image.NumpyArrayIterator.__init__(x, y, image_data_generator, batch_size=32, shuffle=False,
    sample_weight=None, seed=None, data_format=None, save_to_dir=None, save_prefix='',
    save_format='png', subset=None, dtype=None)
image.DirectoryIterator.__init__(directory, image_data_generator, target_size=(256, 256),
    color_mode='rgb', classes=None, class_mode='categorical', batch_size=32, shuffle=True,
    seed=None, data_format=None, save_to_dir=None, save_prefix='', save_format='png',
    follow_links=False, subset=None, interpolation='nearest', dtype=None)
image.apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=0,
    col_axis=1, channel_axis=2, fill_mode='nearest', cval=0.0)
image.load_img(path, grayscale=False, color_mode='rgb', target_size=None,
    interpolation='nearest')
image.img_to_array(img, data_format=None, dtype=None)
image.array_to_img(x, data_format=None, scale=True, dtype=None)
image.save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs)
sequence.pad_sequences(sequences, maxlen=None, dtype='int32', padding='pre',
    truncating='pre', value=0.0)
sequence.TimeseriesGenerator.__init__(data, targets, length, sampling_rate=1, stride=1,
    start_index=0, end_index=None, shuffle=False, reverse=False, batch_size=128)
sequence.skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1.0,
    shuffle=True, categorical=False, sampling_table=None, seed=None)
sequence.make_sampling_table(size, sampling_factor=1e-05)
text.Tokenizer.__init__(num_words=None, filters='!"#$%&()*+,-./:;<=>?@[\\\\]^_`{|}~\\t\\n',
    lower=True, split=' ', char_level=False, oov_token=None, document_count=0, **kwargs)
text.text_to_word_sequence(text, filters='!"#$%&()*+,-./:;<=>?@[\\\\]^_`{|}~\\t\\n',
    lower=True, split=' ')
text.one_hot(text, n, filters='!"#$%&()*+,-./:;<=>?@[\\\\]^_`{|}~\\t\\n', lower=True,
    split=' ')
text.hashing_trick(text, n, hash_function=None,
    filters='!"#$%&()*+,-./:;<=>?@[\\\\]^_`{|}~\\t\\n', lower=True, split=' ')
"""


def test_preprocessing_signatures():
    check_table("kerasfront.preprocessing", KERAS_2_PREPROCESSING)


def test_timeseries_generator_config_round_trip():
    from kerasfront.preprocessing.sequence import (
        TimeseriesGenerator,
        timeseries_generator_from_json,
    )

    series = np.arange(40, dtype="float64").reshape(20, 2)
    generator = TimeseriesGenerator(
        series, series[:, 0], length=4, stride=2, start_index=1, batch_size=3
    )
    config = generator.get_config()
    assert set(config) >= {"data", "targets", "length", "start_index", "end_index", "batch_size"}
    again = timeseries_generator_from_json(generator.to_json())
    assert len(again) == len(generator)
    for index in range(len(generator)):
        for mine, theirs in zip(generator[index], again[index]):
            np.testing.assert_array_equal(mine, theirs)


def test_apply_affine_transform_defaults_to_rows_cols_channels():
    from kerasfront.preprocessing.image import apply_affine_transform

    picture = np.arange(5 * 5 * 2, dtype="float32").reshape(5, 5, 2)
    turned = apply_affine_transform(picture, theta=90, order=0)
    np.testing.assert_array_equal(turned, np.rot90(picture, 1, axes=(0, 1)))


def test_flow_from_dataframe(tmp_path):
    pandas = pytest.importorskip("pandas")
    pytest.importorskip("PIL")
    from kerasfront.preprocessing.image import ImageDataGenerator, save_img

    shades = {"a.png": 10.0, "b.png": 200.0, "c.png": 90.0}
    for name, shade in shades.items():
        save_img(str(tmp_path / name), np.full((4, 4, 3), shade), scale=False)
    frame = pandas.DataFrame(
        {"filename": ["c", "a", "missing", "b"], "class": ["x", "y", "y", "x"], "v": [3, 1, 0, 2]}
    )
    flow = ImageDataGenerator().flow_from_dataframe(
        frame, str(tmp_path), has_ext=False, target_size=(4, 4), batch_size=3, shuffle=False
    )
    assert flow.filenames == ["a.png", "b.png", "c.png"]  # the folder's files, sorted
    assert flow.class_indices == {"x": 0, "y": 1}
    x, y = flow[0]
    np.testing.assert_array_equal(x[:, 0, 0, 0], [10.0, 200.0, 90.0])
    np.testing.assert_array_equal(y, [[0, 1], [1, 0], [1, 0]])
    frame["filename"] = frame["filename"] + ".png"
    other = ImageDataGenerator().flow_from_dataframe(
        frame, str(tmp_path), "filename", "v", target_size=(4, 4), class_mode="other",
        batch_size=3, shuffle=False,
    )  # fmt: skip
    np.testing.assert_array_equal(other[0][1], [1, 2, 3])


# ---- keras.applications, keras.datasets, keras.wrappers.scikit_learn ---------------------

KERAS_2_APPLICATIONS = """
vgg16.VGG16(include_top=True, weights='imagenet', input_tensor=None, input_shape=None,
    pooling=None, classes=1000, **kwargs)
vgg19.VGG19(include_top=True, weights='imagenet', input_tensor=None, input_shape=None,
    pooling=None, classes=1000, **kwargs)
resnet50.ResNet50(include_top=True, weights='imagenet', input_tensor=None, input_shape=None,
    pooling=None, classes=1000, **kwargs)
inception_v3.InceptionV3(include_top=True, weights='imagenet', input_tensor=None,
    input_shape=None, pooling=None, classes=1000, **kwargs)
inception_resnet_v2.InceptionResNetV2(include_top=True, weights='imagenet', input_tensor=None,
    input_shape=None, pooling=None, classes=1000, **kwargs)
xception.Xception(include_top=True, weights='imagenet', input_tensor=None, input_shape=None,
    pooling=None, classes=1000, **kwargs)
mobilenet.MobileNet(input_shape=None, alpha=1.0, depth_multiplier=1, dropout=0.001,
    include_top=True, weights='imagenet', input_tensor=None, pooling=None, classes=1000,
    **kwargs)
densenet.DenseNet121(include_top=True, weights='imagenet', input_tensor=None, input_shape=None,
    pooling=None, classes=1000, **kwargs)
densenet.DenseNet169(include_top=True, weights='imagenet', input_tensor=None, input_shape=None,
    pooling=None, classes=1000, **kwargs)
densenet.DenseNet201(include_top=True, weights='imagenet', input_tensor=None, input_shape=None,
    pooling=None, classes=1000, **kwargs)
mobilenet_v2.MobileNetV2(input_shape=None, alpha=1.0, depth_multiplier=1, include_top=True,
    weights='imagenet', input_tensor=None, pooling=None, classes=1000, **kwargs)
nasnet.NASNetLarge(input_shape=None, include_top=True, weights='imagenet', input_tensor=None,
    pooling=None, classes=1000, **kwargs)
nasnet.NASNetMobile(input_shape=None, include_top=True, weights='imagenet', input_tensor=None,
    pooling=None, classes=1000, **kwargs)
resnet50.identity_block(input_tensor, kernel_size, filters, stage, block)
resnet50.conv_block(input_tensor, kernel_size, filters, stage, block, strides=(2, 2))
inception_v3.conv2d_bn(x, filters, num_row, num_col, padding='same', strides=(1, 1), name=None)
inception_resnet_v2.inception_resnet_block(x, scale, block_type, block_idx, activation='relu')
imagenet_utils.preprocess_input(x, data_format=None, mode='caffe', **kwargs)
imagenet_utils.decode_predictions(preds, top=5, **kwargs)
"""
KERAS_2_DATASETS = """
boston_housing.load_data(path='boston_housing.npz', test_split=0.2, seed=113)
cifar10.load_data()
cifar100.load_data(label_mode='fine')
fashion_mnist.load_data()
imdb.load_data(path='imdb.npz', num_words=None, skip_top=0, maxlen=None, seed=113,
    start_char=1, oov_char=2, index_from=3, **kwargs)
imdb.get_word_index(path='imdb_word_index.json')
mnist.load_data(path='mnist.npz')
reuters.load_data(path='reuters.npz', num_words=None, skip_top=0, maxlen=None, test_split=0.2,
    seed=113, start_char=1, oov_char=2, index_from=3, **kwargs)
reuters.get_word_index(path='reuters_word_index.json')
"""
KERAS_2_SCIKIT_LEARN = """
scikit_learn.BaseWrapper.__init__(build_fn=None, **sk_params)
scikit_learn.BaseWrapper.check_params(params)
scikit_learn.BaseWrapper.set_params(**params)
scikit_learn.BaseWrapper.fit(x, y, **kwargs)
scikit_learn.BaseWrapper.filter_sk_params(fn, override=None)
scikit_learn.KerasClassifier.fit(x, y, sample_weight=None, **kwargs)
scikit_learn.KerasClassifier.predict(x, **kwargs)
scikit_learn.KerasClassifier.predict_proba(x, **kwargs)
scikit_learn.KerasClassifier.score(x, y, **kwargs)
scikit_learn.KerasRegressor.predict(x, **kwargs)
scikit_learn.KerasRegressor.score(x, y, **kwargs)
"""


def test_applications_datasets_wrappers_signatures():
    import kerasfront.applications as applications

    check_table("kerasfront.applications", KERAS_2_APPLICATIONS)
    check_table("kerasfront.datasets", KERAS_2_DATASETS)
    check_table("kerasfront.wrappers", KERAS_2_SCIKIT_LEARN)
    models = "VGG16 VGG19 ResNet50 InceptionV3 InceptionResNetV2 Xception MobileNet MobileNetV2"
    for model in (*models.split(), "NASNetLarge", "NASNetMobile"):
        assert callable(getattr(applications, model))
    for depth in (121, 169, 201):
        assert getattr(applications, f"DenseNet{depth}").__name__ == f"DenseNet{depth}"
    for module in (
        "vgg16 vgg19 resnet50 inception_v3 inception_resnet_v2 xception mobilenet densenet".split()
    ):
        loaded = importlib.import_module(f"kerasfront.applications.{module}")
        assert callable(loaded.preprocess_input) and callable(loaded.decode_predictions)


def test_densenet_architecture():
    from kerasfront.applications import densenet

    # Keras 2's documented sizes (keras.io applications table): DenseNet121 8,062,504.
    full = densenet.DenseNet121(weights=None)
    assert full.count_params() == 8_062_504 and full.name == "densenet121"
    assert full.output_shape == (None, 1000) and full.layers[-1].name == "fc1000"
    names = {layer.name for layer in full.layers}
    assert {
        "conv1/conv",
        "conv2_block6_2_conv",
        "pool4_pool",
        "conv5_block16_concat",
        "bn",
    } <= names
    small = densenet.DenseNet(
        [1, 1, 1, 1], include_top=False, weights=None, input_shape=(32, 32, 3), pooling="avg"
    )
    # channels: 64 + 32 -> 48 (transition halves) + 32 -> 40 + 32 -> 36 + 32 = 68
    assert small.output_shape == (None, 68)
    pixels = np.random.default_rng(0).uniform(0, 255, size=(2, 4, 4, 3)).astype("float32")
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])
    expected = (pixels.astype("float64") / 255.0 - mean) / std
    np.testing.assert_allclose(
        densenet.preprocess_input(pixels.copy()), expected, rtol=1e-5, atol=1e-5
    )
    with pytest.raises(ValueError, match="blocks"):
        densenet.DenseNet([2, 2, 2, 2], weights="imagenet")


def test_mobilenet_v2_architecture():
    from kerasfront.applications import mobilenet_v2

    # Keras 2's documented size (keras.io applications table): 3,538,984 parameters.
    full = mobilenet_v2.MobileNetV2(weights=None)
    assert full.count_params() == 3_538_984 and full.name == "mobilenetv2_1.00_224"
    assert full.layers[-1].name == "Logits" and full.output_shape == (None, 1000)
    names = {layer.name for layer in full.layers}
    assert {"Conv1", "expanded_conv_project_BN", "block_16_project", "out_relu"} <= names
    before = K.image_data_format()
    K.set_image_data_format("channels_first")
    try:
        with pytest.warns(UserWarning, match="channels_last"):
            small = mobilenet_v2.MobileNetV2(
                input_shape=(32, 32, 3), alpha=0.35, include_top=False, weights=None,
                pooling="max",
            )  # fmt: skip
        assert K.image_data_format() == "channels_first"  # put back
    finally:
        K.set_image_data_format(before)
    assert small.input_shape == (None, 32, 32, 3) and small.output_shape == (None, 1280)
    with pytest.raises(ValueError, match="alpha"):
        mobilenet_v2.MobileNetV2(alpha=0.6)
    pixels = np.array([[[[0.0, 127.5, 255.0]]]], "float32")
    np.testing.assert_allclose(mobilenet_v2.preprocess_input(pixels), [[[[-1.0, 0.0, 1.0]]]])


def test_nasnet_mobile_architecture():
    from kerasfront.applications import nasnet

    # Keras 2's documented size (keras.io applications table): 5,326,716 parameters.
    model = nasnet.NASNetMobile(weights=None)
    assert model.count_params() == 5_326_716 and model.name == "NASNet"
    assert model.input_shape == (None, 224, 224, 3) and model.output_shape == (None, 1000)
    names = {layer.name for layer in model.layers}
    expected = {"stem_conv1", "reduction_concat_stem_1", "adjust_bn_stem_2", "normal_concat_3"}
    expected |= {
        "reduction_concat_reduce_4",
        "normal_concat_12",
        "separable_conv_2_bn_normal_left5_12",
    }
    assert expected <= names, sorted(expected - names)
    with pytest.raises(ValueError, match="multiple of 24"):
        nasnet.NASNet(penultimate_filters=100, weights=None)


def test_base_wrapper_fit_trains_on_targets_as_given():
    from kerasfront.wrappers.scikit_learn import BaseWrapper

    def build(units=2):
        model = keras.Sequential([keras.Input((3,)), layers.Dense(units)])
        model.compile(optimizer="sgd", loss="mse")
        return model

    class Plain(BaseWrapper):  # a direct subclass, as Keras 2 allowed
        pass

    estimator = Plain(build, units=2, epochs=1, batch_size=4, verbose=0)
    assert estimator.fit(data(8, 3), data(8, 2, seed=1)) is estimator
    assert estimator.model_.output_shape == (None, 2) and len(estimator.history_["loss"]) == 1


def test_resnet50_keras_2_2_blocks_against_numpy():
    from kerasfront.applications.resnet50 import conv_block, identity_block

    inputs = keras.Input((3, 3, 4))
    hidden = identity_block(inputs, 1, (2, 3, 4), stage=2, block="a")
    outputs = conv_block(hidden, 3, (2, 2, 5), stage=3, block="b", strides=(2, 2))
    model = keras.Model(inputs, outputs)
    names = {layer.name for layer in model.layers}
    assert {"res2a_branch2a", "bn2a_branch2c", "res3b_branch1", "bn3b_branch1"} <= names
    assert model.output_shape == (None, 2, 2, 5)
    # The identity block alone, against NumPy: 1x1 convolutions are matrix products, and
    # freshly made batch normalizations divide by sqrt(1 + 0.001) at inference.
    block = keras.Model(inputs, hidden)
    x = data(2, 3, 3, 4, seed=8).astype("float64")
    scale = 1.0 / np.sqrt(1.0 + 1e-3)
    h = x
    for part in ("2a", "2b", "2c"):
        kernel, bias = block.get_layer("res2a_branch" + part).get_weights()
        h = (h @ kernel[0, 0] + bias) * scale
        if part != "2c":
            h = np.maximum(h, 0.0)
    expected = np.maximum(h + x, 0.0)
    close(block.predict(x.astype("float32"), verbose=0), expected)
