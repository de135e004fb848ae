"""The progress bar shows metrics with several values (one per threshold)."""

from __future__ import annotations

import numpy as np

import kerasfront as keras
from kerasfront import backend as K
from kerasfront import layers, metrics
from kerasfront.utils.progbar import Progbar


def test_progbar_shows_each_value_of_an_array_metric(capsys):
    bar = Progbar(2, verbose=2)
    bar.update(2, {"loss": 0.25, "precision": np.array([0.5, 0.125])}, finalize=True)
    out = capsys.readouterr().out
    assert "loss: 0.2500" in out
    assert "precision: [0.5000 0.1250]" in out


def test_fit_with_a_multi_threshold_metric_prints_it(capsys):
    if K.backend() == "numpy":
        return
    model = keras.Sequential([layers.Dense(1, activation="sigmoid", input_dim=3)])
    model.compile(
        "sgd",
        "binary_crossentropy",
        metrics=[metrics.Precision(thresholds=[0.3, 0.6], name="precision")],
    )
    x = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model.fit(x, y, epochs=1, verbose=1)
    assert "precision: [" in capsys.readouterr().out
