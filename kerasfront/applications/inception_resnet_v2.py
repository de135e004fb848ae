"""Inception-ResNet v2 (Szegedy et al., 2016, "Inception-v4, Inception-ResNet and the
Impact of Residual Connections on Learning"), with keras-applications 1.0.8's layers and
names: `mixed_5b`, `block35_1` ... `block35_10`, `mixed_6a`, `block17_1` ...
`block17_20`, `mixed_7a`, `block8_1` ... `block8_10`, `conv_7b`, `avg_pool`,
`predictions` (each block with `_mixed`, `_conv` and `_ac` layers). The convolutions
inside the branches are unnamed in Keras too; weight files name them after Keras's
counter and load in Keras 2's layer order (see `weights`).

Keras 2 adds each block's residual with a `Lambda`; here it is `ScaledResidual`, a
registered layer without weights, so that a saved model loads without Lambda bytecode.
"""

from __future__ import annotations

from kerasfront import layers, ops
from kerasfront.applications import building
from kerasfront.applications.imagenet_utils import decode_predictions
from kerasfront.applications.imagenet_utils import preprocess_input as _preprocess
from kerasfront.saving.registry import register_keras_serializable

_BASE = "https://github.com/fchollet/deep-learning-models/releases/download/v0.7/"
_TOP = "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels.h5"
_NOTOP = "inception_resnet_v2_weights_tf_dim_ordering_tf_kernels_notop.h5"
WEIGHTS_FILES = {
    True: (_TOP, _BASE + _TOP, "e693bd0210a403b3192acc6073ad2e96"),
    False: (_NOTOP, _BASE + _NOTOP, "d19885ff4a710c122648d3b5c3b684e4"),
}


@register_keras_serializable(package="kerasfront.applications")
class ScaledResidual(layers.Layer):
    """`inputs[0] + scale * inputs[1]`: a shortcut plus a scaled residual branch.

    Args:
        scale: The factor of the residual branch (0.17, 0.1 and 0.2 in the network).
    """

    def __init__(self, scale: float, **kwargs):
        super().__init__(**kwargs)
        if isinstance(scale, bool) or not isinstance(scale, (int, float)):
            raise TypeError(
                f"ScaledResidual '{self.name}': scale must be a number, received {scale!r}."
            )
        self.scale = float(scale)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                f"ScaledResidual '{self.name}' takes a list [shortcut, residual]; received "
                f"{type(inputs).__name__}."
            )
        shortcut, residual = inputs
        return ops.add(shortcut, ops.multiply(residual, self.scale))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[0])

    def get_config(self) -> dict:
        return {**super().get_config(), "scale": self.scale}


def conv2d_bn(x, filters: int, kernel_size, strides=1, padding="same", activation="relu",
              use_bias=False, name=None):  # fmt: skip
    """Convolution, then (without bias) batch normalization without scale, then the
    activation; named `name`, `name_bn`, `name_ac` when named."""
    x = layers.Conv2D(
        filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias, name=name
    )(x)
    if not use_bias:
        bn_name = None if name is None else name + "_bn"
        x = layers.BatchNormalization(axis=building.channel_axis(), scale=False, name=bn_name)(x)
    if activation is not None:
        x = layers.Activation(activation, name=None if name is None else name + "_ac")(x)
    return x


def _branches(x, block_type: str) -> list:
    if block_type == "block35":
        return [
            conv2d_bn(x, 32, 1),
            conv2d_bn(conv2d_bn(x, 32, 1), 32, 3),
            conv2d_bn(conv2d_bn(conv2d_bn(x, 32, 1), 48, 3), 64, 3),
        ]
    if block_type == "block17":
        return [
            conv2d_bn(x, 192, 1),
            conv2d_bn(conv2d_bn(conv2d_bn(x, 128, 1), 160, (1, 7)), 192, (7, 1)),
        ]
    return [  # block8
        conv2d_bn(x, 192, 1),
        conv2d_bn(conv2d_bn(conv2d_bn(x, 192, 1), 224, (1, 3)), 256, (3, 1)),
    ]


def inception_resnet_block(x, scale: float, block_type: str, block_idx: int, activation="relu"):
    """Inception branches, concatenated and projected back to the input's width by a
    1x1 convolution with bias, added to the input with factor `scale`."""
    name = f"{block_type}_{block_idx}"
    axis = building.channel_axis()
    mixed = layers.Concatenate(axis=axis, name=name + "_mixed")(_branches(x, block_type))
    up = conv2d_bn(mixed, x.shape[axis], 1, activation=None, use_bias=True, name=name + "_conv")
    x = ScaledResidual(scale, name=name)([x, up])
    if activation is not None:
        x = layers.Activation(activation, name=name + "_ac")(x)
    return x


def _stem(x):
    x = conv2d_bn(x, 32, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, padding="valid")
    x = conv2d_bn(x, 64, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)
    pooled = layers.AveragePooling2D(3, strides=1, padding="same")(x)
    branches = [
        conv2d_bn(x, 96, 1),
        conv2d_bn(conv2d_bn(x, 48, 1), 64, 5),
        conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1), 96, 3), 96, 3),
        conv2d_bn(pooled, 64, 1),
    ]
    return layers.Concatenate(axis=building.channel_axis(), name="mixed_5b")(branches)


def _reduction(x, name: str, branches: list):
    pooled = layers.MaxPooling2D(3, strides=2, padding="valid")(x)
    return layers.Concatenate(axis=building.channel_axis(), name=name)([*branches, pooled])


def InceptionResNetV2(  # noqa: N802 (Keras's name)
    include_top: bool = True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes: int = 1000,
    **kwargs,
):
    """Inception-ResNet v2, optionally with weights trained on ImageNet.

    Args:
        include_top: Whether to end with the softmax classifier (`avg_pool`,
            `predictions`).
        weights: None (random initialization), `'imagenet'` (downloaded into the Keras
            cache through `get_file`), or the path of a weights file (Keras 2 HDF5).
        input_tensor: A symbolic tensor to use as the image input.
        input_shape: The image shape without the batch axis; only with
            `include_top=False` may it differ from `(299, 299, 3)`; sides of at least 75.
        pooling: With `include_top=False`: None (4D output), `'avg'` or `'max'`.
        classes: Number of classes of the top (only without ImageNet weights).

    Returns:
        A functional `Model` named `inception_resnet_v2`.
    """
    img_input = building.prepare(
        "InceptionResNetV2",
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        default_size=299,
        min_size=75,
        kwargs=kwargs,
    )
    x = _stem(img_input)
    for index in range(1, 11):
        x = inception_resnet_block(x, 0.17, "block35", index)
    branches = [
        conv2d_bn(x, 384, 3, strides=2, padding="valid"),
        conv2d_bn(conv2d_bn(conv2d_bn(x, 256, 1), 256, 3), 384, 3, strides=2, padding="valid"),
    ]
    x = _reduction(x, "mixed_6a", branches)
    for index in range(1, 21):
        x = inception_resnet_block(x, 0.1, "block17", index)
    branches = [
        conv2d_bn(conv2d_bn(x, 256, 1), 384, 3, strides=2, padding="valid"),
        conv2d_bn(conv2d_bn(x, 256, 1), 288, 3, strides=2, padding="valid"),
        conv2d_bn(conv2d_bn(conv2d_bn(x, 256, 1), 288, 3), 320, 3, strides=2, padding="valid"),
    ]
    x = _reduction(x, "mixed_7a", branches)
    for index in range(1, 10):
        x = inception_resnet_block(x, 0.2, "block8", index)
    # The last block is linear: no activation, full residual.
    x = inception_resnet_block(x, 1.0, "block8", 10, activation=None)
    x = conv2d_bn(x, 1536, 1, name="conv_7b")
    if include_top:
        x = building.classifier(x, classes)
    else:
        x = building.pooling_head(x, pooling)
    return building.finish(
        img_input,
        input_tensor,
        x,
        "inception_resnet_v2",
        weights=weights,
        include_top=include_top,
        files=WEIGHTS_FILES,
    )


def preprocess_input(x, data_format=None, **kwargs):
    """Scales pixels to [-1, 1] (mode 'tf'), as Inception-ResNet v2's weights expect."""
    return _preprocess(x, data_format=data_format, mode="tf")


__all__ = ["InceptionResNetV2", "ScaledResidual", "decode_predictions", "preprocess_input"]
