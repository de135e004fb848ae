"""`python -m kerasfront info` names the active backend, its source and the engines."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from kerasfront import backend as K


def _run_info(env):
    return subprocess.run(
        [sys.executable, "-m", "kerasfront", "info"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_info_reports_active_backend_and_source():
    result = _run_info({**os.environ, "KERAS_BACKEND": K.backend()})
    assert result.returncode == 0, result.stderr
    assert f"active backend: {K.backend()} (chosen by environment variable KERAS_BACKEND)" in (
        result.stdout
    )
    assert "installed engines:" in result.stdout
    # cpu:0 on a machine without an accelerator, e.g. gpu:0 or cuda:0 with one.
    assert re.search(r"devices: \w+:0", result.stdout), result.stdout


def test_info_reads_keras_json(tmp_path):
    (tmp_path / "keras.json").write_text(json.dumps({"backend": "numpy", "floatx": "float64"}))
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env["KERAS_HOME"] = str(tmp_path)
    result = _run_info(env)
    assert result.returncode == 0, result.stderr
    assert "active backend: numpy (chosen by config file" in result.stdout
    assert "floatx: float64" in result.stdout


def test_info_reports_unknown_backend_clearly():
    # The package itself refuses to import with a bad backend, so the message comes as the
    # import error's text.
    result = _run_info({**os.environ, "KERAS_BACKEND": "theano"})
    assert result.returncode != 0
    assert "Unknown backend 'theano'" in result.stderr
    assert "installed engines" in result.stderr
