"""DenseNet-121, -169 and -201 (Huang et al., 2017, "Densely Connected Convolutional
Networks"), with keras-applications 1.0.6's layer names (`conv1/conv`, `conv2_block1_0_bn`,
..., `pool2_conv`, `bn`, `fc1000`), so Keras's weight files load into them.

Each dense block's layers see the concatenation of every earlier layer's output in the
block (growth rate 32); transition layers halve the channels and the image size.
"""

from __future__ import annotations

from kerasfront import layers
from kerasfront.applications import building
from kerasfront.applications.imagenet_utils import decode_predictions
from kerasfront.applications.imagenet_utils import preprocess_input as _preprocess

BASE_WEIGHTS_URL = "https://github.com/keras-team/keras-applications/releases/download/densenet/"
BN_EPSILON = 1.001e-5
GROWTH_RATE = 32
# Layers per dense block, and the md5 of the weights files (with top, without).
VARIANTS = {
    121: ((6, 12, 24, 16), "9d60b8095a5708f2dcce2bca79d332c7", "30ee3e1110167f948a6b9946edeeb738"),
    169: ((6, 12, 32, 32), "d699b8f76981ab1b30698df4c175e90b", "b8c4d4c20dd625c148057b9ff1c1176b"),
    201: ((6, 12, 48, 32), "1ceb130c1ea1b78c3bf6114dbdfd8807", "c13680b51ded0fb44dff2d8f86ac8bb1"),
}


def _batch_norm_relu(x, name: str, relu_name: str):
    x = layers.BatchNormalization(axis=building.channel_axis(), epsilon=BN_EPSILON, name=name)(x)
    return layers.Activation("relu", name=relu_name)(x)


def conv_block(x, growth_rate, name):
    """BN-ReLU-1x1 conv (4 x growth_rate) then BN-ReLU-3x3 conv (growth_rate), whose
    output is concatenated to the block's input."""
    y = _batch_norm_relu(x, name + "_0_bn", name + "_0_relu")
    y = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=name + "_1_conv")(y)
    y = _batch_norm_relu(y, name + "_1_bn", name + "_1_relu")
    y = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=name + "_2_conv")(y)
    return layers.Concatenate(axis=building.channel_axis(), name=name + "_concat")([x, y])


def dense_block(x, blocks, name):
    """`blocks` conv blocks named `<name>_block1`, `<name>_block2`, ..."""
    for index in range(blocks):
        x = conv_block(x, GROWTH_RATE, name=f"{name}_block{index + 1}")
    return x


def transition_block(x, reduction, name):
    """BN-ReLU, a 1x1 conv to `reduction` times the channels, 2x2 average pooling."""
    channels = x.shape[building.channel_axis()]
    x = _batch_norm_relu(x, name + "_bn", name + "_relu")
    x = layers.Conv2D(int(channels * reduction), 1, use_bias=False, name=name + "_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=name + "_pool")(x)


def DenseNet(  # noqa: N802 (Keras's name)
    blocks,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    **kwargs,
):
    """A DenseNet with `blocks` layers in its four dense blocks (ImageNet weights exist
    for those of DenseNet121/169/201).

    Args:
        blocks: four ints, e.g. `[6, 12, 24, 16]`.
        include_top, weights, input_tensor, input_shape, pooling, classes: as
            `DenseNet121`'s.
    """
    blocks = [int(count) for count in blocks]
    variant = next((v for v, spec in VARIANTS.items() if list(spec[0]) == blocks), None)
    model_name = f"DenseNet{variant}" if variant else "DenseNet"
    if weights == "imagenet" and variant is None:
        raise ValueError(
            f"DenseNet: ImageNet weights exist for blocks {[list(v[0]) for v in VARIANTS.values()]}"
            f" only; received blocks={blocks}. Pass weights=None."
        )
    img_input = building.prepare(
        model_name,
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
    x = layers.ZeroPadding2D(((3, 3), (3, 3)))(img_input)
    x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1/conv")(x)
    x = _batch_norm_relu(x, "conv1/bn", "conv1/relu")
    x = layers.ZeroPadding2D(((1, 1), (1, 1)))(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for stage, count in enumerate(blocks, start=2):
        x = dense_block(x, count, name=f"conv{stage}")
        if stage < 5:
            x = transition_block(x, 0.5, name=f"pool{stage}")
    x = _batch_norm_relu(x, "bn", "relu")
    if include_top:
        x = building.classifier(x, classes, name="fc1000")
    else:
        x = building.pooling_head(x, pooling, named=True)
    files = {}
    if weights == "imagenet":
        _, with_top, without_top = VARIANTS[variant]
        stem = f"densenet{variant}_weights_tf_dim_ordering_tf_kernels"
        files = {
            True: (stem + ".h5", BASE_WEIGHTS_URL + stem + ".h5", with_top),
            False: (stem + "_notop.h5", BASE_WEIGHTS_URL + stem + "_notop.h5", without_top),
        }
    name = f"densenet{variant}" if variant else "densenet"
    return building.finish(
        img_input, input_tensor, x, name, weights=weights, include_top=include_top, files=files
    )


def _variant(depth: int):
    def build(
        include_top=True,
        weights="imagenet",
        input_tensor=None,
        input_shape=None,
        pooling=None,
        classes=1000,
        **kwargs,
    ):
        return DenseNet(
            VARIANTS[depth][0], include_top, weights, input_tensor, input_shape, pooling,
            classes, **kwargs,
        )  # fmt: skip

    build.__name__ = build.__qualname__ = f"DenseNet{depth}"
    build.__doc__ = f"""DenseNet-{depth}, optionally with weights trained on ImageNet.

    Args:
        include_top: Whether to end with the 1000-way (or `classes`) softmax `fc1000`.
        weights: None (random initialization), `'imagenet'` (downloaded into the Keras
            cache through `get_file`), or the path of a weights file (Keras 2 HDF5).
        input_tensor: A symbolic tensor to use as the image input.
        input_shape: The image shape without the batch axis, sides of at least 32
            (`(224, 224, 3)` with the top and ImageNet weights).
        pooling: With `include_top=False`: None (4D output), `'avg'` or `'max'`.
        classes: Number of classes of the top (only without ImageNet weights).

    Returns:
        A functional `Model` named `densenet{depth}`.
    """
    return build


DenseNet121 = _variant(121)
DenseNet169 = _variant(169)
DenseNet201 = _variant(201)


def preprocess_input(x, data_format=None, **kwargs):
    """Scales pixels to [0, 1] then normalizes each channel with ImageNet's mean and
    standard deviation (mode 'torch'), as DenseNet's weights expect."""
    return _preprocess(x, data_format=data_format, mode="torch")


__all__ = [
    "DenseNet121",
    "DenseNet169",
    "DenseNet201",
    "decode_predictions",
    "preprocess_input",
]
