"""User configuration: `$KERAS_HOME/keras.json` and the environment.

Engine-free on purpose: it is read before any engine is imported, so that the
choice of engine can be made from it.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BACKEND = "tensorflow"
IMAGE_DATA_FORMATS = ("channels_last", "channels_first")
FLOAT_TYPES = ("float16", "bfloat16", "float32", "float64")
# "highest": float32 matmuls and convolutions in full float32 on every device, so CPU, GPU
# and the three engines agree to float32 tolerance. "high": the engines may use TF32/bf16
# passes on GPUs for speed.
MATMUL_PRECISIONS = ("highest", "high")


def keras_home() -> Path:
    """The folder that holds `keras.json` and the dataset cache.

    `$KERAS_HOME` when set, else `~/.keras`.
    """
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras").expanduser()


@dataclass
class Settings:
    """What `keras.json` (or its defaults) says, and where each value came from."""

    backend: str = DEFAULT_BACKEND
    backend_source: str = "default"
    floatx: str = "float32"
    epsilon: float = 1e-7
    image_data_format: str = "channels_last"
    matmul_precision: str = "highest"
    config_path: Path | None = None
    extras: dict = field(default_factory=dict)


def _read_json(path: Path) -> dict:
    try:
        text = path.read_text()
    except OSError:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"The Keras config file {path} is not valid JSON ({error}). "
            "Fix it or delete it to use the defaults."
        ) from None
    if not isinstance(data, dict):
        raise ValueError(
            f"The Keras config file {path} must hold a JSON object, received {type(data).__name__}."
        )
    return data


def load_settings() -> Settings:
    """Reads `KERAS_BACKEND` and `keras.json`; the environment wins over the file."""
    path = keras_home() / "keras.json"
    data = _read_json(path)
    settings = Settings(config_path=path if data else None)
    if "backend" in data:
        settings.backend, settings.backend_source = str(data["backend"]), f"config file {path}"
    env_backend = os.environ.get("KERAS_BACKEND")
    if env_backend:
        settings.backend, settings.backend_source = (
            env_backend,
            "environment variable KERAS_BACKEND",
        )
    if "floatx" in data:
        set_floatx(data["floatx"], settings)
    if "epsilon" in data:
        set_epsilon(data["epsilon"], settings)
    if "image_data_format" in data:
        set_image_data_format(data["image_data_format"], settings)
    if "matmul_precision" in data:
        settings.matmul_precision = _checked_precision(data["matmul_precision"])
    known = {"backend", "floatx", "epsilon", "image_data_format", "matmul_precision"}
    settings.extras = {key: value for key, value in data.items() if key not in known}
    return settings


def set_floatx(floatx: str, settings: Settings | None = None) -> None:
    """Sets the default float type (`float32` unless told otherwise)."""
    value = floatx  # Keras 2's argument name; the function floatx() is not needed here
    if value not in FLOAT_TYPES:
        raise ValueError(f"floatx must be one of {FLOAT_TYPES}, received {value!r}.")
    (settings or SETTINGS).floatx = str(value)
    registry = sys.modules.get("kerasfront.backend.registry")
    adapter = getattr(registry, "ADAPTER", None)  # None until the engine is bound
    if settings is None and adapter is not None and hasattr(adapter, "use_floatx"):
        adapter.use_floatx(SETTINGS.floatx)


def set_epsilon(e: float, settings: Settings | None = None) -> None:
    """Sets the fuzz factor added to denominators (`1e-7` unless told otherwise)."""
    value = e  # Keras 2's argument name
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"epsilon must be a number, received {value!r}.") from None
    (settings or SETTINGS).epsilon = value


def set_image_data_format(data_format: str, settings: Settings | None = None) -> None:
    """Sets `channels_last` (default) or `channels_first`."""
    value = data_format  # Keras 2's argument name
    if value not in IMAGE_DATA_FORMATS:
        raise ValueError(
            f"image_data_format must be one of {IMAGE_DATA_FORMATS}, received {value!r}."
        )
    (settings or SETTINGS).image_data_format = str(value)


def _checked_precision(value) -> str:
    if value not in MATMUL_PRECISIONS:
        raise ValueError(
            f"matmul_precision must be one of {MATMUL_PRECISIONS}, received {value!r}."
        )
    return str(value)


def set_matmul_precision(value: str) -> None:
    """Sets how float32 matmuls and convolutions run on GPUs: "highest" (full float32,
    the default: every device and engine gives the same numbers) or "high" (TF32/bf16
    passes where the hardware has them: faster, about 1e-3 relative error). Applied to
    the active engine at once."""
    SETTINGS.matmul_precision = _checked_precision(value)
    from kerasfront.backend.registry import ADAPTER  # the engine is loaded by now

    ADAPTER.set_matmul_precision(SETTINGS.matmul_precision)


def matmul_precision() -> str:
    return SETTINGS.matmul_precision


def floatx() -> str:
    return SETTINGS.floatx


def epsilon() -> float:
    return SETTINGS.epsilon


def image_data_format() -> str:
    return SETTINGS.image_data_format


SETTINGS = load_settings()
