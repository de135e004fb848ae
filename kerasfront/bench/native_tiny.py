"""Hand-written training loops for the tiny overhead model, one per engine.

Dense 16-32-4 (relu, softmax), Adam, batch 32: the arithmetic of a step takes a few
microseconds, so the time per step is what the framework and the engine cost around it,
which is what decides a step of a real model on a GPU. The loops are the MLP's
(native_mlp.py) with the best per-step settings of each engine: torch on one thread
(set by the worker, for every side alike) with fused Adam, JAX jitted with donated state
and NumPy batches handed straight to the jitted step, and TensorFlow's `tf.function`
compiled by XLA, which measured faster than without it for this model.
"""

from __future__ import annotations

from kerasfront.bench.native_mlp import mlp_builders

LAYER_SIZES = (16, 32, 4)
BATCH_SIZE = 32

TENSORFLOW_XLA = True  # kerasfront's TensorFlow side then uses jit_compile=True too
BUILDERS = mlp_builders(LAYER_SIZES, BATCH_SIZE, tensorflow_xla=TENSORFLOW_XLA)
