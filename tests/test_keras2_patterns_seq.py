"""API patterns of Keras 2's sequence and text examples (addition RNN, bAbI memory network,
seq2seq, text generation, fastText, Reuters MLP), each reduced to a small check against
Keras 2's documented behaviour with a NumPy reference where there are numbers."""


import numpy as np
import pytest

import kerasfront as keras
from kerasfront import layers
from kerasfront.backend.registry import ADAPTER

RNG = np.random.default_rng(7)
needs_training = pytest.mark.skipif(
    not ADAPTER.SUPPORTS_TRAINING, reason="this backend has no gradients"
)


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_sequential_encoder_without_input_length_on_a_longer_input():
    # bAbI memory network: Sequential([Embedding(vocab, dim), Dropout]) has Keras 2's
    # default input shape (None,), and is then called on Input((story_maxlen,)) (float32,
    # the Input default) inside a functional model. This recursed without end.
    encoder = keras.Sequential()
    encoder.add(layers.Embedding(input_dim=6, output_dim=3))
    encoder.add(layers.Dropout(0.3))
    story = layers.Input((4,))
    encoded = encoder(story)
    assert encoded.shape == (None, 4, 3)
    model = keras.Model(story, layers.Permute((2, 1))(encoded))
    assert model.output_shape == (None, 3, 4)

    indices = RNG.integers(0, 6, (2, 4))
    (table,) = encoder.get_weights()
    expected = table[indices].transpose(0, 2, 1)
    np.testing.assert_allclose(model.predict(indices), expected, rtol=1e-6, atol=1e-6)
