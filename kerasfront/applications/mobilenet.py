"""MobileNet (Howard et al., 2017, "MobileNets: Efficient Convolutional Neural Networks
for Mobile Vision Applications"), with keras-applications 1.0.8's layers and names:
`conv1`, `conv1_bn`, `conv1_relu`, then per block `conv_pad_N` (strided blocks),
`conv_dw_N`, `conv_dw_N_bn`, `conv_dw_N_relu`, `conv_pw_N`, `conv_pw_N_bn`,
`conv_pw_N_relu`; the top is `reshape_1`, `dropout`, `conv_preds`, `reshape_2`,
`act_softmax`.
"""

from __future__ import annotations

import warnings

from kerasfront import config, layers
from kerasfront.applications import building
from kerasfront.applications.imagenet_utils import decode_predictions
from kerasfront.applications.imagenet_utils import preprocess_input as _preprocess

BASE_WEIGHTS_URL = "https://github.com/fchollet/deep-learning-models/releases/download/v0.6/"
IMAGENET_ALPHAS = {1.0: "1_0", 0.75: "7_5", 0.5: "5_0", 0.25: "2_5"}
IMAGENET_SIZES = (128, 160, 192, 224)
# (pointwise filters, stride) of the 13 depthwise separable blocks.
BLOCKS = (
    (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2),
    (512, 1), (512, 1), (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1),
)  # fmt: skip


def _relu6(x, name: str):
    return layers.ReLU(6.0, name=name)(x)


def _batch_norm(x, name: str):
    axis = 1 if config.image_data_format() == "channels_first" else -1
    return layers.BatchNormalization(axis=axis, name=name)(x)


def depthwise_separable_block(x, filters: int, alpha: float, depth_multiplier: int,
                              strides: int, block: int):  # fmt: skip
    """A 3x3 depthwise convolution (padded on the bottom/right only when strided, as
    TensorFlow's 'same' padding does) and a 1x1 pointwise one, each with BN and ReLU6."""
    if strides == 1:
        padding = "same"
    else:
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"conv_pad_{block}")(x)
        padding = "valid"
    x = layers.DepthwiseConv2D(
        3,
        padding=padding,
        depth_multiplier=depth_multiplier,
        strides=strides,
        use_bias=False,
        name=f"conv_dw_{block}",
    )(x)
    x = _relu6(_batch_norm(x, f"conv_dw_{block}_bn"), f"conv_dw_{block}_relu")
    x = layers.Conv2D(
        int(filters * alpha), 1, padding="same", use_bias=False, name=f"conv_pw_{block}"
    )(x)
    return _relu6(_batch_norm(x, f"conv_pw_{block}_bn"), f"conv_pw_{block}_relu")


def _rows(input_shape):
    if input_shape is None:
        return None, None
    if config.image_data_format() == "channels_first":
        return input_shape[1], input_shape[2]
    return input_shape[0], input_shape[1]


def _check_imagenet_options(alpha, depth_multiplier, rows, cols) -> int:
    if depth_multiplier != 1:
        raise ValueError(
            f"MobileNet: ImageNet weights need depth_multiplier=1; received {depth_multiplier}."
        )
    if alpha not in IMAGENET_ALPHAS:
        raise ValueError(
            "MobileNet: ImageNet weights exist for alpha 0.25, 0.50, 0.75 or 1.0; received "
            f"alpha={alpha}."
        )
    if rows != cols or rows not in IMAGENET_SIZES:
        warnings.warn(
            "MobileNet: input_shape is undefined, not square, or its side is not one of "
            f"{IMAGENET_SIZES}; the weights for 224x224 inputs are loaded.",
            stacklevel=3,
        )
        return 224
    return rows


def _weights_files(alpha: float, rows: int) -> dict:
    stem = f"mobilenet_{IMAGENET_ALPHAS[alpha]}_{rows}_tf"
    # Keras publishes no checksums for these files.
    return {
        True: (stem + ".h5", BASE_WEIGHTS_URL + stem + ".h5", None),
        False: (stem + "_no_top.h5", BASE_WEIGHTS_URL + stem + "_no_top.h5", None),
    }


def MobileNet(  # noqa: N802 (Keras's name)
    input_shape=None,
    alpha: float = 1.0,
    depth_multiplier: int = 1,
    dropout: float = 1e-3,
    include_top: bool = True,
    weights="imagenet",
    input_tensor=None,
    pooling=None,
    classes: int = 1000,
    **kwargs,
):
    """MobileNet, optionally with weights trained on ImageNet.

    Args:
        input_shape: The image shape without the batch axis; sides of at least 32, and
            with `include_top=True` and ImageNet weights, `(224, 224, 3)` or another
            square side of 128, 160 or 192 (its own weights).
        alpha: Width multiplier: the filters of every layer are scaled by it (ImageNet
            weights for 0.25, 0.5, 0.75 and 1.0).
        depth_multiplier: Depthwise channel multiplier (1 for ImageNet weights).
        dropout: Dropout rate before the classifier.
        include_top: Whether to end with the 1x1-convolution classifier.
        weights: None (random initialization), `'imagenet'` (downloaded into the Keras
            cache through `get_file`), or the path of a weights file (Keras 2 HDF5).
        input_tensor: A symbolic tensor to use as the image input.
        pooling: With `include_top=False`: None (4D output), `'avg'` or `'max'`.
        classes: Number of classes of the top (only without ImageNet weights).

    Returns:
        A functional `Model` named `mobilenet_<alpha>_<rows>` (e.g. `mobilenet_1.00_224`).
    """
    rows, cols = _rows(input_shape)
    default_size = rows if rows == cols and rows in IMAGENET_SIZES else 224
    img_input = building.prepare(
        "MobileNet",
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        default_size=default_size,
        min_size=32,
        kwargs=kwargs,
    )
    rows, cols = img_input.shape[1:3]
    if config.image_data_format() == "channels_first":
        rows, cols = img_input.shape[2:4]
    if weights == "imagenet":
        rows = _check_imagenet_options(alpha, depth_multiplier, rows, cols)
    x = layers.ZeroPadding2D(((0, 1), (0, 1)), name="conv1_pad")(img_input)
    x = layers.Conv2D(int(32 * alpha), 3, strides=2, use_bias=False, name="conv1")(x)
    x = _relu6(_batch_norm(x, "conv1_bn"), "conv1_relu")
    for block, (filters, strides) in enumerate(BLOCKS, start=1):
        x = depthwise_separable_block(x, filters, alpha, depth_multiplier, strides, block)
    if include_top:
        width = int(1024 * alpha)
        channels_first = config.image_data_format() == "channels_first"
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Reshape((width, 1, 1) if channels_first else (1, 1, width), name="reshape_1")(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Conv2D(classes, 1, padding="same", name="conv_preds")(x)
        x = layers.Reshape((classes,), name="reshape_2")(x)
        x = layers.Activation("softmax", name="act_softmax")(x)
    else:
        x = building.pooling_head(x, pooling)
    files = _weights_files(alpha, rows) if weights == "imagenet" else {}
    return building.finish(
        img_input,
        input_tensor,
        x,
        f"mobilenet_{float(alpha):0.2f}_{rows}",
        weights=weights,
        include_top=include_top,
        files=files,
    )


def preprocess_input(x, data_format=None, **kwargs):
    """Scales pixels to [-1, 1] (mode 'tf'), as MobileNet's weights expect."""
    return _preprocess(x, data_format=data_format, mode="tf")


__all__ = ["MobileNet", "decode_predictions", "preprocess_input"]
