"""kerasfront: the Keras API over TensorFlow, PyTorch and JAX.

`import kerasfront as keras` and write Keras code; `KERAS_BACKEND` (or
`$KERAS_HOME/keras.json`) picks the engine, and only that engine is imported.
"""

__version__ = "0.1.0"

from kerasfront import (  # noqa: E402  (binds the engine first)  # noqa: E402
    activations,
    backend,
    callbacks,
    constraints,
    datasets,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    preprocessing,
    regularizers,
    utils,
)
from kerasfront.layers import Input  # noqa: E402
from kerasfront.models import Model, Sequential  # noqa: E402

__all__ = [
    "Input",
    "Model",
    "Sequential",
    "activations",
    "backend",
    "callbacks",
    "constraints",
    "datasets",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "models",
    "ops",
    "optimizers",
    "preprocessing",
    "regularizers",
    "utils",
]
