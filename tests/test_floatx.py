"""`floatx = "float64"` gives float64 weights, outputs and training on every engine (JAX
turns on its 64-bit mode for it), from keras.json or from `set_floatx`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from kerasfront import backend as K

SCRIPT = """
import sys
import numpy as np
import kerasfront.backend as K
if sys.argv[1] == "set_floatx":
    K.set_floatx("float64")
import kerasfront as keras
model = keras.Sequential([keras.layers.Dense(3, input_dim=2), keras.layers.Dense(1)])
x = np.random.default_rng(0).normal(size=(8, 2))
outputs = K.get_value(model(x))
dtypes = {str(w.dtype) for w in model.get_weights()} | {str(outputs.dtype)}
if K.backend() != "numpy":
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((8, 1)), epochs=1, verbose=0)
    dtypes |= {str(w.dtype) for w in model.get_weights()}
    dtypes.add(str(model.predict(x, verbose=0).dtype))
# float64 means float64: a result of 1 + 1e-12 is not 1.
tiny = K.get_value(K.constant(1.0) + K.constant(1e-12))
print("RESULT", sorted(dtypes), bool(tiny != 1.0))
"""


@pytest.mark.parametrize("how", ["keras.json", "set_floatx"])
def test_float64_everywhere(tmp_path, how):
    env = {**os.environ, "KERAS_BACKEND": K.backend(), "KERAS_HOME": str(tmp_path)}
    if how == "keras.json":
        (tmp_path / "keras.json").write_text(json.dumps({"floatx": "float64"}))
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, how], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = [entry for entry in result.stdout.splitlines() if entry.startswith("RESULT")][-1]
    assert line == "RESULT ['float64'] True", line
