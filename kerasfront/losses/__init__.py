"""Keras 2 losses in three forms: functions giving one value per sample
(`mean_squared_error(y_true, y_pred)`), their names for `compile(loss="mse")`, and loss
objects with a reduction (`MeanSquaredError(reduction="sum")(y_true, y_pred)`).

Example:
    >>> from kerasfront import losses
    >>> losses.mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]])  # a tensor: [0.5]
    >>> losses.get("mse") is losses.mean_squared_error
    True
"""

from __future__ import annotations

from kerasfront.losses.classes import (
    CLASSES,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    Loss,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    Reduction,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from kerasfront.losses.functions import (
    ALIASES,
    BCE,
    FUNCTIONS,
    KLD,
    MAE,
    MAPE,
    MSE,
    MSLE,
    bce,
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    cosine,
    cosine_proximity,
    cosine_similarity,
    hinge,
    huber,
    huber_loss,
    kl_divergence,
    kld,
    kullback_leibler_divergence,
    log_cosh,
    logcosh,
    mae,
    mape,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    mse,
    msle,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)


def _known_names() -> list[str]:
    return sorted(set(FUNCTIONS) | set(ALIASES) | set(CLASSES))


class _CompiledForm:
    """What `compile` gets for a loss object: its per-sample values (`Loss.per_sample`),
    which the training loop weights by sample and averages, giving the object's own
    weighted reduction. Carries the object (`loss`) and its function (`fn`)."""

    def __init__(self, loss: Loss):
        self.loss = loss
        self.fn = getattr(loss, "fn", None)
        self.__name__ = loss.name or type(loss).__name__

    def __call__(self, y_true, y_pred):
        return self.loss.per_sample(y_true, y_pred)

    def get_config(self) -> dict:
        return self.loss.get_config()


def canonical_name(loss) -> str | None:
    """The Keras name of a built-in loss (a function, its object or compile's form), which
    `compile` uses to pick the accuracy metric and check targets; None for others."""
    fn = getattr(loss, "fn", None) if isinstance(loss, (Loss, _CompiledForm)) else loss
    name = getattr(fn, "__name__", None)
    return name if FUNCTIONS.get(name) is fn else None


def serialize(loss) -> dict | str | None:
    """A loss object as `{"class_name", "config"}`, a built-in function as its name."""
    if loss is None:
        return None
    if isinstance(loss, _CompiledForm):
        loss = loss.loss
    if isinstance(loss, Loss):
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    name = getattr(loss, "__name__", None)
    if name is None:
        raise TypeError(f"Cannot serialize the loss {loss!r:.80}: it has no name.")
    return name


def deserialize(identifier, custom_objects: dict | None = None):
    """A loss from `serialize`'s output: a function name gives the function, a class name
    or a config dict gives a loss object. `custom_objects` maps names to user losses."""
    custom_objects = custom_objects or {}
    if isinstance(identifier, dict):
        if "class_name" not in identifier:
            raise ValueError(
                f"A loss config must be a dict with 'class_name' and 'config', received "
                f"{identifier!r:.120}."
            )
        name, arguments = identifier["class_name"], identifier.get("config") or {}
        if name == "function":  # how tf.keras 2.13+ writes a function: its name in config
            return deserialize(arguments, custom_objects)
        cls = custom_objects.get(name) or CLASSES.get(name)
        if cls is None:
            raise ValueError(
                f"Unknown loss class {name!r}. Expected one of {sorted(CLASSES)}, or pass "
                f"the class in custom_objects={{{name!r}: cls}}."
            )
        return cls.from_config(arguments) if isinstance(cls, type) else cls
    if isinstance(identifier, str):
        if identifier in custom_objects:
            found = custom_objects[identifier]
            return found() if isinstance(found, type) else found
        name = ALIASES.get(identifier, identifier)
        if name in FUNCTIONS:
            return FUNCTIONS[name]
        if name in CLASSES:
            return CLASSES[name]()
        raise ValueError(
            f"Unknown loss {identifier!r}. Expected one of {_known_names()}, a Loss object or "
            "a function f(y_true, y_pred) giving one value per sample."
        )
    raise TypeError(
        f"deserialize expects a name or a config dict, received {type(identifier).__name__}: "
        f"{identifier!r:.80}."
    )


def get(identifier):
    """Resolves a loss for `compile`: a name ("mse", "binary_crossentropy",
    "BinaryCrossentropy"), a config dict, a Loss object or a function.

    Names of functions give the function; class names and config dicts give a loss
    object. A loss object (given or made) comes back as its compiled form, a callable
    giving the object's per-sample values (`Loss.per_sample`), because the training loop
    weights and averages per-sample values itself; its `.loss` is the object. Other
    callables come back as they are.
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        identifier = deserialize(identifier)
    if isinstance(identifier, Loss):
        return _CompiledForm(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(
        f"loss must be a name, a config dict, a Loss or a callable, received "
        f"{type(identifier).__name__}: {identifier!r:.80}."
    )


__all__ = [
    "BCE",
    "KLD",
    "MAE",
    "MAPE",
    "MSE",
    "MSLE",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "CategoricalHinge",
    "CosineSimilarity",
    "Hinge",
    "Huber",
    "KLDivergence",
    "LogCosh",
    "Loss",
    "LossFunctionWrapper",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredError",
    "MeanSquaredLogarithmicError",
    "Poisson",
    "Reduction",
    "SparseCategoricalCrossentropy",
    "SquaredHinge",
    "bce",
    "binary_crossentropy",
    "categorical_crossentropy",
    "categorical_hinge",
    "cosine",
    "cosine_proximity",
    "cosine_similarity",
    "deserialize",
    "get",
    "hinge",
    "huber",
    "huber_loss",
    "kl_divergence",
    "kld",
    "kullback_leibler_divergence",
    "log_cosh",
    "logcosh",
    "mae",
    "mape",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "mse",
    "msle",
    "poisson",
    "serialize",
    "sparse_categorical_crossentropy",
    "squared_hinge",
]
