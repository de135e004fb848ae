"""kerasfront: the Keras API over TensorFlow, PyTorch and JAX."""

__version__ = "0.1.0"
