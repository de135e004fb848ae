"""The `kerasfront` command (also `python -m kerasfront`).

`info` reports the active backend, why it was chosen, its devices and the installed
engines; `conformance` checks that the engines compute the same numbers for a model;
`bench` times a model through kerasfront against each engine's native training loop.
Parsing the command line imports no engine, so `--help` answers at once; `info` imports
only the active engine, whose devices it lists.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys

# Engine-free: these subcommands start one process per engine.
from kerasfront.bench import command as bench_command
from kerasfront.conformance import command as conformance_command

ENGINE_DISTRIBUTIONS = {"tensorflow": "tensorflow", "torch": "torch", "jax": "jax"}


def engine_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(ENGINE_DISTRIBUTIONS.get(name, name))
    except importlib.metadata.PackageNotFoundError:
        return None


def info() -> int:
    import kerasfront.backend as K
    from kerasfront import config
    from kerasfront.backend import registry as registry_module

    print(f"kerasfront {_own_version()}")
    print(f"config file: {config.keras_home() / 'keras.json'}")
    resolution = registry_module.RESOLUTION
    adapter = registry_module.ADAPTER
    print(f"active backend: {K.backend()} (chosen by {resolution.source})")
    print(f"devices: {', '.join(adapter.devices())}")
    print(
        f"floatx: {K.floatx()}, epsilon: {K.epsilon()}, image_data_format: {K.image_data_format()}"
    )
    print("installed engines:")
    for name in registry_module.FALLBACK_ORDER:
        version = engine_version(name)
        marker = "*" if name == K.backend() else " "
        print(
            f" {marker} {name:<11} {version or 'not installed (pip install kerasfront[' + name + '])'}"
        )
    third_party = registry_module.third_party_backends()
    for name, backend in third_party.items():
        print(f"   {name:<11} third party ({backend.module})")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="kerasfront",
        description="The Keras API over TensorFlow, PyTorch and JAX.",
        epilog="The engine comes from KERAS_BACKEND, else $KERAS_HOME/keras.json, else tensorflow.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"kerasfront {_own_version()}",
        help="show the version",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "info", help="the active backend, why it was chosen, its devices, the installed engines"
    )
    conformance_command.add_parser(commands)
    bench_command.add_parser(commands)
    arguments = parser.parse_args(argv)
    if arguments.command == "conformance":
        return conformance_command.run(arguments)
    if arguments.command == "bench":
        return bench_command.run(arguments)
    return info()


def _own_version() -> str:
    try:
        return importlib.metadata.version("kerasfront")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


if __name__ == "__main__":
    sys.exit(main())
