"""The public import paths Keras code uses, and the documented config example."""

from __future__ import annotations

import json
from pathlib import Path

import kerasfront as keras
from kerasfront import config

ROOT = Path(__file__).resolve().parents[1]


def test_keras_2_import_paths():
    from kerasfront.engine.topology import Layer
    from kerasfront.layers import Dense
    from kerasfront.models import Model, Sequential
    from kerasfront.utils.np_utils import to_categorical

    assert Layer is keras.layers.Layer
    assert Sequential is keras.Sequential and Model is keras.Model
    assert issubclass(Dense, Layer)
    assert to_categorical([1], 3).tolist() == [[0.0, 1.0, 0.0]]


def test_keras_json_example_is_valid_and_shows_the_defaults(tmp_path, monkeypatch):
    example = json.loads((ROOT / "keras.json.example").read_text())
    assert example == {
        "backend": "tensorflow",
        "floatx": "float32",
        "epsilon": 1e-07,
        "image_data_format": "channels_last",
        "matmul_precision": "highest",
    }
    (tmp_path / "keras.json").write_text(json.dumps(example))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    settings = config.load_settings()
    assert settings.backend == "tensorflow"
    assert settings.backend_source.startswith("config file")
    assert (settings.floatx, settings.epsilon, settings.image_data_format) == (
        "float32",
        1e-07,
        "channels_last",
    )
    assert settings.matmul_precision == "highest"
