"""Starts one benchmark worker per engine and device, one after the other, and gathers what
they measured into one report.

This process imports no engine. Workers run in turn, never at once: two workers timing at
the same time on one machine would slow each other down.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable

from kerasfront.bench.harness import KERAS3, KERASFRONT, NATIVE
from kerasfront.bench.models import BENCHMARKS
from kerasfront.bench.worker import RESULT_PREFIX

ENGINES = ("tensorflow", "torch", "jax")
DEVICES = ("cpu", "gpu")
WORKER_TIMEOUT_SECONDS = 3600


def engine_installed(engine: str) -> bool:
    return importlib.util.find_spec(engine) is not None


def keras3_version() -> str | None:
    """The installed Keras 3 version, or None (no Keras, or a Keras 2)."""
    try:
        version = importlib.metadata.version("keras")
    except importlib.metadata.PackageNotFoundError:
        return None
    return version if int(version.split(".")[0]) >= 3 else None


def worker_env(backend: str, device: str) -> dict:
    env = dict(os.environ, KERAS_BACKEND=backend)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if device == "cpu":
        # Hide GPUs from every engine so a "cpu" number is never a GPU number in disguise.
        env.update(CUDA_VISIBLE_DEVICES="", JAX_PLATFORMS="cpu")
    else:
        # Two engines may share the card in one session: neither grabs it all up front.
        env.update(XLA_PYTHON_CLIENT_PREALLOCATE="false", TF_FORCE_GPU_ALLOW_GROWTH="true")
        if env.get("JAX_PLATFORMS") == "cpu":
            del env["JAX_PLATFORMS"]
    return env


def spawn(config: dict) -> dict:
    """Runs one worker; its result, or `{"error": ...}` with the end of its error output."""
    command = [sys.executable, "-m", "kerasfront.bench.worker", json.dumps(config)]
    try:
        done = subprocess.run(
            command,
            env=worker_env(config["backend"], config["device"]),
            capture_output=True,
            text=True,
            timeout=WORKER_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"worker timed out after {WORKER_TIMEOUT_SECONDS} s"}
    for line in done.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    tail = "\n".join(done.stderr.strip().splitlines()[-15:])
    return {"error": f"worker failed (exit {done.returncode}):\n{tail}"}


def _ratio(numerator: dict | None, denominator: dict | None, key: str) -> float | None:
    if not numerator or not denominator:
        return None
    return numerator[key] / denominator[key]


def run_benchmarks(
    model: str,
    backends: list[str],
    devices: list[str],
    epochs: int | None = None,
    samples: int | None = None,
    keras3: bool = False,
    progress: Callable[[str], None] = lambda line: None,
    jit_compile: bool = False,
) -> dict:
    """Benchmarks `model` on every backend and device asked for.

    Args:
        model: a name of `kerasfront.bench.models.BENCHMARKS`.
        backends: engine names; those not installed are skipped with a note.
        devices: "cpu" and/or "gpu"; a GPU an engine does not see is skipped with a note.
        epochs: timed epochs after the warm-up (default: the model's).
        samples: samples per epoch (default: the model's).
        keras3: also time Keras 3 on each engine, when it is installed.
        progress: called with a line before each worker starts.
        jit_compile: compile kerasfront's steps with `jit_compile=True`.

    Returns:
        A JSON-ready report: the settings, the load average before and after, one row per
        engine and device, and notes about what was skipped.
    """
    benchmark = BENCHMARKS[model]
    epochs = benchmark.default_epochs if epochs is None else epochs
    samples = benchmark.default_samples if samples is None else samples
    report = {
        "model": model,
        "description": benchmark.description,
        "batch_size": benchmark.batch_size,
        "samples": samples,
        "steps_per_epoch": benchmark.steps_per_epoch(samples),
        "epochs": epochs,
        "keras3_version": None,
        "jit_compile": jit_compile,
        "load_average": [os.getloadavg()[0]],
        "rows": [],
        "notes": [],
    }
    if keras3:
        report["keras3_version"] = keras3_version()
        if report["keras3_version"] is None:
            report["notes"].append("Keras 3 is not installed: pip install keras")
    for backend in backends:
        if not engine_installed(backend):
            report["notes"].append(
                f"{backend} is not installed, skipped (pip install kerasfront[{backend}])"
            )
            continue
        for device in devices:
            config = {"model": model, "backend": backend, "device": device}
            config.update(epochs=epochs, samples=samples, part="both", jit_compile=jit_compile)
            progress(f"{model} on {backend} ({device})")
            row = {"backend": backend, "device": device, **spawn(config)}
            if "skipped" in row:
                report["notes"].append(f"{backend} {device}: {row['skipped']}")
                continue
            if report["keras3_version"] and "error" not in row:
                progress(f"{model} on {backend} ({device}), Keras 3")
                extra = spawn({**config, "part": KERAS3})
                row[KERAS3] = extra.get(KERAS3)
                # The native loop as timed beside Keras 3, in Keras 3's worker.
                row["keras3_native"] = extra.get(NATIVE)
                if "error" in extra:
                    row["keras3_error"] = extra["error"]
            row["ratio"] = _ratio(row.get(KERASFRONT), row.get(NATIVE), "seconds_per_epoch")
            row["predict_ratio"] = _ratio(row.get(KERASFRONT), row.get(NATIVE), "predict_ms")
            row["keras3_ratio"] = _ratio(
                row.get(KERAS3), row.get("keras3_native"), "seconds_per_epoch"
            )
            report["rows"].append(row)
    report["load_average"].append(os.getloadavg()[0])
    return report
