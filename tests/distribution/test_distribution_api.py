"""The engine-neutral part of kerasfront.distribution, in-process on every engine.

Which distribution a model compiles under (a `with` block beats `set_distribution`), the
argument errors of `set_distribution` and `multi_gpu_model`. The engines' plans are
replaced by a stand-in that records `enter`/`exit`, so nothing here needs several
devices; the plans themselves are tested per engine (test_data_parallel_<engine>.py).
"""

import os
import subprocess
import sys

import pytest

import kerasfront
from kerasfront import distribution, layers
from kerasfront.utils import multi_gpu_model


class RecordingPlan:
    """Stands in for an engine's plan: the frontend only enters and exits it here."""

    def __init__(self):
        self.calls = []
        self.devices = ["stand-in:0", "stand-in:1"]
        self.num_replicas = 2

    def enter(self):
        self.calls.append("enter")

    def exit(self):
        self.calls.append("exit")


def strategy_with_recording_plan():
    strategy = distribution.DataParallel()
    strategy._plan = RecordingPlan()
    return strategy


@pytest.fixture(autouse=True)
def no_global_distribution():
    distribution.set_distribution(None)
    yield
    distribution.set_distribution(None)


def small_model():
    return kerasfront.Sequential([layers.Dense(2, input_shape=(3,))])


def test_a_with_block_takes_precedence_over_set_distribution():
    global_strategy = strategy_with_recording_plan()
    outer, inner = strategy_with_recording_plan(), strategy_with_recording_plan()
    assert distribution.distribution() is None
    distribution.set_distribution(global_strategy)
    assert distribution.distribution() is global_strategy
    with outer:
        assert distribution.distribution() is outer
        with inner as entered:
            assert entered is inner
            assert distribution.distribution() is inner
        assert distribution.distribution() is outer
    assert distribution.distribution() is global_strategy
    assert outer._plan.calls == ["enter", "exit"] and inner._plan.calls == ["enter", "exit"]
    assert global_strategy._plan.calls == []  # set globally, never entered


def test_compile_takes_the_distribution_in_effect():
    plain, scoped, global_model = small_model(), small_model(), small_model()
    strategy, global_strategy = strategy_with_recording_plan(), strategy_with_recording_plan()
    plain.compile(optimizer="sgd", loss="mse")
    with strategy:
        scoped.compile(optimizer="sgd", loss="mse")
    distribution.set_distribution(global_strategy)
    global_model.compile(optimizer="sgd", loss="mse")
    assert plain._distribution is None
    assert scoped._distribution is strategy
    assert global_model._distribution is global_strategy
    # Compiling again outside any distribution keeps the model's own.
    distribution.set_distribution(None)
    scoped.compile(optimizer="sgd", loss="mse")
    assert scoped._distribution is strategy


def test_the_distribution_leaves_its_scope_when_the_block_raises():
    strategy = strategy_with_recording_plan()
    with pytest.raises(RuntimeError, match="inside"):
        with strategy:
            raise RuntimeError("inside")
    assert distribution.distribution() is None
    assert strategy._plan.calls == ["enter", "exit"]


@pytest.mark.parametrize("value", ["mirrored", 2, object()])
def test_set_distribution_rejects_other_values(value):
    with pytest.raises(TypeError, match="set_distribution expects .*DataParallel or None"):
        distribution.set_distribution(value)
    assert distribution.distribution() is None


def test_multi_gpu_model_returns_the_model_with_a_distribution():
    model = small_model()
    assert multi_gpu_model(model, gpus=3) is model
    assert model._distribution._requested == 3
    multi_gpu_model(model, gpus=[0, "cpu:1"])
    # Keras 2 took GPU ids; names pass through.
    assert model._distribution._requested == ["gpu:0", "cpu:1"]
    assert "DataParallel(devices=['gpu:0', 'cpu:1'])" == repr(model._distribution)


@pytest.mark.parametrize(
    "gpus, error, message",
    [
        (1, ValueError, "gpus must be at least 2 \\(received 1\\)"),
        (0, ValueError, "at least 2"),
        (True, TypeError, "received bool"),
        ("0,1", TypeError, "received str"),
        (2.0, TypeError, "received float"),
    ],
)
def test_multi_gpu_model_argument_errors(gpus, error, message):
    model = small_model()
    with pytest.raises(error, match=f"multi_gpu_model: .*{message}"):
        multi_gpu_model(model, gpus=gpus)
    assert model._distribution is None


@pytest.mark.skipif(
    os.environ.get("KERAS_BACKEND") != "jax",
    reason="the NumPy engine is the same everywhere; checked once, in the KERAS_BACKEND=jax run",
)
def test_the_numpy_engine_says_it_cannot_distribute():
    script = (
        "import kerasfront.distribution as d\n"
        "try:\n"
        "    d.DataParallel().plan\n"
        "except NotImplementedError as error:\n"
        "    print(error)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "KERAS_BACKEND": "numpy"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "'numpy' backend cannot train on several devices" in completed.stdout
    assert "use tensorflow, torch or jax" in completed.stdout
