"""TensorFlow's start-up log lines, kept off the terminal unless the user asks for them.

Importing TensorFlow on a machine without a GPU writes lines such as "Could not find cuda
drivers", "failed call to cuInit" and the oneDNN notice straight to the process's stderr
from C++ (absl logging, which TF_CPP_MIN_LOG_LEVEL no longer silences). While TensorFlow
starts, file descriptor 2 goes to a temporary file; afterwards the known start-up lines
are dropped and everything else is written back, so a real warning or error still shows.

A user who sets TF_CPP_MIN_LOG_LEVEL (any value, e.g. 0) sees TensorFlow's own output
unfiltered. This module must not import TensorFlow.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile

USER_LOG_VARIABLES = ("TF_CPP_MIN_LOG_LEVEL", "TF_CPP_MAX_VLOG_LEVEL", "TF_CPP_VMODULE")

# The lines TensorFlow prints while starting on a machine without a (usable) GPU.
START_UP_NOISE = re.compile(
    r"All log messages before absl::InitializeLog\(\) is called"
    r"|oneDNN custom operations are on"
    r"|Could not find cuda drivers on your machine"
    r"|failed call to cuInit"
    r"|Unable to register cu(FFT|DNN|BLAS) factory"
    r"|computation placer already registered"
    r"|TensorFlow binary is optimized to use available CPU instructions"
    r"|rebuild TensorFlow with the appropriate compiler flags"
    r"|To enable the following instructions: .* in other operations"
)


def user_wants_engine_logs(environ=os.environ) -> bool:
    return any(name in environ for name in USER_LOG_VARIABLES)


def without_start_up_noise(text: str) -> str:
    """`text` without TensorFlow's start-up lines (every other line kept, in order)."""
    return "".join(line for line in text.splitlines(True) if not START_UP_NOISE.search(line))


@contextlib.contextmanager
def start_up_logs_filtered():
    """Runs the body with stderr captured, then writes back all but the start-up noise."""
    if user_wants_engine_logs():
        yield
        return
    try:
        sys.stderr.flush()
        saved_fd = os.dup(2)
    except (OSError, ValueError):  # no real stderr (embedded interpreters)
        yield
        return
    with tempfile.TemporaryFile() as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            # TensorFlow's import writes TF_CPP_MIN_LOG_LEVEL into the environment; left
            # there, every child process would count as a user asking for the logs.
            for name in USER_LOG_VARIABLES:
                os.environ.pop(name, None)
            sys.stderr.flush()
            os.dup2(saved_fd, 2)
            os.close(saved_fd)
            capture.seek(0)
            kept = without_start_up_noise(capture.read().decode(errors="replace"))
            if kept:
                sys.stderr.write(kept)
                sys.stderr.flush()
