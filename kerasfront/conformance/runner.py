"""Starts one conformance worker per engine and gathers what they measured.

This process imports no engine: each worker binds its own through `KERAS_BACKEND`. All
workers start at once, so the engines import in parallel; the builder is the engine that
imports fastest (JAX, then PyTorch, then TensorFlow), since the others wait for its
weights.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

# Display order; `builder_order` picks who builds.
ENGINES = ("tensorflow", "torch", "jax")
BUILDER_ORDER = ("jax", "torch", "tensorflow")
REFERENCE = "numpy"
TIMEOUT_SECONDS = 900


class WorkerError(RuntimeError):
    """A worker process failed; the message holds the engine and its error output."""


def installed_engines() -> list[str]:
    return [name for name in ENGINES if importlib.util.find_spec(name) is not None]


def choose_engines(requested: list[str] | None) -> list[str]:
    """The engines to compare: `requested` (checked) or every installed one."""
    installed = installed_engines()
    if requested is None:
        return installed
    unknown = [name for name in requested if name not in ENGINES]
    if unknown:
        raise ValueError(f"--engines: unknown engine(s) {unknown}; choose from {list(ENGINES)}.")
    missing = [name for name in requested if name not in installed]
    if missing:
        raise ValueError(
            f"--engines: {missing} not installed (installed: {installed}); "
            f"pip install kerasfront[{missing[0]}]."
        )
    return [name for name in ENGINES if name in requested]


def _start(engine: str, config: dict) -> subprocess.Popen:
    environment = {**os.environ, "KERAS_BACKEND": engine}
    environment.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # A log file rather than a pipe: a worker waiting on a full pipe while the runner
    # waits on another worker would stall both.
    with open(_log_path(config["folder"], engine), "w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "kerasfront.conformance.worker", json.dumps(config)],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _log_path(folder: str, engine: str) -> str:
    return os.path.join(folder, f"{engine}.log")


def _log_tail(folder: str, engine: str, characters: int = 4000) -> str:
    with open(_log_path(folder, engine), errors="replace") as log:
        return log.read()[-characters:]


def _stop(processes: dict) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.kill()
            process.wait()


def run_workers(
    script: str | None,
    engines: list[str],
    reference: bool,
    samples: int,
    folder: str,
    run_eagerly: bool = False,
) -> dict:
    """Runs the workers in `folder`; returns {engine: (manifest, arrays)}.

    Raises WorkerError naming the engine whose process failed (with the end of its
    output); when the builder fails the others are stopped, as they would wait in vain.
    """
    participants = list(engines) + ([REFERENCE] if reference else [])
    builder = next(name for name in BUILDER_ORDER if name in engines)
    base = {"script": None if script is None else os.path.abspath(script), "folder": folder}
    base.update(samples=samples, run_eagerly=run_eagerly)
    processes = {name: _start(name, {**base, "builder": name == builder}) for name in participants}
    try:
        order = [builder] + [name for name in participants if name != builder]
        for name in order:
            try:
                returncode = processes[name].wait(timeout=TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                raise WorkerError(
                    f"The {name} process did not finish in {TIMEOUT_SECONDS} s:\n"
                    f"{_log_tail(folder, name)}"
                ) from None
            if returncode != 0:
                role = "building the model" if name == builder else "running the model"
                raise WorkerError(
                    f"The {name} process failed while {role} (exit code {returncode}):\n"
                    f"{_log_tail(folder, name)}"
                )
    finally:
        _stop(processes)
    return {name: _read_results(folder, name) for name in participants}


def _read_results(folder: str, engine: str):
    with open(os.path.join(folder, f"{engine}.json")) as file:
        manifest = json.load(file)
    with np.load(os.path.join(folder, f"{engine}.npz"), allow_pickle=False) as stored:
        arrays = {key: stored[key] for key in stored.files}
    return manifest, arrays


def run_conformance(
    script: str | None,
    tolerance: float | None = None,
    engines: list[str] | None = None,
    reference: bool = True,
    samples: int = 32,
    run_eagerly: bool = False,
    print_fn=print,
) -> int:
    """Runs the comparison and prints its tables; returns the exit status: 0 when every
    pair agrees within the tolerance, 1 when one does not, 2 when an engine failed."""
    from kerasfront.conformance import report

    chosen = choose_engines(engines)
    if not chosen:
        print_fn(
            "No engine installed: pip install kerasfront[tensorflow], kerasfront[torch] "
            "or kerasfront[jax]."
        )
        return 2
    if len(chosen) + int(reference) < 2:
        print_fn(f"Only {chosen[0]} is installed or chosen: nothing to compare it with.")
        return 2
    if script is not None and not os.path.isfile(script):
        print_fn(f"Conformance script not found: {script!r}.")
        return 2
    with tempfile.TemporaryDirectory(prefix="kerasfront-conformance-") as folder:
        try:
            results = run_workers(script, chosen, reference, samples, folder, run_eagerly)
        except WorkerError as error:
            print_fn(str(error))
            return 2
    comparison = report.compare(results, tolerance)
    print_fn(report.format_report(comparison, tolerance))
    return 0 if comparison.agree else 1
