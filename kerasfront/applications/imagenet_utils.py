"""ImageNet helpers shared by the applications: input preprocessing, decoding predictions
into class names, and Keras 2's rule for a model's input shape.

The three preprocessing modes are Keras 2's: `"caffe"` (RGB to BGR, then the ImageNet
channel means subtracted, no scaling), `"tf"` (pixels scaled to [-1, 1]) and `"torch"`
(pixels scaled to [0, 1], then normalized by the ImageNet channel means and standard
deviations).
"""

from __future__ import annotations

import importlib
import json
import os
import warnings

import numpy as np

from kerasfront import config

CLASS_INDEX_FILE = "imagenet_class_index.json"
CLASS_INDEX_ORIGIN = (
    "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json"
)
CLASS_INDEX_HASH = "c2c37ea517e94d9795004a39431a14cb"  # md5, as Keras 2 checks it

# Per-channel statistics in RGB order (Keras 2's values).
CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
TORCH_MEAN = (0.485, 0.456, 0.406)
TORCH_STD = (0.229, 0.224, 0.225)
MODES = ("caffe", "tf", "torch")

_class_index_cache: dict[str, dict] = {}  # keyed by the file path it was read from


def _check_format(data_format: str | None) -> str:
    data_format = config.image_data_format() if data_format is None else data_format
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "preprocess_input: data_format must be 'channels_first' or 'channels_last', "
            f"received {data_format!r}."
        )
    return data_format


def _channel_axis(ndim: int, data_format: str) -> int:
    if ndim not in (3, 4):
        raise ValueError(
            "preprocess_input expects one image (3 dimensions) or a batch of images "
            f"(4 dimensions); received an array with {ndim} dimensions."
        )
    return (ndim - 3) if data_format == "channels_first" else ndim - 1


def _channel_shape(ndim: int, axis: int) -> tuple:
    # A (3,) vector shaped to broadcast along the channel axis only.
    shape = [1] * (ndim - axis)
    shape[0] = 3
    return tuple(shape)


def _preprocess_numpy(x: np.ndarray, data_format: str, mode: str) -> np.ndarray:
    # Keras 2 works in place on float arrays (the caller's array changes) and converts
    # other dtypes to floatx first; kept so code written for Keras 2 behaves the same.
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(config.floatx())
    axis = _channel_axis(x.ndim, data_format)
    if x.shape[axis] != 3:
        raise ValueError(
            f"preprocess_input (mode={mode!r}, {data_format}) expects 3 color channels on "
            f"axis {axis}; received an array of shape {x.shape}."
        )
    if mode == "tf":
        x /= 127.5
        x -= 1.0
        return x
    shape = _channel_shape(x.ndim, axis)
    if mode == "torch":
        x /= 255.0
        x -= np.reshape(np.asarray(TORCH_MEAN, x.dtype), shape)
        x /= np.reshape(np.asarray(TORCH_STD, x.dtype), shape)
        return x
    x = np.flip(x, axis=axis)  # RGB -> BGR (a view, as Keras 2's slicing)
    x -= np.reshape(np.asarray(CAFFE_MEAN_BGR, x.dtype), shape)
    return x


def _engine_ops():
    # kerasfront.ops can only be imported once the engine is bound, which importing
    # the layers does (importing ops first is a circular import).
    importlib.import_module("kerasfront.layers")
    return importlib.import_module("kerasfront.ops")


def _preprocess_tensor(x, data_format: str, mode: str):
    ops = _engine_ops()
    if hasattr(x, "keras_history"):
        raise TypeError(
            "preprocess_input takes NumPy arrays or engine tensors, not a symbolic Keras "
            "tensor; inside a model, wrap it in a layer: "
            "Lambda(lambda t: preprocess_input(t)) or preprocess the data beforehand."
        )
    x = ops.convert_to_tensor(x)
    if "float" not in str(x.dtype):
        x = ops.cast(x, config.floatx())
    ndim = len(x.shape)
    axis = _channel_axis(ndim, data_format)
    if x.shape[axis] != 3:
        raise ValueError(
            f"preprocess_input (mode={mode!r}, {data_format}) expects 3 color channels on "
            f"axis {axis}; received a tensor of shape {tuple(x.shape)}."
        )
    if mode == "tf":
        return x / 127.5 - 1.0
    shape = _channel_shape(ndim, axis)

    def constant(values):
        return ops.convert_to_tensor(np.reshape(np.asarray(values), shape), dtype=x.dtype)

    if mode == "torch":
        return (x / 255.0 - constant(TORCH_MEAN)) / constant(TORCH_STD)
    return ops.flip(x, axis=axis) - constant(CAFFE_MEAN_BGR)


def preprocess_input(x, data_format: str | None = None, mode: str = "caffe", **kwargs):
    """Prepares a batch of RGB images with values in [0, 255] for an ImageNet model.

    Args:
        x: A NumPy array or an engine tensor, one image (3D) or a batch (4D). A float
            NumPy array is changed in place, as in Keras 2 (pass `x.copy()` to keep it).
        data_format: `'channels_last'` or `'channels_first'`; defaults to the configured
            `image_data_format`.
        mode: `'caffe'`, `'tf'` or `'torch'` (see the module docstring).
        **kwargs: Keras 2's `backend=`, `layers=`, ... injections, accepted and unused.

    Returns:
        The preprocessed array or tensor (floating point).
    """
    if mode not in MODES:
        raise ValueError(f"preprocess_input: mode must be one of {MODES}, received {mode!r}.")
    data_format = _check_format(data_format)
    if isinstance(x, np.ndarray):
        return _preprocess_numpy(x, data_format, mode)
    return _preprocess_tensor(x, data_format, mode)


def _load_class_index(class_index_path) -> dict:
    if class_index_path is None:
        from kerasfront.utils.data_utils import DownloadError, get_file

        try:
            path = get_file(
                CLASS_INDEX_FILE,
                CLASS_INDEX_ORIGIN,
                cache_subdir="models",
                file_hash=CLASS_INDEX_HASH,
            )
        except DownloadError as error:
            raise DownloadError(
                "decode_predictions needs the ImageNet class index and could not fetch it. "
                f"{error} Or pass decode_predictions(..., class_index_path=<local file>)."
            ) from error
    else:
        path = os.fspath(class_index_path)
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"decode_predictions: class_index_path={path!r} is not a file; it must be "
                f"a copy of {CLASS_INDEX_FILE} ({CLASS_INDEX_ORIGIN})."
            )
    path = os.path.abspath(path)
    if path not in _class_index_cache:
        with open(path, encoding="utf-8") as handle:
            _class_index_cache[path] = json.load(handle)
    return _class_index_cache[path]


def decode_predictions(preds, top: int = 5, class_index_path=None, **kwargs) -> list:
    """Turns ImageNet class probabilities into the `top` most likely classes per sample.

    The class index (`imagenet_class_index.json`, mapping `"0"` to
    `["n01440764", "tench"]`) is read from `class_index_path` when given, else from the
    Keras cache (`$KERAS_HOME/models/`), downloaded there through `get_file` when absent.

    Args:
        preds: Array or tensor of shape `(samples, 1000)`.
        top: How many classes to return per sample.
        class_index_path: A local copy of the class index file (an extension of Keras 2).
        **kwargs: Keras 2's `backend=`, `utils=`, ... injections, accepted and unused.

    Returns:
        One list per sample of `(class_id, class_name, score)` tuples, best first.

    Raises:
        ValueError: `preds` is not of shape `(samples, 1000)`.
        kerasfront.utils.data_utils.DownloadError: No local class index and no network.
    """
    if not isinstance(preds, np.ndarray):
        preds = _engine_ops().convert_to_numpy(preds)
    if preds.ndim != 2 or preds.shape[1] != 1000:
        raise ValueError(
            "decode_predictions expects a batch of ImageNet predictions, an array of shape "
            f"(samples, 1000); received shape {preds.shape}."
        )
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"decode_predictions: top must be a positive integer, received {top!r}.")
    class_index = _load_class_index(class_index_path)
    results = []
    for scores in preds:
        # A stable sort on the negated scores: ties keep the lower class index first.
        best = np.argsort(-scores, kind="stable")[:top]
        results.append([(*class_index[str(i)], scores[i]) for i in best])
    return results


def obtain_input_shape(
    input_shape,
    default_size: int,
    min_size: int,
    data_format: str,
    require_flatten: bool,
    weights=None,
) -> tuple:
    """Checks or fills in an application's input shape, by Keras 2's rules.

    Without `input_shape`, the default `(default_size, default_size, 3)` (channels last)
    when the top is included, else `(None, None, 3)`. With ImageNet weights and the top,
    only the default shape is allowed; with ImageNet weights, only 3 channels; sides
    must be at least `min_size`; with the top, every size must be known.
    """
    channels_first = data_format == "channels_first"
    if input_shape is not None:
        input_shape = tuple(input_shape)
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        channels = input_shape[0] if channels_first else input_shape[-1]
        if channels not in (1, 3):
            warnings.warn(
                f"This model usually expects 1 or 3 input channels; input_shape={input_shape} "
                f"has {channels}.",
                stacklevel=3,
            )
        sides = (default_size, default_size)
        default_shape = (channels, *sides) if channels_first else (*sides, channels)
    else:
        default_shape = (3, default_size, default_size)
        if not channels_first:
            default_shape = (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and input_shape != default_shape:
            raise ValueError(
                "With include_top=True and weights='imagenet', input_shape must be "
                f"{default_shape}; received {input_shape}."
            )
        return default_shape
    if input_shape:
        if len(input_shape) != 3:
            raise ValueError(
                f"input_shape must be a tuple of three integers; received {input_shape}."
            )
        channels = input_shape[0] if channels_first else input_shape[-1]
        sides = input_shape[1:] if channels_first else input_shape[:2]
        if weights == "imagenet" and channels != 3:
            raise ValueError(
                f"ImageNet weights need 3 input channels; received input_shape={input_shape}."
            )
        if any(side is not None and side < min_size for side in sides):
            raise ValueError(
                f"Input size must be at least {min_size}x{min_size}; received "
                f"input_shape={input_shape}."
            )
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise ValueError(
            "With include_top=True, input_shape must be fully known; received "
            f"input_shape={input_shape}."
        )
    return input_shape


__all__ = ["decode_predictions", "obtain_input_shape", "preprocess_input"]
