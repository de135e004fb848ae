"""Keras 2's `keras.objectives`, the old name of `keras.losses`, kept for old code
(`from keras.objectives import categorical_crossentropy`)."""

from kerasfront.losses import *  # noqa: F403 (the same names as kerasfront.losses)
from kerasfront.losses import __all__  # noqa: F401
