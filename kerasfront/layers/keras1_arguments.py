"""The Keras 1 argument spellings that Keras 2 still accepted, with a warning.

Keras 2.2.4 converted them on the way into the constructor: `Dense(output_dim=64,
init="uniform")`, `Convolution2D(32, 3, 3, border_mode="same", dim_ordering="th")`,
`LSTM(output_dim=8, inner_activation="sigmoid", consume_less="gpu")`,
`BatchNormalization(mode=0)`. Code and configs of that era still exist, so each layer
below takes them too, converts them to the Keras 2 argument, and warns once per call
with the Keras 2 spelling. Giving an old name and its new name together is an error.

`install()` wraps the listed classes' constructors; `kerasfront.layers` calls it once
after importing them. The wrapped constructor keeps its signature (`inspect.signature`
follows `__wrapped__`).
"""

from __future__ import annotations

import functools
import warnings

from kerasfront import user_warnings

_DIM_ORDERING = {"dim_ordering": {"tf": "channels_last", "th": "channels_first", "default": None}}
_WEIGHT_RENAMES = (
    ("init", "kernel_initializer"),
    ("W_regularizer", "kernel_regularizer"),
    ("b_regularizer", "bias_regularizer"),
    ("W_constraint", "kernel_constraint"),
    ("b_constraint", "bias_constraint"),
    ("bias", "use_bias"),
)
_CONV_RENAMES = (
    ("nb_filter", "filters"),
    ("subsample", "strides"),
    ("border_mode", "padding"),
    ("dim_ordering", "data_format"),
)


# ---- preprocessors: (layer name, args, kwargs) -> (args, kwargs, notes) ----------------
def _conv_sizes(name, args, kwargs, rank):
    """Keras 1's separate kernel sizes: `Convolution2D(32, 3, 3)` (filters, rows, cols)
    or `nb_row=` / `nb_col=` (2-D); `kernel_dim1..3` (3-D)."""
    keywords = ("nb_row", "nb_col") if rank == 2 else ("kernel_dim1", "kernel_dim2", "kernel_dim3")
    positional = args[1 : 1 + rank]
    if len(args) == 1 + rank and all(isinstance(size, int) for size in positional):
        # Keras 2 refused this form together with these keywords: the integers could
        # then be a kernel size and strides.
        clashes = [k for k in ("padding", "strides", "data_format") if k in kwargs]
        if clashes:
            raise ValueError(
                f"{name}: received {rank} integer sizes after filters ({list(positional)}) "
                f"and {clashes}; Keras 2 reads the integers as Keras 1's kernel sizes only "
                "without those keywords. Pass kernel_size=(...) and strides=... as keywords."
            )
        return (args[0], tuple(positional)), kwargs, ["positional kernel sizes -> kernel_size"]
    given = [k for k in keywords if k in kwargs]
    if not given:
        return args, kwargs, []
    # The leading sizes may come positionally, the rest as keywords.
    leading = list(args[1:])
    if len(leading) + len(given) != rank or given != list(keywords[len(leading) :]):
        raise TypeError(
            f"{name}: Keras 1's kernel sizes must be complete, received positional sizes "
            f"{leading} and keywords {given}; pass kernel_size=(...) instead."
        )
    sizes = tuple(leading) + tuple(kwargs.pop(k) for k in given)
    note = [f"{'/'.join(keywords)} -> kernel_size"]
    if not args:  # filters came as a keyword too (nb_filter=)
        _put(name, kwargs, "/".join(keywords), "kernel_size", sizes)
        return args, kwargs, note
    return (args[0], sizes), kwargs, note


def _conv2d(name, args, kwargs):
    return _conv_sizes(name, args, kwargs, 2)


def _conv3d(name, args, kwargs):
    return _conv_sizes(name, args, kwargs, 3)


def _deconv2d(name, args, kwargs):
    # Keras 1's Deconvolution2D also took the output shape; Keras 2 computed it.
    notes = []
    if len(args) == 4 and isinstance(args[3], tuple):
        args, notes = args[:3], ["output_shape (dropped)"]
    if "output_shape" in kwargs:
        kwargs.pop("output_shape")
        notes = ["output_shape (dropped)"]
    args, kwargs, more = _conv2d(name, args, kwargs)
    return args, kwargs, notes + more


def _separable2d(name, args, kwargs):
    notes = []
    if "init" in kwargs:
        init = kwargs.pop("init")
        for new in ("depthwise_initializer", "pointwise_initializer"):
            _put(name, kwargs, "init", new, init)
        notes = ["init -> depthwise_initializer/pointwise_initializer"]
    args, kwargs, more = _conv2d(name, args, kwargs)
    return args, kwargs, notes + more


def _forget_bias(name, args, kwargs):
    if "forget_bias_init" not in kwargs:
        return args, kwargs, []
    value = kwargs.pop("forget_bias_init")
    if value == "one":
        _put(name, kwargs, "forget_bias_init", "unit_forget_bias", True)
        return args, kwargs, ["forget_bias_init -> unit_forget_bias"]
    user_warnings.warn(
        f"{name}: forget_bias_init={value!r} is ignored (Keras 2 did the same); use "
        "unit_forget_bias=True for a forget bias of one."
    )
    return args, kwargs, []


def _conv_lstm2d(name, args, kwargs):
    args, kwargs, notes = _forget_bias(name, args, kwargs)
    args, kwargs, more = _conv2d(name, args, kwargs)
    return args, kwargs, notes + more


def _sequence_input(name, args, kwargs):
    # Keras 1's input_dim / input_length of sequence layers: input_shape=(length, dim).
    if "input_dim" not in kwargs or kwargs.get("input_shape") is not None:
        return args, kwargs, []
    kwargs["input_shape"] = (kwargs.pop("input_length", None), kwargs.pop("input_dim"))
    return args, kwargs, ["input_dim/input_length -> input_shape"]


def _embedding(name, args, kwargs):
    if "dropout" in kwargs:
        kwargs.pop("dropout")
        user_warnings.warn(
            f"{name}: Embedding no longer takes dropout (Keras 2 dropped it too); add a "
            "SpatialDropout1D layer after the Embedding for the same effect."
        )
    return args, kwargs, []


def _batch_normalization(name, args, kwargs):
    if "mode" not in kwargs:
        return args, kwargs, []
    mode = kwargs.pop("mode")
    if mode != 0:
        raise TypeError(
            f"{name}: Keras 1's mode={mode!r} no longer exists (Keras 2 kept only mode=0, "
            "per-feature normalization); remove the argument."
        )
    return args, kwargs, ["mode (dropped)"]


def _zero_padding2d(name, args, kwargs):
    # Keras 1 took a dict {top_pad, bottom_pad, left_pad, right_pad}.
    keys = {"top_pad", "bottom_pad", "left_pad", "right_pad"}
    padding = kwargs.get("padding", args[0] if args else None)
    if not isinstance(padding, dict) or not set(padding) <= keys:
        return args, kwargs, []
    pads = ((padding.get("top_pad", 0), padding.get("bottom_pad", 0)),)
    pads += ((padding.get("left_pad", 0), padding.get("right_pad", 0)),)
    if "padding" in kwargs:
        kwargs["padding"] = pads
    else:
        args = (pads, *args[1:])
    return args, kwargs, ["padding dict -> ((top, bottom), (left, right))"]


# ---- the table ----------------------------------------------------------------------
_RECURRENT = (
    (
        ("output_dim", "units"),
        ("init", "kernel_initializer"),
        ("inner_init", "recurrent_initializer"),
        ("inner_activation", "recurrent_activation"),
        ("W_regularizer", "kernel_regularizer"),
        ("b_regularizer", "bias_regularizer"),
        ("U_regularizer", "recurrent_regularizer"),
        ("dropout_W", "dropout"),
        ("dropout_U", "recurrent_dropout"),
        ("consume_less", "implementation"),
    ),
    {"consume_less": {"cpu": 0, "mem": 1, "gpu": 2}},
    _forget_bias,
)
_POOLING_1D = ((("pool_length", "pool_size"), ("stride", "strides"), ("border_mode", "padding")),)
_POOLING_ND = ((("border_mode", "padding"), ("dim_ordering", "data_format")), _DIM_ORDERING)
_DATA_FORMAT = ((("dim_ordering", "data_format"),), _DIM_ORDERING)
_CONV_1D = (
    (
        ("nb_filter", "filters"),
        ("filter_length", "kernel_size"),
        ("subsample_length", "strides"),
        ("border_mode", "padding"),
        *_WEIGHT_RENAMES,
    ),
    {},
    _sequence_input,
)
_CONV_2D = ((*_CONV_RENAMES, *_WEIGHT_RENAMES), _DIM_ORDERING, _conv2d)

# Layer class name -> (renames (old, new), value conversions {old name: {old: new}},
# preprocessor), following Keras 2.2.4's list.
KERAS1_ARGUMENTS = {
    "Dense": ((("output_dim", "units"), *_WEIGHT_RENAMES),),
    "Dropout": ((("p", "rate"),),),
    "GaussianDropout": ((("p", "rate"),),),
    "SpatialDropout1D": ((("p", "rate"),),),
    "SpatialDropout2D": ((("p", "rate"), ("dim_ordering", "data_format")), _DIM_ORDERING),
    "SpatialDropout3D": ((("p", "rate"), ("dim_ordering", "data_format")), _DIM_ORDERING),
    "GaussianNoise": ((("sigma", "stddev"),),),
    "PReLU": ((("init", "alpha_initializer"),),),
    "Embedding": (
        (
            ("init", "embeddings_initializer"),
            ("W_regularizer", "embeddings_regularizer"),
            ("W_constraint", "embeddings_constraint"),
        ),
        {},
        _embedding,
    ),
    "BatchNormalization": (
        (("beta_init", "beta_initializer"), ("gamma_init", "gamma_initializer")),
        {},
        _batch_normalization,
    ),
    "SimpleRNN": _RECURRENT,
    "GRU": _RECURRENT,
    "LSTM": _RECURRENT,
    "MaxPooling1D": _POOLING_1D,
    "AveragePooling1D": _POOLING_1D,
    **dict.fromkeys(
        "MaxPooling2D AveragePooling2D MaxPooling3D AveragePooling3D".split(), _POOLING_ND
    ),
    **dict.fromkeys(
        (
            "GlobalMaxPooling2D GlobalAveragePooling2D GlobalMaxPooling3D "
            "GlobalAveragePooling3D UpSampling2D UpSampling3D ZeroPadding3D Cropping2D "
            "Cropping3D"
        ).split(),
        _DATA_FORMAT,
    ),
    "ZeroPadding2D": (*_DATA_FORMAT, _zero_padding2d),
    "UpSampling1D": ((("length", "size"),),),
    "Conv1D": _CONV_1D,
    "LocallyConnected1D": _CONV_1D,
    "Conv2D": _CONV_2D,
    "LocallyConnected2D": _CONV_2D,
    "Conv2DTranspose": ((*_CONV_RENAMES, *_WEIGHT_RENAMES), _DIM_ORDERING, _deconv2d),
    "Conv3D": ((*_CONV_RENAMES, *_WEIGHT_RENAMES), _DIM_ORDERING, _conv3d),
    "SeparableConv2D": (
        (
            *_CONV_RENAMES,
            ("b_regularizer", "bias_regularizer"),
            ("b_constraint", "bias_constraint"),
            ("bias", "use_bias"),
        ),  # fmt: skip
        _DIM_ORDERING,
        _separable2d,
    ),
    "ConvLSTM2D": (
        (
            *_CONV_RENAMES,
            ("init", "kernel_initializer"),
            ("inner_init", "recurrent_initializer"),
            ("W_regularizer", "kernel_regularizer"),
            ("U_regularizer", "recurrent_regularizer"),
            ("b_regularizer", "bias_regularizer"),
            ("inner_activation", "recurrent_activation"),
            ("dropout_W", "dropout"),
            ("dropout_U", "recurrent_dropout"),
            ("bias", "use_bias"),
        ),
        _DIM_ORDERING,
        _conv_lstm2d,
    ),
}


def _put(name: str, kwargs: dict, old: str, new: str, value) -> None:
    if new in kwargs:
        raise TypeError(
            f"{name}: received both Keras 1's {old}= and Keras 2's {new}=; give only {new}=."
        )
    kwargs[new] = value


def convert(name: str, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """`(args, kwargs)` of a `name(...)` call with Keras 1's spellings made Keras 2's
    (warning when any was found). `args` excludes `self`."""
    entry = KERAS1_ARGUMENTS[name]
    renames = entry[0]
    values = entry[1] if len(entry) > 1 else {}
    preprocess = entry[2] if len(entry) > 2 else None
    if not kwargs and preprocess is None:
        return args, kwargs  # the common Keras 2 call: nothing to look at
    kwargs = dict(kwargs)
    notes = []
    if preprocess is not None:
        args, kwargs, notes = preprocess(name, tuple(args), kwargs)
    for old, table in values.items():
        if old in kwargs and isinstance(kwargs[old], str) and kwargs[old] in table:
            kwargs[old] = table[kwargs[old]]
    for old, new in renames:
        if old in kwargs:
            _put(name, kwargs, old, new, kwargs.pop(old))
            notes.append(f"{old} -> {new}")
    if notes:
        warnings.warn(
            f"{name}: Keras 1 arguments converted to Keras 2's ({', '.join(notes)}); "
            "update the call to the Keras 2 spelling.",
            UserWarning,
            stacklevel=3,
        )
    return args, kwargs


def _accepting_keras1(original, name: str):
    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        args, kwargs = convert(name, args, kwargs)
        original(self, *args, **kwargs)

    __init__._keras1_arguments = True
    return __init__


def install(namespace: dict) -> None:
    """Wraps the constructor of each class of KERAS1_ARGUMENTS found in `namespace` (its
    own or the one it inherits, so each class converts with its own table)."""
    for name in KERAS1_ARGUMENTS:
        layer_class = namespace.get(name)
        if layer_class is None:
            continue
        own = layer_class.__dict__.get("__init__")
        if own is not None and getattr(own, "_keras1_arguments", False):
            continue
        layer_class.__init__ = _accepting_keras1(layer_class.__init__, name)
