"""Tests for the kerasfront.utils.sequence.Sequence base class."""

import numpy as np
import pytest

from kerasfront.utils.sequence import Sequence


class Batches(Sequence):
    def __init__(self, x, batch_size):
        self.x = x
        self.batch_size = batch_size
        self.epochs_ended = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        return self.x[index * self.batch_size : (index + 1) * self.batch_size]

    def on_epoch_end(self):
        self.epochs_ended += 1


def test_subclass_iterates_every_batch_in_order():
    x = np.arange(10)
    batches = Batches(x, 4)
    assert len(batches) == 3
    pieces = list(batches)
    assert [p.tolist() for p in pieces] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    np.testing.assert_array_equal(np.concatenate(pieces), x)
    batches.on_epoch_end()
    assert batches.epochs_ended == 1


def test_base_methods():
    sequence = Sequence()
    assert sequence.on_epoch_end() is None
    assert Sequence.use_sequence_api is True
    with pytest.raises(NotImplementedError, match="__len__"):
        len(sequence)
    with pytest.raises(NotImplementedError, match="__getitem__"):
        sequence[0]
