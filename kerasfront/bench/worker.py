"""One benchmark worker: one engine, one device, in a process of its own.

kerasfront binds one engine per process, so the runner starts `python -m
kerasfront.bench.worker CONFIG_JSON` per engine and device; the kerasfront side and the
native side run in that process on the same engine, alternating. The worker prints one
line `RESULT {json}` on stdout.

CONFIG_JSON holds `model`, `backend`, `device` ("cpu" or "gpu"), `part` ("both":
kerasfront and native; "kerasfront"; "native"; or "keras3": Keras 3 and native), `epochs`
and `samples`.
"""

from __future__ import annotations

import importlib
import json
import os
import sys

from kerasfront.bench.harness import KERAS3, KERASFRONT, NATIVE, keras_side, measure, native_side
from kerasfront.bench.models import BENCHMARKS

RESULT_PREFIX = "RESULT "
PARTS = ("both", KERASFRONT, NATIVE, KERAS3)


def gpu_name(backend: str) -> str | None:
    """The GPU the engine sees, or None when it sees none."""
    if backend == "torch":
        import torch

        return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    if backend == "jax":
        import jax

        devices = [device for device in jax.devices() if device.platform == "gpu"]
        return str(devices[0].device_kind) if devices else None
    import tensorflow as tf

    devices = tf.config.list_physical_devices("GPU")
    return devices[0].name if devices else None


def run_worker(config: dict) -> dict:
    """Runs the sides `config` names in this process and returns their measurements (or
    `{"skipped": why}` when the device asked for is not there)."""
    backend, device = config["backend"], config["device"]
    benchmark = BENCHMARKS[config["model"]]
    # kerasfront reads KERAS_BACKEND at first import, which happens below.
    os.environ["KERAS_BACKEND"] = backend
    engine = importlib.import_module(backend)
    result = {"engine": f"{backend} {engine.__version__}", "device_name": "cpu"}
    if device == "gpu":
        name = gpu_name(backend)
        if name is None:
            return {**result, "skipped": f"no GPU ({backend} sees none)"}
        result["device_name"] = name
    if backend == "torch" and benchmark.torch_threads is not None:
        engine.set_num_threads(benchmark.torch_threads)
        result["torch_threads"] = benchmark.torch_threads
    x, y = benchmark.make_data(config["samples"])
    sides = {}
    part = config.get("part", "both")
    if part == KERAS3:
        import keras

        result["keras3_version"] = keras.__version__
        sides[KERAS3] = keras_side(benchmark, keras)
    if part in ("both", KERASFRONT):
        import kerasfront

        sides[KERASFRONT] = keras_side(
            benchmark, kerasfront, jit_compile=config.get("jit_compile", False)
        )
    if part in ("both", NATIVE, KERAS3):
        # Keras 3's worker times the native loop too, alternating with it, so Keras 3's
        # ratio comes from one process under one load, like kerasfront's.
        sides[NATIVE] = native_side(
            benchmark, backend, device, jit_compile=config.get("jit_compile", False)
        )
    steps = benchmark.steps_per_epoch(config["samples"])
    result.update(measure(sides, x, y, config["epochs"], steps))
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m kerasfront.bench.worker CONFIG_JSON", file=sys.stderr)
        return 2
    result = run_worker(json.loads(argv[0]))
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
