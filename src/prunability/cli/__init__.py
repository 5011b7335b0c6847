"""The ``prunability`` command: one subcommand per workflow step, so any step can be run by hand.

Each group of subcommands is registered by its module, next to its handlers; a handler parses its arguments
and calls one function. Imports are deferred into the handlers: a round job pays for torch, not for pandas or
matplotlib, and ``prunability --help`` imports neither.
"""

import argparse
import importlib
import sys

# The modules of this package that register subcommands, in the order ``--help`` lists them.
GROUPS = ("study", "imp", "dimensionality", "structure")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="prunability", description=__doc__.splitlines()[0])
    p.add_argument(
        "--numerics",
        choices=["portable", "native"],  # numerics.MODES, spelled out: parsing imports nothing
        help="portable: pin CPU kernels to x86-64-v3 so results are equal on any such machine; native: the "
        "CPU's own (default: $PRUNABILITY_NUMERICS, else portable)",
    )
    sub = p.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        importlib.import_module(f"prunability.cli.{group}").register(sub)
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    from prunability.errors import ArtifactError, ConfigError, RecoveryError, SharedRoundError
    from prunability.numerics import NumericsError, mode_from_env, pin

    try:
        pin(args.numerics or mode_from_env())
        args.func(args)
    except (ArtifactError, ConfigError, RecoveryError, NumericsError, SharedRoundError) as err:
        sys.exit(f"prunability {args.command}: {err}")
