"""Shared fixtures.

`engine_runner`: runs one script under every installed engine at once (one subprocess
each, since a process binds one engine) and returns each engine's JSON result. Tests
that compare engines run it in the KERAS_BACKEND=jax run only, so the comparison runs
once per CI job instead of three times.
"""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

ENGINES = {"tensorflow": "tensorflow", "torch": "torch", "jax": "jax"}
RESULT_PREFIX = "RESULT "


def run_on_every_engine(script: str, payload) -> dict:
    """Starts `script` (which prints `RESULT <json>`) under each installed engine, all at
    once, with `json.dumps(payload)` as its argument; returns {engine: result}."""
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    processes = {}
    for name, module in ENGINES.items():
        if importlib.util.find_spec(module) is None:
            continue
        processes[name] = subprocess.Popen(
            [sys.executable, "-c", script, json.dumps(payload)],
            env={**environment, "KERAS_BACKEND": name},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    results = {}
    for name, process in processes.items():
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, f"{name} failed:\n{stderr[-3000:]}"
        line = next(line for line in stdout.splitlines() if line.startswith(RESULT_PREFIX))
        results[name] = json.loads(line[len(RESULT_PREFIX) :])
    if len(results) < 2:
        pytest.skip(f"needs two engines or more; installed: {sorted(results)}")
    return results


@pytest.fixture(scope="session")
def engine_runner():
    return run_on_every_engine
