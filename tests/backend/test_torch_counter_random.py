"""torch's on-device random draws (backends/torch/counter_random.py), used where the seed
tensor lives on an accelerator. No accelerator here: the functions are called directly on
CPU tensors, against the moments of the distributions they stand for."""

import numpy as np
import pytest

from kerasfront import backend as K

pytestmark = pytest.mark.skipif(K.backend() != "torch", reason="torch's own fallback")

COUNT = 200_000
# Standard errors of a mean over COUNT draws are ~0.0006 (uniform) and ~0.0022 (normal);
# the bounds below allow about 5 of them.


def _seed(first, second):
    import torch

    return torch.tensor([first, second], dtype=torch.int32)


def test_uniform_float32_and_float64():
    import torch

    from kerasfront.backends.torch import counter_random

    for dtype in (torch.float32, torch.float64):
        values = counter_random.uniform((COUNT // 100, 100), _seed(7, 0), dtype)
        assert values.dtype == dtype and values.shape == (COUNT // 100, 100)
        array = values.numpy().ravel()
        assert array.min() >= 0.0 and array.max() < 1.0
        assert abs(array.mean() - 0.5) < 0.003
        assert abs(array.var() - 1 / 12) < 0.002
        counts, _ = np.histogram(array, bins=10, range=(0.0, 1.0))
        # Each bin holds COUNT / 10 draws, give or take sqrt(COUNT / 10 * 0.9) ~ 134.
        assert np.abs(counts - COUNT / 10).max() < 700


def test_same_seed_same_draws_and_seeds_are_independent():
    import torch

    from kerasfront.backends.torch import counter_random

    draws = {
        seed: counter_random.uniform((COUNT,), _seed(*seed), torch.float32).numpy()
        for seed in [(3, 0), (3, 1), (4, 0), (0, 0)]
    }
    again = counter_random.uniform((COUNT,), _seed(3, 0), torch.float32).numpy()
    np.testing.assert_array_equal(again, draws[(3, 0)])
    seeds = list(draws)
    for index, first in enumerate(seeds):
        for second in seeds[index + 1 :]:
            correlation = np.corrcoef(draws[first], draws[second])[0, 1]
            assert abs(correlation) < 0.012, (first, second)  # ~5 standard errors
    # Neighbouring elements are independent too.
    values = draws[(3, 0)]
    assert abs(np.corrcoef(values[:-1], values[1:])[0, 1]) < 0.012


def test_normal_moments():
    import torch

    from kerasfront.backends.torch import counter_random

    values = counter_random.normal((COUNT,), _seed(11, 2), torch.float32).numpy()
    assert np.isfinite(values).all()
    assert abs(values.mean()) < 0.012
    assert abs(values.std() - 1.0) < 0.01
    # About 4.55% of a standard normal lies beyond 2 standard deviations.
    assert abs((np.abs(values) > 2).mean() - 0.0455) < 0.003
