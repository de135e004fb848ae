"""Keras 2.2's older module name of `kerasfront.applications.mobilenet_v2`."""

from kerasfront.applications.mobilenet_v2 import *  # noqa: F403
from kerasfront.applications.mobilenet_v2 import __all__  # noqa: F401
