"""A model saved on one engine loads on the others and predicts the same.

Each engine saves its own model (.keras and .h5) in one subprocess; then each engine
loads the files of the other engines in a second one. Runs once, in the
KERAS_BACKEND=jax run, since the subprocesses cover every engine.
"""

import os

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(
    os.environ.get("KERAS_BACKEND") != "jax",
    reason="saves and loads on every engine in subprocesses; runs in the KERAS_BACKEND=jax run",
)

SAVE_SCRIPT = """
import json, os, sys
import numpy as np
import kerasfront as keras
from kerasfront import layers

payload = json.loads(sys.argv[1])
engine = keras.backend.backend()
keras.utils.set_random_seed(payload["seed"])
inputs = keras.Input((6, 3))
hidden = layers.Conv1D(4, 3, activation="relu")(inputs)
hidden = layers.BatchNormalization()(hidden)
hidden = layers.LSTM(5)(hidden)
model = keras.Model(inputs, layers.Dense(2, activation="softmax")(hidden))
model.compile(keras.optimizers.Adam(0.01), loss="categorical_crossentropy")
x = np.asarray(payload["x"], dtype="float32")
y = np.eye(2, dtype="float32")[np.arange(len(x)) % 2]
model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
for extension in ("keras", "h5"):
    model.save(os.path.join(payload["folder"], f"{engine}.{extension}"))
prediction = keras.ops.convert_to_numpy(model(x, training=False))
print("RESULT " + json.dumps({"prediction": prediction.tolist()}), flush=True)
"""

LOAD_SCRIPT = """
import json, os, sys
import numpy as np
import kerasfront as keras

payload = json.loads(sys.argv[1])
engine = keras.backend.backend()
x = np.asarray(payload["x"], dtype="float32")
result = {}
for saver in payload["engines"]:
    if saver == engine:
        continue
    for extension in ("keras", "h5"):
        model = keras.models.load_model(os.path.join(payload["folder"], f"{saver}.{extension}"))
        prediction = keras.ops.convert_to_numpy(model(x, training=False))
        result[f"{saver}.{extension}"] = {
            "prediction": prediction.tolist(),
            "iterations": int(model.optimizer.get_weights()[0]),
        }
print("RESULT " + json.dumps(result), flush=True)
"""


def test_files_saved_on_one_engine_load_on_the_others(engine_runner, tmp_path):
    x = np.random.default_rng(5).normal(size=(8, 6, 3)).astype("float32")
    payload = {"seed": 4, "x": x.tolist(), "folder": str(tmp_path)}
    saved = engine_runner(SAVE_SCRIPT, payload)
    loaded = engine_runner(LOAD_SCRIPT, {**payload, "engines": sorted(saved)})
    checked = 0
    for loader, results in loaded.items():
        for key, result in results.items():
            saver = key.split(".")[0]
            np.testing.assert_allclose(
                np.asarray(result["prediction"]),
                np.asarray(saved[saver]["prediction"]),
                rtol=1e-5,
                atol=1e-6,
                err_msg=f"{key} loaded on {loader}",
            )
            assert result["iterations"] == 2, f"{key} on {loader}: optimizer state lost"
            checked += 1
    assert checked == 2 * len(saved) * (len(saved) - 1)
