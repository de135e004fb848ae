"""Training on several devices through each engine's own distribution machinery.

`DataParallel` replicates the model's state on every device and splits each global
batch across them: a `jax.sharding.Mesh` on JAX, `torch.distributed` processes started
by `torchrun` on PyTorch, `tf.distribute.MirroredStrategy` on TensorFlow. Use it as a
scope around `compile`, or set it for the whole program with `set_distribution`; the
distribution active when a model is compiled is the one its steps use.

    strategy = kerasfront.distribution.DataParallel()
    with strategy:
        model = build_model()
        model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x, y, batch_size=256)   # each of N devices takes 256 / N samples a step
"""

from kerasfront.distribution.data_parallel import (
    DataParallel,
    distribution,
    list_devices,
    set_distribution,
)

__all__ = ["DataParallel", "distribution", "list_devices", "set_distribution"]
