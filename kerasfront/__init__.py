"""kerasfront: the Keras API over TensorFlow, PyTorch and JAX.

`import kerasfront as keras` and write Keras code; `KERAS_BACKEND` (or
`$KERAS_HOME/keras.json`) picks the engine, and only that engine is imported.

The submodules load on first use (`keras.layers`, `from kerasfront import layers`), and the
first of them binds the engine. `import kerasfront` alone imports no engine, so the command
line (`python -m kerasfront --help`) answers at once.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "activations",
    "applications",
    "backend",
    "callbacks",
    "constraints",
    "datasets",
    "distribution",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "preprocessing",
    "regularizers",
    "saving",
    "utils",
    "wrappers",
)
# Names re-exported from a submodule: name -> the submodule that defines it.
_SHORTCUTS = {"Input": "layers", "Model": "models", "Sequential": "models"}


def __getattr__(name: str):
    # Called only for names not set yet (PEP 562); the import caches the submodule as an
    # attribute of this package, so each name pays this once.
    if name in _SUBMODULES:
        return importlib.import_module(f"kerasfront.{name}")
    if name in _SHORTCUTS:
        value = getattr(importlib.import_module(f"kerasfront.{_SHORTCUTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kerasfront' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_SUBMODULES, *_SHORTCUTS])


__all__ = [*_SHORTCUTS, *_SUBMODULES]
