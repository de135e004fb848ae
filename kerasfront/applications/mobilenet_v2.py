"""MobileNetV2 (Sandler et al., 2018, "MobileNetV2: Inverted Residuals and Linear
Bottlenecks"), with keras-applications 1.0.6's layer names (`Conv1`, `bn_Conv1`,
`expanded_conv_depthwise`, `block_N_expand`, ..., `Conv_1`, `out_relu`, `Logits`), so
Keras's weight files load into it.

As in Keras 2, the model exists in channels_last only: under a channels_first setting it
is built channels_last, with a warning.
"""

from __future__ import annotations

import contextlib
import warnings

from kerasfront import config, layers, user_warnings
from kerasfront.applications import building
from kerasfront.applications.imagenet_utils import decode_predictions
from kerasfront.applications.imagenet_utils import preprocess_input as _preprocess

BASE_WEIGHTS_URL = "https://github.com/JonathanCMitchell/mobilenet_v2_keras/releases/download/v1.1/"
IMAGENET_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
IMAGENET_SIZES = (96, 128, 160, 192, 224)
# (filters, stride, expansion) of the 17 inverted residual blocks, block 0 first.
BLOCKS = (
    (16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6),
    (64, 2, 6), (64, 1, 6), (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6),
    (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6),
)  # fmt: skip


def _make_divisible(value: float, divisor: int = 8) -> int:
    """`value` rounded to a multiple of `divisor` (at least `divisor`), never more than
    10% below `value` (the paper's channel rounding)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def _batch_norm(x, name: str):
    return layers.BatchNormalization(epsilon=1e-3, momentum=0.999, name=name)(x)


def _downsampling_pad(x, name: str):
    """Zero padding before a stride-2 3x3 'valid' convolution, as TensorFlow's 'same'
    would pad: one entry less in front on an even-sized axis."""
    rows, cols = x.shape[1:3]
    adjust = (1, 1) if rows is None else (1 - rows % 2, 1 - cols % 2)
    return layers.ZeroPadding2D(((1 - adjust[0], 1), (1 - adjust[1], 1)), name=name)(x)


def inverted_res_block(x, expansion, stride, alpha, filters, block_id):
    """1x1 expansion (not in block 0), 3x3 depthwise, 1x1 linear projection, each with
    BN (ReLU6 after the first two); added to the input when shapes allow."""
    in_channels = x.shape[-1]
    pointwise_filters = _make_divisible(int(filters * alpha), 8)
    inputs = x
    prefix = f"block_{block_id}_" if block_id else "expanded_conv_"
    if block_id:
        x = layers.Conv2D(
            expansion * in_channels, 1, padding="same", use_bias=False, name=prefix + "expand"
        )(x)
        x = layers.ReLU(6.0, name=prefix + "expand_relu")(_batch_norm(x, prefix + "expand_BN"))
    if stride == 2:
        x = _downsampling_pad(x, prefix + "pad")
    x = layers.DepthwiseConv2D(
        3,
        strides=stride,
        use_bias=False,
        padding="same" if stride == 1 else "valid",
        name=prefix + "depthwise",
    )(x)
    x = layers.ReLU(6.0, name=prefix + "depthwise_relu")(_batch_norm(x, prefix + "depthwise_BN"))
    x = layers.Conv2D(
        pointwise_filters, 1, padding="same", use_bias=False, name=prefix + "project"
    )(x)
    x = _batch_norm(x, prefix + "project_BN")
    if in_channels == pointwise_filters and stride == 1:
        return layers.Add(name=prefix + "add")([inputs, x])
    return x


@contextlib.contextmanager
def _channels_last():
    previous = config.image_data_format()
    if previous != "channels_last":
        user_warnings.warn(
            "MobileNetV2 exists for channels_last inputs only (rows, cols, channels); the "
            "model returned expects channels_last although image_data_format() is "
            f"{previous!r}."
        )
        config.set_image_data_format("channels_last")
    try:
        yield
    finally:
        config.set_image_data_format(previous)


def MobileNetV2(  # noqa: N802 (Keras's name)
    input_shape=None,
    alpha=1.0,
    depth_multiplier=1,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    pooling=None,
    classes=1000,
    **kwargs,
):
    """MobileNetV2, optionally with weights trained on ImageNet.

    Args:
        input_shape: The image shape without the batch axis (channels last), sides of at
            least 32; with ImageNet weights a square side of 96, 128, 160, 192 or 224.
        alpha: Width multiplier of every layer (ImageNet weights for 0.35, 0.5, 0.75,
            1.0, 1.3 and 1.4).
        depth_multiplier: Accepted for Keras 2's signature; must be 1 with ImageNet
            weights (Keras 2's model does not use it otherwise either).
        include_top: Whether to end with the softmax classifier `Logits`.
        weights: None (random initialization), `'imagenet'` (downloaded into the Keras
            cache through `get_file`), or the path of a weights file (Keras 2 HDF5).
        input_tensor: A symbolic tensor to use as the image input.
        pooling: With `include_top=False`: None (4D output), `'avg'` or `'max'`.
        classes: Number of classes of the top (only without ImageNet weights).

    Returns:
        A functional `Model` named `mobilenetv2_<alpha>_<rows>` (e.g. `mobilenetv2_1.00_224`).
    """
    with _channels_last():
        known = input_shape or (getattr(input_tensor, "shape", (None, None, None))[1:])
        rows, cols = (known[0], known[1]) if known else (None, None)
        default_size = rows if rows == cols and rows in IMAGENET_SIZES else 224
        img_input = building.prepare(
            "MobileNetV2",
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
        if weights == "imagenet":
            rows = _check_imagenet_options(alpha, depth_multiplier, rows, cols, input_shape)
        x = _downsampling_pad(img_input, "Conv1_pad")
        first_filters = _make_divisible(32 * alpha, 8)
        x = layers.Conv2D(first_filters, 3, strides=2, use_bias=False, name="Conv1")(x)
        x = layers.ReLU(6.0, name="Conv1_relu")(_batch_norm(x, "bn_Conv1"))
        for block_id, (filters, stride, expansion) in enumerate(BLOCKS):
            x = inverted_res_block(x, expansion, stride, alpha, filters, block_id)
        last_filters = _make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
        x = layers.Conv2D(last_filters, 1, use_bias=False, name="Conv_1")(x)
        x = layers.ReLU(6.0, name="out_relu")(_batch_norm(x, "Conv_1_bn"))
        if include_top:
            x = layers.GlobalAveragePooling2D()(x)
            x = layers.Dense(classes, activation="softmax", name="Logits")(x)
        else:
            x = building.pooling_head(x, pooling)
        files = {}
        if weights == "imagenet":
            stem = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{alpha}_{rows}"
            # Keras publishes no checksums for these files.
            files = {
                True: (stem + ".h5", BASE_WEIGHTS_URL + stem + ".h5", None),
                False: (stem + "_no_top.h5", BASE_WEIGHTS_URL + stem + "_no_top.h5", None),
            }
        return building.finish(
            img_input,
            input_tensor,
            x,
            f"mobilenetv2_{float(alpha):0.2f}_{rows}",
            weights=weights,
            include_top=include_top,
            files=files,
        )


def _check_imagenet_options(alpha, depth_multiplier, rows, cols, input_shape) -> int:
    if depth_multiplier != 1:
        raise ValueError(
            f"MobileNetV2: ImageNet weights need depth_multiplier=1; received {depth_multiplier}."
        )
    if alpha not in IMAGENET_ALPHAS:
        raise ValueError(
            f"MobileNetV2: ImageNet weights exist for alpha in {IMAGENET_ALPHAS}; received "
            f"alpha={alpha}."
        )
    if rows is None:
        warnings.warn(
            "MobileNetV2: the input shape is undefined; the weights for 224x224 inputs are loaded.",
            stacklevel=3,
        )
        return 224
    if rows != cols or rows not in IMAGENET_SIZES:
        raise ValueError(
            f"MobileNetV2: ImageNet weights need a square input of side {IMAGENET_SIZES}; "
            f"received input_shape={input_shape!r}."
        )
    return rows


def preprocess_input(x, data_format=None, **kwargs):
    """Scales pixels to [-1, 1] (mode 'tf'), as MobileNetV2's weights expect."""
    return _preprocess(x, data_format=data_format, mode="tf")


__all__ = ["MobileNetV2", "decode_predictions", "preprocess_input"]
