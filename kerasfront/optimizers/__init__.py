"""Optimizers with Keras 2's update rules, defaults and argument names (Keras 3's
`learning_rate` and schedules accepted): SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax,
Nadam.

Every optimizer is written once against `kerasfront.ops` and runs inside the compiled
training step of every engine; torch uses fused multi-tensor kernels for Adam and SGD
with momentum where the adapter provides them.

Example:
    >>> from kerasfront import optimizers
    >>> model.compile(optimizer=optimizers.Adam(lr=1e-3, decay=1e-4), loss="mse")
    >>> model.compile(optimizer="nadam", loss="mse")  # Keras 2's defaults
"""

from __future__ import annotations

import inspect

from kerasfront.optimizers import schedules
from kerasfront.optimizers.adam import Adam, Adamax, Nadam
from kerasfront.optimizers.adaptive import Adadelta, Adagrad, RMSprop
from kerasfront.optimizers.base import Optimizer
from kerasfront.optimizers.gradient_descent import SGD
from kerasfront.optimizers.graph_updates import clip_norm

# Keras 2 exported the classes under lower-case names too.
sgd, rmsprop, adagrad, adadelta, adam, adamax, nadam = (
    SGD,
    RMSprop,
    Adagrad,
    Adadelta,
    Adam,
    Adamax,
    Nadam,
)


class TFOptimizer:
    """Keras 2's wrapper of a TensorFlow 1 `tf.train.Optimizer`, which kerasfront cannot
    run: that optimizer updates TensorFlow variables in place from its own graph, while
    kerasfront's training step is one engine-neutral function of the variables' values.
    Creating one raises an error naming the kerasfront optimizer to use instead."""

    def __init__(self, optimizer, *args, **kwargs):
        raise TypeError(
            f"TFOptimizer({type(optimizer).__name__}): kerasfront cannot train with a "
            "TensorFlow 1 tf.train optimizer; its update runs inside TensorFlow's own graph. "
            "Use the kerasfront optimizer with the same rule and hyperparameters, e.g. "
            "tf.train.AdamOptimizer(1e-3) -> kerasfront.optimizers.Adam(lr=1e-3), "
            "MomentumOptimizer(lr, m) -> SGD(lr, momentum=m)."
        )


_CLASSES = {cls.__name__: cls for cls in (SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, Nadam)}
_BY_NAME = {name.lower(): cls for name, cls in _CLASSES.items()}


def serialize(optimizer: Optimizer) -> dict:
    """`{"class_name": ..., "config": ...}`, which `deserialize` and `get` turn back into
    an equivalent optimizer (without its state: see `get_weights`)."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict, custom_objects=None) -> Optimizer:
    """An optimizer from `serialize`'s dict (Keras 2 and Keras 3 configs too). Class names
    are matched without case, as Keras 2 does ("adam" or "Adam"); `custom_objects` maps
    other names to user classes."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "An optimizer config must be a dict with 'class_name' and 'config', received "
            f"{config!r}."
        )
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _BY_NAME.get(str(name).lower())
    if cls is None:
        raise ValueError(
            f"Unknown optimizer {name!r}. Expected one of {sorted(_BY_NAME)}, or pass the "
            f"class in custom_objects={{{name!r}: cls}}."
        )
    arguments = config.get("config") or {}
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(arguments, custom_objects=custom_objects)
    return cls.from_config(arguments)  # a user class with Keras's one-argument form


def get(identifier) -> Optimizer:
    """An optimizer from a Keras 2 name ("sgd", "rmsprop", "adagrad", "adadelta", "adam",
    "adamax", "nadam"; with Keras 2's defaults), a config dict, or an Optimizer (returned
    as it is)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(
                f"Unknown optimizer {identifier!r}. Expected one of {sorted(_BY_NAME)}, a "
                "config dict or an Optimizer instance such as SGD(learning_rate=0.01)."
            )
        return cls()
    raise TypeError(
        "An optimizer must be a name, a config dict or an Optimizer instance, received "
        f"{type(identifier).__name__}: {identifier!r}."
    )


__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "Adamax",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "TFOptimizer",
    "adadelta",
    "adagrad",
    "adam",
    "adamax",
    "clip_norm",
    "deserialize",
    "get",
    "nadam",
    "rmsprop",
    "schedules",
    "serialize",
    "sgd",
]
