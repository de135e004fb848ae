"""The Layer base class: user layers, weights, freezing, configs, shapes and nodes."""

import numpy as np
import pytest

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import layers, ops, regularizers
from kerasfront.layers import Layer


class MyLayer(Layer):
    """The custom layer of the Keras 2 guide "Writing your own Keras layers", verbatim in
    structure: attribute set before super().__init__, K.dot on the kernel attribute."""

    def __init__(self, output_dim, **kwargs):
        self.output_dim = output_dim
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_shape[1], self.output_dim),
            initializer="uniform",
            trainable=True,
        )
        super().build(input_shape)

    def call(self, x):
        return K.dot(x, self.kernel)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.output_dim)


def regression_data(samples=32, features=4, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(samples, features)).astype("float32")
    y = (x @ rng.normal(size=(features, 1))).astype("float32")
    return x, y


# ---- a user layer ------------------------------------------------------------------------


def test_my_layer_computes_a_dot_product():
    layer = MyLayer(3)
    x = regression_data()[0]
    outputs = ops.convert_to_numpy(layer(x))
    (kernel,) = layer.get_weights()
    assert kernel.shape == (4, 3)
    assert np.all(np.abs(kernel) <= 0.05)  # Keras 2's 'uniform' is U(-0.05, 0.05)
    np.testing.assert_allclose(outputs, x @ kernel, rtol=1e-5, atol=1e-6)


def test_my_layer_in_sequential_trains_with_fit():
    x, y = regression_data()
    model = keras.Sequential([MyLayer(8, input_shape=(4,)), layers.Dense(1)])
    assert model.output_shape == (None, 1)
    assert model.layers[0].output_shape == (None, 8)
    model.compile(optimizer="sgd", loss="mse")
    before = model.layers[0].get_weights()[0]
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    assert not np.allclose(model.layers[0].get_weights()[0], before)


def test_my_layer_in_functional_model():
    x, y = regression_data()
    inputs = keras.Input(shape=(4,))
    hidden = MyLayer(5, name="mine")(inputs)
    assert hidden.shape == (None, 5)
    model = keras.Model(inputs, layers.Dense(1)(hidden))
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, epochs=3, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    kernel = model.get_layer("mine").get_weights()[0]
    np.testing.assert_allclose(
        model.predict(x, verbose=0),
        (x @ kernel) @ model.layers[-1].get_weights()[0] + model.layers[-1].get_weights()[1],
        rtol=1e-4,
        atol=1e-5,
    )


def test_user_layer_without_compute_output_shape_is_traced():
    class Doubler(Layer):
        def call(self, inputs):
            return ops.concatenate([inputs, inputs], axis=-1)

    assert Doubler()(keras.Input(shape=(3,))).shape == (None, 6)


# ---- weights -----------------------------------------------------------------------------


class WithFrozenWeight(Layer):
    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(input_shape[-1],), initializer="ones")
        self.offset = self.add_weight(
            name="offset", shape=(input_shape[-1],), initializer="zeros", trainable=False
        )
        super().build(input_shape)

    def call(self, inputs):
        return inputs * self.scale + self.offset


def test_weights_lists():
    layer = WithFrozenWeight()
    layer(np.ones((2, 3), dtype="float32"))
    assert [w.name.split("/")[-1] for w in layer.trainable_weights] == ["scale"]
    assert [w.name.split("/")[-1] for w in layer.non_trainable_weights] == ["offset"]
    assert [w.name.split("/")[-1] for w in layer.weights] == ["scale", "offset"]
    assert layer.count_params() == 6


def test_nested_layers_weights_are_found():
    class Block(Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.first = layers.Dense(4)
            self.second = layers.Dense(2)

        def call(self, inputs):
            return self.second(self.first(inputs))

    block = Block()
    block(np.ones((1, 3), dtype="float32"))
    assert [tuple(w.shape) for w in block.weights] == [(3, 4), (4,), (4, 2), (2,)]
    block.first.trainable = False
    assert [tuple(w.shape) for w in block.trainable_weights] == [(4, 2), (2,)]
    assert [tuple(w.shape) for w in block.non_trainable_weights] == [(3, 4), (4,)]


def test_get_and_set_weights():
    layer = layers.Dense(2)
    layer(np.ones((1, 3), dtype="float32"))
    new = [np.full((3, 2), 0.5, "float32"), np.array([1.0, 2.0], "float32")]
    layer.set_weights(new)
    for got, expected in zip(layer.get_weights(), new):
        np.testing.assert_array_equal(got, expected)
    outputs = ops.convert_to_numpy(layer(np.ones((1, 3), dtype="float32")))
    np.testing.assert_allclose(outputs, [[2.5, 3.5]])


def test_set_weights_with_wrong_count_names_the_layer():
    layer = layers.Dense(2, name="counted")
    layer(np.ones((1, 3), dtype="float32"))
    with pytest.raises(ValueError, match=r"counted.*expects 2 weight arrays.*received 1"):
        layer.set_weights([np.zeros((3, 2))])


def test_set_weights_with_wrong_shape_names_the_layer():
    layer = layers.Dense(2, name="shaped")
    layer(np.ones((1, 3), dtype="float32"))
    with pytest.raises(ValueError, match=r"shaped.*\(3, 2\).*\(2, 3\)"):
        layer.set_weights([np.zeros((2, 3)), np.zeros(2)])


def test_model_get_and_set_weights_round_trip():
    model = keras.Sequential([layers.Dense(3, input_dim=2), layers.Dense(1)])
    weights = [np.random.default_rng(1).normal(size=w.shape) for w in model.get_weights()]
    model.set_weights(weights)
    for got, expected in zip(model.get_weights(), weights):
        np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_trainable_false_freezes_weights_during_fit():
    x, y = regression_data()
    frozen = layers.Dense(4, input_shape=(4,), trainable=False)
    model = keras.Sequential([frozen, layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    assert len(model.trainable_weights) == 2
    assert len(model.non_trainable_weights) == 2
    frozen_before = [w.copy() for w in frozen.get_weights()]
    head_before = model.layers[1].get_weights()[0].copy()
    model.fit(x, y, epochs=2, verbose=0)
    for before, after in zip(frozen_before, frozen.get_weights()):
        np.testing.assert_array_equal(before, after)
    assert not np.allclose(head_before, model.layers[1].get_weights()[0])


def test_setting_trainable_before_compile_freezes():
    x, y = regression_data()
    model = keras.Sequential([layers.Dense(4, input_shape=(4,)), layers.Dense(1)])
    model.layers[1].trainable = False
    model.compile(optimizer="sgd", loss="mse")
    before = model.layers[1].get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    for b, a in zip(before, model.layers[1].get_weights()):
        np.testing.assert_array_equal(b, a)


def test_regularizer_losses_of_a_user_layer():
    class Penalised(Layer):
        def build(self, input_shape):
            self.w = self.add_weight(
                name="w", shape=(2,), initializer="ones", regularizer=regularizers.l1(0.25)
            )
            super().build(input_shape)

    layer = Penalised()
    layer(np.ones((1, 2), dtype="float32"))
    assert [float(ops.convert_to_numpy(v)) for v in layer.losses] == pytest.approx([0.5])


# ---- config ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "layer",
    [
        layers.Dense(
            3,
            activation="relu",
            use_bias=False,
            kernel_initializer="he_normal",
            kernel_regularizer=regularizers.l2(0.01),
            name="cfg_dense",
        ),
        layers.Dropout(0.25, noise_shape=(None, 1), seed=3, name="cfg_dropout"),
        layers.Activation("tanh", name="cfg_activation"),
        layers.Reshape((2, -1), name="cfg_reshape"),
        layers.Flatten(data_format="channels_first", name="cfg_flatten"),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert type(clone) is type(layer)
    assert clone.get_config() == config
    assert config["name"] == layer.name


def test_dense_from_config_behaves_the_same():
    original = layers.Dense(2, activation="sigmoid", kernel_regularizer=regularizers.l1(0.1))
    x = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    original(x)
    clone = layers.Dense.from_config({**original.get_config(), "name": "dense_clone"})
    clone(x)
    clone.set_weights(original.get_weights())
    np.testing.assert_allclose(
        ops.convert_to_numpy(clone(x)), ops.convert_to_numpy(original(x)), rtol=1e-6
    )
    assert len(clone.losses) == 1


def test_config_keeps_first_layer_input_shape():
    config = layers.Dense(2, input_shape=(5,)).get_config()
    assert tuple(config["batch_input_shape"]) == (None, 5)


# ---- shapes and nodes --------------------------------------------------------------------


def test_input_and_output_shape_of_layers_in_a_model():
    model = keras.Sequential(
        [layers.Dense(6, input_shape=(3,)), layers.Reshape((2, 3)), layers.Flatten()]
    )
    assert [layer.input_shape for layer in model.layers] == [(None, 3), (None, 6), (None, 2, 3)]
    assert [layer.output_shape for layer in model.layers] == [(None, 6), (None, 2, 3), (None, 6)]
    first = model.layers[0]
    assert first.input is model.input
    assert first.output is model.layers[1].input


def test_shapes_of_a_never_called_layer_raise():
    with pytest.raises(AttributeError, match="never been called"):
        _ = layers.Dense(2, name="lonely").input_shape


def test_shared_layer_nodes():
    shared = layers.Dense(4, name="shared")
    a = keras.Input(shape=(3,))
    b = keras.Input(shape=(3,))
    out_a = shared(a)
    out_b = shared(b)
    assert shared.get_input_shape_at(0) == (None, 3)
    assert shared.get_input_shape_at(1) == (None, 3)
    assert shared.get_input_at(1) is b
    assert shared.get_output_at(0) is out_a
    assert shared.get_output_at(1) is out_b
    assert shared.get_output_shape_at(1) == (None, 4)
    # Same shapes on both nodes: the shape is well defined, the tensor is not.
    assert shared.input_shape == (None, 3)
    assert shared.output_shape == (None, 4)
    with pytest.raises(AttributeError, match="get_input_at"):
        _ = shared.input
    with pytest.raises(ValueError, match="shared"):
        shared.get_output_at(2)


def test_shared_layer_with_different_input_shapes():
    shared = layers.Dense(2, name="shared_two_shapes")
    shared(keras.Input(shape=(3,)))
    shared(keras.Input(shape=(5, 3)))
    assert shared.get_input_shape_at(0) == (None, 3)
    assert shared.get_input_shape_at(1) == (None, 5, 3)
    assert shared.get_output_shape_at(1) == (None, 5, 2)
    with pytest.raises(AttributeError, match="get_input_shape_at"):
        _ = shared.input_shape
    with pytest.raises(AttributeError, match="get_output_shape_at"):
        _ = shared.output_shape


def test_sequential_gives_each_layer_one_node():
    model = keras.Sequential([layers.Dense(3, input_shape=(2,)), layers.Dense(2)])
    model.add(layers.Dense(1))
    for layer in model.layers:
        assert len(layer._inbound_nodes) == 1
        assert layer.output is not None  # well defined: a single node


# ---- constructor arguments ---------------------------------------------------------------


@pytest.mark.parametrize(
    "factory",
    [
        lambda: layers.Dense(2, unitz=3),
        lambda: layers.Dropout(0.5, keep_prob=0.5),
        lambda: layers.Activation("relu", bogus=True),
        lambda: MyLayer(2, not_an_argument=1),
    ],
)
def test_unknown_constructor_arguments_raise_type_error(factory):
    with pytest.raises(TypeError, match="unexpected keyword"):
        factory()


def test_unknown_argument_error_names_the_argument():
    with pytest.raises(TypeError, match="unitz"):
        layers.Dense(2, unitz=3)


def test_layers_in_a_list_attribute_are_tracked():
    class Stack(keras.Model):
        def __init__(self):
            super().__init__()
            self.blocks = [keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(2)]

        def call(self, inputs):
            for block in self.blocks:
                inputs = block(inputs)
            return inputs

    model = Stack()
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(1).random((8, 3)).astype("float32")
    model.fit(x, np.zeros((8, 2), "float32"), epochs=1, verbose=0)
    assert len(model.trainable_weights) == 4
    assert [w.shape for w in model.weights] == [(3, 4), (4,), (4, 2), (2,)]


@pytest.mark.parametrize(
    "class_name, expected",
    [
        ("Dense", "dense"),
        ("Conv2D", "conv2d"),
        ("Conv2DTranspose", "conv2d_transpose"),
        ("GlobalMaxPooling2D", "global_max_pooling2d"),
        ("BatchNormalization", "batch_normalization"),
        ("LeakyReLU", "leaky_re_lu"),
        ("UpSampling2D", "up_sampling2d"),
    ],
)
def test_default_names_follow_keras(class_name, expected):
    from kerasfront.layers.base import to_snake_case

    assert to_snake_case(class_name) == expected


def test_input_spec_is_checked_again_for_a_new_shape_after_good_calls():
    # Concrete calls check a layer's input spec once per input shape (a cache); a new,
    # wrong shape after good calls must still raise, naming the layer and the shapes.
    dense = layers.Dense(3, name="checked_dense")
    good = np.ones((2, 4), "float32")
    for _ in range(2):
        np.testing.assert_allclose(
            keras.backend.get_value(dense(good)),
            good @ K.get_value(dense.kernel) + K.get_value(dense.bias),
            rtol=1e-6,
        )
    with pytest.raises(ValueError, match=r"checked_dense.*\b5\b") as raised:
        dense(np.ones((2, 5), "float32"))
    assert "4" in str(raised.value)
    conv = layers.Conv1D(2, 3, name="checked_conv")
    conv(np.ones((1, 6, 2), "float32"))
    with pytest.raises(ValueError, match="checked_conv"):
        conv(np.ones((1, 6), "float32"))  # rank 2 where ndim=3 is required


def test_keras2_members_without_pending_updates():
    # Keras 2 code reads these on any layer; updates run inside the calls here, so a
    # K.function given `updates=layer.updates` trains as in Keras 2.
    class Counting(Layer):
        def build(self, input_shape):
            self.count = self.add_weight("count", (), initializer="zeros", trainable=False)
            super().build(input_shape)

        def call(self, inputs):
            self.add_update(K.update_add(self.count, 1.0))
            return inputs

    layer = Counting()
    x = K.placeholder(shape=(None, 2))
    y = layer(x)
    assert (layer.stateful, layer.updates, layer.get_updates_for(x)) == (False, [], [])
    K.function([x], [y], updates=layer.updates)([np.ones((3, 2), "float32")])
    assert K.get_value(layer.count) == 1.0
    assert layers.LSTM(2, stateful=True).stateful is True
    dense = layers.Dense(3, name="probe")
    dense(K.placeholder(shape=(None, 4)))
    dense.assert_input_compatibility(K.placeholder(shape=(None, 4)))
    with pytest.raises(ValueError, match=r"'probe'.*axis -1.*value 4.*\(None, 5\)"):
        dense.assert_input_compatibility(K.placeholder(shape=(None, 5)))
