"""`DataParallel(devices=...)` read the same way on every engine that picks devices
itself (JAX, TensorFlow; torch's devices are torchrun's processes)."""

from __future__ import annotations


def choose_devices(devices, default: list, every: list, name_of, key_of, engine: str, hint: str):
    """The engine devices `devices` asks for.

    Args:
        devices: None (`default`), an int n (the first n of `default`), or a list of
            names such as "cpu:0", "gpu:1" (found among `every`).
        default: the devices used when none are named, in order.
        every: every device a name may pick.
        name_of: device -> its "kind:index" name, as `list_devices()` shows it.
        key_of: a requested list entry -> its "kind:index" name, or None if unreadable.
        engine: the engine's name, for messages.
        hint: how to get more devices (said when a count is too large).

    Raises:
        TypeError: for another kind of value.
        ValueError: for a count out of range, an unknown or repeated name; the message
            lists the devices that exist.
    """
    names = [name_of(device) for device in every]
    if devices is None:
        return list(default)
    if isinstance(devices, bool) or not isinstance(devices, (int, list, tuple)):
        raise TypeError(
            "DataParallel: devices must be None, an int or a list of device names such as "
            f"{names[:2]}, received {type(devices).__name__}: {devices!r:.80}."
        )
    if isinstance(devices, int):
        if not 1 <= devices <= len(default):
            raise ValueError(
                f"DataParallel: devices={devices} asks for {devices} devices, but {engine} "
                f"has {len(default)}: {[name_of(d) for d in default]}. ({hint})"
            )
        return list(default[:devices])
    if not devices:
        raise ValueError(f"DataParallel: devices is an empty list; {engine} has {names}.")
    chosen = []
    for requested in devices:
        key = key_of(requested)
        if key not in names:
            raise ValueError(
                f"DataParallel: no {engine} device named {requested!r}; the devices are {names}."
            )
        device = every[names.index(key)]
        if device in chosen:
            raise ValueError(f"DataParallel: device {requested!r} is listed twice in {devices!r}.")
        chosen.append(device)
    return chosen
