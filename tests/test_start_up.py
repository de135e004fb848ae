"""A clean start: the command line imports no engine, `tf` is understood by TensorFlow's
own Keras too, and TensorFlow's start-up log lines stay off the terminal."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kerasfront import backend as K

ENGINES = ("tensorflow", "torch", "jax")
REPOSITORY = Path(__file__).resolve().parents[1]


def _run(code: str, env_changes: dict, drop=()) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )


_ENGINES_LOADED = f"import sys; print(sorted(m for m in {ENGINES!r} if m in sys.modules))"


def test_help_answers_without_importing_an_engine():
    code = (
        "import runpy, sys\n"
        "sys.argv = ['kerasfront', '--help']\n"
        "try:\n"
        "    runpy.run_module('kerasfront', run_name='__main__')\n"
        "except SystemExit as stop:\n"
        "    assert stop.code == 0, stop.code\n"
        f"{_ENGINES_LOADED}\n"
    )
    result = _run(code, {"KERAS_BACKEND": K.backend()})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage: kerasfront" in result.stdout
    assert "info" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_importing_the_package_alone_imports_no_engine():
    result = _run(f"import kerasfront\n{_ENGINES_LOADED}", {"KERAS_BACKEND": K.backend()})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


def test_submodules_and_shortcuts_load_on_first_use():
    import kerasfront

    assert kerasfront.layers.Dense.__name__ == "Dense"
    assert kerasfront.Sequential is kerasfront.models.Sequential
    with pytest.raises(AttributeError, match="no attribute 'lyers'"):
        kerasfront.lyers  # noqa: B018


tensorflow_only = pytest.mark.skipif(
    K.backend() != "tensorflow", reason="TensorFlow's start-up (run once, in its backend's run)"
)


@tensorflow_only
@pytest.mark.parametrize("where", ["environment", "keras.json"])
def test_tf_alias_reaches_tensorflows_own_keras_as_tensorflow(tmp_path, where):
    code = (
        "import os, kerasfront.layers, kerasfront.backend as K\n"
        "import keras\n"  # TensorFlow's bundled Keras reads KERAS_BACKEND and keras.json too
        "print(K.backend(), keras.backend.backend(), os.environ['KERAS_BACKEND'])\n"
    )
    if where == "environment":
        result = _run(code, {"KERAS_BACKEND": "tf", "KERAS_HOME": str(tmp_path)})
    else:
        (tmp_path / "keras.json").write_text(json.dumps({"backend": "tf"}))
        result = _run(code, {"KERAS_HOME": str(tmp_path)}, drop=("KERAS_BACKEND",))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["tensorflow", "tensorflow", "tensorflow"]


@tensorflow_only
def test_tensorflow_start_up_prints_nothing():
    code = "import kerasfront.layers as L\nimport numpy as np\nL.Dense(2)(np.ones((1, 3)))\n"
    result = _run(
        code,
        {"KERAS_BACKEND": "tensorflow"},
        drop=("TF_CPP_MIN_LOG_LEVEL", "TF_CPP_MAX_VLOG_LEVEL", "TF_CPP_VMODULE"),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr == ""


@tensorflow_only
def test_tensorflow_child_processes_start_quietly_too():
    # TensorFlow's import sets TF_CPP_MIN_LOG_LEVEL in the environment, which children
    # would inherit as if the user had set it.
    code = (
        "import os, subprocess, sys\n"
        "import kerasfront.layers\n"
        "child = subprocess.run([sys.executable, '-c', 'import kerasfront.layers'],"
        " capture_output=True, text=True, env=dict(os.environ))\n"
        "print(repr(child.stderr))\n"
    )
    result = _run(
        code,
        {"KERAS_BACKEND": "tensorflow"},
        drop=("TF_CPP_MIN_LOG_LEVEL", "TF_CPP_MAX_VLOG_LEVEL", "TF_CPP_VMODULE"),
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "''"


def _quiet_start_module():
    # Loaded from its file: importing the tensorflow adapter package would start TensorFlow.
    path = REPOSITORY / "backends" / "tensorflow" / "quiet_start.py"
    spec = importlib.util.spec_from_file_location("quiet_start_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_start_up_filter_drops_only_the_known_lines():
    quiet_start = _quiet_start_module()
    text = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1.0 123 cudart_stub.cc:31] Could not find cuda drivers on your machine\n"
        "E0000 00:00:1.0 123 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)\n"
        "W0000 00:00:1.0 123 something.cc:1] a real warning the user should see\n"
        "I0000 00:00:1.0 123 port.cc:153] oneDNN custom operations are on.\n"
    )
    kept = quiet_start.without_start_up_noise(text)
    assert kept == "W0000 00:00:1.0 123 something.cc:1] a real warning the user should see\n"


def test_tensorflow_log_variables_turn_the_filter_off():
    quiet_start = _quiet_start_module()
    assert quiet_start.user_wants_engine_logs({"TF_CPP_MIN_LOG_LEVEL": "0"})
    assert not quiet_start.user_wants_engine_logs({"PATH": "/usr/bin"})


PUBLIC_SUBMODULES = (
    "activations applications backend callbacks constraints datasets engine initializers "
    "layers losses metrics models ops optimizers preprocessing regularizers saving utils "
    "wrappers"
).split()


@pytest.mark.skipif(
    K.backend() != "jax", reason="one process per submodule: runs once, in the jax run"
)
def test_every_submodule_can_be_imported_first():
    # With the package loading lazily, any submodule may be the first import of a
    # program; each must bind the engine and work without another imported before it.
    code = (
        "import importlib, sys\n"
        "importlib.import_module('kerasfront.' + sys.argv[1])\n"
        "import numpy as np\n"
        "import kerasfront.layers as L\n"
        "print(L.Dense(2)(np.ones((1, 3), 'float32')).shape)\n"
    )
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    processes = {
        name: subprocess.Popen(
            [sys.executable, "-c", code, name],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in PUBLIC_SUBMODULES
    }
    failures = {}
    for name, process in processes.items():
        out, err = process.communicate(timeout=300)
        if process.returncode != 0 or "(1, 2)" not in out:
            failures[name] = err[-500:]
    assert not failures, failures
