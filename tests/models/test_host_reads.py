"""fit and evaluate read values back to the host (a device sync on a GPU, which stalls the
queue of work) only when they show them: at epoch ends and progress-bar redraws, never once
per step. Counted here as reads per run, which must not grow with the number of steps."""

from __future__ import annotations

import collections
import contextlib
import io

import numpy as np
import pytest

import kerasfront
from kerasfront import layers, models, ops

SMALL, LARGE = 2, 12  # steps per epoch in the two runs compared


@pytest.fixture(scope="module")
def model_and_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8 * LARGE, 4)).astype("float32")
    y = rng.integers(0, 3, size=8 * LARGE)
    # Dropout (seeds advance every step), BatchNormalization (state updated every step),
    # Adam (a step count every step) and a metric: each has per-step state to keep on the device.
    model = models.Sequential(
        [
            layers.Dense(8, activation="relu", input_shape=(4,)),
            layers.Dropout(0.3),
            layers.BatchNormalization(),
            layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:16], y[:16], batch_size=8, epochs=1, verbose=0, validation_data=(x[:8], y[:8]))
    return model, x, y


def _run(model, x, y, steps, verbose):
    with contextlib.redirect_stdout(io.StringIO()):
        model.fit(
            x[: 8 * steps],
            y[: 8 * steps],
            batch_size=8,
            epochs=2,
            verbose=verbose,
            validation_data=(x[: 8 * steps], y[: 8 * steps]),
        )
        model.evaluate(x[: 8 * steps], y[: 8 * steps], batch_size=8, verbose=0)


@pytest.mark.parametrize("verbose", [0, 2])
def test_fit_and_evaluate_read_metrics_only_when_shown(model_and_data, monkeypatch, verbose):
    # Every value the loops show travels through ops.convert_to_numpy (the metrics' results).
    reads = collections.Counter()
    to_numpy = ops.convert_to_numpy

    def counted(value):
        reads["total"] += 1
        return to_numpy(value)

    monkeypatch.setattr(ops, "convert_to_numpy", counted)
    model, x, y = model_and_data
    counts = []
    for steps in (SMALL, LARGE):
        reads.clear()
        _run(model, x, y, steps, verbose)
        counts.append(reads["total"])
    assert counts[0] > 0, "the count must see the epoch-end reads"
    assert counts[0] == counts[1], f"reads for {SMALL} and {LARGE} steps an epoch: {counts}"


def test_torch_steps_read_nothing_on_an_accelerator(model_and_data, monkeypatch):
    """torch runs its steps eagerly: any `.item()`, `.tolist()`, `bool(tensor)` ... in them is
    a sync on a GPU. The branches the adapter takes on an accelerator are forced here on the
    CPU (seeds drawn by the counter hash, scalars left on the device), and the reads of every
    torch tensor are counted."""
    if kerasfront.backend.backend() != "torch":
        pytest.skip("torch runs its steps eagerly; the other engines compile them whole")
    import torch

    from kerasfront.backend import registry
    from kerasfront.backends.torch import ops as torch_ops
    from kerasfront.backends.torch import optimizer_kernels

    monkeypatch.setattr(torch_ops, "_on_accelerator", lambda seed: True)
    monkeypatch.setattr(optimizer_kernels, "host_scalar", lambda value: None)
    monkeypatch.setattr(registry.ADAPTER, "host_scalar", lambda value: None)
    reads = collections.Counter()
    for name in ("item", "tolist", "numpy", "__bool__", "__float__", "__int__", "__index__"):
        original = getattr(torch.Tensor, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            reads[_name] += 1
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(torch.Tensor, name, counted)
    model, x, y = model_and_data
    counts = []
    for steps in (SMALL, LARGE):
        reads.clear()
        _run(model, x, y, steps, verbose=0)
        counts.append(dict(reads))
    assert counts[0] == counts[1], f"reads for {SMALL} and {LARGE} steps an epoch: {counts}"
