"""Models: the functional `Model` and `Sequential`, and loading them from files."""

from kerasfront.layers.input_layer import Input, InputLayer
from kerasfront.lazy_exports import lazy_exports
from kerasfront.models.model import Model
from kerasfront.models.sequential import Sequential

# The file formats load on first use (see kerasfront/lazy_exports.py).
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "clone_model": "kerasfront.models.cloning",
        "load_model": "kerasfront.saving.api",
        "model_from_config": "kerasfront.saving.api",
        "model_from_json": "kerasfront.saving.api",
        "model_from_yaml": "kerasfront.saving.yaml_config",
        "save_model": "kerasfront.saving.api",
    },
)
__all__ = [
    "Input",
    "InputLayer",
    "Model",
    "Sequential",
    "clone_model",
    "load_model",
    "model_from_config",
    "model_from_json",
    "model_from_yaml",
    "save_model",
]
