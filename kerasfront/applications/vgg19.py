"""VGG19: the VGG body (see `vgg_common`) with (2, 2, 4, 4, 4) convolutions per block."""

from __future__ import annotations

from kerasfront.applications import vgg_common
from kerasfront.applications.imagenet_utils import decode_predictions
from kerasfront.applications.imagenet_utils import preprocess_input as _preprocess

CONVS_PER_BLOCK = (2, 2, 4, 4, 4)
WEIGHTS_FILES = vgg_common.weights_files(
    "vgg19", "cbe5617147190e668d6c5d5026f83318", "253f8cb515780f3b799900260a226db6"
)


def VGG19(  # noqa: N802 (Keras's name)
    include_top: bool = True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes: int = 1000,
    **kwargs,
):
    """VGG19, optionally with weights trained on ImageNet.

    Args:
        include_top: Whether to end with Flatten, `fc1`, `fc2` and the softmax.
        weights: None (random initialization), `'imagenet'` (downloaded into the Keras
            cache through `get_file`), or the path of a weights file (Keras 2 HDF5).
        input_tensor: A symbolic tensor to use as the image input.
        input_shape: The image shape without the batch axis; only with
            `include_top=False` may it differ from `(224, 224, 3)`; sides of at least 32.
        pooling: With `include_top=False`: None (4D output), `'avg'` or `'max'`.
        classes: Number of classes of the top (only without ImageNet weights).

    Returns:
        A functional `Model` named `vgg19`.
    """
    return vgg_common.vgg(
        "VGG19",
        CONVS_PER_BLOCK,
        WEIGHTS_FILES,
        include_top=include_top,
        weights=weights,
        input_tensor=input_tensor,
        input_shape=input_shape,
        pooling=pooling,
        classes=classes,
        kwargs=kwargs,
    )


def preprocess_input(x, data_format=None, **kwargs):
    """Caffe-style preprocessing (RGB to BGR, ImageNet means subtracted), as VGG's
    weights expect; see `imagenet_utils.preprocess_input`."""
    return _preprocess(x, data_format=data_format, mode="caffe")


__all__ = ["VGG19", "decode_predictions", "preprocess_input"]
