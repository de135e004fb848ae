"""Mistakes get one clear error that names the culprit, what was expected and what came."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers


def dense_model(units=3, activation="softmax"):
    model = keras.Sequential(
        [layers.Dense(units, activation=activation, input_shape=(4,), name="first")]
    )
    return model


def compiled(loss="categorical_crossentropy", units=3, activation="softmax"):
    model = dense_model(units, activation)
    model.compile(optimizer="sgd", loss=loss)
    return model


def two_inputs():
    a = keras.Input(shape=(2,), name="a")
    b = keras.Input(shape=(3,), name="b")
    joined = layers.Lambda(lambda t: keras.ops.concatenate(t, axis=-1))([a, b])
    model = keras.Model([a, b], layers.Dense(1)(joined))
    model.compile(optimizer="sgd", loss="mse")
    return model


X = np.zeros((10, 4), dtype="float32")
ONE_HOT = np.eye(3, dtype="float32")[np.arange(10) % 3]
LABELS = np.arange(10) % 3


# ---- inputs ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["fit", "evaluate", "predict"])
def test_wrong_feature_size(method):
    model = compiled()
    x = np.zeros((10, 5), dtype="float32")
    pattern = r"first_input.*\(None, 4\).*\(10, 5\)"
    with pytest.raises(ValueError, match=pattern):
        if method == "predict":
            model.predict(x, verbose=0)
        else:
            getattr(model, method)(x, ONE_HOT, verbose=0)


def test_wrong_rank():
    model = compiled()
    with pytest.raises(ValueError, match=r"\(None, 4\).*\(10, 4, 1\)"):
        model.fit(np.zeros((10, 4, 1), "float32"), ONE_HOT, verbose=0)


def test_layer_called_on_wrong_feature_size():
    layer = layers.Dense(2, name="sized")
    layer(np.zeros((1, 4), "float32"))
    with pytest.raises(ValueError, match=r"sized.*axis -1.*value 4.*\(1, 5\)"):
        layer(np.zeros((1, 5), "float32"))
    with pytest.raises(ValueError, match=r"sized.*\(None, 5\)"):
        layer(keras.Input(shape=(5,)))


def test_input_shape_given_as_a_number():
    with pytest.raises(TypeError, match=r"Dense 'first': input_shape must be a tuple.*int: 8"):
        layers.Dense(2, input_shape=8, name="first")
    with pytest.raises(ValueError, match=r"Dense 'first': input_dim=3 contradicts input_shape"):
        layers.Dense(2, input_dim=3, input_shape=(4,), name="first")


def test_dense_on_a_vector_names_the_layer():
    with pytest.raises(ValueError, match=r"vector_dense.*min_ndim=2.*ndim=1"):
        layers.Dense(2, name="vector_dense")(np.zeros((4,), "float32"))


def test_missing_input_in_a_dict():
    model = two_inputs()
    with pytest.raises(ValueError, match=r"missing data for input\(s\) \['b'\].*received \['a'\]"):
        model.predict({"a": np.zeros((4, 2), "float32")}, verbose=0)


def test_wrong_number_of_inputs_in_a_list():
    model = two_inputs()
    arrays = [np.zeros((4, 2), "float32")] * 3
    with pytest.raises(ValueError, match=r"expects 2 input\(s\) \['a', 'b'\], received 3"):
        model.fit(arrays, np.zeros((4, 1), "float32"), verbose=0)


def test_single_array_for_two_inputs():
    model = two_inputs()
    with pytest.raises(ValueError, match=r"expects 2 inputs.*single array"):
        model.predict(np.zeros((4, 2), "float32"), verbose=0)


def test_different_sample_counts():
    model = compiled()
    with pytest.raises(ValueError, match=r"same number of samples.*x\[0\]: 10.*y\[0\]: 8"):
        model.fit(X, ONE_HOT[:8], verbose=0)


def test_ragged_lists_are_refused():
    model = compiled()
    with pytest.raises((TypeError, ValueError), match="Input"):
        model.predict([[1.0, 2.0, 3.0, 4.0], [1.0]], verbose=0)


def test_missing_targets():
    model = compiled()
    with pytest.raises(ValueError, match="y"):
        model.fit(X, None, verbose=0)


def test_bad_validation_data():
    model = compiled()
    with pytest.raises(ValueError, match="validation_data must be a tuple"):
        model.fit(X, ONE_HOT, validation_data=X, verbose=0)


# ---- targets that do not fit the loss ----------------------------------------------------


def test_integer_labels_with_categorical_crossentropy():
    model = compiled("categorical_crossentropy")
    with pytest.raises(ValueError, match=r"\(None, 3\).*\(10,\).*sparse_categorical_crossentropy"):
        model.fit(X, LABELS, verbose=0)


def test_one_hot_labels_with_sparse_categorical_crossentropy():
    model = compiled("sparse_categorical_crossentropy")
    with pytest.raises(
        ValueError, match=r"integer class labels.*\(10, 3\).*loss='categorical_crossentropy'"
    ):
        model.fit(X, ONE_HOT, verbose=0)


def test_label_out_of_range():
    model = compiled("sparse_categorical_crossentropy")
    labels = LABELS.copy()
    labels[4] = 5
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\).*from 0 to 5"):
        model.fit(X, labels, verbose=0)
    labels[4] = -1
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\).*from -1 to 2"):
        model.evaluate(X, labels, verbose=0)


def test_string_labels_are_refused_with_the_way_to_encode_them():
    for loss in ("sparse_categorical_crossentropy", "categorical_crossentropy", "mse"):
        model = compiled(loss)
        with pytest.raises(TypeError, match=r"first': targets must be numbers.*<U3.*unique"):
            model.fit(X, np.array(["cat", "dog"] * 5), verbose=0)


def test_targets_of_the_wrong_width():
    model = compiled("mse", units=2, activation=None)
    with pytest.raises(ValueError, match=r"first.*\(None, 2\).*\(10, 3\)"):
        model.fit(X, ONE_HOT, verbose=0)


def test_one_dimensional_targets_for_a_single_unit_are_accepted():
    # Keras 2 takes (samples,) targets for an output of shape (None, 1).
    model = compiled("binary_crossentropy", units=1, activation="sigmoid")
    history = model.fit(X, (LABELS > 0).astype("float32"), verbose=0)
    assert np.isfinite(history.history["loss"][0])


# ---- unknown names -----------------------------------------------------------------------


def test_unknown_optimizer():
    with pytest.raises(ValueError, match=r"Unknown optimizer 'adamax2'.*'adam'"):
        dense_model().compile(optimizer="adamax2", loss="mse")


def test_unknown_loss():
    with pytest.raises(ValueError, match=r"Unknown loss 'mean_squared_err'.*mean_squared_error"):
        dense_model().compile(optimizer="sgd", loss="mean_squared_err")


def test_unknown_activation():
    with pytest.raises(ValueError, match=r"Unknown activation 'relu6x'.*'relu'"):
        layers.Dense(2, activation="relu6x")
    with pytest.raises(ValueError, match="Unknown activation 'swishy'"):
        layers.Activation("swishy")


def test_unknown_initializer():
    with pytest.raises(ValueError, match=r"Unknown initializer 'glorot'.*glorot_uniform"):
        layers.Dense(2, kernel_initializer="glorot")


def test_unknown_metric_fails_in_compile():
    with pytest.raises(ValueError, match=r"Unknown metric 'acuracy'.*'accuracy'"):
        dense_model().compile(optimizer="sgd", loss="mse", metrics=["acuracy"])


def test_loss_for_an_unknown_output():
    with pytest.raises(ValueError, match=r"unknown outputs \['nowhere'\].*\['first'\]"):
        dense_model().compile(optimizer="sgd", loss={"nowhere": "mse"})


def test_compile_without_loss():
    # Keras 2 compiles with loss=None (the objective may come from add_loss); a model with
    # no loss at all is refused once data arrives.
    model = dense_model()
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="no loss to optimize"):
        model.fit(X, epochs=1, verbose=0)


def test_unknown_fit_argument():
    with pytest.raises(TypeError, match="epocs"):
        compiled().fit(X, ONE_HOT, epocs=2, verbose=0)


# ---- order of calls ----------------------------------------------------------------------


@pytest.mark.parametrize("method", ["fit", "evaluate", "train_on_batch", "test_on_batch"])
def test_training_before_compile(method):
    model = dense_model()
    with pytest.raises(RuntimeError, match=rf"compile the model before calling {method}"):
        if method in ("fit", "evaluate"):
            getattr(model, method)(X, ONE_HOT, verbose=0)
        else:
            getattr(model, method)(X, ONE_HOT)


def test_predict_before_compile_works():
    assert dense_model().predict(X, verbose=0).shape == (10, 3)


# ---- layer arguments ---------------------------------------------------------------------


@pytest.mark.parametrize("units", [0, -2, 2.5, True])
def test_dense_units_must_be_a_positive_integer(units):
    with pytest.raises(
        ValueError,
        match=rf"Dense 'bad_units'.*units must be a positive integer, received {units!r}",
    ):
        layers.Dense(units, name="bad_units")
