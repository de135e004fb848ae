"""Xception (Chollet, 2017, "Xception: Deep Learning with Depthwise Separable
Convolutions"), with keras-applications 1.0.8's layer names (`block1_conv1`,
`block2_sepconv1_bn`, ..., `predictions`). The 1x1 convolutions of the strided shortcuts
and their batch normalizations are unnamed in Keras too (`conv2d_N`,
`batch_normalization_N`); weight files that name them after Keras's counter load in
Keras 2's layer order (see `weights`).
"""

from __future__ import annotations

from kerasfront import layers
from kerasfront.applications import building
from kerasfront.applications.imagenet_utils import decode_predictions
from kerasfront.applications.imagenet_utils import preprocess_input as _preprocess

_BASE = "https://github.com/fchollet/deep-learning-models/releases/download/v0.4/"
WEIGHTS_FILES = {
    True: (
        "xception_weights_tf_dim_ordering_tf_kernels.h5",
        _BASE + "xception_weights_tf_dim_ordering_tf_kernels.h5",
        "0a58e3b7378bc2990ea3b43d5981f1f6",
    ),
    False: (
        "xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
        _BASE + "xception_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "b0042744bf5b25fce3cb969f33bebb97",
    ),
}


def _batch_norm(x, name=None):
    return layers.BatchNormalization(axis=building.channel_axis(), name=name)(x)


def _separable(x, filters: int, name: str):
    x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False, name=name)(x)
    return _batch_norm(x, name + "_bn")


def _conv(x, filters: int, name: str, strides: int = 1):
    x = layers.Conv2D(filters, 3, strides=strides, use_bias=False, name=name)(x)
    x = _batch_norm(x, name + "_bn")
    return layers.Activation("relu", name=name + "_act")(x)


def downsampling_block(x, filters: tuple, block: int, activate_input: bool = True):
    """Two separable convolutions and a strided max pooling, added to a strided 1x1
    convolution of the input. The input is activated first, except in block 2 whose
    input is already the output of a ReLU."""
    residual = layers.Conv2D(filters[1], 1, strides=2, padding="same", use_bias=False)(x)
    residual = _batch_norm(residual)
    prefix = f"block{block}"
    if activate_input:
        x = layers.Activation("relu", name=prefix + "_sepconv1_act")(x)
    x = _separable(x, filters[0], prefix + "_sepconv1")
    x = layers.Activation("relu", name=prefix + "_sepconv2_act")(x)
    x = _separable(x, filters[1], prefix + "_sepconv2")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name=prefix + "_pool")(x)
    return layers.add([x, residual])


def middle_block(x, block: int):
    """Three activated 728-filter separable convolutions added to the input."""
    residual = x
    for index in (1, 2, 3):
        name = f"block{block}_sepconv{index}"
        x = layers.Activation("relu", name=name + "_act")(x)
        x = _separable(x, 728, name)
    return layers.add([x, residual])


def Xception(  # noqa: N802 (Keras's name)
    include_top: bool = True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes: int = 1000,
    **kwargs,
):
    """Xception, optionally with weights trained on ImageNet.

    Args:
        include_top: Whether to end with the softmax classifier (`avg_pool`,
            `predictions`).
        weights: None (random initialization), `'imagenet'` (downloaded into the Keras
            cache through `get_file`), or the path of a weights file (Keras 2 HDF5).
        input_tensor: A symbolic tensor to use as the image input.
        input_shape: The image shape without the batch axis; only with
            `include_top=False` may it differ from `(299, 299, 3)`; sides of at least 71.
        pooling: With `include_top=False`: None (4D output), `'avg'` or `'max'`.
        classes: Number of classes of the top (only without ImageNet weights).

    Returns:
        A functional `Model` named `xception`.
    """
    img_input = building.prepare(
        "Xception",
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        default_size=299,
        min_size=71,
        kwargs=kwargs,
    )
    x = _conv(img_input, 32, "block1_conv1", strides=2)
    x = _conv(x, 64, "block1_conv2")
    x = downsampling_block(x, (128, 128), 2, activate_input=False)
    x = downsampling_block(x, (256, 256), 3)
    x = downsampling_block(x, (728, 728), 4)
    for block in range(5, 13):
        x = middle_block(x, block)
    x = downsampling_block(x, (728, 1024), 13)
    for index, filters in ((1, 1536), (2, 2048)):
        name = f"block14_sepconv{index}"
        x = _separable(x, filters, name)
        x = layers.Activation("relu", name=name + "_act")(x)
    if include_top:
        x = building.classifier(x, classes)
    else:
        x = building.pooling_head(x, pooling)
    return building.finish(
        img_input,
        input_tensor,
        x,
        "xception",
        weights=weights,
        include_top=include_top,
        files=WEIGHTS_FILES,
    )


def preprocess_input(x, data_format=None, **kwargs):
    """Scales pixels to [-1, 1] (mode 'tf'), as Xception's weights expect."""
    return _preprocess(x, data_format=data_format, mode="tf")


__all__ = ["Xception", "decode_predictions", "preprocess_input"]
