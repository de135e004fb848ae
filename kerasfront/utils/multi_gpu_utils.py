"""Keras 2's `multi_gpu_model`, as a data-parallel distribution of the same model."""

from __future__ import annotations


def multi_gpu_model(model, gpus=None, cpu_merge=True, cpu_relocation=False):
    """Trains `model` data-parallel on several devices (Keras 2's entry point).

    Keras 2 built a new model holding one copy per GPU and merged their outputs on the
    CPU; here the same model is compiled under `kerasfront.distribution.DataParallel`,
    which each engine runs with its own machinery. The returned model is `model` itself,
    so saving it saves the template model, as Keras 2 advised.

    Args:
        model: the model to replicate (compile it after this call).
        gpus: the number of devices (>= 2), or a list of device names or ids; None takes
            every device.
        cpu_merge, cpu_relocation: accepted for Keras 2 compatibility; the engines place
            the merged state themselves.

    Returns:
        `model`, whose next `compile` runs its steps on the devices.
    """
    from kerasfront.distribution import DataParallel

    del cpu_merge, cpu_relocation
    if isinstance(gpus, bool) or not (gpus is None or isinstance(gpus, (int, list, tuple))):
        raise TypeError(
            "multi_gpu_model: gpus must be an int (>= 2), a list of devices or None, "
            f"received {type(gpus).__name__}: {gpus!r:.60}."
        )
    if isinstance(gpus, int) and gpus < 2:
        raise ValueError(
            f"multi_gpu_model: gpus must be at least 2 (received {gpus}); a model trains on "
            "one device without it."
        )
    if isinstance(gpus, (list, tuple)):
        gpus = [f"gpu:{g}" if isinstance(g, int) else g for g in gpus]
    model._distribution = DataParallel(devices=gpus)
    return model
