"""Weight initializers. They draw with NumPy, so a seed gives the same weights on every
backend (the engines then only receive the arrays).

Usable by name (`kernel_initializer="glorot_uniform"`), as objects
(`RandomNormal(stddev=0.01)`) or as functions `f(shape, dtype=None)`.
"""

from __future__ import annotations

import math

import numpy as np

from kerasfront import config

# The stddev of a unit normal truncated at two standard deviations; dividing by it makes
# a truncated normal have the intended variance.
TRUNCATED_NORMAL_STDDEV = 0.87962566103423978


def _rng(seed):
    # Unseeded initializers draw from NumPy's global state, which `set_random_seed` sets.
    return np.random.default_rng(seed if seed is not None else np.random.randint(0, 2**31 - 1))


def compute_fans(shape) -> tuple[float, float]:
    """(fan_in, fan_out) as Keras counts them; conv kernels multiply by the window size."""
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    receptive_field = math.prod(shape[:-2]) if len(shape) > 2 else 1
    return float(shape[-2] * receptive_field), float(shape[-1] * receptive_field)


def _draw_dtype(dtype) -> np.dtype:
    """The dtype to draw in for arrays of `dtype`: NumPy's generators draw float32 or
    float64 directly, so a float32 model's weights are drawn in float32 (half the memory
    and time of drawing float64 and converting: a VGG16 has 138 million weights); float16
    and bfloat16 are drawn in float32 and converted."""
    try:
        wide = np.dtype(dtype) == np.float64
    except TypeError:  # a name NumPy does not know here ("bfloat16" without ml_dtypes)
        wide = False
    return np.dtype("float64" if wide else "float32")


def _uniform(rng, shape, low, high, dtype):
    values = rng.random(shape, dtype=dtype)  # [0, 1), scaled in place
    values *= high - low
    values += low
    return values


def _normal(rng, shape, mean, stddev, dtype):
    values = rng.standard_normal(shape, dtype=dtype)
    values *= stddev
    values += mean
    return values


def _truncated_normal(rng, shape, mean, stddev, dtype):
    values = rng.standard_normal(shape, dtype=dtype)
    outside = np.abs(values) > 2.0
    while outside.any():  # redraw the tails until every value is within two stddevs
        values[outside] = rng.standard_normal(int(outside.sum()), dtype=dtype)
        outside = np.abs(values) > 2.0
    values *= stddev
    values += mean
    return values


class Initializer:
    """Base class: `__call__(shape, dtype=None)` returns a NumPy array."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return np.zeros(shape, dtype or config.floatx())


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return np.ones(shape, dtype or config.floatx())


class Constant(Initializer):
    def __init__(self, value=0.0):
        if np.asarray(value).dtype.kind not in "biuf":
            raise TypeError(
                f"Constant: value must be a number (or an array of numbers), received "
                f"{type(value).__name__}: {value!r:.60}."
            )
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, dtype or config.floatx())

    def get_config(self):
        return {"value": self.value}


class _Seeded(Initializer):
    """Initializers with a seed: the same seed gives the same array."""

    seed = None

    def _draw(self, rng, shape, dtype):
        """The values, drawn in `dtype` (float32 or float64)."""
        raise NotImplementedError

    def __call__(self, shape, dtype=None):
        dtype = dtype or config.floatx()
        values = self._draw(_rng(self.seed), tuple(shape), _draw_dtype(dtype))
        return np.asarray(values, dtype=dtype)


class RandomNormal(_Seeded):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def _draw(self, rng, shape, dtype):
        return _normal(rng, shape, self.mean, self.stddev, dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(_Seeded):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def _draw(self, rng, shape, dtype):
        return _uniform(rng, shape, self.minval, self.maxval, dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(_Seeded):
    """A normal distribution whose values beyond two stddevs are drawn again."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def _draw(self, rng, shape, dtype):
        return _truncated_normal(rng, shape, self.mean, self.stddev, dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(_Seeded):
    """Draws with variance `scale / n`, n being fan_in, fan_out or their average.

    `distribution` is "normal" (truncated, as in Keras 2), "truncated_normal",
    "untruncated_normal" or "uniform".
    """

    MODES = ("fan_in", "fan_out", "fan_avg")
    DISTRIBUTIONS = ("normal", "truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="normal", seed=None):
        if scale <= 0:
            raise ValueError(f"VarianceScaling: scale must be positive, received {scale}.")
        if mode not in self.MODES:
            raise ValueError(
                f"VarianceScaling: mode must be one of {self.MODES}, received {mode!r}."
            )
        if distribution not in self.DISTRIBUTIONS:
            raise ValueError(
                f"VarianceScaling: distribution must be one of {self.DISTRIBUTIONS}, "
                f"received {distribution!r}."
            )
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def _draw(self, rng, shape, dtype):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, n)
        if self.distribution in ("normal", "truncated_normal"):
            stddev = math.sqrt(variance) / TRUNCATED_NORMAL_STDDEV
            return _truncated_normal(rng, shape, 0.0, stddev, dtype)
        if self.distribution == "untruncated_normal":
            return _normal(rng, shape, 0.0, math.sqrt(variance), dtype)
        limit = math.sqrt(3.0 * variance)
        return _uniform(rng, shape, -limit, limit, dtype)

    def get_config(self):
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            "seed": self.seed,
        }


class Orthogonal(_Seeded):
    """A random orthogonal matrix (QR of a normal matrix), reshaped to `shape`."""

    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def _draw(self, rng, shape, dtype):
        # QR in float64 whatever `dtype`: the matrices are small, and precision counts.
        if len(shape) < 2:
            raise ValueError(f"Orthogonal needs a shape of rank 2 or more, received {shape}.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        flat = rng.normal(0.0, 1.0, size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))  # makes the distribution uniform over orthogonal matrices
        if rows < cols:
            q = q.T
        return self.gain * q[:rows, :cols].reshape(shape)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """`gain` times the identity matrix; only for 2D shapes."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity needs a 2D shape, received {tuple(shape)}.")
        return self.gain * np.eye(*shape, dtype=dtype or config.floatx())

    def get_config(self):
        return {"gain": self.gain}


def lecun_uniform(seed=None):
    return VarianceScaling(1.0, "fan_in", "uniform", seed)


def lecun_normal(seed=None):
    return VarianceScaling(1.0, "fan_in", "truncated_normal", seed)


def glorot_uniform(seed=None):
    return VarianceScaling(1.0, "fan_avg", "uniform", seed)


def glorot_normal(seed=None):
    return VarianceScaling(1.0, "fan_avg", "truncated_normal", seed)


def he_uniform(seed=None):
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


def he_normal(seed=None):
    return VarianceScaling(2.0, "fan_in", "truncated_normal", seed)


# Keras's snake_case names (and Keras 2's short aliases) for each initializer.
_BY_NAME = {
    "zeros": Zeros,
    "zero": Zeros,
    "ones": Ones,
    "one": Ones,
    "constant": Constant,
    "random_normal": RandomNormal,
    "normal": RandomNormal,
    "random_uniform": RandomUniform,
    "uniform": RandomUniform,
    "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling,
    "orthogonal": Orthogonal,
    "identity": Identity,
    "lecun_uniform": lecun_uniform,
    "lecun_normal": lecun_normal,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_uniform": he_uniform,
    "he_normal": he_normal,
}
_CLASSES = {cls.__name__: cls for cls in set(_BY_NAME.values()) if isinstance(cls, type)}

# Keras 2 exported the classes under lower-case names too (`initializers.random_normal(...)`).
zeros = zero = Zeros
ones = one = Ones
constant = Constant
random_normal = normal = RandomNormal
random_uniform = uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling, orthogonal, identity = VarianceScaling, Orthogonal, Identity


def serialize(initializer) -> dict:
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def deserialize(config, custom_objects=None):
    """Keras 2's inverse of `serialize`: what `get` makes of `config` (a config dict or a name), with
    `custom_objects` (a dict of names to user classes and functions) in force while it resolves."""
    from kerasfront.saving.registry import CustomObjectScope

    with CustomObjectScope(custom_objects or {}):
        return get(config)


def _custom(identifier):
    from kerasfront.saving.registry import custom_from_identifier

    return custom_from_identifier(identifier)


def get(identifier):
    """Resolves a name, a config dict, an Initializer or a function (kerasfront's or a
    custom object's) to an initializer."""
    if isinstance(identifier, (str, dict)) and (custom := _custom(identifier)) is not None:
        return custom
    if isinstance(identifier, str):
        factory = _BY_NAME.get(identifier) or _CLASSES.get(identifier)
        if factory is None:
            raise ValueError(
                f"Unknown initializer {identifier!r}. Expected one of {sorted(_BY_NAME)}, "
                "an Initializer or a function f(shape, dtype=None)."
            )
        return factory()
    if isinstance(identifier, dict) and "class_name" in identifier:
        name, arguments = identifier["class_name"], dict(identifier.get("config") or {})
        cls = _CLASSES.get(name)
        if cls is not None:
            return cls.from_config(arguments)
        # Keras 2 resolved any name of the module: "normal", "glorot_uniform" (seed=...).
        factory = _BY_NAME.get(name)
        if factory is None:
            raise ValueError(
                f"Unknown initializer class {name!r}. Expected one of {sorted(_CLASSES)} "
                f"or {sorted(_BY_NAME)}."
            )
        return factory(**arguments)
    if callable(identifier):
        return identifier
    raise TypeError(
        f"An initializer must be a string, an Initializer or a callable, received "
        f"{type(identifier).__name__}: {identifier!r}."
    )
