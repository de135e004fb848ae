"""Models: the functional `Model` and `Sequential`."""

from kerasfront.models.model import Model
from kerasfront.models.sequential import Sequential

__all__ = ["Model", "Sequential"]
