"""What `import kerasfront` adds to the engine's own import, per engine.

Each measurement is a fresh Python process that imports the engine, then kerasfront's
public modules (layers, models, optimizers, callbacks, `Sequential`), timing both; the
figure is the median over `--runs` processes.

Python caches compiled modules as bytecode (`__pycache__`, written at install or first
import). Engines are measured with theirs, as installed. kerasfront is measured twice:

- `cached`: with bytecode, as after any install (a warm-up process writes it into a
  temporary `PYTHONPYCACHEPREFIX`, so the checkout is not touched);
- `uncached`: compiling every module from source at each import, which is what a
  machine with `PYTHONDONTWRITEBYTECODE=1` and no `__pycache__` pays every time.

Usage: python benchmarks/import_cost.py [--runs 5] [--backends torch,jax,tensorflow]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile

ENGINE_MODULES = {"tensorflow": "tensorflow", "torch": "torch", "jax": "jax.numpy"}

_PROBE = """
import time
start = time.perf_counter()
import {engine}
engine_done = time.perf_counter()
import kerasfront
from kerasfront import callbacks, layers, models, optimizers
kerasfront.Sequential
print(engine_done - start, time.perf_counter() - engine_done)
"""


def _measure(backend: str, pycache: str | None) -> tuple[float, float]:
    env = dict(os.environ, KERAS_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3")
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp()  # empty: nothing cached
    else:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    code = _PROBE.format(engine=ENGINE_MODULES[backend])
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    engine, kerasfront = result.stdout.split()[-2:]
    return float(engine), float(kerasfront)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backends", default="tensorflow,torch,jax")
    args = parser.parse_args()
    print("| backend | engine import s | kerasfront adds, cached s | kerasfront adds, uncached s |")
    print("|---|---:|---:|---:|")
    for backend in args.backends.split(","):
        if importlib.util.find_spec(ENGINE_MODULES[backend].split(".")[0]) is None:
            print(f"| {backend} | not installed | | |")
            continue
        with tempfile.TemporaryDirectory() as pycache:
            # The engine's own bytecode is already installed; this writes kerasfront's.
            # A prefix holds a second copy of the engine's bytecode too, so the warm-up
            # runs twice before anything is timed.
            for _ in range(2):
                _measure(backend, pycache)
            cached = [_measure(backend, pycache) for _ in range(args.runs)]
            uncached = [_measure(backend, None) for _ in range(args.runs)]
        engine = statistics.median(run[0] for run in cached)
        adds = statistics.median(run[1] for run in cached)
        adds_uncached = statistics.median(run[1] for run in uncached)
        print(f"| {backend} | {engine:.3f} | {adds:.3f} | {adds_uncached:.3f} |")


if __name__ == "__main__":
    main()
