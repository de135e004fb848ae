"""Backend resolution: `KERAS_BACKEND` > `$KERAS_HOME/keras.json` > default, clear errors.

The tests call `config.load_settings()` and `registry.resolve()` directly with a
temporary `KERAS_HOME`; kerasfront itself is not re-imported. Which engines count as
installed is faked, so the results do not depend on the machine.
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import subprocess
import sys

import pytest

import kerasfront.backends.numpy as numpy_adapter
from kerasfront import config
from kerasfront.backend import registry
from kerasfront.backend.registry import ADAPTER, BackendError, BackendInfo, Resolution


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty KERAS_HOME and no KERAS_BACKEND."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    return tmp_path


def write_config(home, data) -> None:
    text = data if isinstance(data, str) else json.dumps(data)
    (home / "keras.json").write_text(text)


def fake_installed(monkeypatch, *engines: str) -> None:
    """Pretends that only the given backends' engines are installed (numpy always is)."""

    def installed(info: BackendInfo) -> bool:
        return info.engine_module is None or info.name in engines

    monkeypatch.setattr(registry, "engine_installed", installed)


@pytest.fixture
def all_engines(monkeypatch):
    fake_installed(monkeypatch, "tensorflow", "torch", "jax")


# Precedence.


def test_default_is_tensorflow(home, all_engines):
    settings = config.load_settings()
    assert settings.backend == "tensorflow" and settings.backend_source == "default"
    assert settings.config_path is None
    assert registry.resolve(settings) == Resolution("tensorflow", "default")


def test_config_file_beats_default(home, all_engines):
    write_config(home, {"backend": "jax"})
    settings = config.load_settings()
    resolution = registry.resolve(settings)
    assert resolution.name == "jax"
    assert "config file" in resolution.source and str(home) in resolution.source
    assert settings.config_path == home / "keras.json"


def test_environment_beats_config_file(home, all_engines, monkeypatch):
    write_config(home, {"backend": "jax"})
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    resolution = registry.resolve(config.load_settings())
    assert resolution.name == "torch"
    assert "KERAS_BACKEND" in resolution.source
    assert resolution.notice is None


def test_empty_environment_variable_is_ignored(home, all_engines, monkeypatch):
    write_config(home, {"backend": "torch"})
    monkeypatch.setenv("KERAS_BACKEND", "")
    assert registry.resolve(config.load_settings()).name == "torch"


@pytest.mark.parametrize(
    "requested, expected",
    [("pytorch", "torch"), ("TF", "tensorflow"), ("JAX", "jax"), ("numpy", "numpy")],
)
def test_aliases_and_case(home, all_engines, monkeypatch, requested, expected):
    monkeypatch.setenv("KERAS_BACKEND", requested)
    assert registry.resolve(config.load_settings()).name == expected


def test_keras_home_defaults_to_dot_keras(tmp_path, monkeypatch):
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert config.keras_home() == tmp_path / ".keras"


# Errors.


def test_unknown_backend_names_installed_ones(home, monkeypatch):
    fake_installed(monkeypatch, "torch", "jax")
    monkeypatch.setenv("KERAS_BACKEND", "theano")
    with pytest.raises(BackendError) as raised:
        registry.resolve(config.load_settings())
    message = str(raised.value)
    assert "theano" in message and "KERAS_BACKEND" in message
    for name in ("torch", "jax", "numpy"):
        assert repr(name) in message
    assert isinstance(raised.value, ImportError)


def test_unknown_backend_from_file_names_the_file(home, all_engines):
    write_config(home, {"backend": "caffe"})
    with pytest.raises(BackendError, match="caffe") as raised:
        registry.resolve(config.load_settings())
    assert str(home / "keras.json") in str(raised.value)


def test_missing_engine_gives_pip_hint(home, monkeypatch):
    fake_installed(monkeypatch, "tensorflow", "torch")
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    with pytest.raises(BackendError) as raised:
        registry.resolve(config.load_settings())
    message = str(raised.value)
    assert 'pip install "kerasfront[jax]"' in message
    assert "'jax'" in message and "'tensorflow'" in message and "'torch'" in message


def test_explicit_choice_does_not_fall_back(home, monkeypatch):
    fake_installed(monkeypatch, "jax")
    write_config(home, {"backend": "tensorflow"})
    with pytest.raises(BackendError, match=r"kerasfront\[tensorflow\]"):
        registry.resolve(config.load_settings())


def test_missing_third_party_engine_names_the_backend(home, monkeypatch):
    fake = BackendInfo("fancy", "fancy_adapter", "fancy_engine", "")
    monkeypatch.setattr(registry, "third_party_backends", lambda: {"fancy": fake})
    monkeypatch.setattr(registry, "engine_installed", lambda info: info.engine_module is None)
    monkeypatch.setenv("KERAS_BACKEND", "fancy")
    with pytest.raises(BackendError, match="distribution that provides the 'fancy' backend"):
        registry.resolve(config.load_settings())


def test_missing_default_falls_back_with_notice(home, monkeypatch):
    fake_installed(monkeypatch, "torch", "jax")
    resolution = registry.resolve(config.load_settings())
    assert resolution.name == "jax"  # the fallback order is tensorflow, jax, torch
    assert "tensorflow" in resolution.source
    assert "'tensorflow'" in resolution.notice and "'jax'" in resolution.notice


def test_fallback_order_skips_missing_engines(home, monkeypatch):
    fake_installed(monkeypatch, "torch")
    assert registry.resolve(config.load_settings()).name == "torch"


def test_no_engine_at_all_raises(home, monkeypatch):
    fake_installed(monkeypatch)
    with pytest.raises(BackendError, match=r"kerasfront\[tensorflow\]"):
        registry.resolve(config.load_settings())


# Loading and third-party backends.


def test_load_prints_notice_and_returns_adapter(capsys):
    adapter = registry.load(Resolution("numpy", "test", "kerasfront: a one-line notice"))
    assert adapter is numpy_adapter
    assert "a one-line notice" in capsys.readouterr().err


def test_load_refuses_adapter_missing_contract_names(monkeypatch):
    broken = BackendInfo("broken", "kerasfront.tree", None, "")
    monkeypatch.setattr(registry, "third_party_backends", lambda: {"broken": broken})
    with pytest.raises(BackendError, match="does not implement") as raised:
        registry.load(Resolution("broken", "test"))
    assert "matmul" in str(raised.value)


def test_entry_points_register_backends_but_not_over_builtins(monkeypatch):
    group = registry.ENTRY_POINT_GROUP
    points = [
        importlib.metadata.EntryPoint("fancy", "fancy_adapter", group),
        importlib.metadata.EntryPoint("torch", "someone_elses_torch", group),
    ]

    def entry_points(group=None):
        return [point for point in points if point.group == group]

    monkeypatch.setattr(registry.importlib.metadata, "entry_points", entry_points)
    backends = registry.all_backends()
    assert backends["fancy"] == BackendInfo("fancy", "fancy_adapter", None, "")
    assert backends["torch"].module == "kerasfront.backends.torch"


# keras.json contents.


def test_invalid_json_raises_clear_error(home):
    write_config(home, '{"backend": "jax",')
    with pytest.raises(ValueError, match="not valid JSON") as raised:
        config.load_settings()
    assert str(home / "keras.json") in str(raised.value)


def test_json_must_be_an_object(home):
    write_config(home, '["jax"]')
    with pytest.raises(ValueError, match="JSON object"):
        config.load_settings()


def test_settings_are_read_from_file(home):
    write_config(
        home,
        {
            "floatx": "float64",
            "epsilon": 1e-4,
            "image_data_format": "channels_first",
            "backend": "jax",
            "custom_key": 3,
        },
    )
    settings = config.load_settings()
    assert settings.floatx == "float64"
    assert settings.epsilon == pytest.approx(1e-4)
    assert settings.image_data_format == "channels_first"
    assert settings.extras == {"custom_key": 3}


def test_matmul_precision_is_read_from_file_and_defaults_to_highest(home):
    assert config.load_settings().matmul_precision == "highest"
    write_config(home, {"matmul_precision": "high"})
    assert config.load_settings().matmul_precision == "high"


def _engine_allows_reduced_precision() -> bool:
    """What the active engine was told: may float32 matmuls use TF32/bf16 passes?"""
    name = ADAPTER.NAME
    if name == "torch":
        import torch

        return torch.backends.cudnn.allow_tf32 or torch.backends.cuda.matmul.allow_tf32
    if name == "jax":
        import jax

        return jax.config.jax_default_matmul_precision != "highest"
    if name == "tensorflow":
        import tensorflow as tf

        return tf.config.experimental.tensor_float_32_execution_enabled()
    return False  # the NumPy reference always computes in full precision


def test_the_engine_follows_the_matmul_precision_policy():
    assert config.matmul_precision() == "highest"
    assert not _engine_allows_reduced_precision()
    try:
        config.set_matmul_precision("high")
        assert config.matmul_precision() == "high"
        assert _engine_allows_reduced_precision() == (ADAPTER.NAME != "numpy")
    finally:
        config.set_matmul_precision("highest")
    assert not _engine_allows_reduced_precision()
    with pytest.raises(ValueError, match="matmul_precision must be one of"):
        config.set_matmul_precision("fast")


def test_missing_file_gives_defaults(home):
    settings = config.load_settings()
    assert (settings.floatx, settings.epsilon, settings.image_data_format) == (
        "float32",
        1e-7,
        "channels_last",
    )
    assert settings.extras == {}


def test_loading_settings_leaves_global_settings_alone(home):
    before = (config.floatx(), config.epsilon(), config.image_data_format())
    write_config(home, {"floatx": "float16", "epsilon": 0.5})
    config.load_settings()
    assert (config.floatx(), config.epsilon(), config.image_data_format()) == before


@pytest.mark.parametrize(
    "data, name",
    [
        ({"floatx": "float8"}, "floatx"),
        ({"floatx": "int32"}, "floatx"),
        ({"epsilon": "small"}, "epsilon"),
        ({"epsilon": None}, "epsilon"),
        ({"image_data_format": "nchw"}, "image_data_format"),
        ({"matmul_precision": "tf32"}, "matmul_precision"),
    ],
    ids=repr,
)
def test_bad_values_raise(home, data, name):
    write_config(home, data)
    with pytest.raises(ValueError, match=name):
        config.load_settings()


# Only the chosen engine is imported.

# Prints {engine: module that first imported it} for every engine imported by kerasfront.
_IMPORT_PROBE = """
import builtins, sys
ENGINES = ('tensorflow', 'torch', 'jax')
first_importer = {}
plain_import = builtins.__import__

def tracking_import(name, globals=None, locals=None, fromlist=(), level=0):
    top = name.partition('.')[0]
    if level == 0 and top in ENGINES and top not in sys.modules:
        first_importer.setdefault(top, (globals or {}).get('__name__', '?'))
    return plain_import(name, globals, locals, fromlist, level)

builtins.__import__ = tracking_import
import kerasfront.layers  # the first use of kerasfront binds the engine
print({m: first_importer.get(m, '?') for m in ENGINES if m in sys.modules})
"""


def test_import_loads_only_the_active_engine():
    active = registry.ADAPTER.NAME
    info = registry.BUILTIN_BACKENDS.get(active)
    engine = info.engine_module if info else None
    env = {**os.environ, "KERAS_BACKEND": active}
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    importers = ast.literal_eval(result.stdout.strip().splitlines()[-1])
    expected = {engine} if engine else set()
    # An engine may import another itself (TensorFlow's TFLite converter imports jax when
    # it is installed); only imports made outside the active engine count.
    ours = {
        name
        for name, importer in importers.items()
        if not (engine and importer.partition(".")[0] == engine)
    }
    assert ours == expected, importers
