"""Random functions of the Keras 2 backend module: `K.random_uniform`, `K.dropout`, ...

Seeds: an integer `seed` gives the same numbers on every call (of one engine). Without
one, numbers come from a seed generator whose state advances with each draw: the
innermost generator entered with `seed_source`, else, inside a layer's `call` (a Lambda, a
custom layer), that layer's own generator, which the compiled steps carry like Dropout's
so that each training step draws afresh (see `kerasfront.layers.unseeded_draws`), else a
module-wide one, for draws outside any layer.
"""

from __future__ import annotations

import numpy as np

from kerasfront import config, ops
from kerasfront.backend.tensor_args import as_shape, as_tensor
from kerasfront.backend.variables import SeedGenerator

_SEED_SOURCES: list[SeedGenerator] = []
# The seeds of unseeded draws outside any layer, made at the first such draw: making it
# at import would start the engine's runtime (a variable) when kerasfront is imported.
_MODULE_SEEDS: list[SeedGenerator] = []


def _module_seeds() -> SeedGenerator:
    if not _MODULE_SEEDS:
        _MODULE_SEEDS.append(SeedGenerator(name="backend_random_seed"))
    return _MODULE_SEEDS[0]


class seed_source:  # noqa: N801 (used as a function: `with seed_source(generator):`)
    """Within the block, unseeded `K` random functions draw their seeds from `generator`.

    A class rather than a generator-based context manager: torch's eager train step
    enters it twice per step, and this costs a third as much.

    Example:
        >>> with seed_source(layer.seed_generator):  # a generator the model tracks
        ...     noisy = K.dropout(x, 0.5)
    """

    __slots__ = ("generator",)

    def __init__(self, generator: SeedGenerator):
        self.generator = generator

    def __enter__(self) -> SeedGenerator:
        _SEED_SOURCES.append(self.generator)
        return self.generator

    def __exit__(self, *exc_info) -> None:
        _SEED_SOURCES.pop()


def _layer_generator():
    # Imported on first use: kerasfront.layers imports this package.
    from kerasfront.layers.unseeded_draws import generator_for_unseeded_draws

    return generator_for_unseeded_draws()


def _tracing_shapes() -> bool:
    from kerasfront.layers.unseeded_draws import SYMBOLIC_CALLS

    return bool(SYMBOLIC_CALLS)


def _seed(seed):
    """The contract's length-2 seed tensor for a Keras `seed` argument."""
    if seed is None:
        if _SEED_SOURCES:
            return _SEED_SOURCES[-1].next()
        generator = _layer_generator()
        if generator is None and not _MODULE_SEEDS and _tracing_shapes():
            # A generator made now would keep a traced value as its state (JAX), breaking
            # every later unseeded draw; shape tracing never uses the numbers drawn.
            return ops.convert_to_tensor(np.array([0, 0], dtype="int32"))
        return (generator or _module_seeds()).next()
    if not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int or None; received {type(seed).__name__}.")
    # [seed, 0]: the first seed a SeedGenerator(seed) hands out, so both agree.
    return ops.convert_to_tensor(np.array([int(seed), 0], dtype="int32"))


def _shape(shape) -> tuple:
    shape = as_shape(shape)
    if not isinstance(shape, tuple) or None in shape:
        raise ValueError(f"Random functions need a fully known shape; received {shape!r}.")
    return shape


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Values drawn uniformly from [minval, maxval)."""
    dtype = dtype or config.floatx()
    return ops.random_uniform(_shape(shape), minval, maxval, dtype, _seed(seed))


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Values drawn from the normal distribution N(mean, stddev ** 2)."""
    dtype = dtype or config.floatx()
    return ops.random_normal(_shape(shape), mean, stddev, dtype, _seed(seed))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal values within two standard deviations of the mean: draws beyond them are
    drawn again (TensorFlow's rule), so the standard deviation of the result is about
    0.88 stddev."""
    dtype = dtype or config.floatx()
    return ops.random_truncated_normal(_shape(shape), mean, stddev, dtype, _seed(seed))


def random_bernoulli(shape, p=0.0, dtype=None, seed=None):
    """1 with probability `p`, else 0 (a uniform draw u gives 1 where u <= p)."""
    dtype = dtype or config.floatx()
    shape = _shape(shape)
    draws = ops.random_uniform(shape, 0.0, 1.0, "float32", _seed(seed))
    return ops.cast(ops.less_equal(draws, p), dtype)


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """Keras 2's name for `random_bernoulli` (a binomial with one trial)."""
    return random_bernoulli(shape, p=p, dtype=dtype, seed=seed)


def _variable(value, dtype, name):
    from kerasfront import backend  # the package is initialised by the time this runs

    return backend.variable(ops.convert_to_numpy(value), dtype=dtype, name=name)


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    """A trainable Variable filled with values drawn uniformly from [low, high)."""
    dtype = dtype or config.floatx()
    return _variable(random_uniform(shape, low, high, dtype, seed), dtype, name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    """A trainable Variable filled with values drawn from N(mean, scale ** 2)."""
    dtype = dtype or config.floatx()
    return _variable(random_normal(shape, mean, scale, dtype, seed), dtype, name)


def dropout(x, level, noise_shape=None, seed=None):
    """Zeroes each entry with probability `level` and scales the rest by 1 / (1 - level),
    so the expected value is unchanged.

    `noise_shape` (broadcastable to x's shape; None entries take x's size) shares one
    keep/drop draw along its size-1 axes, e.g. (batch, 1, features) drops whole
    features for every time step.
    """
    if not 0.0 <= level < 1.0:
        raise ValueError(f"K.dropout: level must be in [0, 1); received {level!r}.")
    x = as_tensor(x)
    x_shape = ops.shape(x)
    if noise_shape is None:
        noise_shape = x_shape
    noise_shape = as_shape(noise_shape)
    if len(noise_shape) != len(x_shape):
        raise ValueError(
            f"K.dropout: noise_shape {noise_shape} must have one entry per axis of x, "
            f"whose shape is {x_shape}."
        )
    noise_shape = tuple(x_dim if dim is None else dim for dim, x_dim in zip(noise_shape, x_shape))
    dtype = ops.dtype(x) if ops.dtype(x).startswith("float") else config.floatx()
    draws = ops.random_uniform(_shape(noise_shape), 0.0, 1.0, dtype, _seed(seed))
    keep = ops.cast(ops.greater_equal(draws, level), dtype)
    return x * keep * (1.0 / (1.0 - level))


__all__ = [
    "dropout",
    "random_bernoulli",
    "random_binomial",
    "random_normal",
    "random_normal_variable",
    "random_uniform",
    "random_uniform_variable",
    "truncated_normal",
]
