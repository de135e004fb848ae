"""Initializers: names, objects, seeds, and the statistics each one promises.

Statistical checks use large shapes (around 10^5 values) and tolerances of a few
percent, far above the sampling error.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kerasfront import initializers

# The stddev of a unit normal cut at +-2 (what a truncated normal keeps).
TRUNCATED_STD = 0.87962566103423978

ALL_NAMES = sorted(initializers._BY_NAME)
SEEDED_FACTORIES = {
    "random_normal": lambda seed: initializers.RandomNormal(seed=seed),
    "random_uniform": lambda seed: initializers.RandomUniform(seed=seed),
    "truncated_normal": lambda seed: initializers.TruncatedNormal(seed=seed),
    "variance_scaling": lambda seed: initializers.VarianceScaling(seed=seed),
    "orthogonal": lambda seed: initializers.Orthogonal(seed=seed),
    "lecun_uniform": initializers.lecun_uniform,
    "lecun_normal": initializers.lecun_normal,
    "glorot_uniform": initializers.glorot_uniform,
    "glorot_normal": initializers.glorot_normal,
    "he_uniform": initializers.he_uniform,
    "he_normal": initializers.he_normal,
}


@pytest.mark.parametrize("name", ALL_NAMES)
def test_every_name_gives_right_shape_and_dtype(name):
    initializer = initializers.get(name)
    value = initializer((4, 6))
    assert isinstance(value, np.ndarray)
    assert value.shape == (4, 6) and value.dtype == np.float32
    assert initializer((4, 6), dtype="float64").dtype == np.float64


@pytest.mark.parametrize("name", sorted(SEEDED_FACTORIES))
def test_seeded_objects_are_reproducible(name):
    first = SEEDED_FACTORIES[name](seed=3)((5, 7))
    again = SEEDED_FACTORIES[name](seed=3)((5, 7))
    np.testing.assert_array_equal(first, again)
    initializer = SEEDED_FACTORIES[name](seed=3)
    np.testing.assert_array_equal(initializer((5, 7)), initializer((5, 7)))
    assert not np.array_equal(first, SEEDED_FACTORIES[name](seed=4)((5, 7)))


@pytest.mark.parametrize("name", sorted(SEEDED_FACTORIES))
def test_unseeded_draws_differ(name):
    initializer = initializers.get(name)
    assert not np.array_equal(initializer((5, 7)), initializer((5, 7)))


def test_constant_zeros_ones():
    np.testing.assert_array_equal(initializers.get("zeros")((2, 3)), np.zeros((2, 3)))
    np.testing.assert_array_equal(initializers.get("ones")((2, 3)), np.ones((2, 3)))
    np.testing.assert_array_equal(initializers.Constant(2.5)((3,)), np.full(3, 2.5))
    np.testing.assert_array_equal(initializers.get("constant")((2,)), np.zeros(2))
    assert initializers.Zeros()((2,), dtype="int32").dtype == np.int32


def test_random_normal_statistics():
    value = initializers.RandomNormal(mean=1.0, stddev=0.5, seed=0)((300, 400))
    assert abs(value.mean() - 1.0) < 0.01
    assert abs(value.std() - 0.5) < 0.01


def test_random_uniform_range():
    value = initializers.RandomUniform(minval=-0.2, maxval=0.6, seed=0)((300, 400))
    assert value.min() >= -0.2 and value.max() <= 0.6
    assert abs(value.mean() - 0.2) < 0.01
    assert value.min() < -0.19 and value.max() > 0.59


def test_truncated_normal_within_two_stddev():
    value = initializers.TruncatedNormal(mean=1.0, stddev=0.5, seed=0)((300, 400))
    assert value.min() >= 1.0 - 2 * 0.5 - 1e-6 and value.max() <= 1.0 + 2 * 0.5 + 1e-6
    assert abs(value.mean() - 1.0) < 0.01
    assert abs(value.std() - 0.5 * TRUNCATED_STD) < 0.01


@pytest.mark.parametrize(
    "name, limit_of",
    [
        ("glorot_uniform", lambda fan_in, fan_out: math.sqrt(6 / (fan_in + fan_out))),
        ("he_uniform", lambda fan_in, fan_out: math.sqrt(6 / fan_in)),
        ("lecun_uniform", lambda fan_in, fan_out: math.sqrt(3 / fan_in)),
    ],
)
def test_uniform_variance_scaling_limits(name, limit_of):
    shape = (300, 500)
    limit = limit_of(*shape)
    value = getattr(initializers, name)(seed=1)(shape)
    assert np.abs(value).max() <= limit * (1 + 1e-6)
    assert np.abs(value).max() > 0.99 * limit
    assert abs(value.std() - limit / math.sqrt(3)) < 0.02 * limit


@pytest.mark.parametrize(
    "name, std_of",
    [
        ("glorot_normal", lambda fan_in, fan_out: math.sqrt(2 / (fan_in + fan_out))),
        ("he_normal", lambda fan_in, fan_out: math.sqrt(2 / fan_in)),
        ("lecun_normal", lambda fan_in, fan_out: math.sqrt(1 / fan_in)),
    ],
)
def test_normal_variance_scaling_stddev(name, std_of):
    shape = (300, 500)
    std = std_of(*shape)
    value = getattr(initializers, name)(seed=2)(shape)
    assert abs(value.std() - std) < 0.02 * std
    assert abs(value.mean()) < 0.02 * std
    # Truncated at two stddevs of the underlying (wider) normal.
    assert np.abs(value).max() <= 2 * std / TRUNCATED_STD * (1 + 1e-6)


def test_conv_kernel_fans_include_the_window():
    # A (3, 3, 16, 32) kernel has fan_in 3*3*16 = 144 and fan_out 3*3*32 = 288.
    assert initializers.compute_fans((3, 3, 16, 32)) == (144.0, 288.0)
    assert initializers.compute_fans((7, 9)) == (7.0, 9.0)
    value = initializers.he_normal(seed=5)((3, 3, 16, 256))
    assert abs(value.std() - math.sqrt(2 / 144)) < 0.02 * math.sqrt(2 / 144)


def test_variance_scaling_options():
    shape = (200, 600)
    value = initializers.VarianceScaling(3.0, "fan_out", "untruncated_normal", seed=0)(shape)
    assert abs(value.std() - math.sqrt(3.0 / 600)) < 0.02 * math.sqrt(3.0 / 600)
    value = initializers.VarianceScaling(2.0, "fan_avg", "uniform", seed=0)(shape)
    assert np.abs(value).max() <= math.sqrt(3 * 2.0 / 400) * (1 + 1e-6)


@pytest.mark.parametrize(
    "kwargs", [{"scale": 0.0}, {"mode": "fan_sideways"}, {"distribution": "poisson"}], ids=repr
)
def test_variance_scaling_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        initializers.VarianceScaling(**kwargs)


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 5), (3, 3, 4, 8)])
def test_orthogonal(shape):
    value = initializers.Orthogonal(seed=0)(shape).astype("float64")
    assert value.shape == shape
    flat = value.reshape(-1, shape[-1])
    rows, cols = flat.shape
    gram = flat.T @ flat if rows >= cols else flat @ flat.T
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_gain():
    value = initializers.Orthogonal(gain=2.0, seed=0)((8, 3)).astype("float64")
    np.testing.assert_allclose(value.T @ value, 4.0 * np.eye(3), atol=1e-5)


def test_orthogonal_needs_two_dims():
    with pytest.raises(ValueError, match="rank 2"):
        initializers.Orthogonal()((5,))


def test_identity():
    np.testing.assert_array_equal(initializers.get("identity")((3, 3)), np.eye(3))
    np.testing.assert_array_equal(initializers.Identity(gain=0.5)((2, 4)), 0.5 * np.eye(2, 4))
    with pytest.raises(ValueError, match="2D"):
        initializers.Identity()((2, 2, 2))


def test_serialize_round_trip():
    original = initializers.RandomNormal(mean=0.5, stddev=0.1, seed=9)
    config = initializers.serialize(original)
    assert config == {
        "class_name": "RandomNormal",
        "config": {"mean": 0.5, "stddev": 0.1, "seed": 9},
    }
    restored = initializers.get(config)
    np.testing.assert_array_equal(restored((4, 4)), original((4, 4)))


def test_get_accepts_objects_functions_and_class_names():
    initializer = initializers.Ones()
    assert initializers.get(initializer) is initializer

    def custom(shape, dtype=None):
        return np.full(shape, 3.0, dtype or "float32")

    assert initializers.get(custom) is custom
    assert isinstance(initializers.get("VarianceScaling"), initializers.VarianceScaling)


def test_unknown_name_raises():
    with pytest.raises(ValueError, match="glorot_gaussian") as raised:
        initializers.get("glorot_gaussian")
    assert "'glorot_uniform'" in str(raised.value)
    with pytest.raises(ValueError, match="Unknown initializer class"):
        initializers.get({"class_name": "NoSuchInit", "config": {}})
    with pytest.raises(TypeError):
        initializers.get(42)


@pytest.mark.parametrize(
    "name", ["random_normal", "random_uniform", "truncated_normal", "variance_scaling"]
)
def test_draws_come_in_the_requested_precision(name):
    # float32 weights are drawn in float32 (half the work of drawing float64 first);
    # float64 weights keep float64's resolution rather than float32 values widened.
    initializer = SEEDED_FACTORIES[name](seed=0)
    narrow = initializer((2000,), dtype="float32")
    wide = initializer((2000,), dtype="float64")
    assert narrow.dtype == np.float32 and wide.dtype == np.float64
    assert np.any(wide != wide.astype(np.float32).astype(np.float64))
    assert np.all(np.isfinite(narrow)) and np.std(narrow) > 0
