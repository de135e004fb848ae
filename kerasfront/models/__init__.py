"""Models: the functional `Model` and `Sequential`, and loading them from files."""

from kerasfront.models.model import Model
from kerasfront.models.sequential import Sequential
from kerasfront.saving.api import load_model, model_from_json, save_model

__all__ = ["Model", "Sequential", "load_model", "model_from_json", "save_model"]
