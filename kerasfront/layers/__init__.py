"""Layers: the building blocks of models."""

from kerasfront.layers.base import Layer
from kerasfront.layers.core import Activation, Dense, Dropout, Flatten, Lambda, Reshape
from kerasfront.layers.input_layer import Input, InputLayer
from kerasfront.layers.input_spec import InputSpec
from kerasfront.layers.keras_tensor import KerasTensor
from kerasfront.layers.merge import (
    Add,
    Average,
    Concatenate,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    maximum,
    minimum,
    multiply,
    subtract,
)

__all__ = [
    "Activation",
    "Add",
    "Average",
    "Concatenate",
    "Maximum",
    "Minimum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
    "Dense",
    "Dropout",
    "Flatten",
    "Input",
    "InputLayer",
    "InputSpec",
    "KerasTensor",
    "Lambda",
    "Layer",
    "Reshape",
]
