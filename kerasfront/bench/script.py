"""The command line of the `benchmarks/fit_<model>.py` scripts, kept for their documented
flags (`--device cpu|gpu` where `kerasfront bench` takes `--devices`), plus `--worker` to run
one engine's worker in the script's own process, e.g. under a profiler.
"""

from __future__ import annotations

import argparse
import json

from kerasfront.bench.command import ENGINES, names_parser, positive_int
from kerasfront.bench.worker import PARTS, RESULT_PREFIX


def main(model: str, argv: list[str] | None = None) -> int:
    """Parses the script's flags and runs the benchmark of `model`; returns the exit status."""
    from kerasfront.bench.models import BENCHMARKS

    benchmark = BENCHMARKS[model]
    parser = argparse.ArgumentParser(
        description=f"kerasfront fit/predict against native loops: {benchmark.description} "
        "(the same as `python -m kerasfront bench --model " + model + "`)"
    )
    parser.add_argument(
        "--epochs",
        type=positive_int,
        default=benchmark.default_epochs,
        help=f"timed epochs after the warm-up (default {benchmark.default_epochs})",
    )
    parser.add_argument("--samples", type=positive_int, default=benchmark.default_samples)
    parser.add_argument(
        "--backends", type=names_parser("backend", ENGINES), default=list(ENGINES), metavar="LIST"
    )
    parser.add_argument("--device", choices=("cpu", "gpu"), default="cpu")
    parser.add_argument(
        "--keras3",
        action="store_true",
        help="also time Keras 3 (when installed) on each engine, in a worker of its own",
    )
    parser.add_argument(
        "--jit-compile",
        action="store_true",
        help="compile kerasfront's steps with jit_compile=True: CUDA graphs on a torch GPU, "
        "torch.compile on a torch CPU, XLA on TensorFlow (JAX always compiles)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--plot", metavar="FILE", help="write a PNG bar chart (matplotlib)")
    parser.add_argument(
        "--worker", action="store_true", help="run one engine's worker in this process"
    )
    parser.add_argument("--backend", choices=ENGINES, help="with --worker: the engine")
    parser.add_argument(
        "--part", choices=PARTS, default="both", help="with --worker: which sides to run"
    )
    arguments = parser.parse_args(argv)
    if arguments.worker:
        if arguments.backend is None:
            parser.error("--worker needs --backend")
        from kerasfront.bench.worker import run_worker

        config = {"model": model, "backend": arguments.backend, "device": arguments.device}
        config.update(epochs=arguments.epochs, samples=arguments.samples, part=arguments.part)
        config["jit_compile"] = arguments.jit_compile
        print(RESULT_PREFIX + json.dumps(run_worker(config)), flush=True)
        return 0
    from kerasfront.bench.command import run

    arguments.model = model
    arguments.devices = [arguments.device]
    return run(arguments)
