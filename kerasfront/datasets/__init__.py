"""Small classic datasets, downloaded once into `$KERAS_HOME/datasets` and read with NumPy.

Each module has a `load_data()` with the Keras 2 arguments and return values.
"""

from kerasfront.datasets import (
    boston_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    reuters,
)

__all__ = ["boston_housing", "cifar10", "cifar100", "fashion_mnist", "imdb", "mnist", "reuters"]
