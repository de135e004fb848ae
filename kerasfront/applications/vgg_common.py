"""The VGG body shared by VGG16 and VGG19 (Simonyan and Zisserman, 2014, "Very Deep
Convolutional Networks for Large-Scale Image Recognition").

Five blocks of 3x3 ReLU convolutions (64, 128, 256, 512, 512 filters), each closed by a
2x2 max pooling; the top is Flatten, two 4096-unit ReLU layers and a softmax. Layer
names are Keras's: `block1_conv1`, ..., `block5_pool`, `flatten`, `fc1`, `fc2`,
`predictions`.
"""

from __future__ import annotations

from kerasfront import layers
from kerasfront.applications import building

FILTERS = (64, 128, 256, 512, 512)
_BASE = "https://github.com/fchollet/deep-learning-models/releases/download/v0.1/"


def weights_files(model_name: str, top_hash: str, notop_hash: str) -> dict:
    """The (file name, origin, md5) of a VGG's ImageNet weights, with and without top."""
    top = f"{model_name}_weights_tf_dim_ordering_tf_kernels.h5"
    notop = f"{model_name}_weights_tf_dim_ordering_tf_kernels_notop.h5"
    return {True: (top, _BASE + top, top_hash), False: (notop, _BASE + notop, notop_hash)}


def vgg(
    display_name: str,
    convs_per_block: tuple,
    files: dict,
    *,
    include_top: bool,
    weights,
    input_tensor,
    input_shape,
    pooling,
    classes: int,
    kwargs: dict,
):
    """Builds a VGG with `convs_per_block[i]` convolutions in block `i + 1`."""
    img_input = building.prepare(
        display_name,
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
    x = img_input
    for block, (filters, convs) in enumerate(zip(FILTERS, convs_per_block), start=1):
        for index in range(1, convs + 1):
            x = layers.Conv2D(
                filters,
                3,
                activation="relu",
                padding="same",
                name=f"block{block}_conv{index}",
            )(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"block{block}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation="softmax", name="predictions")(x)
    else:
        x = building.pooling_head(x, pooling)
    return building.finish(
        img_input,
        input_tensor,
        x,
        display_name.lower(),
        weights=weights,
        include_top=include_top,
        files=files,
    )
