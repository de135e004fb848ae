"""Keras 2's applications: classic ImageNet architectures with Keras's layer names and
weight layouts, so Keras's weight files load into them.

Each module (`resnet50`, `vgg16`, `vgg19`, `xception`, `inception_v3`,
`inception_resnet_v2`, `mobilenet`, `mobilenet_v2`, `densenet`, `nasnet`) holds its model
function, the `preprocess_input` its ImageNet weights expect, and `decode_predictions`.

Example:
    >>> from kerasfront.applications import ResNet50
    >>> model = ResNet50(weights=None, include_top=False, input_shape=(64, 64, 3))
"""

from kerasfront.applications.densenet import DenseNet121, DenseNet169, DenseNet201
from kerasfront.applications.inception_resnet_v2 import InceptionResNetV2
from kerasfront.applications.inception_v3 import InceptionV3
from kerasfront.applications.mobilenet import MobileNet
from kerasfront.applications.mobilenet_v2 import MobileNetV2
from kerasfront.applications.nasnet import NASNetLarge, NASNetMobile
from kerasfront.applications.resnet50 import ResNet50
from kerasfront.applications.vgg16 import VGG16
from kerasfront.applications.vgg19 import VGG19
from kerasfront.applications.xception import Xception

__all__ = [
    "DenseNet121",
    "DenseNet169",
    "DenseNet201",
    "InceptionResNetV2",
    "InceptionV3",
    "MobileNet",
    "MobileNetV2",
    "NASNetLarge",
    "NASNetMobile",
    "ResNet50",
    "VGG16",
    "VGG19",
    "Xception",
]
