"""tf.SparseTensor support: `K.is_sparse`, `K.to_dense` and
`K.ctc_label_dense_to_sparse` (see contract.OPTIONAL_NAMES)."""

from __future__ import annotations

import tensorflow as tf


def is_sparse(x) -> bool:
    # A sparse input stays a SparseTensor inside tf.function too.
    return isinstance(x, tf.SparseTensor)


def sparse_to_dense(x):
    return tf.sparse.to_dense(x)


def ctc_label_dense_to_sparse(labels, label_lengths):
    """The entries of each row of `labels` (samples, max_length) before its length, as a
    SparseTensor with int64 indices and the dense shape of `labels`."""
    max_length = tf.shape(labels)[1]
    kept = tf.sequence_mask(label_lengths, max_length)
    indices = tf.where(kept)
    return tf.SparseTensor(indices, tf.gather_nd(labels, indices), tf.shape(labels, tf.int64))
