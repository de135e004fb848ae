"""Keras 2 import paths (`from keras.engine import Input, Layer`), kept for old code.

`Model` and `get_source_inputs` (which Keras 2's `keras.engine` also exported) load on
first use, so importing this package does not load the training loop.
"""

from kerasfront.layers import Input, InputLayer, InputSpec, Layer
from kerasfront.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    {"Model": "kerasfront.models", "get_source_inputs": "kerasfront.utils.layer_utils"},
)

__all__ = ["Input", "InputLayer", "InputSpec", "Layer"]
