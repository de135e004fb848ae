"""The `kerasfront bench` subcommand: its arguments and its entry point.

Parsing imports no engine (the runner starts one worker process per engine and device), so
`--help` answers at once.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys

MODELS = ("mlp", "cnn", "lstm", "tiny")
ENGINES = ("tensorflow", "torch", "jax")
DEVICES = ("cpu", "gpu")

DESCRIPTION = """\
Trains the same model through kerasfront and through a hand-written loop on each engine
(the best that engine offers: fused Adam on torch, jit with donated state on JAX,
tf.function on TensorFlow), alternating the two epoch by epoch in one process per engine
and device, and prints seconds per epoch, microseconds per step, the kerasfront/native
ratio and the latency of a one-sample predict (median of 200 calls).

Models: mlp (Dense 784-512-512-10, batch 128), cnn (the Keras MNIST convnet, batch 128),
lstm (three stacked LSTM(32), batch 64), tiny (Dense 16-32-4, batch 32: compute is
negligible, so it measures the per-step overhead, which is what decides a step on a GPU;
torch runs on one thread there, for every side, and TensorFlow compiles with XLA on both
sides: kerasfront with jit_compile=True).

Engines that are not installed are skipped with a note, and so is "gpu" for an engine that
sees no GPU. The first epoch is a warm-up (tracing, compilation) and is not counted. On a
shared machine, other processes make the figures noisy: the load average is printed.
"""


def names_parser(kind: str, allowed: tuple[str, ...]):
    """An argparse type: a comma-separated list of `allowed` names, returned in the order
    of `allowed`; an unknown name is an error that lists the allowed ones."""

    def parse(text: str) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in allowed]
        if unknown or not names:
            raise argparse.ArgumentTypeError(
                f"unknown {kind} {', '.join(map(repr, unknown)) or repr(text)}; "
                f"choose from {', '.join(allowed)} (comma-separated)"
            )
        return [name for name in allowed if name in names]

    return parse


def positive_int(text: str) -> int:
    """An argparse type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, received {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, received {text!r}")
    return value


def add_parser(commands) -> argparse.ArgumentParser:
    """Adds the subcommand to `commands` (the `add_subparsers` object of the CLI)."""
    parser = commands.add_parser(
        "bench",
        help="time a model through kerasfront against native loops, on every engine and device",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--model", choices=MODELS, default="mlp", help="default: mlp")
    parser.add_argument(
        "--backends",
        type=names_parser("backend", ENGINES),
        default=list(ENGINES),
        metavar="LIST",
        help="comma-separated engines (default: tensorflow,torch,jax; missing ones are skipped)",
    )
    parser.add_argument(
        "--devices",
        type=names_parser("device", DEVICES),
        default=["cpu"],
        metavar="LIST",
        help="comma-separated: cpu, gpu (default: cpu)",
    )
    parser.add_argument(
        "--epochs",
        type=positive_int,
        default=None,
        metavar="N",
        help="timed epochs after the warm-up (default: 2, 5 for tiny)",
    )
    parser.add_argument(
        "--samples",
        type=positive_int,
        default=None,
        metavar="N",
        help="samples per epoch (default: mlp 60000, cnn 8000, lstm 16000, tiny 4096)",
    )
    parser.add_argument(
        "--keras3",
        action="store_true",
        help="also time Keras 3 on each engine (when installed), in a worker of its own",
    )
    parser.add_argument(
        "--jit-compile",
        action="store_true",
        help="compile kerasfront's steps with jit_compile=True: CUDA graphs on a torch GPU, "
        "torch.compile on a torch CPU, XLA on TensorFlow (JAX always compiles)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--plot", metavar="FILE", default=None, help="write a PNG bar chart (needs matplotlib)"
    )
    return parser


def run(arguments: argparse.Namespace) -> int:
    """Runs the subcommand parsed by `add_parser`'s parser; returns the exit status (1 when
    a worker failed)."""
    if arguments.plot and importlib.util.find_spec("matplotlib") is None:
        print(
            "kerasfront bench: --plot needs matplotlib, which is not installed: "
            "pip install matplotlib",
            file=sys.stderr,
        )
        return 2
    from kerasfront.bench import report as report_module
    from kerasfront.bench.runner import run_benchmarks

    report = run_benchmarks(
        arguments.model,
        arguments.backends,
        arguments.devices,
        epochs=arguments.epochs,
        samples=arguments.samples,
        keras3=arguments.keras3,
        jit_compile=arguments.jit_compile,
        progress=lambda line: print(f"running {line}...", file=sys.stderr, flush=True),
    )
    if arguments.plot:
        report_module.write_plot(report, arguments.plot)
        report["plot"] = arguments.plot
    if arguments.json:
        print(json.dumps(report, indent=2))
    else:
        print(report_module.format_table(report))
        if arguments.plot:
            print(f"chart written to {arguments.plot}")
    return 1 if any("error" in row for row in report["rows"]) else 0
