"""Printing values from inside compiled code, and name scopes (K.print_tensor,
K.name_scope)."""

from __future__ import annotations

import sys

import tensorflow as tf


def debug_print(x, message: str, summarize: int):
    """Prints `message` and the value of `x` whenever `x` is computed (also inside a
    `tf.function`), and returns `x`, made to depend on the print so the print runs."""
    printed = tf.print(message, x, output_stream=sys.stdout, summarize=summarize)
    if tf.executing_eagerly():
        return x
    with tf.control_dependencies([printed]):
        return tf.identity(x)


def name_scope(name: str):
    return tf.name_scope(name)
