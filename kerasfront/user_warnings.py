"""Warnings that point at the user's line.

`warnings.warn(..., stacklevel=n)` names the frame n calls up; from deep inside `fit`
or a layer's constructor that depth differs from one entry point to the next (`fit`
or `train_on_batch`, a layer or a subclass of it), and a fixed n named a line of
kerasfront. `warn` names the first frame outside kerasfront instead.
"""

from __future__ import annotations

import sys
import warnings


def _ours(frame) -> bool:
    name = frame.f_globals.get("__name__", "")
    return name == "kerasfront" or name.startswith("kerasfront.")


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """`warnings.warn(message, category)` attributed to the user's code that called in."""
    frame, level = sys._getframe(1), 2  # stacklevel 2: the caller of this function
    while frame is not None and _ours(frame):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
