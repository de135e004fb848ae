"""Mistakes users make, each answered by an error that names the layer or argument, what was
expected and what was received, the same on every engine (never an engine's own message).

tests/models/test_bad_input.py and tests/layers/test_call_errors.py hold the older cases.
"""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers


# ---- constructor arguments ---------------------------------------------------------------
def test_misspelt_keyword_argument_suggests_the_argument_meant():
    with pytest.raises(TypeError, match=r"Dense .*'activaton' \(did you mean 'activation'\?\)"):
        layers.Dense(4, activaton="relu")
    with pytest.raises(
        TypeError, match=r"LSTM .*'return_sequence' \(did you mean 'return_sequences'"
    ):
        layers.LSTM(4, return_sequence=True)
    # Nothing close: the name alone, and the list of what the layer takes.
    with pytest.raises(TypeError, match=r"Dense .*'zzz'; expected one of \[.*'units'"):
        layers.Dense(4, zzz=1)


@pytest.mark.parametrize(
    "arguments, argument, received",
    [
        ({"input_shape": ("55",)}, "input_shape", r"\('55',\)"),
        ({"input_shape": (-1,)}, "input_shape", r"\(-1,\)"),
        ({"batch_input_shape": (None, 2.5)}, "batch_input_shape", r"\(None, 2.5\)"),
        ({"input_dim": "4"}, "input_dim", "'4'"),
        ({"input_dim": 0}, "input_dim", "0"),
    ],
)
def test_shape_arguments_are_sizes(arguments, argument, received):
    with pytest.raises(ValueError, match=rf"Dense 'shaped': {argument} must be .*{received}"):
        layers.Dense(3, name="shaped", **arguments)


def test_shape_arguments_take_numpy_integers_and_lists():
    layer = layers.Dense(3, input_shape=[np.int64(4)], batch_size=2)
    assert layer._batch_input_shape == (2, 4)
    assert layers.Dense(3, input_dim=np.int32(5))._batch_input_shape == (None, 5)


def test_input_shape_of_text_or_negative_sizes_is_refused():
    # tuple("55") would have been two axes of size 5.
    with pytest.raises(ValueError, match=r"InputLayer 'words': shape must be .*received '55'"):
        layers.Input(shape="55", name="words")
    with pytest.raises(ValueError, match=r"batch_shape must be .*received \(None, -3\)"):
        layers.Input(batch_shape=(None, -3))
    assert layers.Input(shape=(None, 3)).shape == (None, None, 3)


def test_misspelt_dtype_is_refused_when_the_layer_is_made():
    with pytest.raises(TypeError, match=r"Dense: dtype must be a dtype name .*'flaot32'"):
        layers.Dense(3, dtype="flaot32")
    with pytest.raises(TypeError, match=r"InputLayer 'x': dtype must be .*'flaot32'"):
        layers.Input(shape=(3,), dtype="flaot32", name="x")
    assert layers.Dense(3, dtype="bfloat16").dtype == "bfloat16"


@pytest.mark.parametrize("target_shape", [12, "3,4", (0, 3), (2.0, 6), (3, -2)])
def test_reshape_target_shape_must_be_sizes(target_shape):
    with pytest.raises(ValueError, match=r"Reshape 'r': target_shape must be .*received") as info:
        layers.Reshape(target_shape, name="r")
    assert str(info.value).endswith(f"received {target_shape!r}.")


def test_reshape_takes_a_list_with_numpy_integers_and_one_minus_one():
    assert layers.Reshape([np.int64(3), -1]).target_shape == (3, -1)


def test_dropout_noise_shape_must_be_a_tuple():
    with pytest.raises(ValueError, match=r"Dropout 'd': noise_shape must be a tuple.*received 3"):
        layers.Dropout(0.5, noise_shape=3, name="d")
    assert layers.Dropout(0.5, noise_shape=[None, 1]).noise_shape == (None, 1)


def test_flatten_data_format_is_checked():
    with pytest.raises(ValueError, match=r"Flatten 'f': data_format must be one of .*'nhwc'"):
        layers.Flatten(data_format="nhwc", name="f")


def test_embedding_input_length_named_in_its_own_message():
    with pytest.raises(ValueError, match=r"Embedding 'e': input_length must be .*'5'"):
        layers.Embedding(10, 4, input_length="5", name="e")


# ---- calls on the wrong inputs -----------------------------------------------------------
SEQUENCES = np.zeros((2, 4, 5), "float32")


def test_recurrent_layer_on_images_names_the_layer():
    images = np.zeros((2, 3, 4, 5), "float32")
    with pytest.raises(ValueError, match=r"LSTM 'l' expects sequences .*\(2, 3, 4, 5\)"):
        layers.LSTM(3, name="l")(images)


def test_constants_for_a_cell_that_takes_none():
    with pytest.raises(TypeError, match=r"GRU 'g': constants were given, but its cell GRUCell"):
        layers.GRU(3, name="g")(SEQUENCES, constants=np.zeros((2, 3), "float32"))


def test_concatenate_axis_out_of_range():
    x = np.zeros((2, 5), "float32")
    with pytest.raises(ValueError, match=r"Concatenate 'c': axis 3 is out of range .*rank 2"):
        layers.Concatenate(axis=3, name="c")([x, x])


def test_pooling_mask_of_the_wrong_shape():
    with pytest.raises(
        ValueError,
        match=r"GlobalAveragePooling1D 'p': the mask must have shape .*\(2, 4\).*\(2, 7\)",
    ):
        layers.GlobalAveragePooling1D(name="p")(SEQUENCES, mask=np.ones((2, 7), bool))


def test_text_array_given_to_a_layer():
    with pytest.raises(TypeError, match=r"Dense 'dense_on_text': inputs must be numbers.*<U1"):
        layers.Dense(2, name="dense_on_text")(np.array([["a"] * 5] * 2))


def test_set_weights_with_text_names_the_weight():
    layer = layers.Dense(2, name="w")
    layer.build((None, 3))
    with pytest.raises(TypeError, match=r"Dense 'w': weight 'w/kernel' takes numbers .*<U1"):
        layer.set_weights([np.full((3, 2), "a"), np.zeros(2)])
    # A model's set_weights (weights layer by layer) checks the same way.
    model = keras.Sequential([layers.Dense(2, input_shape=(3,), name="m")], name="seq")
    with pytest.raises(TypeError, match=r"Sequential 'seq': weight 'm/kernel' takes numbers"):
        model.set_weights([np.full((3, 2), "a"), np.zeros(2)])


# ---- preprocessing and utils -------------------------------------------------------------
def test_to_categorical_num_classes_given_as_text():
    from kerasfront.utils import to_categorical

    with pytest.raises(TypeError, match=r"to_categorical: `num_classes` must be an integer.*'3'"):
        to_categorical([0, 1], num_classes="3")
    # Keras 2: 0 (falsy) means "infer it", a whole float is a count.
    assert to_categorical([0, 1], num_classes=0).shape == (2, 2)
    assert to_categorical([0, 1], num_classes=3.0).shape == (2, 3)


def test_tokenizer_given_numbers_instead_of_texts():
    from kerasfront.preprocessing.text import Tokenizer

    with pytest.raises(TypeError, match=r"Tokenizer: each text must be a string .*int: 7"):
        Tokenizer().fit_on_texts([7, 8])
    tokenizer = Tokenizer()
    tokenizer.fit_on_texts(["a b", ["c", "d"]])  # strings and pre-split token lists
    assert set(tokenizer.word_index) == {"a", "b", "c", "d"}


# ---- fit arguments -----------------------------------------------------------------------
def _tiny_model():
    from kerasfront import models

    model = models.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile("sgd", "mse")
    return model


def test_fit_counts_and_callbacks_of_the_wrong_type():
    from kerasfront import callbacks

    model, x, y = _tiny_model(), np.zeros((4, 2), "float32"), np.zeros((4, 1), "float32")
    with pytest.raises(TypeError, match=r"fit: epochs must be a non-negative integer.*str: '2'"):
        model.fit(x, y, epochs="2", verbose=0)
    with pytest.raises(TypeError, match=r"fit: initial_epoch must be .*float: 1.0"):
        model.fit(x, y, initial_epoch=1.0, verbose=0)
    with pytest.raises(ValueError, match=r"fit: verbose must be 0 .*'auto', received 'yes'"):
        model.fit(x, y, verbose="yes")
    with pytest.raises(
        TypeError, match=r"fit: callbacks must be a list .*History.*callbacks=\[\.\.\.\]"
    ):
        model.fit(x, y, callbacks=callbacks.History(), verbose=0)
    # epochs=0 trains nothing, as in Keras 2; verbose='auto' is tf.keras's default.
    assert model.fit(x, y, epochs=0, verbose=0).history == {}
    # evaluate and predict check the same way.
    with pytest.raises(ValueError, match=r"evaluate: verbose must be 0 .*received 'yes'"):
        model.evaluate(x, y, verbose="yes")
    with pytest.raises(TypeError, match=r"predict: callbacks must be a list .*History"):
        model.predict(x, callbacks=callbacks.History())


def test_text_inputs_given_to_fit_and_predict():
    model = _tiny_model()
    words = np.array([["a", "b"]] * 4)
    with pytest.raises(TypeError, match=r"Input '.*' of model '.*' takes numbers .*<U1.*\(4, 2\)"):
        model.fit(words, np.zeros((4, 1), "float32"), verbose=0)
    with pytest.raises(TypeError, match=r"takes numbers \(float32\), received .*<U1"):
        model.predict(words, verbose=0)


# ---- functional models -------------------------------------------------------------------
def test_two_layers_of_one_name_in_a_model():
    from kerasfront import models

    inputs = layers.Input((3,))
    hidden = layers.Dense(2, name="twin")(inputs)
    with pytest.raises(ValueError, match=r"Model 'm': the layer name 'twin' is used by two layers"):
        models.Model(inputs, layers.Dense(2, name="twin")(hidden), name="m")


def test_keras1_input_output_keywords_of_model():
    from kerasfront import models

    inputs = layers.Input((3,))
    outputs = layers.Dense(2)(inputs)
    model = models.Model(input=inputs, output=outputs)
    assert model.inputs == [inputs] and model.outputs == [outputs]
    with pytest.raises(TypeError, match=r"Model .*'ouputs' \(did you mean 'outputs'\?\)"):
        models.Model(inputs=inputs, ouputs=outputs)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: layers.LSTM(0), r"^LSTM: units must be a positive integer, received 0"),
        (lambda: layers.GRU(3, dropout=1.5, name="g"), r"^GRU 'g': dropout must be .*1.5"),
        (lambda: layers.LSTM(3, implementation=3), r"^LSTM: implementation must be"),
        (lambda: layers.ConvLSTM2D(0, 3, name="c"), r"^ConvLSTM2D 'c': filters must be .*0"),
        (lambda: layers.ConvLSTM2D(2, 3, padding="smae"), r"^ConvLSTM2D: padding must be"),
    ],
)
def test_recurrent_layer_argument_errors_name_the_layer_not_its_cell(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_penalty_constant_and_seed_arguments_that_are_not_numbers():
    from kerasfront import initializers, regularizers

    with pytest.raises(ValueError, match=r"L1L2: l1 must be a number .*str: 'x'"):
        regularizers.l1_l2(l1="x")
    with pytest.raises(TypeError, match=r"Constant: value must be a number .*str: 'a'"):
        initializers.Constant("a")
    with pytest.raises(
        TypeError, match=r"drop/seed: seed must be an integer or None, received str"
    ):
        layers.Dropout(0.5, seed="a", name="drop")
    # Keras 2 cast the factor with NumPy, so a numeric string still works.
    assert regularizers.l2("0.01").l2 == pytest.approx(0.01)


# ---- class_weight forms of Keras 2 -------------------------------------------------------
def test_class_weight_per_output_by_name_or_list_with_numpy_keys():
    from kerasfront import models, optimizers

    inputs = layers.Input((2,))
    outputs = [
        layers.Dense(1, kernel_initializer="zeros", name=name)(inputs) for name in ("a", "b")
    ]
    model = models.Model(inputs, outputs)
    model.compile(optimizers.SGD(0.0), "mse")
    x = np.ones((4, 2), "float32")
    labels_a = np.array([[0.0], [1.0], [1.0], [0.0]], "float32")
    labels_b = np.array([[1.0], [0.0], [1.0], [1.0]], "float32")
    # Predictions are 0, so each sample's squared error is its label; only output a is
    # class-weighted (class 1 counts 3 times), every weight is non-zero.
    weights_a = np.where(labels_a[:, 0] == 1, 3.0, 1.0)
    expected = np.mean(weights_a * labels_a[:, 0]) + np.mean(labels_b[:, 0])
    keys = np.unique(labels_a).astype("int64")  # NumPy keys, as dict(zip(np.unique(y), w))
    forms = [{"a": dict(zip(keys, [1.0, 3.0]))}, [dict(zip(keys, [1.0, 3.0])), None]]
    for class_weight in forms:
        loss = model.train_on_batch(x, [labels_a, labels_b], class_weight=class_weight)
        np.testing.assert_allclose(np.ravel(loss)[0], expected, rtol=1e-5)
    with pytest.raises(
        ValueError, match=r"class_weight names unknown outputs \['c'\].*\['a', 'b'\]"
    ):
        model.train_on_batch(x, [labels_a, labels_b], class_weight={"c": {0: 1.0}})
    with pytest.raises(ValueError, match=r"class_weight has 1 entries but the model has 2 outputs"):
        model.train_on_batch(x, [labels_a, labels_b], class_weight=[{0: 1.0}])


def test_engine_error_on_inputs_of_another_dtype_says_so():
    # jax promotes int32 @ float32; torch and TensorFlow refuse, each in its own words.
    try:
        outputs = layers.Dense(2, name="ints")(np.zeros((2, 5), "int32"))
    except Exception as error:  # the engine's own type
        report = "\n".join([str(error), *getattr(error, "__notes__", [])])
        assert "Layer 'ints' (Dense) failed on inputs of shape (2, 5) and dtype int32" in report
        assert "(the layer computes in float32)" in report
        return
    assert tuple(outputs.shape) == (2, 2)


def test_misspelt_optimizer_argument_suggests_the_argument_meant():
    from kerasfront import optimizers

    with pytest.raises(
        TypeError, match=r"Adam .*'learnig_rate' \(did you mean 'learning_rate'\?\)"
    ):
        optimizers.Adam(learnig_rate=0.1)
    with pytest.raises(
        TypeError, match=r"SGD .*'momentm' \(did you mean 'momentum'\?\).*'nesterov'"
    ):
        optimizers.SGD(momentm=0.9)
