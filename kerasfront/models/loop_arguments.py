"""Checks of the arguments `fit`, `evaluate` and `predict` share, made before any data is
read: `range("2")`, a single callback given without a list or `verbose="yes"` would fail
later with Python's own message, or a misleading one."""

from __future__ import annotations

from kerasfront.layers.layer_arguments import integer_or_none


def checked_count(method: str, argument: str, value) -> int:
    """`value` as a non-negative int (epochs, initial_epoch)."""
    count = integer_or_none(value)
    if count is None or count < 0:
        raise TypeError(
            f"{method}: {argument} must be a non-negative integer, received "
            f"{type(value).__name__}: {value!r}."
        )
    return count


def checked_verbose(method: str, verbose) -> int:
    """0 (silent), 1 (progress bar) or 2 (one line per epoch); tf.keras's and Keras 3's
    "auto" is the bar."""
    if verbose == "auto":
        return 1
    if isinstance(verbose, bool):
        return int(verbose)
    if isinstance(verbose, str) or verbose not in (0, 1, 2):
        raise ValueError(
            f"{method}: verbose must be 0 (silent), 1 (progress bar), 2 (one line per "
            f"epoch) or 'auto', received {verbose!r}."
        )
    return int(verbose)


def checked_callbacks(method: str, callbacks) -> None:
    """Callbacks come as a list (or tuple), or None."""
    if callbacks is not None and not isinstance(callbacks, (list, tuple)):
        raise TypeError(
            f"{method}: callbacks must be a list of Callback instances, received "
            f"{type(callbacks).__name__}: {callbacks!r:.80}; wrap it as callbacks=[...]."
        )
