"""TimeDistributed against NumPy references applied slice by slice (float32: rtol 1e-5,
atol 1e-5, 1e-4 for convolutions), with unknown time sizes, masks, configs and errors."""

import numpy as np
import pytest
from conv_numpy_reference import conv

import kerasfront as keras
from kerasfront import layers, ops
from kerasfront.backend.registry import ADAPTER
from kerasfront.backend.tracing import Spec
from kerasfront.layers.wrappers import TimeDistributed

RNG = np.random.default_rng(11)


def numpy_of(x):
    return ops.convert_to_numpy(x)


def test_dense_on_every_slice_with_an_unknown_time_size():
    wrapper = TimeDistributed(layers.Dense(5, activation="tanh"))
    inputs = keras.Input((None, 4))
    outputs = wrapper(inputs)
    assert outputs.shape == (None, None, 5)
    model = keras.Model(inputs, outputs)
    kernel, bias = wrapper.get_weights()
    assert kernel.shape == (4, 5) and bias.shape == (5,)
    for time in (3, 6):
        x = RNG.normal(size=(2, time, 4)).astype("float32")
        expected = np.stack([np.tanh(x[:, t] @ kernel + bias) for t in range(time)], axis=1)
        np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)


def test_conv2d_on_every_frame_matches_the_numpy_convolution():
    wrapper = TimeDistributed(layers.Conv2D(3, (3, 3), strides=2, padding="same"))
    x = RNG.normal(size=(2, 3, 5, 6, 2)).astype("float32")
    result = numpy_of(wrapper(x))
    kernel, bias = wrapper.get_weights()
    assert kernel.shape == (3, 3, 2, 3)
    expected = np.stack(
        [conv(x[:, t].astype("float64"), kernel, (2, 2), "same") + bias for t in range(3)], axis=1
    )
    assert result.shape == (2, 3, 3, 3, 3)
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-4)
    assert wrapper.compute_output_shape((None, 7, 5, 6, 2)) == (None, 7, 3, 3, 3)


def small_cnn(name=None):
    frame = keras.Input((6, 6, 2))
    features = layers.Conv2D(3, 3, activation="relu")(frame)
    features = layers.MaxPooling2D(2)(features)
    features = layers.Flatten()(features)
    return keras.Model(frame, layers.Dense(4)(features), name=name)


def test_a_whole_model_on_every_video_frame():
    cnn = small_cnn()
    video = keras.Input((None, 6, 6, 2))
    encoded = TimeDistributed(cnn)(video)
    assert encoded.shape == (None, None, 4)
    model = keras.Model(video, encoded)
    assert [w.name for w in model.weights] == [w.name for w in cnn.weights]
    x = RNG.normal(size=(2, 3, 6, 6, 2)).astype("float32")
    expected = np.stack([numpy_of(cnn(x[:, t])) for t in range(3)], axis=1)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)


def test_sequential_first_layer_and_weights_of_the_wrapped_layer():
    model = keras.Sequential([TimeDistributed(layers.Dense(8), input_shape=(10, 16))])
    model.add(TimeDistributed(layers.Dense(32)))
    assert model.output_shape == (None, 10, 32)
    first = model.layers[0]
    assert first.weights[0] is first.layer.weights[0] and len(first.weights) == 2
    first.trainable = False
    assert not first.layer.trainable and first.trainable_weights == []
    assert len(model.trainable_weights) == 2


def test_config_round_trip_rebuilds_the_inner_layer():
    wrapper = TimeDistributed(layers.Dense(3, activation="relu", use_bias=False), name="td")
    x = RNG.normal(size=(2, 4, 5)).astype("float32")
    expected = numpy_of(wrapper(x))
    config = wrapper.get_config()
    assert config["name"] == "td"
    assert config["layer"]["class_name"] == "Dense" and config["layer"]["config"]["units"] == 3
    clone = TimeDistributed.from_config(config)
    assert isinstance(clone.layer, layers.Dense) and clone.layer is not wrapper.layer
    clone(x)
    clone.set_weights(wrapper.get_weights())
    np.testing.assert_allclose(numpy_of(clone(x)), expected, rtol=1e-6)
    with pytest.raises(ValueError, match=r"TimeDistributed 'td': unknown layer class 'Nope'"):
        TimeDistributed.from_config({**config, "layer": {"class_name": "Nope", "config": {}}})


def test_inputs_without_a_time_axis_are_refused_with_the_layer_and_shape():
    with pytest.raises(ValueError, match=r"TimeDistributed 'td_rank'.*time axis.*\(None, 4\)"):
        TimeDistributed(layers.Dense(3), name="td_rank")(keras.Input((4,)))
    built = TimeDistributed(layers.Dense(3), name="td_eager")
    built(np.zeros((1, 2, 4), "float32"))
    with pytest.raises(ValueError, match=r"TimeDistributed 'td_eager'.*\(2, 4\)"):
        built(np.zeros((2, 4), "float32"))
    with pytest.raises(TypeError, match="wraps a layer instance, received str"):
        TimeDistributed("dense")


class MaskedMean(layers.Layer):
    """Mean over the unmasked steps of axis 1 (reads the mask)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        weights = ops.expand_dims(ops.cast(mask, "float32"), -1)
        return ops.sum(inputs * weights, axis=1) / ops.sum(weights, axis=1)

    def compute_mask(self, inputs, mask=None):
        return None


def test_a_time_mask_passes_through_to_the_next_layer():
    tokens = keras.Input((5,), dtype="int32")
    embedded = layers.Embedding(7, 3, mask_zero=True)(tokens)
    projected = TimeDistributed(layers.Dense(2))(embedded)
    assert projected.keras_mask is not None and projected.keras_mask.shape == (None, 5)
    model = keras.Model(tokens, MaskedMean()(projected))
    indices = np.array([[1, 2, 0, 0, 0], [3, 0, 4, 5, 6]])
    table = model.layers[1].get_weights()[0]
    kernel, bias = model.layers[2].get_weights()
    slices = table[indices] @ kernel + bias
    keep = (indices != 0)[..., None]
    expected = (slices * keep).sum(axis=1) / keep.sum(axis=1)
    np.testing.assert_allclose(model.predict(indices, verbose=0), expected, rtol=1e-5, atol=1e-5)


class StepMaskReader(layers.Layer):
    """Returns the mask it is given as floats (batch, steps, 1), to see what arrives."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        return ops.expand_dims(ops.cast(mask, "float32"), -1)

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:-1], 1)


def test_nested_masks_are_folded_for_the_wrapped_layer_and_made_by_it():
    # (batch, time, steps, features): TimeDistributed(Masking) makes a (batch, time, steps)
    # mask, which the next TimeDistributed folds for a layer whose call reads it.
    x = RNG.normal(size=(2, 3, 4, 2)).astype("float32")
    x[0, 1, 2] = 0.0
    x[1, 0, :] = 0.0
    inputs = keras.Input((3, 4, 2))
    masked = TimeDistributed(layers.Masking(0.0))(inputs)
    assert masked.keras_mask.shape == (None, 3, 4)
    read = TimeDistributed(StepMaskReader())(masked)
    assert read.shape == (None, 3, 4, 1) and read.keras_mask.shape == (None, 3, 4)
    model = keras.Model(inputs, read)
    expected = np.any(x != 0, axis=-1)[..., None].astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected)
    # Eagerly, compute_mask gives the same mask; a wrapped layer that drops masks keeps
    # only which time slices hold any real step.
    wrapper = TimeDistributed(layers.Flatten())
    mask = ops.convert_to_tensor(np.any(x != 0, axis=-1))
    np.testing.assert_array_equal(
        numpy_of(wrapper.compute_mask(ops.convert_to_tensor(x), mask)),
        np.any(x != 0, axis=(-1, -2)),
    )


def test_tracing_with_unknown_batch_and_time_sizes():
    wrapper = TimeDistributed(layers.Dense(3))
    wrapper(np.zeros((1, 1, 4), "float32"))

    def run(inputs):
        return [wrapper(inputs[0])]

    specs = ADAPTER.compute_output_spec(run, [Spec((None, None, 4), "float32")], wrapper.weights)
    assert tuple(specs[0].shape)[2:] == (3,) and len(specs[0].shape) == 3


def test_video_frames_cnn_then_lstm_trains():
    keras.utils.set_random_seed(2)
    video = keras.Input((3, 6, 6, 2))
    frames = TimeDistributed(small_cnn("frame_encoder"))(video)
    summary = layers.LSTM(5)(frames)
    model = keras.Model(video, layers.Dense(1)(summary))
    assert frames.shape == (None, 3, 4) and model.output_shape == (None, 1)
    x = RNG.normal(size=(24, 3, 6, 6, 2)).astype("float32")
    y = x[..., 0].mean(axis=(2, 3)).sum(axis=1, keepdims=True)  # brightness over the clip
    model.compile(optimizer="adam", loss="mse")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=10, batch_size=8, verbose=0)
    assert model.evaluate(x, y, verbose=0) < 0.8 * before
