"""API patterns of Keras 2's generative and visualization examples (VAE, AC-GAN, siamese
network, denoising autoencoder, filter visualization, deep dream, style transfer, OCR
with CTC), each reduced to a small check against Keras 2's documented behaviour."""

import kerasfront as keras
from kerasfront import layers


def test_keras2_module_paths_of_the_examples_import():
    # The examples import layers and utilities from Keras 2's module paths.
    from kerasfront.layers.convolutional import Conv2DTranspose, MaxPooling2D, UpSampling2D
    from kerasfront.layers.recurrent import GRU, LSTM
    from kerasfront.utils.generic_utils import Progbar, to_list, unpack_singleton

    assert Conv2DTranspose is layers.Conv2DTranspose
    assert MaxPooling2D is layers.MaxPooling2D
    assert UpSampling2D is layers.UpSampling2D
    assert GRU is layers.GRU and LSTM is layers.LSTM
    assert Progbar is keras.utils.Progbar
    assert to_list((1, 2)) == [(1, 2)] and to_list((1, 2), allow_tuple=True) == [1, 2]
    assert unpack_singleton([3]) == 3 and unpack_singleton([3, 4]) == [3, 4]
