"""The ``basketcheck`` command: one entry point, a subcommand per surface, loaded only when used.

Each subcommand lives in the package it belongs to, as a module with ``configure(parser)`` that adds its
arguments (and sub-subcommands) and sets ``handler`` (a function ``(args) -> int``) as a parser default.
Only the chosen subcommand's module is imported, so ``basketcheck --help`` stays fast and light.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import NoReturn

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


class CliError(Exception):
    """A problem the user can fix (bad file, unreachable device): printed as one line, exit code 2."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors: ``basketcheck scale: error: …`` and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (try '{self.prog} --help')\n")


@dataclass(frozen=True)
class Command:
    help: str
    module: str
    issue: int  # the issue that builds it, named while it is not built yet


COMMANDS: dict[str, Command] = {
    "demo": Command("run the whole store on simulated hardware and play shoppers", "hardware_sim.demo", 10),
    "backend": Command("run or migrate the store backend", "backend.serve_cli", 6),
    "catalog": Command("import and inspect the product catalog", "backend.catalog_cli", 6),
    "sim": Command("run simulated hardware: scale, camera, scenarios", "hardware_sim.cli", 4),
    "scale": Command("monitor and calibrate a scale by its serial URL", "firmware_bridge.cli", 3),
    "unit": Command("run a validation unit, or register one with the backend", "validation_unit.cli", 7),
    "vision": Command("build datasets, train, export and evaluate the product detector", "vision.cli", 5),
    "app": Command("start the shopper scan-and-go app on this desktop", "scanner_app.cli", 9),
    "bench": Command("run benchmarks and print their figures (JSON with --json)", "backend.bench_cli", 10),
}


def version() -> str:
    try:
        return metadata.version("basketcheck")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def _chosen_command(argv: Sequence[str]) -> str | None:
    for token in argv:
        if token.startswith("-"):
            continue
        return token if token in COMMANDS else None
    return None


def _not_built(name: str, command: Command) -> Callable[[argparse.Namespace], int]:
    def handler(_args: argparse.Namespace) -> int:
        raise CliError(f"not built yet in this version (issue #{command.issue})", EXIT_FAILURE)

    return handler


def build_parser(argv: Sequence[str]) -> ArgumentParser:
    parser = ArgumentParser(
        prog="basketcheck",
        description="basketcheck: smart self-checkout validation (load cells + vision).",
    )
    parser.add_argument("--version", action="version", version=f"basketcheck {version()}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ArgumentParser)
    chosen = _chosen_command(argv)
    for name, command in COMMANDS.items():
        sub = subparsers.add_parser(name, help=command.help, description=command.help)
        if name != chosen:
            continue
        try:
            module = importlib.import_module(command.module)
        except ModuleNotFoundError as exc:
            if exc.name != command.module:
                raise
            sub.set_defaults(handler=_not_built(name, command))
            continue
        module.configure(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_list)
    args = parser.parse_args(args_list)
    handler = getattr(args, "handler", None)
    if handler is None:  # no command given
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(handler(args) or EXIT_OK)
    except CliError as exc:
        print(f"basketcheck {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"basketcheck {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("BASKETCHECK_DEBUG"):
            raise
        print(
            f"basketcheck {args.command}: internal error: {type(exc).__name__}: {exc} "
            "(set BASKETCHECK_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
