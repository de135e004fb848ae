"""Unseeded K draws in a custom loss (outside any layer) run inside the compiled steps:
they draw afresh at every step, as Keras 2's stateful random ops did, and leave the
backend's random functions usable afterwards."""

import numpy as np

from kerasfront import backend as K
from kerasfront import layers, models, optimizers


def test_a_custom_loss_draws_new_noise_at_every_step():
    # The loss is the mean of noise alone, so each train_on_batch returns a fresh draw;
    # the model's output enters with weight 0 so that it still has a gradient path.
    def noisy_loss(y_true, y_pred):
        noise = K.random_normal(K.shape(y_pred), mean=0.0, stddev=1.0)
        return K.mean(noise, axis=-1) + 0.0 * K.mean(y_pred, axis=-1)

    model = models.Sequential([layers.Dense(64, input_shape=(3,))])
    model.compile(optimizers.SGD(learning_rate=0.0), noisy_loss)
    x = np.ones((32, 3), dtype="float32")
    y = np.zeros((32, 64), dtype="float32")
    losses = [float(model.train_on_batch(x, y)) for _ in range(4)]
    evaluated = [model.evaluate(x, y, verbose=0) for _ in range(2)]
    # 32 * 64 standard normals: each mean has a standard deviation of 1/sqrt(2048).
    assert len(set(losses)) == 4, losses
    assert evaluated[0] != evaluated[1]
    assert all(abs(value) < 5 / np.sqrt(2048) for value in losses + evaluated)
    # Later unseeded draws outside any step still work and differ.
    first, second = (K.eval(K.random_uniform((3,))) for _ in range(2))
    assert first.shape == (3,) and not np.array_equal(first, second)


def test_the_loss_seeds_are_no_weights(tmp_path):
    model = models.Sequential([layers.Dense(2, input_shape=(3,))])
    model.compile("sgd", "mse")
    model.train_on_batch(np.ones((4, 3), "float32"), np.zeros((4, 2), "float32"))
    assert len(model.get_weights()) == 2 and len(model.weights) == 2
    path = str(tmp_path / "model.h5")
    model.save(path)
    assert len(models.load_model(path).get_weights()) == 2
    # kerasfront's own losses and metrics draw nothing: no seed state is carried (it
    # would cost every step a few microseconds).
    assert model.__dict__.get("_loss_seed_generator") is None
