"""Subcommands about a study as a whole: its config, its quoted numbers, its comparison with the committed
tables, its recovery after a crashed controller."""

import argparse
import json
import sys
from pathlib import Path


def check_config(args: argparse.Namespace) -> None:
    from prunability.config.plan import describe
    from prunability.config.validation import load

    print(f"{args.config}: valid; {describe(load(args.config))}")


def readme_numbers(args: argparse.Namespace) -> None:
    from prunability.reporting.quoted import refresh

    for line in refresh(Path(args.page) if args.page else None, args.block, args.check):
        print(line, file=sys.stderr)


def compare(args: argparse.Namespace) -> None:
    """Lenient, a finished study exits 0 whatever it compared; ``--strict`` exits 1 on any difference."""
    from prunability.reporting.compare import EQUAL, NONE, compare_study

    verdict, text = compare_study(args.config, args.tables, args.revision)
    print(text, file=sys.stderr)
    if args.strict and verdict not in (EQUAL, NONE):
        sys.exit(1)


def yardstick(args: argparse.Namespace) -> None:
    from prunability.yardstick import flagged_lines, write_yardstick

    table = write_yardstick(
        [Path(p) for p in args.accuracy],
        [Path(p) for p in args.reference],
        Path(args.reference_out),
        Path(args.adequacy_out),
        args.tolerance,
        args.ceiling,
        json.loads(args.published),
        args.published_margin,
    )
    print("\n".join(flagged_lines(table)), file=sys.stderr)


def robustness(args: argparse.Namespace) -> None:
    from prunability.operations.robustness import run

    command = _command(args)
    if not command:
        sys.exit(
            "robustness: give the snakemake command after '--', e.g. -- snakemake --profile workflow/profiles/default"
        )
    sys.exit(run(args.config, command))


def _command(args: argparse.Namespace) -> list[str]:
    """The snakemake command given after ``--``."""
    return args.command_[1:] if args.command_[:1] == ["--"] else args.command_


def _takes_command(s: argparse.ArgumentParser, help: str) -> None:
    s.add_argument("command_", nargs=argparse.REMAINDER, metavar="-- COMMAND", help=help)


def recover(args: argparse.Namespace) -> None:
    from prunability.operations.recover import recover

    sys.exit(recover(_command(args), cancel=args.cancel))


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("check-config", help="validate a study config against the schema")
    s.add_argument("config")
    s.set_defaults(func=check_config)

    s = sub.add_parser("readme-numbers", help="rewrite (or --check) the study numbers the docs quote")
    s.add_argument("--block", action="append", help="one quoted study, e.g. default-study (repeatable; default: all)")
    s.add_argument("--page", help="the file holding the blocks (default: docs/results.md)")
    s.add_argument("--check", action="store_true", help="exit non-zero when the file differs from the tables")
    s.set_defaults(func=readme_numbers)

    s = sub.add_parser(
        "compare",
        help="compare a study's fresh tables with the committed ones: per table equal, equal within tolerance "
        "or different, and the likely cause",
    )
    s.add_argument("--config", default="config.yaml", help="the study's config (its tables: results/<study>/tables)")
    s.add_argument("--tables", help="a tables folder, instead of the one --config names")
    s.add_argument("--revision", default="HEAD", help="the git revision whose committed tables are the reference")
    s.add_argument(
        "--strict", action="store_true", help="exit 1 on any difference, even in the last bit of a float (tests, CI)"
    )
    s.set_defaults(func=compare)

    s = sub.add_parser(
        "yardstick", help="each cell's dense accuracy against its data's reference learner, flagged (adequacy table)"
    )
    s.add_argument("--accuracy", nargs="+", required=True, help="rounds.parquet and/or structure_accuracy.parquet")
    s.add_argument("--reference", nargs="+", required=True, help="the reference command's outputs")
    s.add_argument("--reference-out", required=True, help="output reference.parquet")
    s.add_argument("--adequacy-out", required=True, help="output adequacy.parquet")
    s.add_argument("--tolerance", type=float, default=0.01, help="how far dense may lie below reference (fraction)")
    s.add_argument("--ceiling", type=float, default=0.995, help="dense and reference both at least this: at ceiling")
    s.add_argument(
        "--published",
        default="{}",
        help='published dense accuracies as JSON (experiments\' expected_dense): {"extrinsic": {"resnet20-16": '
        '{"accuracy": 0.917, "source": "...", "cells": ["dim32"]}}}',
    )
    s.add_argument("--published-margin", type=float, default=0.02, help="how far below published dense may lie")
    s.set_defaults(func=yardstick)

    s = sub.add_parser(
        "robustness",
        help="rerun a study's dimension experiments with other seeds and kernels; do its verdicts hold?",
        description="Run in the study's directory as: prunability robustness --config C -- <snakemake command>",
    )
    s.add_argument("--config", default="config.yaml", help="the study's config (it must have run)")
    _takes_command(s, "snakemake, without --configfile")
    s.set_defaults(func=robustness)

    s = sub.add_parser(
        "recover",
        help="after a crashed snakemake: wait for (or --cancel) its jobs, unlock, rerun the interrupted jobs",
        description="Run in the study's directory as: prunability recover -- <the snakemake command that died>",
    )
    s.add_argument("--cancel", action="store_true", help="stop the dead run's jobs instead of waiting for them")
    _takes_command(s, "the snakemake command to rerun")
    s.set_defaults(func=recover)
