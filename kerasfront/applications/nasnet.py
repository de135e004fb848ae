"""NASNet-A (Zoph et al., 2018, "Learning Transferable Architectures for Scalable Image
Recognition"): `NASNetLarge` (331x331) and `NASNetMobile` (224x224), with
keras-applications 1.0.6's layer names (`stem_conv1`, `normal_conv_1_0`,
`separable_conv_1_normal_left1_0`, `reduction_concat_reduce_4`, ..., `predictions`), so
Keras's weight files load into them.

The network is a stem, two reduction cells, then `num_blocks` normal cells, a reduction
cell, `num_blocks` normal cells, a reduction cell and `num_blocks` normal cells. Every
cell reads the two previous cells' outputs (`ip`, the last; `p`, the one before); when
`p` has another size or width it is first adjusted to `ip`'s.

As in Keras 2, the models exist in channels_last only: under a channels_first setting
they are built channels_last, with a warning.
"""

from __future__ import annotations

from kerasfront import layers
from kerasfront.applications import building
from kerasfront.applications.imagenet_utils import decode_predictions
from kerasfront.applications.imagenet_utils import preprocess_input as _preprocess
from kerasfront.applications.mobilenet_v2 import _channels_last

BASE_WEIGHTS_URL = "https://github.com/titu1994/Keras-NASNet/releases/download/v1.2/"
# default_size -> (file name, origin file, md5) with and without the top.
WEIGHTS = {
    224: {
        True: ("nasnet_mobile.h5", "NASNet-mobile.h5", "020fb642bf7360b370c678b08e0adf61"),
        False: (
            "nasnet_mobile_no_top.h5",
            "NASNet-mobile-no-top.h5",
            "1ed92395b5b598bdda52abe5c0dbfd63",
        ),
    },
    331: {
        True: ("nasnet_large.h5", "NASNet-large.h5", "11577c9a518f0070763c2b964a382f17"),
        False: (
            "nasnet_large_no_top.h5",
            "NASNet-large-no-top.h5",
            "d81d89dc07e6e56530c4e77faddd61b5",
        ),
    },
}


def _batch_norm(x, name=None):
    return layers.BatchNormalization(axis=-1, momentum=0.9997, epsilon=1e-3, name=name)(x)


def _conv_1x1(x, filters: int, name: str):
    return layers.Conv2D(
        filters, 1, padding="same", use_bias=False, kernel_initializer="he_normal", name=name
    )(x)


def _pad_for_stride_2(x, kernel_size: int, name=None):
    """The zero padding TensorFlow's 'same' adds before a stride-2 window of
    `kernel_size`: `kernel_size // 2` entries after, one fewer before on an even axis."""
    rows, cols = x.shape[1:3]
    adjust = (1, 1) if rows is None else (1 - rows % 2, 1 - cols % 2)
    half = kernel_size // 2
    return layers.ZeroPadding2D(((half - adjust[0], half), (half - adjust[1], half)), name=name)(x)


def separable_conv_block(x, filters, kernel_size=3, strides=1, block_id=None):
    """Twice ReLU, separable convolution, BN (the first convolution may be strided)."""
    x = layers.Activation("relu")(x)
    padding = "same"
    if strides == 2:
        x = _pad_for_stride_2(x, kernel_size, name=f"separable_conv_1_pad_{block_id}")
        padding = "valid"
    for step, stride in ((1, strides), (2, 1)):
        if step == 2:
            x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(
            filters,
            kernel_size,
            strides=stride,
            padding=padding if step == 1 else "same",
            use_bias=False,
            # Keras 2 passed kernel_initializer="he_normal" here, which its separable
            # convolutions ignored: their kernels start from the default initializers.
            name=f"separable_conv_{step}_{block_id}",
        )(x)
        x = _batch_norm(x, name=f"separable_conv_{step}_bn_{block_id}")
    return x


def adjust_block(p, ip, filters, block_id=None):
    """`p` made to match `ip`: `ip` itself when there is no `p`; halved in size (two
    strided 1x1 paths, the second shifted by one pixel) when larger; projected by a 1x1
    convolution when only its width differs."""
    if p is None:
        return ip
    if p.shape[-2] != ip.shape[-2]:
        p = layers.Activation("relu", name=f"adjust_relu_1_{block_id}")(p)
        first = layers.AveragePooling2D(1, strides=2, name=f"adjust_avg_pool_1_{block_id}")(p)
        first = _conv_1x1(first, filters // 2, f"adjust_conv_1_{block_id}")
        second = layers.ZeroPadding2D(((0, 1), (0, 1)))(p)
        second = layers.Cropping2D(((1, 0), (1, 0)))(second)
        second = layers.AveragePooling2D(1, strides=2, name=f"adjust_avg_pool_2_{block_id}")(second)
        second = _conv_1x1(second, filters // 2, f"adjust_conv_2_{block_id}")
        p = layers.concatenate([first, second], axis=-1)
        return _batch_norm(p, name=f"adjust_bn_{block_id}")
    if p.shape[-1] != filters:
        p = layers.Activation("relu")(p)
        p = _conv_1x1(p, filters, f"adjust_conv_projection_{block_id}")
        return _batch_norm(p, name=f"adjust_bn_{block_id}")
    return p


def _cell_input(ip, filters: int, kind: str, block_id):
    h = layers.Activation("relu")(ip)
    h = _conv_1x1(h, filters, f"{kind}_conv_1_{block_id}")
    return _batch_norm(h, name=f"{kind}_bn_1_{block_id}")


def _average_3x3(x, strides: int, name: str):
    padding = "same" if strides == 1 else "valid"
    return layers.AveragePooling2D(3, strides=strides, padding=padding, name=name)(x)


def normal_a_cell(ip, p, filters, block_id=None):
    """NASNet-A's normal cell (Fig. 4 of the paper); returns (output, ip)."""
    p = adjust_block(p, ip, filters, block_id)
    h = _cell_input(ip, filters, "normal", block_id)
    tag = f"_{block_id}"

    def sep(x, size, side):
        return separable_conv_block(x, filters, size, block_id=f"normal_{side}{tag}")

    x1 = layers.add([sep(h, 5, "left1"), sep(p, 3, "right1")], name="normal_add_1" + tag)
    x2 = layers.add([sep(p, 5, "left2"), sep(p, 3, "right2")], name="normal_add_2" + tag)
    x3 = layers.add([_average_3x3(h, 1, "normal_left3" + tag), p], name="normal_add_3" + tag)
    x4 = layers.add(
        [_average_3x3(p, 1, "normal_left4" + tag), _average_3x3(p, 1, "normal_right4" + tag)],
        name="normal_add_4" + tag,
    )
    x5 = layers.add([sep(h, 3, "left5"), h], name="normal_add_5" + tag)
    x = layers.concatenate([p, x1, x2, x3, x4, x5], axis=-1, name="normal_concat" + tag)
    return x, ip


def reduction_a_cell(ip, p, filters, block_id=None):
    """NASNet-A's reduction cell (halves the image size); returns (output, ip)."""
    p = adjust_block(p, ip, filters, block_id)
    h = _cell_input(ip, filters, "reduction", block_id)
    tag = f"_{block_id}"
    padded = _pad_for_stride_2(h, 3, name="reduction_pad_1" + tag)

    def sep(x, size, side, strides=2):
        return separable_conv_block(x, filters, size, strides, block_id=f"reduction_{side}{tag}")

    def max_pool(name):
        return layers.MaxPooling2D(3, strides=2, padding="valid", name=name)(padded)

    x1 = layers.add([sep(h, 5, "left1"), sep(p, 7, "right1")], name="reduction_add_1" + tag)
    x2 = layers.add(
        [max_pool("reduction_left2" + tag), sep(p, 7, "right2")], name="reduction_add_2" + tag
    )
    x3 = layers.add(
        [_average_3x3(padded, 2, "reduction_left3" + tag), sep(p, 5, "right3")],
        name="reduction_add3" + tag,
    )
    x4 = layers.add([x2, _average_3x3(x1, 1, "reduction_left4" + tag)])
    # Keras 2 names this block's separable convolution "left4" as well.
    x5 = layers.add(
        [sep(x1, 3, "left4", strides=1), max_pool("reduction_right5" + tag)],
        name="reduction_add4" + tag,
    )
    x = layers.concatenate([x2, x3, x4, x5], axis=-1, name="reduction_concat" + tag)
    return x, ip


def NASNet(  # noqa: N802 (Keras's name)
    input_shape=None,
    penultimate_filters=4032,
    num_blocks=6,
    stem_block_filters=96,
    skip_reduction=True,
    filter_multiplier=2,
    include_top=True,
    weights=None,
    input_tensor=None,
    pooling=None,
    classes=1000,
    default_size=None,
    **kwargs,
):
    """A NASNet-A network; `NASNetLarge` and `NASNetMobile` are its ImageNet settings.

    Args:
        penultimate_filters: the width of the last cells, a multiple of 24.
        num_blocks: the normal cells between two reductions.
        stem_block_filters: the filters of the first convolution.
        skip_reduction: whether the normal cells after a reduction read the cell before
            it (True) or the reduction's input.
        filter_multiplier: the width factor at each reduction.
        default_size: 224 or 331 with ImageNet weights (which model's weights); the
            default input side (331 when None).
        input_shape, include_top, weights, input_tensor, pooling, classes: as
            `NASNetLarge`'s.
    """
    if penultimate_filters % 24 != 0:
        raise ValueError(
            f"NASNet: penultimate_filters must be a multiple of 24, received {penultimate_filters}."
        )
    default_size = default_size or 331
    if weights == "imagenet" and default_size not in WEIGHTS:
        raise ValueError(
            "NASNet: ImageNet weights exist for NASNetLarge (default_size=331) and "
            f"NASNetMobile (224) only; received default_size={default_size}."
        )
    if weights == "imagenet" and isinstance(input_shape, tuple) and None in input_shape:
        raise ValueError(
            f"NASNet: ImageNet weights need a static input_shape, received {input_shape}."
        )
    with _channels_last():
        img_input = building.prepare(
            "NASNet",
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
        filters = penultimate_filters // 24
        x = layers.Conv2D(
            stem_block_filters, 3, strides=2, padding="valid", use_bias=False,
            kernel_initializer="he_normal", name="stem_conv1",
        )(img_input)  # fmt: skip
        x = _batch_norm(x, name="stem_bn1")
        x, p = reduction_a_cell(x, None, filters // filter_multiplier**2, block_id="stem_1")
        x, p = reduction_a_cell(x, p, filters // filter_multiplier, block_id="stem_2")
        for stage in range(3):
            width = filters * filter_multiplier**stage
            if stage:
                reduce_id = f"reduce_{stage * num_blocks}"
                x, reduced = reduction_a_cell(x, p, width, block_id=reduce_id)
                p = p if skip_reduction else reduced
            for index in range(num_blocks):
                block_id = str(stage * num_blocks + index + (1 if stage else 0))
                x, p = normal_a_cell(x, p, width, block_id=block_id)
        x = layers.Activation("relu")(x)
        if include_top:
            x = layers.GlobalAveragePooling2D()(x)
            x = layers.Dense(classes, activation="softmax", name="predictions")(x)
        else:
            x = building.pooling_head(x, pooling)
        files = {}
        if weights == "imagenet":
            files = {
                top: (name, BASE_WEIGHTS_URL + origin, md5)
                for top, (name, origin, md5) in WEIGHTS[default_size].items()
            }
        return building.finish(
            img_input, input_tensor, x, "NASNet", weights=weights, include_top=include_top,
            files=files,
        )  # fmt: skip


def NASNetLarge(  # noqa: N802 (Keras's name)
    input_shape=None,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    pooling=None,
    classes=1000,
    **kwargs,
):
    """NASNet-A Large (6 @ 4032), optionally with weights trained on ImageNet.

    Args:
        input_shape: The image shape without the batch axis (channels last), sides of at
            least 32 (`(331, 331, 3)` with the top and ImageNet weights).
        include_top: Whether to end with the softmax classifier `predictions`.
        weights: None (random initialization), `'imagenet'` (downloaded into the Keras
            cache through `get_file`), or the path of a weights file (Keras 2 HDF5).
        input_tensor: A symbolic tensor to use as the image input.
        pooling: With `include_top=False`: None (4D output), `'avg'` or `'max'`.
        classes: Number of classes of the top (only without ImageNet weights).

    Returns:
        A functional `Model` named `NASNet`.
    """
    return NASNet(
        input_shape, 4032, 6, 96, True, 2, include_top, weights, input_tensor, pooling,
        classes, 331, **kwargs,
    )  # fmt: skip


def NASNetMobile(  # noqa: N802 (Keras's name)
    input_shape=None,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    pooling=None,
    classes=1000,
    **kwargs,
):
    """NASNet-A Mobile (4 @ 1056), optionally with weights trained on ImageNet; the
    arguments are `NASNetLarge`'s, with 224x224 inputs by default."""
    return NASNet(
        input_shape, 1056, 4, 32, False, 2, include_top, weights, input_tensor, pooling,
        classes, 224, **kwargs,
    )  # fmt: skip


def preprocess_input(x, data_format=None, **kwargs):
    """Scales pixels to [-1, 1] (mode 'tf'), as NASNet's weights expect."""
    return _preprocess(x, data_format=data_format, mode="tf")


__all__ = ["NASNetLarge", "NASNetMobile", "decode_predictions", "preprocess_input"]
