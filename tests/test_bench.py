"""`kerasfront bench`: the command runs on the active engine with tiny sizes, its JSON has
the documented fields with positive finite figures, `--plot` writes a PNG, and bad
arguments give clear errors. No timing is asserted: only that the figures are sane."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys

import pytest

from kerasfront import backend as K
from kerasfront.__main__ import main as kerasfront_main
from kerasfront.bench import command, report, runner, worker
from kerasfront.bench.models import BENCHMARKS

ENGINES = ("tensorflow", "torch", "jax")
HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
engine_only = pytest.mark.skipif(
    K.backend() not in ENGINES, reason="bench times the training engines"
)


def _kerasfront(*arguments: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(
        [sys.executable, "-m", "kerasfront", *arguments],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    """One run of the command on the active engine: the tiny model, 2 steps, 1 timed epoch,
    with --json and (when matplotlib is installed) --plot."""
    chart = tmp_path_factory.mktemp("bench") / "chart.png"
    arguments = ["bench", "--model", "tiny", "--backends", K.backend(), "--devices", "cpu"]
    arguments += ["--epochs", "1", "--samples", "64", "--json"]
    if HAS_MATPLOTLIB:
        arguments += ["--plot", str(chart)]
    done = _kerasfront(*arguments)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-3000:]
    return json.loads(done.stdout), chart


def _positive_finite(value) -> bool:
    return isinstance(value, float) and math.isfinite(value) and value > 0


@engine_only
def test_json_has_every_side_and_positive_finite_ratios(bench_run):
    results, _ = bench_run
    assert results["model"] == "tiny"
    assert results["batch_size"] == 32
    assert results["samples"] == 64 and results["steps_per_epoch"] == 2
    assert results["epochs"] == 1
    assert len(results["load_average"]) == 2
    [row] = results["rows"]
    assert row["backend"] == K.backend() and row["device"] == "cpu"
    assert row["engine"].startswith(K.backend())
    for side in ("kerasfront", "native"):
        measured = row[side]
        assert len(measured["epoch_seconds"]) == 2  # the warm-up and one timed epoch
        for key in ("seconds_per_epoch", "us_per_step", "predict_ms", "loss"):
            assert _positive_finite(measured[key]), (side, key, measured[key])
        assert measured["us_per_step"] == pytest.approx(1e6 * measured["seconds_per_epoch"] / 2)
    for key in ("ratio", "predict_ratio"):
        assert _positive_finite(row[key]), (key, row[key])
    assert row["ratio"] == pytest.approx(
        row["kerasfront"]["seconds_per_epoch"] / row["native"]["seconds_per_epoch"]
    )
    assert row["keras3_ratio"] is None  # not asked for


@engine_only
def test_a_gpu_the_engine_does_not_see_is_skipped(monkeypatch):
    # In this process, where the active engine is loaded already: a worker asked for a GPU
    # looks for one before it builds anything. It sets KERAS_BACKEND; restored afterwards.
    monkeypatch.setenv("KERAS_BACKEND", K.backend())
    name = worker.gpu_name(K.backend())
    if name is not None:
        assert isinstance(name, str) and name
        return
    config = {"model": "tiny", "backend": K.backend(), "device": "gpu", "epochs": 1}
    result = worker.run_worker({**config, "samples": 64})
    assert result["skipped"] == f"no GPU ({K.backend()} sees none)"
    assert "kerasfront" not in result and "native" not in result


def test_skipped_devices_become_notes(monkeypatch):
    monkeypatch.setattr(runner, "engine_installed", lambda engine: True)
    monkeypatch.setattr(runner, "spawn", lambda config: {"skipped": "no GPU (jax sees none)"})
    results = runner.run_benchmarks("tiny", ["jax"], ["gpu"])
    assert results["rows"] == []
    assert results["notes"] == ["jax gpu: no GPU (jax sees none)"]


@engine_only
@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="--plot needs matplotlib")
def test_plot_writes_a_png(bench_run):
    results, chart = bench_run
    assert results["plot"] == str(chart)
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@engine_only
def test_table_names_every_column_and_the_engine(bench_run):
    results, _ = bench_run
    text = report.format_table(results)
    assert "| kerasfront s/epoch | native s/epoch | kerasfront/native |" in text
    assert "kerasfront µs/step" in text and "native predict ms" in text
    assert f"| {K.backend()} | cpu |" in text
    assert "load average" in text


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--model", "resnet"], "invalid choice: 'resnet'"),
        (["--backends", "torch,mxnet"], "unknown backend 'mxnet'; choose from tensorflow"),
        (["--devices", "tpu"], "unknown device 'tpu'; choose from cpu, gpu"),
        (["--epochs", "0"], "expected a positive integer"),
    ],
)
def test_bad_arguments_are_named(capsys, arguments, message):
    with pytest.raises(SystemExit) as stop:
        kerasfront_main(["bench", *arguments])
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_missing_engines_are_skipped_with_a_note(monkeypatch):
    monkeypatch.setattr(runner, "engine_installed", lambda engine: False)
    results = runner.run_benchmarks("tiny", ["torch", "jax"], ["cpu"])
    assert results["rows"] == []
    assert results["notes"] == [
        "torch is not installed, skipped (pip install kerasfront[torch])",
        "jax is not installed, skipped (pip install kerasfront[jax])",
    ]


def test_models_of_the_command_line_are_the_benchmarks():
    assert set(command.MODELS) == set(BENCHMARKS)


def test_help_imports_no_engine():
    code = (
        "import sys\n"
        "from kerasfront.__main__ import main\n"
        "try:\n"
        "    main(['bench', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted(m for m in {ENGINES!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "--model {mlp,cnn,lstm,tiny}" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_tensorflow_sides_of_tiny_both_use_xla():
    # The tiny model's TensorFlow native loop runs under XLA, so kerasfront compiles with
    # jit_compile=True there (and only there): the same compiler on both sides.
    import kerasfront
    from kerasfront.bench.harness import side_model

    tiny = side_model(BENCHMARKS["tiny"], kerasfront)
    mlp = side_model(BENCHMARKS["mlp"], kerasfront)
    assert BENCHMARKS["tiny"].tensorflow_xla and not BENCHMARKS["mlp"].tensorflow_xla
    assert tiny._jit_compile is (True if K.backend() == "tensorflow" else None)
    assert mlp._jit_compile is None
