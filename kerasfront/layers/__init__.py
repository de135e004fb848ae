"""Layers: the building blocks of models."""

from kerasfront.layers import keras1_arguments as _keras1_arguments
from kerasfront.layers.advanced_activations import (
    ELU,
    LeakyReLU,
    PReLU,
    ReLU,
    Softmax,
    ThresholdedReLU,
)
from kerasfront.layers.base import Layer
from kerasfront.layers.bidirectional import Bidirectional
from kerasfront.layers.convolutional import (
    AtrousConv1D,
    AtrousConv2D,
    AtrousConvolution1D,
    AtrousConvolution2D,
    Conv1D,
    Conv2D,
    Conv3D,
    Convolution1D,
    Convolution2D,
    Convolution3D,
)
from kerasfront.layers.convolutional_recurrent import ConvLSTM2D, ConvLSTM2DCell, ConvRNN2D
from kerasfront.layers.convolutional_separable import (
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution1D,
    SeparableConvolution2D,
)
from kerasfront.layers.convolutional_transpose import (
    Conv1DTranspose,
    Conv2DTranspose,
    Conv3DTranspose,
    Convolution2DTranspose,
    Deconv2D,
    Deconv3D,
    Deconvolution2D,
    Deconvolution3D,
)
from kerasfront.layers.core import Activation, Dense, Dropout, Flatten, Reshape
from kerasfront.layers.cropping_padding import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from kerasfront.layers.cudnn_recurrent import CuDNNGRU, CuDNNLSTM
from kerasfront.layers.embeddings import Embedding
from kerasfront.layers.global_pooling import (
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalAvgPool3D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPool3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
)
from kerasfront.layers.input_layer import Input, InputLayer
from kerasfront.layers.input_spec import InputSpec
from kerasfront.layers.keras_tensor import KerasTensor
from kerasfront.layers.lambda_layer import Lambda
from kerasfront.layers.legacy_dense import Highway, MaxoutDense
from kerasfront.layers.local import (
    LocallyConnected1D,
    LocallyConnected2D,
)
from kerasfront.layers.masking import Masking
from kerasfront.layers.merge import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from kerasfront.layers.noise import AlphaDropout, GaussianDropout, GaussianNoise
from kerasfront.layers.normalization import BatchNormalization, LayerNormalization
from kerasfront.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    AvgPool1D,
    AvgPool2D,
    AvgPool3D,
    MaxPool1D,
    MaxPool2D,
    MaxPool3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from kerasfront.layers.recurrent import RNN
from kerasfront.layers.recurrent_cells import GRUCell, LSTMCell, SimpleRNNCell
from kerasfront.layers.recurrent_layers import GRU, LSTM, SimpleRNN
from kerasfront.layers.regularization import (
    ActivityRegularization,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from kerasfront.layers.reshaping import Permute, RepeatVector
from kerasfront.layers.serialization import deserialize, serialize
from kerasfront.layers.stacked_cells import StackedRNNCells
from kerasfront.layers.upsampling import (
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
)
from kerasfront.layers.wrappers import TimeDistributed, Wrapper

# The Keras 1 argument spellings Keras 2 still took (`Dense(output_dim=...)`, ...).
_keras1_arguments.install(globals())

__all__ = [
    "AtrousConv1D",
    "AtrousConv2D",
    "AtrousConvolution1D",
    "AtrousConvolution2D",
    "Conv1D",
    "Conv1DTranspose",
    "Conv2D",
    "Conv2DTranspose",
    "Conv3D",
    "Conv3DTranspose",
    "Convolution1D",
    "Convolution2D",
    "Convolution2DTranspose",
    "Convolution3D",
    "Deconv2D",
    "Deconv3D",
    "Deconvolution2D",
    "Deconvolution3D",
    "DepthwiseConv1D",
    "DepthwiseConv2D",
    "SeparableConv1D",
    "SeparableConv2D",
    "SeparableConvolution1D",
    "SeparableConvolution2D",
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
    # Pooling, cropping, padding, up-sampling, locally connected.
    "AveragePooling1D",
    "AveragePooling2D",
    "AveragePooling3D",
    "AvgPool1D",
    "AvgPool2D",
    "AvgPool3D",
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalAveragePooling3D",
    "GlobalAvgPool1D",
    "GlobalAvgPool2D",
    "GlobalAvgPool3D",
    "GlobalMaxPool1D",
    "GlobalMaxPool2D",
    "GlobalMaxPool3D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "GlobalMaxPooling3D",
    "LocallyConnected1D",
    "LocallyConnected2D",
    "MaxPool1D",
    "MaxPool2D",
    "MaxPool3D",
    "MaxPooling1D",
    "MaxPooling2D",
    "MaxPooling3D",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
    # Core-catalogue layers: activations, embeddings, masking, noise, normalization,
    # regularization, reshaping, Dot.
    "ActivityRegularization",
    "AlphaDropout",
    "BatchNormalization",
    "Dot",
    "ELU",
    "Embedding",
    "GaussianDropout",
    "GaussianNoise",
    "LayerNormalization",
    "LeakyReLU",
    "Masking",
    "PReLU",
    "Permute",
    "ReLU",
    "RepeatVector",
    "Softmax",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "ThresholdedReLU",
    "dot",
    # Recurrent layers and cells.
    "CuDNNGRU",
    "CuDNNLSTM",
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "RNN",
    "SimpleRNN",
    "SimpleRNNCell",
    "StackedRNNCells",
    # Wrappers and the convolutional LSTM.
    "Bidirectional",
    "ConvLSTM2D",
    "ConvLSTM2DCell",
    "ConvRNN2D",
    "TimeDistributed",
    "Wrapper",
    # Keras 1 layers Keras 2 still exported (deprecated).
    "Highway",
    "MaxoutDense",
    # Keras 2's layer (de)serialization functions.
    "deserialize",
    "serialize",
]
