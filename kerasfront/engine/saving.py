"""Keras 2's `keras.engine.saving`: saving and loading whole models and their configs."""

from kerasfront.saving.api import load_model, model_from_config, model_from_json, save_model
from kerasfront.saving.yaml_config import model_from_yaml

__all__ = ["load_model", "model_from_config", "model_from_json", "model_from_yaml", "save_model"]
