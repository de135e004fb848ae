"""`kerasfront conformance`: the built-in suite and user scripts on every engine.

The command starts one process per engine by itself, so the tests that run it do so once,
in the KERAS_BACKEND=jax run. The user-script tests compare JAX and PyTorch (plus the NumPy
reference) to keep TensorFlow's start-up out of them; the suite test runs every installed
engine. The comparison arithmetic is tested directly, on every backend run.
"""

import importlib.util
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from kerasfront.conformance import report

ENGINES = [name for name in ("tensorflow", "torch", "jax") if importlib.util.find_spec(name)]
runs_once = pytest.mark.skipif(
    os.environ.get("KERAS_BACKEND") != "jax",
    reason="starts a process per engine; runs once, in the KERAS_BACKEND=jax run",
)
needs_jax_and_torch = pytest.mark.skipif(
    not {"jax", "torch"} <= set(ENGINES), reason="compares JAX with PyTorch"
)

AGREEING_SCRIPT = """
import numpy as np
import kerasfront as keras
from kerasfront import layers

def build_model():
    left = keras.Input(shape=(5,), name="left")
    right = keras.Input(shape=(5,), name="right")
    shared = layers.Dense(4, activation="tanh", name="shared")
    joined = layers.Concatenate(name="joined")([shared(left), shared(right)])
    score = layers.Dense(1, name="score")(joined)
    label = layers.Dense(3, activation="softmax", name="label")(joined)
    model = keras.Model([left, right], [score, label])
    model.compile(optimizer="sgd", loss=["mse", "categorical_crossentropy"])
    return model

def make_data():
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(8, 5)).astype("float32") for _ in range(2)]
    labels = np.eye(3, dtype="float32")[rng.integers(0, 3, 8)]
    return x, [rng.normal(size=(8, 1)).astype("float32"), labels]
"""

DIFFERING_SCRIPT = """
import numpy as np
import kerasfront as keras
from kerasfront import backend as K, layers

def shift_on_torch(tensor):
    # The deliberate engine-dependent op: only PyTorch adds 1e-3.
    return tensor + 1e-3 if K.backend() == "torch" else tensor

def build_model():
    model = keras.Sequential([
        layers.Dense(6, activation="relu", input_shape=(4,), name="first"),
        layers.Lambda(shift_on_torch, name="engine_dependent"),
        layers.Dense(2, name="last"),
    ])
    model.compile(optimizer="sgd", loss="mse")
    return model

def make_data():
    rng = np.random.default_rng(1)
    return rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 2)).astype("float32")
"""


def run_command(*arguments, timeout=300):
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    environment.pop("KERAS_BACKEND", None)
    return subprocess.run(
        [sys.executable, "-m", "kerasfront", "conformance", *arguments],
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
    )


def write_script(tmp_path, source: str) -> str:
    path = tmp_path / "model_script.py"
    path.write_text(textwrap.dedent(source))
    return str(path)


# ---- the command, once -------------------------------------------------------------------
@runs_once
def test_suite_agrees_on_every_engine():
    if len(ENGINES) < 2:
        pytest.skip(f"needs two engines; installed: {ENGINES}")
    result = run_command("--suite")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for case in ("image", "sequence"):
        assert f"{case}: layer outputs" in out and f"{case}: gradients" in out
    for row in (
        "conv2d (Conv2D)",
        "max_pooling2d (MaxPooling2D)",
        "bidirectional (Bidirectional)",
        "gru (GRU)",
        "embedding (Embedding)",
        "dropout (Dropout)",
        "forward_lstm/kernel",
    ):
        assert row in out, row
    # Every installed engine against the others and against the NumPy reference.
    labels = {"tensorflow": "tf", "torch": "torch", "jax": "jax"}
    for engine in ENGINES:
        assert f"{labels[engine]}/numpy" in out, engine
    if {"torch", "jax"} <= set(ENGINES):
        assert "torch/jax" in out
    assert out.rstrip().endswith("agree on every layer output and gradient.")


@runs_once
@needs_jax_and_torch
def test_user_script_with_shared_layer_and_two_outputs_agrees(tmp_path):
    result = run_command(write_script(tmp_path, AGREEING_SCRIPT), "--engines", "jax,torch")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    # Both calls of the shared layer, the merge and both heads; gradients of the weights.
    for row in (
        "shared (Dense)",
        "shared#1 (Dense)",
        "joined (Concatenate)",
        "score (Dense)",
        "label (Dense)",
        "shared/kernel",
        "label/bias",
    ):
        assert row in out, row
    assert "torch/jax" in out and "jax/numpy" in out


@runs_once
@needs_jax_and_torch
def test_engine_dependent_op_is_named_with_its_engine(tmp_path):
    result = run_command(write_script(tmp_path, DIFFERING_SCRIPT), "--engines", "jax,torch")
    assert result.returncode == 1, result.stdout + result.stderr
    verdict = result.stdout[result.stdout.index("DIFFERENT:") :].splitlines()
    # The first quantity past the tolerance is where the engines part: the Lambda.
    assert "output of layer 'engine_dependent (Lambda)'" in verdict[1]
    assert "torch differs from jax, numpy" in verdict[1]
    assert verdict[-1] == (
        "First difference in model_script.py: layer 'engine_dependent (Lambda)' "
        "(torch differs from jax, numpy)."
    )
    # The layer before it agrees; the gradient of the layer after it differs too.
    assert not any("'first (Dense)'" in line for line in verdict)
    assert any("weight 'last/kernel'" in line and "torch and jax" in line for line in verdict)


@runs_once
def test_help_imports_no_engine():
    code = (
        "import sys\n"
        "from kerasfront.__main__ import main\n"
        "try:\n    main(['conformance', '--help'])\n"
        "except SystemExit as exit:\n    assert exit.code == 0\n"
        "print(sorted(m for m in ('tensorflow', 'torch', 'jax', 'kerasfront.backend') "
        "if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "--tolerance" in result.stdout and "1e-5 for float32" in result.stdout
    assert result.stdout.strip().endswith("[]")


# ---- the comparison arithmetic -----------------------------------------------------------
def test_differences_are_absolute_and_relative_to_the_largest_magnitude():
    a = np.array([[1.0, -4.0], [0.5, 0.0]], dtype="float32")
    b = np.array([[1.0, -4.0], [0.5, 0.02]], dtype="float32")
    absolute, relative = report.differences(a, b)
    np.testing.assert_allclose(absolute, 0.02, rtol=1e-6)
    np.testing.assert_allclose(relative, 0.02 / 4.0, rtol=1e-6)
    assert report.differences(a, a) == (0.0, 0.0)
    assert report.differences(a, a[:1]) == report.MISMATCH
    assert report.differences(np.array([np.nan, 1.0]), np.array([np.nan, 1.0])) == (0.0, 0.0)
    assert report.differences(np.array([np.nan, 1.0]), np.array([0.0, 1.0])) == report.MISMATCH


def test_the_engine_that_differs_from_all_others_is_named():
    row = report.Row("dense (Dense)", "float32", 1e-5)
    row.cells = {
        ("tensorflow", "torch"): (1e-3, 1e-3),
        ("tensorflow", "jax"): (0.0, 0.0),
        ("torch", "jax"): (1e-3, 1e-3),
    }
    assert row.culprit() == "torch differs from tensorflow, jax"
    pair = report.Row("dense/kernel", "float32", 1e-5, {("tensorflow", "jax"): (1e-3, 1e-3)})
    assert pair.culprit() == "tensorflow and jax disagree"
    assert report.default_tolerance("float32") == 1e-5
    assert report.default_tolerance("float64") < 1e-5


def synthetic_results(shift: float) -> dict:
    """What three workers would report for one case with two layers, where torch's
    second layer is off by `shift`; NumPy has no gradients."""
    base = np.linspace(-1.0, 1.0, 6, dtype="float32").reshape(2, 3)
    results = {}
    for engine in ("tensorflow", "torch", "numpy"):
        second = base * 2 + (shift if engine == "torch" else 0.0)
        arrays = {"case0/output0": base, "case0/output1": second.astype("float32")}
        gradients = None
        if engine != "numpy":
            gradients = ["dense/kernel"]
            arrays["case0/gradient0"] = base
        manifest = {
            "engine": engine,
            "cases": [
                {"name": "toy", "outputs": ["a (Dense)", "b (Dense)"], "gradients": gradients}
            ],
        }
        results[engine] = (manifest, arrays)
    return results


def test_report_names_the_first_layer_and_engine_past_the_tolerance():
    comparison = report.compare(synthetic_results(shift=1e-3))
    assert not comparison.agree
    [(section, row)] = comparison.failures
    assert (section.kind, row.label) == ("layer output", "b (Dense)")
    text = report.format_report(comparison)
    assert "tf/torch" in text and "torch/numpy" in text and "tf/numpy" in text
    assert "toy: output of layer 'b (Dense)': torch differs from tensorflow, numpy" in text
    assert text.endswith(
        "First difference in toy: layer 'b (Dense)' (torch differs from tensorflow, numpy)."
    )
    # The gradient table compares the two training engines only.
    gradient_section = [s for s in comparison.sections if s.kind == "gradient"][0]
    assert gradient_section.engines == ["tensorflow", "torch"]
    # A looser tolerance (relative difference 1e-3 / 2) lets the same numbers pass.
    assert report.compare(synthetic_results(shift=1e-3), tolerance=1e-3).agree
    assert report.compare(synthetic_results(shift=0.0)).agree


def test_report_says_when_an_engine_lacks_a_quantity():
    results = synthetic_results(shift=0.0)
    manifest, arrays = results["torch"]
    manifest["cases"][0]["outputs"] = ["a (Dense)"]
    comparison = report.compare(results)
    assert not comparison.agree
    assert comparison.problems == ["toy: layer output 'b (Dense)' is missing on torch"]
