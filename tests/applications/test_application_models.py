"""Every application: Keras's parameter count with the top, a forward pass without it at the
smallest input the architecture allows, and Keras's layer names and weight shapes.

Names are keras-applications 1.0.8's (Keras 2.2.5 / 2.3); for ResNet50 that is the
`resnet_common` naming of `keras.applications.resnet` and tf.keras (`conv1_conv`,
`conv2_block1_1_conv`, ..., `probs`).

The models with the top are built for their parameter count only (not run). VGG16 and
VGG19 with the top are the slow builds (about 5-14 s on this 2-core machine, on every
engine): drawing 138 million random initial weights dominates.
"""

import numpy as np
import pytest

from kerasfront import backend as K
from kerasfront import layers
from kerasfront.applications import (
    VGG16,
    VGG19,
    InceptionResNetV2,
    InceptionV3,
    MobileNet,
    ResNet50,
    Xception,
)
from kerasfront.applications.inception_resnet_v2 import ScaledResidual
from kerasfront.models import Model

# name: (function, Keras's parameter count with the top, model name, smallest side,
#        output of include_top=False at that side (height, width, channels))
ARCHITECTURES = {
    "ResNet50": (ResNet50, 25_636_712, "resnet50", 32, (1, 1, 2048)),
    "VGG16": (VGG16, 138_357_544, "vgg16", 32, (1, 1, 512)),
    "VGG19": (VGG19, 143_667_240, "vgg19", 32, (1, 1, 512)),
    "MobileNet": (MobileNet, 4_253_864, "mobilenet_1.00_224", 32, (1, 1, 1024)),
    "Xception": (Xception, 22_910_480, "xception", 71, (3, 3, 2048)),
    "InceptionV3": (InceptionV3, 23_851_784, "inception_v3", 75, (1, 1, 2048)),
    "InceptionResNetV2": (InceptionResNetV2, 55_873_736, "inception_resnet_v2", 75, (1, 1, 1536)),
}

# Layer names of Keras's models (present, absent), with the top.
NAMES = {
    "ResNet50": (
        ["conv1_pad", "conv1_conv", "conv1_bn", "conv1_relu", "pool1_pad", "pool1_pool",
         "conv2_block1_0_conv", "conv2_block1_0_bn", "conv2_block1_1_conv", "conv2_block1_2_relu",
         "conv2_block1_3_bn", "conv2_block1_add", "conv2_block1_out", "conv3_block4_out",
         "conv4_block6_out", "conv5_block3_out", "avg_pool", "probs"],
        ["conv2_block2_0_conv", "conv3_block5_out", "fc1000"],
    ),
    "VGG16": (
        ["block1_conv1", "block1_conv2", "block1_pool", "block3_conv3", "block5_conv3",
         "block5_pool", "flatten", "fc1", "fc2", "predictions"],
        ["block3_conv4"],
    ),
    "VGG19": (
        ["block1_conv1", "block3_conv4", "block4_conv4", "block5_conv4", "block5_pool",
         "flatten", "fc1", "fc2", "predictions"],
        ["block5_conv5"],
    ),
    "MobileNet": (
        ["conv1_pad", "conv1", "conv1_bn", "conv1_relu", "conv_dw_1", "conv_dw_1_bn",
         "conv_dw_1_relu", "conv_pw_1", "conv_pw_1_bn", "conv_pw_1_relu", "conv_pad_2",
         "conv_pad_4", "conv_pad_6", "conv_pad_12", "conv_pw_13_relu", "reshape_1", "dropout",
         "conv_preds", "reshape_2", "act_softmax"],
        ["conv_pad_1", "conv_pad_3", "conv_pad_13", "conv_dw_14"],
    ),
    "Xception": (
        ["block1_conv1", "block1_conv1_bn", "block1_conv1_act", "block1_conv2_act",
         "block2_sepconv1", "block2_sepconv1_bn", "block2_sepconv2_act", "block2_pool",
         "block3_sepconv1_act", "block12_sepconv3_bn", "block13_sepconv2", "block13_pool",
         "block14_sepconv1_act", "block14_sepconv2_act", "avg_pool", "predictions"],
        ["block2_sepconv1_act", "block13_sepconv3"],
    ),
    "InceptionV3": (
        [*(f"mixed{i}" for i in range(11)), "mixed9_0", "mixed9_1", "avg_pool", "predictions"],
        ["mixed11", "mixed9_2"],
    ),
    "InceptionResNetV2": (
        ["mixed_5b", "block35_1_mixed", "block35_1_conv", "block35_1", "block35_1_ac",
         "block35_10_ac", "mixed_6a", "block17_1", "block17_20_ac", "mixed_7a", "block8_9_ac",
         "block8_10_mixed", "block8_10_conv", "block8_10", "conv_7b", "conv_7b_bn", "conv_7b_ac",
         "avg_pool", "predictions"],
        ["block8_10_ac", "block35_11", "block17_21"],
    ),
}  # fmt: skip

# (layer, [weight shapes in Keras's order]) spot checks, with the top.
WEIGHT_SHAPES = {
    "ResNet50": [
        ("conv1_conv", [(7, 7, 3, 64), (64,)]),
        ("conv1_bn", [(64,)] * 4),
        ("conv2_block1_0_conv", [(1, 1, 64, 256), (256,)]),
        ("conv5_block3_2_conv", [(3, 3, 512, 512), (512,)]),
        ("probs", [(2048, 1000), (1000,)]),
    ],
    "VGG16": [("block1_conv1", [(3, 3, 3, 64), (64,)]), ("fc1", [(25088, 4096), (4096,)])],
    "VGG19": [("block5_conv4", [(3, 3, 512, 512), (512,)]), ("fc2", [(4096, 4096), (4096,)])],
    "MobileNet": [
        ("conv1", [(3, 3, 3, 32)]),
        ("conv_dw_1", [(3, 3, 32, 1)]),
        ("conv_pw_1", [(1, 1, 32, 64)]),
        ("conv_preds", [(1, 1, 1024, 1000), (1000,)]),
    ],
    "Xception": [
        ("block1_conv1", [(3, 3, 3, 32)]),
        ("block2_sepconv1", [(3, 3, 64, 1), (1, 1, 64, 128)]),
        ("block14_sepconv2", [(3, 3, 1536, 1), (1, 1, 1536, 2048)]),
    ],
    "InceptionV3": [("predictions", [(2048, 1000), (1000,)])],
    "InceptionResNetV2": [
        ("block35_1_conv", [(1, 1, 128, 320), (320,)]),
        ("conv_7b", [(1, 1, 2080, 1536)]),
        ("conv_7b_bn", [(1536,)] * 3),  # no scale: beta, moving mean, moving variance
    ],
}


def forward(model, x):
    """One inference pass as NumPy (a list for several outputs): JAX compiles the whole
    model once (faster than its eager per-op dispatch); the other engines run eagerly
    (faster than tracing)."""
    if K.backend() == "jax":
        result = model.predict(x, verbose=0)
    else:
        result = model(x, training=False)
    if isinstance(result, (list, tuple)):
        return [K.eval(item) for item in result]
    return K.eval(result)


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_with_top_has_keras_parameter_count_names_and_shapes(name):
    function, count, model_name, _, _ = ARCHITECTURES[name]
    model = function(weights=None)
    assert model.count_params() == count
    assert model.name == model_name
    names = {layer.name for layer in model.layers}
    present, absent = NAMES[name]
    assert set(present) <= names, sorted(set(present) - names)
    assert not set(absent) & names
    assert len(names) == len(model.layers)  # unique names: loading by name is unambiguous
    for layer_name, shapes in WEIGHT_SHAPES[name]:
        layer = model.get_layer(layer_name)
        assert [tuple(weight.shape) for weight in layer.weights] == shapes, layer_name
    batch_norms = [layer for layer in model.layers if type(layer).__name__ == "BatchNormalization"]
    for layer in batch_norms:  # Keras's order: gamma, beta, moving mean, moving variance
        suffixes = [weight.name.split("/")[-1].split(":")[0] for weight in layer.weights]
        expected = ["gamma", "beta"] if layer.scale else ["beta"]
        assert suffixes == [*expected, "moving_mean", "moving_variance"]
    side = 299 if name in ("Xception", "InceptionV3", "InceptionResNetV2") else 224
    assert model.input_shape == (None, side, side, 3)


@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_without_top_runs_at_the_smallest_size(name):
    function, count, _, side, output_shape = ARCHITECTURES[name]
    model = function(weights=None, include_top=False, input_shape=(side, side, 3))
    assert model.count_params() < count
    images = np.random.default_rng(0).uniform(-1, 1, (1, side, side, 3)).astype("float32")
    result = forward(model, images)
    assert result.shape == (1, *output_shape)
    assert np.all(np.isfinite(result))


def test_parameter_counts_without_top_are_the_top_less_its_layers():
    # The head's weights are all that include_top adds: VGG16's three Dense layers.
    model = VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
    head = (25088 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * 1000 + 1000)
    assert model.count_params() == 138_357_544 - head


def test_pooling_heads_reduce_the_feature_map():
    model = MobileNet(
        weights=None, alpha=0.25, include_top=False, input_shape=(64, 96, 3), pooling="avg"
    )
    features = Model(model.inputs, model.get_layer("conv_pw_13_relu").output)
    images = np.random.default_rng(1).uniform(0, 1, (2, 64, 96, 3)).astype("float32")
    both = Model(model.inputs, [features.outputs[0], model.outputs[0]])
    feature_map, pooled = forward(both, images)
    assert feature_map.shape == (2, 2, 3, 256)
    np.testing.assert_allclose(pooled, feature_map.mean(axis=(1, 2)), rtol=1e-5, atol=1e-6)
    maximum = MobileNet(
        weights=None, alpha=0.25, include_top=False, input_shape=(64, 96, 3), pooling="max"
    )
    assert type(maximum.layers[-1]).__name__ == "GlobalMaxPooling2D"


def test_input_tensor_and_custom_classes():
    inputs = layers.Input(shape=(32, 32, 3))
    scaled = layers.Lambda(lambda t: t * 2.0)(inputs)
    model = MobileNet(weights=None, alpha=0.25, input_tensor=scaled, classes=7, input_shape=None)
    assert model.inputs[0] is inputs  # the source Input, as Keras's get_source_inputs
    assert model.output_shape == (None, 7)
    probabilities = forward(model, np.ones((1, 32, 32, 3), "float32"))
    np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0, rtol=1e-5)


def test_channels_first():
    previous = K.image_data_format()
    K.set_image_data_format("channels_first")
    try:
        model = ResNet50(weights=None, include_top=False, input_shape=(3, 32, 40), pooling="avg")
        assert model.get_layer("conv1_bn").axis in (1, [1])
        result = forward(model, np.ones((1, 3, 32, 40), "float32"))
    finally:
        K.set_image_data_format(previous)
    assert model.count_params() == 25_636_712 - (2048 * 1000 + 1000)
    assert result.shape == (1, 2048)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: MobileNet(weights=None, input_shape=(31, 31, 3)), "at least 32x32"),
        (lambda: Xception(weights=None, include_top=False, input_shape=(70, 80, 3)), "71x71"),
        (lambda: InceptionV3(weights=None, input_shape=(None, None, 3)), "fully known"),
        (lambda: VGG16(weights="imagenet", input_shape=(100, 100, 3)), r"\(224, 224, 3\)"),
        (lambda: ResNet50(weights="imagenet", classes=10), "classes must be 1000"),
        (lambda: ResNet50(weights="no/such/file.h5"), "no such file"),
        (lambda: ResNet50(weights=None, include_top=False, pooling="mean"), "pooling"),
        (lambda: VGG19(weights="imagenet", include_top=False, input_shape=(64, 64, 1)), "3 input"),
        (lambda: MobileNet(weights="imagenet", depth_multiplier=2), "depth_multiplier"),
        (lambda: MobileNet(weights="imagenet", alpha=0.3), "alpha"),
        (lambda: ResNet50(weights=None, input_tensor=np.zeros((1, 32, 32, 3))), "symbolic"),
    ],
)
def test_argument_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_unknown_keyword_is_refused():
    with pytest.raises(TypeError, match="unexpected keyword"):
        ResNet50(weights=None, input_shpe=(32, 32, 3))


def test_scaled_residual_layer_against_numpy_and_its_config():
    layer = ScaledResidual(0.17, name="block35_1")
    clone = ScaledResidual.from_config(layer.get_config())
    assert clone.scale == 0.17 and clone.name == "block35_1"
    rng = np.random.default_rng(2)
    shortcut, residual = rng.normal(size=(2, 3, 3, 4)), rng.normal(size=(2, 3, 3, 4))
    result = K.eval(clone([shortcut.astype("float32"), residual.astype("float32")]))
    np.testing.assert_allclose(result, shortcut + 0.17 * residual, rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match="scale"):
        ScaledResidual("big")
