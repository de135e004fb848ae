"""Which backends exist, which engines are installed, and which one is active.

Resolution happens once, at first import of kerasfront: `KERAS_BACKEND` beats
`keras.json`, which beats the default (`tensorflow`). Only the chosen engine is imported.
"""

from __future__ import annotations

import gc
import importlib
import importlib.metadata
import importlib.util
import os
import sys
from dataclasses import dataclass

from kerasfront import config
from kerasfront.backend import contract, gpu_memory

ENTRY_POINT_GROUP = "kerasfront.backends"


@dataclass(frozen=True)
class BackendInfo:
    """A backend name, the module that implements it and the engine it needs."""

    name: str
    module: str
    engine_module: str | None  # the import name of the engine; None needs nothing
    pip_extra: str


BUILTIN_BACKENDS = {
    "tensorflow": BackendInfo(
        "tensorflow", "kerasfront.backends.tensorflow", "tensorflow", "tensorflow"
    ),
    "torch": BackendInfo("torch", "kerasfront.backends.torch", "torch", "torch"),
    "jax": BackendInfo("jax", "kerasfront.backends.jax", "jax", "jax"),
    "numpy": BackendInfo("numpy", "kerasfront.backends.numpy", None, ""),
}
# Keras users sometimes write the PyTorch name.
ALIASES = {"pytorch": "torch", "tf": "tensorflow"}
# The order in which a missing default engine is replaced by an installed one.
FALLBACK_ORDER = ("tensorflow", "jax", "torch")


class BackendError(ImportError):
    """The chosen backend is unknown or its engine is not installed."""


def third_party_backends() -> dict[str, BackendInfo]:
    """Backends registered by other distributions through the entry-point group."""
    found = {}
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        found[entry.name] = BackendInfo(entry.name, entry.value, None, "")
    return found


def all_backends() -> dict[str, BackendInfo]:
    return {**third_party_backends(), **BUILTIN_BACKENDS}


def engine_installed(info: BackendInfo) -> bool:
    """True when the engine can be imported (checked without importing it)."""
    if info.engine_module is None:
        return True
    return importlib.util.find_spec(info.engine_module) is not None


def installed_backends() -> list[str]:
    return [name for name, info in all_backends().items() if engine_installed(info)]


def _install_hint(info: BackendInfo) -> str:
    if info.pip_extra:
        return f'pip install "kerasfront[{info.pip_extra}]"'
    return f"install the distribution that provides the {info.name!r} backend"


@dataclass(frozen=True)
class Resolution:
    name: str
    source: str
    notice: str | None = None


def resolve(settings: config.Settings) -> Resolution:
    """Picks the backend named by the settings, or explains why it cannot be used."""
    requested = ALIASES.get(settings.backend.lower(), settings.backend.lower())
    # The common case first: scanning the entry points of every installed distribution
    # (for third-party backends) costs tens of milliseconds of import time.
    builtin = BUILTIN_BACKENDS.get(requested)
    if builtin is not None and engine_installed(builtin):
        return Resolution(requested, settings.backend_source)
    backends = all_backends()
    installed = installed_backends()
    if requested not in backends:
        raise BackendError(
            f"Unknown backend {settings.backend!r} (from {settings.backend_source}). "
            f"Expected one of {sorted(backends)}; installed engines: {installed}."
        )
    info = backends[requested]
    if engine_installed(info):
        return Resolution(requested, settings.backend_source)
    if settings.backend_source == "default":
        for name in FALLBACK_ORDER:
            if engine_installed(backends[name]):
                notice = (
                    f"kerasfront: the default backend {requested!r} is not installed; "
                    f"using {name!r} instead. Set KERAS_BACKEND to choose."
                )
                return Resolution(name, f"fallback ({requested} not installed)", notice)
    raise BackendError(
        f"The backend {requested!r} (from {settings.backend_source}) needs the engine "
        f"{info.engine_module!r}, which is not installed. Installed backends: {installed}. "
        f"To install it: {_install_hint(info)}."
    )


def publish_canonical_name(settings: config.Settings, resolution: Resolution) -> None:
    """Writes the canonical backend name to `KERAS_BACKEND` when the user wrote an alias.

    Engines read the variable (and keras.json) too: TensorFlow's bundled Keras fails with
    "Unable to import backend : tf" on our alias `tf`. Its resolution puts the environment
    before keras.json, so the canonical name there covers both places.
    """
    if settings.backend.lower() in ALIASES and settings.backend_source != "default":
        os.environ["KERAS_BACKEND"] = resolution.name


def load(resolution: Resolution):
    """Imports the adapter module of the resolved backend and checks the contract."""
    if resolution.notice:
        print(resolution.notice, file=sys.stderr)
    info = BUILTIN_BACKENDS.get(resolution.name) or all_backends()[resolution.name]
    gpu_memory.grow_on_demand(resolution.name)
    adapter = importlib.import_module(info.module)
    # The engine's import leaves hundreds of thousands of objects that live as long as
    # the process. Moved out of the collector's generations, they are no longer walked by
    # every full collection: kerasfront's own import (torch: ~0.1 s less) and the
    # collections during training skip them.
    gc.freeze()
    missing = contract.missing_names(adapter)
    if missing:
        raise BackendError(
            f"The backend {resolution.name!r} ({info.module}) does not implement the "
            f"kerasfront backend contract; missing: {missing}."
        )
    return adapter


RESOLUTION = resolve(config.SETTINGS)
publish_canonical_name(config.SETTINGS, RESOLUTION)
ADAPTER = load(RESOLUTION)
