"""Loss objects: a loss function with its settings, a reduction and a name.

`MeanSquaredError()(y_true, y_pred, sample_weight)` weights the per-sample values and
reduces them: "sum_over_batch_size" (the default: the weighted sum divided by the number
of values), "sum", or "none" (the weighted values). tf.keras's `Reduction.AUTO` means
"sum_over_batch_size" here, as it does outside a distribution strategy.
"""

from __future__ import annotations

from kerasfront import ops
from kerasfront.backend import user_code
from kerasfront.backend.tensor_args import as_tensor
from kerasfront.losses import functions


class Reduction:
    """The reduction names tf.keras spells `tf.keras.losses.Reduction.SUM` etc."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls) -> tuple:
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, reduction, owner: str = "Loss") -> str:
        """The reduction's name; Keras 3's `None` means "none"; anything else is an error."""
        if reduction is None:
            return cls.NONE
        if isinstance(reduction, str) and reduction.lower() in cls.all():
            return reduction.lower()
        raise ValueError(
            f"{owner}: reduction must be one of {list(cls.all())} (or None), received "
            f"{reduction!r}."
        )


def _align_weights(sample_weight, losses):
    """Sample weights shaped to multiply `losses`: per sample (batch,), per value, or
    (batch, 1) beside (batch,) losses, as tf.keras accepts them; a scalar scales all."""
    weights = ops.cast(as_tensor(sample_weight), ops.dtype(losses))
    weight_shape, loss_shape = tuple(ops.shape(weights)), tuple(ops.shape(losses))
    if len(weight_shape) == len(loss_shape) + 1 and weight_shape[-1] == 1:
        weights = ops.squeeze(weights, -1)
        weight_shape = weight_shape[:-1]
    if weight_shape and len(weight_shape) < len(loss_shape):
        extra = len(loss_shape) - len(weight_shape)
        weights = ops.reshape(weights, weight_shape + (1,) * extra)
        weight_shape = tuple(ops.shape(weights))
    fits = len(weight_shape) <= len(loss_shape) and all(
        w in (1, None) or d is None or w == d for w, d in zip(weight_shape[::-1], loss_shape[::-1])
    )
    if not fits:
        raise ValueError(
            f"sample_weight of shape {weight_shape} does not fit losses of shape "
            f"{loss_shape}: give one weight per sample ({loss_shape[:1]}) or per value "
            f"({loss_shape})."
        )
    return weights


class Loss:
    """Base class of loss objects. Subclasses define `call(y_true, y_pred)`, giving one
    value per sample; `__call__` weights and reduces them.

    Args:
        reduction: "sum_over_batch_size" (default), "sum", "none" ("auto" is
            "sum_over_batch_size").
        name: the loss's name.
    """

    def __init__(self, reduction: str | None = Reduction.SUM_OVER_BATCH_SIZE, name=None):
        self.reduction = Reduction.validate(reduction, type(self).__name__)
        self.name = name

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must define call(y_true, y_pred).")

    def _valid_mask(self, y_true, losses):
        """Float 1/0 per loss value for values that count, or None when all count."""
        return None

    def __call__(self, y_true, y_pred, sample_weight=None):
        """The weighted and reduced loss: a scalar, or per-sample values for "none"."""
        losses = self.call(y_true, y_pred)
        weighted, count = self._weighted(y_true, losses, sample_weight)
        reduction = self.reduction
        if reduction == Reduction.NONE:
            return weighted
        total = ops.sum(weighted)
        if reduction == Reduction.SUM:
            return total
        return total / count

    def _weighted(self, y_true, losses, sample_weight):
        """(losses times weights and mask, how many values the mean divides by)."""
        count = ops.size(losses)
        mask = self._valid_mask(y_true, losses)
        if mask is not None:
            losses = losses * mask
            # tf.keras averages over the values that count only.
            count = ops.maximum(ops.sum(mask), 1.0)
        if sample_weight is not None:
            losses = losses * _align_weights(sample_weight, losses)
        return losses, count

    def per_sample(self, y_true, y_pred):
        """Values whose mean equals `self(y_true, y_pred)` and whose mean after
        multiplying by sample weights equals `self(y_true, y_pred, sample_weight)`: what
        `compile`, which weights and averages per-sample values itself, trains on."""
        losses = self.call(y_true, y_pred)
        size = float(ops.size(losses))
        mask = self._valid_mask(y_true, losses)
        if mask is not None:
            losses = losses * mask
        if self.reduction == Reduction.SUM:
            return losses * size
        if self.reduction == Reduction.NONE or mask is None:
            return losses
        return losses * (size / ops.maximum(ops.sum(mask), 1.0))

    def get_config(self) -> dict:
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config_: dict):
        return cls(**config_)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """A loss function `fn(y_true, y_pred, **kwargs)` as a `Loss` object."""

    def __init__(self, fn, reduction=Reduction.SUM_OVER_BATCH_SIZE, name=None, **kwargs):
        super().__init__(reduction=reduction, name=name or getattr(fn, "__name__", None))
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        if user_code.is_users(self.fn):
            # Keras 2 losses may update y_pred in place (see backend/user_code.py).
            y_true, y_pred = user_code.private_copies((y_true, y_pred))
            return user_code.call_users(self.fn, y_true, y_pred, **self._fn_kwargs)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        config_ = {**super().get_config(), **self._fn_kwargs}
        if type(self) is LossFunctionWrapper:
            # Only a wrapper made directly needs its function named; subclasses fix it.
            config_["fn"] = getattr(self.fn, "__name__", None)
        return config_

    @classmethod
    def from_config(cls, config_: dict):
        config_ = dict(config_)
        if cls is LossFunctionWrapper:
            name = config_.pop("fn", None)
            fn = functions.FUNCTIONS.get(functions.ALIASES.get(name, name))
            if fn is None:
                raise ValueError(
                    f"LossFunctionWrapper.from_config: unknown loss function {name!r}; "
                    f"expected one of {sorted(functions.FUNCTIONS)}."
                )
            return cls(fn, **config_)
        return cls(**config_)


def _make(class_name: str, fn, default_name: str, doc: str, **options):
    """A LossFunctionWrapper subclass taking `options` (with their defaults), then
    `reduction` and `name`, by position or keyword, in tf.keras's order."""
    order = (*options, "reduction", "name")

    def __init__(self, *args, **kwargs):
        if len(args) > len(order):
            raise TypeError(
                f"{class_name} takes at most {len(order)} positional arguments "
                f"{list(order)}, received {len(args)}."
            )
        given = dict(zip(order, args))
        twice = set(given) & set(kwargs)
        unknown = set(kwargs) - set(order)
        if twice or unknown:
            raise TypeError(
                f"{class_name}: unknown or repeated arguments {sorted(twice | unknown)}; "
                f"expected {list(order)}."
            )
        values = {**options, **given, **kwargs}
        reduction = values.pop("reduction", Reduction.SUM_OVER_BATCH_SIZE)
        name = values.pop("name", default_name)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, **values)

    return type(class_name, (LossFunctionWrapper,), {"__init__": __init__, "__doc__": doc})


MeanSquaredError = _make(
    "MeanSquaredError", functions.mean_squared_error, "mean_squared_error",
    "The mean of squared errors: `mean_squared_error` as a loss object.",
)  # fmt: skip
MeanAbsoluteError = _make(
    "MeanAbsoluteError", functions.mean_absolute_error, "mean_absolute_error",
    "The mean of absolute errors: `mean_absolute_error` as a loss object.",
)  # fmt: skip
MeanAbsolutePercentageError = _make(
    "MeanAbsolutePercentageError", functions.mean_absolute_percentage_error,
    "mean_absolute_percentage_error",
    "100 * mean(|(y_true - y_pred) / y_true|), the divisor floored at epsilon.",
)  # fmt: skip
MeanSquaredLogarithmicError = _make(
    "MeanSquaredLogarithmicError", functions.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error",
    "The mean of squared differences of log(1 + value).",
)  # fmt: skip
Hinge = _make(
    "Hinge", functions.hinge, "hinge",
    "mean(max(1 - y_true * y_pred, 0)); 0/1 targets are read as -1/1.",
)  # fmt: skip
SquaredHinge = _make(
    "SquaredHinge", functions.squared_hinge, "squared_hinge",
    "mean(max(1 - y_true * y_pred, 0) ** 2); 0/1 targets are read as -1/1.",
)  # fmt: skip
CategoricalHinge = _make(
    "CategoricalHinge", functions.categorical_hinge, "categorical_hinge",
    "max(max((1 - t) * p) - sum(t * p) + 1, 0) with one-hot targets t.",
)  # fmt: skip
Huber = _make(
    "Huber", functions.huber, "huber_loss",
    "Quadratic for errors up to `delta` (default 1.0), linear beyond.",
    delta=1.0,
)  # fmt: skip
LogCosh = _make(
    "LogCosh", functions.log_cosh, "log_cosh",
    "mean(log(cosh(y_pred - y_true))).",
)  # fmt: skip
KLDivergence = _make(
    "KLDivergence", functions.kl_divergence, "kl_divergence",
    "sum(y_true * log(y_true / y_pred)), both clipped to [epsilon, 1].",
)  # fmt: skip
Poisson = _make(
    "Poisson", functions.poisson, "poisson",
    "mean(y_pred - y_true * log(y_pred + epsilon)).",
)  # fmt: skip
CosineSimilarity = _make(
    "CosineSimilarity", functions.cosine_similarity, "cosine_similarity",
    "-sum(l2_normalize(y_true) * l2_normalize(y_pred)) along `axis` (default -1).",
    axis=-1,
)  # fmt: skip
BinaryCrossentropy = _make(
    "BinaryCrossentropy", functions.binary_crossentropy, "binary_crossentropy",
    "The binary crossentropy; `from_logits`, `label_smoothing` (towards 0.5), `axis`.",
    from_logits=False, label_smoothing=0.0, axis=-1,
)  # fmt: skip
CategoricalCrossentropy = _make(
    "CategoricalCrossentropy", functions.categorical_crossentropy, "categorical_crossentropy",
    "The crossentropy of one-hot targets; `from_logits`, `label_smoothing`, `axis`.",
    from_logits=False, label_smoothing=0.0, axis=-1,
)  # fmt: skip


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """The crossentropy of integer class targets.

    Args:
        from_logits: whether `y_pred` holds logits rather than probabilities.
        ignore_class: a target value that adds no loss and is left out of the mean.
        reduction: see `Loss`.
        name: the loss's name.
    """

    def __init__(
        self,
        from_logits=False,
        ignore_class=None,
        reduction=Reduction.SUM_OVER_BATCH_SIZE,
        name="sparse_categorical_crossentropy",
    ):
        super().__init__(
            functions.sparse_categorical_crossentropy,
            reduction=reduction,
            name=name,
            from_logits=from_logits,
            ignore_class=ignore_class,
        )

    def _valid_mask(self, y_true, losses):
        ignore_class = self._fn_kwargs["ignore_class"]
        if ignore_class is None:
            return None
        labels = ops.reshape(as_tensor(y_true), ops.shape(losses))
        return ops.cast(ops.not_equal(labels, ignore_class), ops.dtype(losses))


CLASSES = {
    cls.__name__: cls
    for cls in (
        MeanSquaredError,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        Hinge,
        SquaredHinge,
        CategoricalHinge,
        Huber,
        LogCosh,
        KLDivergence,
        Poisson,
        CosineSimilarity,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
    )
}
