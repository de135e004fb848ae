"""One engine's part of a conformance run (`python -m kerasfront.conformance.worker`).

The runner starts one worker per engine, all at once, with `KERAS_BACKEND` set. The
builder builds each model, runs the case's `prepare`, saves the weights (`save_weights`)
and the data to the work folder, then writes the `ready` marker; the other workers
import their engine meanwhile, wait for the marker, build the same architecture and load
those weights and data. Every worker then writes its measurements: `<engine>.json` (the
labels) and `<engine>.npz` (the arrays).
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np

READY_MARKER = "ready"
WAIT_SECONDS = 600.0


# ---- data as files: arrays, lists of arrays or dicts of arrays ---------------------------
def _flatten(data, what: str) -> tuple[dict, list]:
    if isinstance(data, dict):
        return {"kind": "dict", "keys": sorted(data)}, [data[key] for key in sorted(data)]
    if isinstance(data, (list, tuple)) and data and all(hasattr(a, "shape") for a in data):
        return {"kind": "list", "count": len(data)}, list(data)
    if data is None:
        raise ValueError(f"make_data() must return (x, y) with y set; received {what}=None.")
    return {"kind": "array"}, [data]


def _unflatten(structure: dict, arrays: list):
    if structure["kind"] == "dict":
        return dict(zip(structure["keys"], arrays))
    if structure["kind"] == "list":
        return list(arrays)
    return arrays[0]


def save_data(path: str, x, y, samples: int) -> None:
    """Writes `(x, y)` (their first `samples` samples) to `path` (.npz) with their
    structure, so each engine reads the very same batch."""
    arrays, structures = {}, {}
    for what, data in (("x", x), ("y", y)):
        structure, parts = _flatten(data, what)
        structures[what] = structure
        for index, part in enumerate(parts):
            arrays[f"{what}{index}"] = np.asarray(part)[:samples]
    arrays["structure"] = np.asarray(json.dumps(structures))
    with open(path, "wb") as file:
        np.savez(file, **arrays)


def load_data(path: str):
    with np.load(path, allow_pickle=False) as stored:
        structures = json.loads(str(stored["structure"]))
        result = []
        for what in ("x", "y"):
            keys = sorted(
                (key for key in stored.files if key.startswith(what) and key[1:].isdigit()),
                key=lambda key: int(key[1:]),
            )
            result.append(_unflatten(structures[what], [stored[key] for key in keys]))
    return tuple(result)


# ---- the run -------------------------------------------------------------------------------
def _cases(config: dict) -> list:
    from kerasfront.conformance import suite

    if config["script"] is None:
        return list(suite.CASES)
    return [suite.load_user_script(config["script"])]


def _wait_for(path: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise TimeoutError(f"No weights from the building process after {WAIT_SECONDS:.0f} s.")
        time.sleep(0.05)


def _ensure_built(model, x) -> None:
    """A model that learns its input shape from data (a Sequential without input_shape)
    is built by one call on the data, before weights can be saved or loaded."""
    if not model.built or getattr(model, "_graph", "absent") is None:
        model.predict_on_batch(x)


def _prepare_cases(cases, folder: str, builder: bool, samples: int) -> list:
    """Builds each case's model; the builder saves weights and data, the others load them."""
    prepared = []
    for index, case in enumerate(cases):
        model = case.build_model()
        weights_path = os.path.join(folder, f"case{index}.weights.h5")
        data_path = os.path.join(folder, f"case{index}.data.npz")
        if builder:
            x, y = case.make_data()
            save_data(data_path, x, y, samples)
            x, y = load_data(data_path)
            _ensure_built(model, x)
            if case.prepare is not None:
                case.prepare(model)
            model.save_weights(weights_path)
        prepared.append((case, model, weights_path, data_path))
    if builder:
        with open(os.path.join(folder, READY_MARKER), "w") as marker:
            marker.write("ok")
        return [(case, model, load_data(data)) for case, model, _, data in prepared]
    _wait_for(os.path.join(folder, READY_MARKER))
    loaded = []
    for case, model, weights_path, data_path in prepared:
        x, y = load_data(data_path)
        _ensure_built(model, x)
        model.load_weights(weights_path)
        loaded.append((case, model, (x, y)))
    return loaded


def run(config: dict) -> None:
    """Measures every case on this process's engine and writes the results."""
    from kerasfront import backend as K
    from kerasfront.backend.contract import EAGER
    from kerasfront.backend.registry import ADAPTER
    from kerasfront.conformance import probes

    engine, folder = K.backend(), config["folder"]
    # None: the engine's usual compilation, as fit and predict run (jax.jit, tf.function).
    jit_compile = EAGER if config["run_eagerly"] else None
    arrays, manifest = {}, {"engine": engine, "cases": []}
    for index, (case, model, (x, y)) in enumerate(
        _prepare_cases(_cases(config), folder, config["builder"], config["samples"])
    ):
        outputs, output_labels = probes.layer_outputs(model, x, jit_compile)
        entry = {"name": case.name, "outputs": output_labels, "gradients": None}
        for position, value in enumerate(outputs):
            arrays[f"case{index}/output{position}"] = value
        if ADAPTER.SUPPORTS_TRAINING:
            gradients, gradient_labels = probes.loss_gradients(model, x, y, jit_compile)
            entry["gradients"] = gradient_labels
            for position, value in enumerate(gradients):
                arrays[f"case{index}/gradient{position}"] = value
        manifest["cases"].append(entry)
    with open(os.path.join(folder, f"{engine}.npz"), "wb") as file:
        np.savez(file, **arrays)
    with open(os.path.join(folder, f"{engine}.json"), "w") as file:
        json.dump(manifest, file)


if __name__ == "__main__":
    run(json.loads(sys.argv[1]))
