"""Inception V3 (Szegedy et al., 2015, "Rethinking the Inception Architecture for
Computer Vision"), with keras-applications 1.0.8's layers and names: the concatenations
are `mixed0` ... `mixed10` (and `mixed9_0`, `mixed9_1`), the top `avg_pool` and
`predictions`; the convolutions, their batch normalizations (no scale) and ReLUs are
unnamed in Keras too, so weight files name them after Keras's counter and load in
Keras 2's layer order (see `weights`).
"""

from __future__ import annotations

from kerasfront import layers
from kerasfront.applications import building
from kerasfront.applications.imagenet_utils import decode_predictions
from kerasfront.applications.imagenet_utils import preprocess_input as _preprocess

_BASE = "https://github.com/fchollet/deep-learning-models/releases/download/v0.5/"
WEIGHTS_FILES = {
    True: (
        "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
        _BASE + "inception_v3_weights_tf_dim_ordering_tf_kernels.h5",
        "9a0d58056eeedaa3f26cb7ebd46da564",
    ),
    False: (
        "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
        _BASE + "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "bcbd6486424b2319ff4ef7d526e38f63",
    ),
}


def conv2d_bn(
    x, filters: int, num_row: int, num_col: int, padding="same", strides=(1, 1), name=None
):
    """Convolution without bias, batch normalization without scale (the ReLU that follows
    makes a scale redundant), ReLU; named `name_conv`, `name_bn`, `name` when named."""
    x = layers.Conv2D(
        filters,
        (num_row, num_col),
        strides=strides,
        padding=padding,
        use_bias=False,
        name=None if name is None else name + "_conv",
    )(x)
    x = layers.BatchNormalization(
        axis=building.channel_axis(), scale=False, name=None if name is None else name + "_bn"
    )(x)
    return layers.Activation("relu", name=name)(x)


def _average_pool_branch(x, filters: int):
    x = layers.AveragePooling2D(3, strides=1, padding="same")(x)
    return conv2d_bn(x, filters, 1, 1)


def _concatenate(branches, name=None):
    return layers.concatenate(branches, axis=building.channel_axis(), name=name)


def inception_a(x, pool_filters: int, name: str):
    """1x1, 5x5 and double 3x3 branches and a pooled 1x1 branch (mixed0 to mixed2)."""
    branch1x1 = conv2d_bn(x, 64, 1, 1)
    branch5x5 = conv2d_bn(conv2d_bn(x, 48, 1, 1), 64, 5, 5)
    branch3x3 = conv2d_bn(conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3)
    pooled = _average_pool_branch(x, pool_filters)
    return _concatenate([branch1x1, branch5x5, branch3x3, pooled], name)


def reduction_a(x):
    """Grid reduction 35 -> 17 (mixed3)."""
    branch3x3 = conv2d_bn(x, 384, 3, 3, strides=2, padding="valid")
    branch3x3dbl = conv2d_bn(conv2d_bn(x, 64, 1, 1), 96, 3, 3)
    branch3x3dbl = conv2d_bn(branch3x3dbl, 96, 3, 3, strides=2, padding="valid")
    pooled = layers.MaxPooling2D(3, strides=2)(x)
    return _concatenate([branch3x3, branch3x3dbl, pooled], "mixed3")


def inception_b(x, width: int, name: str):
    """Factorized 7x7 branches of `width` filters (mixed4 to mixed7)."""
    branch1x1 = conv2d_bn(x, 192, 1, 1)
    branch7x7 = conv2d_bn(x, width, 1, 1)
    branch7x7 = conv2d_bn(branch7x7, width, 1, 7)
    branch7x7 = conv2d_bn(branch7x7, 192, 7, 1)
    double = conv2d_bn(x, width, 1, 1)
    for rows, cols in ((7, 1), (1, 7), (7, 1)):
        double = conv2d_bn(double, width, rows, cols)
    double = conv2d_bn(double, 192, 1, 7)
    pooled = _average_pool_branch(x, 192)
    return _concatenate([branch1x1, branch7x7, double, pooled], name)


def reduction_b(x):
    """Grid reduction 17 -> 8 (mixed8)."""
    branch3x3 = conv2d_bn(conv2d_bn(x, 192, 1, 1), 320, 3, 3, strides=2, padding="valid")
    branch7x7x3 = conv2d_bn(x, 192, 1, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 1, 7)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 7, 1)
    branch7x7x3 = conv2d_bn(branch7x7x3, 192, 3, 3, strides=2, padding="valid")
    pooled = layers.MaxPooling2D(3, strides=2)(x)
    return _concatenate([branch3x3, branch7x7x3, pooled], "mixed8")


def inception_c(x, index: int):
    """Expanded 3x3 branches, split into 1x3 and 3x1 halves (mixed9, mixed10)."""
    branch1x1 = conv2d_bn(x, 320, 1, 1)
    branch3x3 = conv2d_bn(x, 384, 1, 1)
    branch3x3 = _concatenate(
        [conv2d_bn(branch3x3, 384, 1, 3), conv2d_bn(branch3x3, 384, 3, 1)], f"mixed9_{index}"
    )
    double = conv2d_bn(conv2d_bn(x, 448, 1, 1), 384, 3, 3)
    double = _concatenate([conv2d_bn(double, 384, 1, 3), conv2d_bn(double, 384, 3, 1)])
    pooled = _average_pool_branch(x, 192)
    return _concatenate([branch1x1, branch3x3, double, pooled], f"mixed{9 + index}")


def InceptionV3(  # noqa: N802 (Keras's name)
    include_top: bool = True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes: int = 1000,
    **kwargs,
):
    """Inception V3, optionally with weights trained on ImageNet.

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
        A functional `Model` named `inception_v3`.
    """
    img_input = building.prepare(
        "InceptionV3",
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
    x = conv2d_bn(img_input, 32, 3, 3, strides=2, padding="valid")
    x = conv2d_bn(x, 32, 3, 3, padding="valid")
    x = conv2d_bn(x, 64, 3, 3)
    x = layers.MaxPooling2D(3, strides=2)(x)
    x = conv2d_bn(x, 80, 1, 1, padding="valid")
    x = conv2d_bn(x, 192, 3, 3, padding="valid")
    x = layers.MaxPooling2D(3, strides=2)(x)
    for index, pool_filters in enumerate((32, 64, 64)):
        x = inception_a(x, pool_filters, f"mixed{index}")
    x = reduction_a(x)
    for index, width in enumerate((128, 160, 160, 192), start=4):
        x = inception_b(x, width, f"mixed{index}")
    x = reduction_b(x)
    for index in (0, 1):
        x = inception_c(x, index)
    if include_top:
        x = building.classifier(x, classes)
    else:
        x = building.pooling_head(x, pooling)
    return building.finish(
        img_input,
        input_tensor,
        x,
        "inception_v3",
        weights=weights,
        include_top=include_top,
        files=WEIGHTS_FILES,
    )


def preprocess_input(x, data_format=None, **kwargs):
    """Scales pixels to [-1, 1] (mode 'tf'), as Inception V3's weights expect."""
    return _preprocess(x, data_format=data_format, mode="tf")


__all__ = ["InceptionV3", "decode_predictions", "preprocess_input"]
