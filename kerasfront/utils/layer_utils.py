"""Keras 2's `keras.utils.layer_utils`: counting weights, printing a model's summary,
flipping convolution kernels between Theano's and TensorFlow's conventions, and finding
the inputs a graph tensor is computed from."""

from __future__ import annotations

import numpy as np

from kerasfront.utils.conv_utils import convert_kernel

__all__ = [
    "convert_all_kernels_in_model",
    "convert_dense_weights_data_format",
    "count_params",
    "get_source_inputs",
    "print_summary",
]

# The layers whose `kernel` Keras 2's conversion flips (by class name, as Keras 2 did).
_CONV_CLASSES = ("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose")


def count_params(weights) -> int:
    """The number of scalars in a list of weights, each weight counted once however
    often it appears."""
    unique = {id(weight): weight for weight in weights}
    return int(sum(int(np.prod(tuple(weight.shape))) for weight in unique.values()))


def print_summary(model, line_length=None, positions=None, print_fn=None):
    """Prints the summary table of `model` (see `Model.summary`)."""
    from kerasfront.models.summary import print_summary as summary  # lazy: models need utils

    summary(model, line_length=line_length, positions=positions, print_fn=print_fn)


def convert_all_kernels_in_model(model) -> None:
    """Flips the spatial axes of every Conv1D/2D/3D and Conv2DTranspose kernel in
    `model` (a Theano-trained kernel becomes a TensorFlow one, and back)."""
    for layer in model.layers:
        if type(layer).__name__ in _CONV_CLASSES:
            weights = layer.get_weights()  # the kernel first, as Keras 2's weight order
            weights[0] = convert_kernel(weights[0])
            layer.set_weights(weights)


def convert_dense_weights_data_format(
    dense, previous_feature_map_shape, target_data_format="channels_first"
) -> None:
    """Reorders the input rows of a `Dense` layer that follows a `Flatten`, when the
    feature map before the Flatten changes data format.

    Args:
        dense: the Dense layer.
        previous_feature_map_shape: the shape of the feature map that reaches the
            Flatten, 3 ints in `target_data_format`'s order (e.g. `(512, 7, 7)` for
            channels_first); the kernel's rows are in the other order now.
        target_data_format: "channels_first" or "channels_last".
    """
    if target_data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "convert_dense_weights_data_format: target_data_format must be 'channels_first' "
            f"or 'channels_last', received {target_data_format!r}."
        )
    kernel, *rest = dense.get_weights()
    if target_data_format == "channels_first":
        channels, rows, cols = previous_feature_map_shape
        source, order = (rows, cols, channels), (2, 0, 1)
    else:
        rows, cols, channels = previous_feature_map_shape
        source, order = (channels, rows, cols), (1, 2, 0)
    units = kernel.shape[1]
    kernel = np.transpose(kernel.reshape(*source, units), (*order, 3)).reshape(-1, units)
    dense.set_weights([kernel, *rest])


def get_source_inputs(tensor, layer=None, node_index=None):
    """The `Input` tensors `tensor` is computed from (a list); a tensor that is not part
    of a functional graph is returned as it is. `layer` and `node_index` are accepted
    for Keras 2's signature; the tensor's own history is followed."""
    if getattr(tensor, "keras_history", None) is None:
        return tensor
    from kerasfront.applications.building import source_inputs  # lazy: layers need utils

    return source_inputs(tensor)
