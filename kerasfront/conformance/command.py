"""The `kerasfront conformance` subcommand: its arguments and its entry point.

Parsing imports no engine (the runner starts one process per engine), so `--help`
answers at once.
"""

from __future__ import annotations

import argparse

from kerasfront.bench.command import positive_int

DESCRIPTION = """\
Runs a model on every installed engine (tensorflow, torch, jax) with the same weights and
data, one process per engine, plus the NumPy reference backend for the forward pass, and
prints, for every layer output and for the gradient of the loss with respect to every
trainable weight, the largest absolute and relative difference between each pair.

SCRIPT.py defines build_model() (returning a compiled model) and make_data() (returning
(x, y)), and may define prepare(model), run once before the weights are shared. One
engine builds the model and saves its weights (save_weights) and the data; the others
build the same architecture and load them. Everything runs in inference mode
(training=False: Dropout off, BatchNormalization on its moving statistics), so the
engines compute the same function.

The relative difference is the largest absolute difference divided by the largest
magnitude in the two arrays. Default tolerance on it: 1e-5 for float32 (1e-11 for
float64, 1e-2 for float16/bfloat16).

Exit status: 0 when all agree, 1 when a difference passes the tolerance (the layer or
weight and the engine that differs are named), 2 when an engine fails to run the model.
"""


def add_parser(commands) -> argparse.ArgumentParser:
    """Adds the subcommand to `commands` (the `add_subparsers` object of the CLI)."""
    parser = commands.add_parser(
        "conformance",
        help="check that the engines compute the same layer outputs and gradients",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "script",
        nargs="?",
        metavar="SCRIPT.py",
        help="a script defining build_model() and make_data()",
    )
    source.add_argument(
        "--suite",
        action="store_true",
        help="the built-in models (Dense, Conv2D, pooling, BatchNormalization, Dropout, "
        "Embedding, LSTM, GRU, Bidirectional)",
    )
    parser.add_argument(
        "--tolerance",
        type=_positive_float,
        default=None,
        metavar="T",
        help="relative tolerance for every dtype (default: 1e-5 for float32, 1e-11 for "
        "float64, 1e-2 for float16)",
    )
    parser.add_argument(
        "--engines",
        type=lambda text: [name.strip() for name in text.split(",") if name.strip()],
        default=None,
        metavar="LIST",
        help="comma-separated engines to compare (default: every installed one)",
    )
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help="leave out the NumPy reference backend",
    )
    parser.add_argument(
        "--run-eagerly",
        action="store_true",
        help="run without the engines' compilation (jax.jit, tf.function); by default the "
        "model runs compiled, as fit and predict run it",
    )
    parser.add_argument(
        "--samples",
        type=positive_int,
        default=32,
        metavar="N",
        help="the number of samples of make_data() used, as one batch (default: 32)",
    )
    return parser


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, received {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, received {text!r}")
    return value


def run(arguments: argparse.Namespace) -> int:
    """Runs the subcommand parsed by `add_parser`'s parser; returns the exit status."""
    from kerasfront.conformance.runner import run_conformance

    try:
        return run_conformance(
            None if arguments.suite else arguments.script,
            tolerance=arguments.tolerance,
            engines=arguments.engines,
            reference=not arguments.no_reference,
            samples=arguments.samples,
            run_eagerly=arguments.run_eagerly,
        )
    except ValueError as error:
        print(f"kerasfront conformance: {error}")
        return 2
