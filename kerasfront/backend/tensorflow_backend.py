"""Keras 2's `keras.backend.tensorflow_backend` module path (`import
keras.backend.tensorflow_backend as KTF`, `from keras.backend.tensorflow_backend import
set_session`): the backend module's functions, on whichever engine is active, plus the
device list helper multi-GPU code of that era called."""

from kerasfront.backend import *  # noqa: F403


def _get_available_gpus() -> list[str]:
    """The accelerators of the active engine as Keras 2 named them (`'/gpu:0'`, ...);
    an empty list on a machine without any."""
    from kerasfront.distribution import list_devices

    accelerators = [d for d in list_devices() if not str(d).lower().startswith("cpu")]
    return [f"/gpu:{index}" for index in range(len(accelerators))]
