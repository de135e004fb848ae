"""ResNet50 (He et al., 2015, "Deep Residual Learning for Image Recognition").

Layer names follow keras-applications 1.0.8's `resnet_common` (the names of
`keras.applications.resnet.ResNet50` in Keras 2.2.5+ and of `tf.keras.applications`):
`conv1_conv`, `conv2_block1_1_conv`, ..., `probs`, with batch normalization epsilon
1.001e-5. The older `keras.applications.resnet50` model (`res2a_branch2a`, `fc1000`,
epsilon 1e-3) is not reproduced, and its weight files (release v0.2 of
deep-learning-models) do not fit this model: use the `resnet` release's files, which
`weights='imagenet'` downloads. Its public blocks, `identity_block` and `conv_block`, are
here with their Keras 2.2 names, for ResNets built block by block.
"""

from __future__ import annotations

from kerasfront import layers
from kerasfront.applications import building
from kerasfront.applications.imagenet_utils import decode_predictions
from kerasfront.applications.imagenet_utils import preprocess_input as _preprocess

BN_EPSILON = 1.001e-5  # the Caffe model's epsilon, which the converted weights expect
_BASE = "https://github.com/keras-team/keras-applications/releases/download/resnet/"
WEIGHTS_FILES = {
    True: (
        "resnet50_weights_tf_dim_ordering_tf_kernels.h5",
        _BASE + "resnet50_weights_tf_dim_ordering_tf_kernels.h5",
        "2cb95161c43110f7111970584f804107",
    ),
    False: (
        "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
        _BASE + "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "4d473c1dd8becc155b73f8504c6f6626",
    ),
}


def _conv_bn(x, filters: int, kernel_size: int, name: str, strides: int = 1, relu: bool = True):
    padding = "same" if kernel_size > 1 else "valid"
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding=padding, name=name + "_conv")(
        x
    )
    x = layers.BatchNormalization(
        axis=building.channel_axis(), epsilon=BN_EPSILON, name=name + "_bn"
    )(x)
    return layers.Activation("relu", name=name + "_relu")(x) if relu else x


def bottleneck_block(x, filters: int, name: str, strides: int = 1, project: bool = True):
    """1x1 (stride), 3x3, 1x1 (4 x filters) convolutions added to the shortcut: the input
    itself, or (`project`) its 1x1 convolution to the new width and stride."""
    shortcut = x
    if project:
        shortcut = _conv_bn(x, 4 * filters, 1, name + "_0", strides=strides, relu=False)
    x = _conv_bn(x, filters, 1, name + "_1", strides=strides)
    x = _conv_bn(x, filters, 3, name + "_2")
    x = _conv_bn(x, 4 * filters, 1, name + "_3", relu=False)
    x = layers.Add(name=name + "_add")([shortcut, x])
    return layers.Activation("relu", name=name + "_out")(x)


def residual_stage(x, filters: int, blocks: int, name: str, strides: int = 2):
    x = bottleneck_block(x, filters, name + "_block1", strides=strides)
    for index in range(2, blocks + 1):
        x = bottleneck_block(x, filters, f"{name}_block{index}", project=False)
    return x


def _keras22_block(input_tensor, kernel_size, filters, stage, block, strides, shortcut):
    """The residual block of Keras 2.2's `keras.applications.resnet50` (names
    `res2a_branch2a`, `bn2a_branch2a`, ...; batch normalization epsilon 1e-3)."""
    conv_name = f"res{stage}{block}_branch"
    bn_name = f"bn{stage}{block}_branch"
    axis = building.channel_axis()
    x = input_tensor
    steps = ((filters[0], 1, strides, "2a"), (filters[1], kernel_size, 1, "2b"))
    for width, size, stride, part in (*steps, (filters[2], 1, 1, "2c")):
        padding = "same" if part == "2b" else "valid"
        x = layers.Conv2D(
            width, size, strides=stride, padding=padding, kernel_initializer="he_normal",
            name=conv_name + part,
        )(x)  # fmt: skip
        x = layers.BatchNormalization(axis=axis, name=bn_name + part)(x)
        if part != "2c":
            x = layers.Activation("relu")(x)
    if shortcut:
        input_tensor = layers.Conv2D(
            filters[2], 1, strides=strides, kernel_initializer="he_normal", name=conv_name + "1"
        )(input_tensor)
        input_tensor = layers.BatchNormalization(axis=axis, name=bn_name + "1")(input_tensor)
    return layers.Activation("relu")(layers.add([x, input_tensor]))


def identity_block(input_tensor, kernel_size, filters, stage, block):
    """Keras 2.2's residual block whose shortcut is its input (for building ResNets
    block by block; `ResNet50` itself uses the newer `bottleneck_block`).

    Args:
        input_tensor: the block's input.
        kernel_size: the middle convolution's window.
        filters: the three convolutions' filters; the last must equal the input's width.
        stage, block: name parts (`stage=2, block="a"` gives `res2a_branch2a`, ...).
    """
    return _keras22_block(input_tensor, kernel_size, filters, stage, block, 1, shortcut=False)


def conv_block(input_tensor, kernel_size, filters, stage, block, strides=(2, 2)):
    """Keras 2.2's residual block with a strided 1x1 convolution on its shortcut
    (`res<stage><block>_branch1`); the arguments are `identity_block`'s plus the stride
    of the first convolution and of the shortcut."""
    return _keras22_block(input_tensor, kernel_size, filters, stage, block, strides, shortcut=True)


def ResNet50(  # noqa: N802 (Keras's name)
    include_top: bool = True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes: int = 1000,
    **kwargs,
):
    """ResNet50, optionally with weights trained on ImageNet.

    Args:
        include_top: Whether to end with the 1000-way (`classes`) softmax classifier.
        weights: None (random initialization), `'imagenet'` (downloaded into the Keras
            cache through `get_file`), or the path of a weights file (Keras 2 HDF5).
        input_tensor: A symbolic tensor to use as the image input.
        input_shape: The image shape without the batch axis; only with
            `include_top=False` may it differ from `(224, 224, 3)`; sides of at least 32.
        pooling: With `include_top=False`: None (4D output), `'avg'` or `'max'`.
        classes: Number of classes of the top (only without ImageNet weights).

    Returns:
        A functional `Model` named `resnet50`.
    """
    img_input = building.prepare(
        "ResNet50",
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        default_size=224,
        min_size=32,
        kwargs=kwargs,
    )
    x = layers.ZeroPadding2D(padding=3, name="conv1_pad")(img_input)
    x = layers.Conv2D(64, 7, strides=2, name="conv1_conv")(x)
    x = layers.BatchNormalization(
        axis=building.channel_axis(), epsilon=BN_EPSILON, name="conv1_bn"
    )(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=1, name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = residual_stage(x, 64, 3, "conv2", strides=1)
    x = residual_stage(x, 128, 4, "conv3")
    x = residual_stage(x, 256, 6, "conv4")
    x = residual_stage(x, 512, 3, "conv5")
    if include_top:
        x = building.classifier(x, classes, name="probs")
    else:
        x = building.pooling_head(x, pooling, named=True)
    return building.finish(
        img_input,
        input_tensor,
        x,
        "resnet50",
        weights=weights,
        include_top=include_top,
        files=WEIGHTS_FILES,
    )


def preprocess_input(x, data_format=None, **kwargs):
    """Caffe-style preprocessing (RGB to BGR, ImageNet means subtracted), as ResNet50's
    weights expect; see `imagenet_utils.preprocess_input`."""
    return _preprocess(x, data_format=data_format, mode="caffe")


__all__ = ["ResNet50", "conv_block", "decode_predictions", "identity_block", "preprocess_input"]
