"""Subcommands of the structure study: the per-run and per-round analyses, their tables and figures."""

import argparse
import json
import sys
from pathlib import Path

from prunability.cli.common import identity, labels, per_round_analysis_args
from prunability.structure.registry import ANALYSES


def structure(args: argparse.Namespace) -> None:
    from prunability.structure.per_run import write_structure_tables

    try:
        tables = write_structure_tables(
            Path(args.run), args.model, identity(args), args.rounds, args.bins, Path(args.out_dir)
        )
    except ValueError as err:  # a model without a stage map
        sys.exit(f"prunability structure: {err}")
    stages, neurons = len(tables["stage_sparsity"]), len(tables["neuron_sparsity"])
    print(f"{args.run}: {stages} stage rows, {neurons} neuron rows", file=sys.stderr)


def per_round(args: argparse.Namespace) -> None:
    from prunability.artifacts import write_rows
    from prunability.config.validation import analysis_defaults
    from prunability.structure.registry import BY_NAME, resolve

    analysis = BY_NAME[args.command]
    rounds = {"current": Path(args.round_dir)} | {ref: Path(getattr(args, ref)) for ref in analysis.references}
    settings = {**analysis_defaults(), **json.loads(args.settings), "device": args.device, "threads": args.threads}
    rows = resolve(analysis.rows)(rounds, args.model, args.data, args.side, identity(args), settings)
    write_rows(args.out, rows)
    print(f"{args.round_dir}: {len(rows)} rows of {analysis.name}", file=sys.stderr)


def structure_tables(args: argparse.Namespace) -> None:
    from prunability.structure.tables import write_structure_tables

    tolerance = {e: float(t) for e, t in labels(args.tolerance).items()}
    write_structure_tables(args.metrics, args.runs, args.per_round, tolerance, Path(args.out_dir))


def structure_figures(args: argparse.Namespace) -> None:
    from prunability.structure.figures import draw_structure_figures

    for path in draw_structure_figures(Path(args.tables), Path(args.out_dir)):
        print(f"drew {path}", file=sys.stderr)


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("structure", help="stage/neuron sparsity and weight magnitudes of every round of one run")
    s.add_argument("--run", required=True, help="the run's folder of round_<rrr>/ directories")
    s.add_argument("--model", required=True)
    s.add_argument("--rounds", type=int, required=True, help="the run's last round (its round cap)")
    s.add_argument("--identity", required=True, help="the run's columns as JSON (see imp-round)")
    s.add_argument("--bins", type=int, default=100, help="magnitude bins, shared by every round of the run")
    s.add_argument("--out-dir", required=True)
    s.set_defaults(func=structure)

    for analysis in ANALYSES:
        s = sub.add_parser(analysis.name, help=analysis.help)
        s.add_argument("--round-dir", required=True, help="the analysed round's directory (round_<rrr>/)")
        for ref in analysis.references:
            s.add_argument(f"--{ref}", required=True, help=f"the {ref} round's directory")
        per_round_analysis_args(s, "output Parquet, the analysis's rows")
        s.set_defaults(func=per_round)

    s = sub.add_parser("structure-tables", help="collect the structure analyses of every run into the study tables")
    s.add_argument("--metrics", nargs="+", required=True, help="metrics.parquet of every round of every run")
    s.add_argument("--runs", nargs="+", required=True, help="per-run analysis folders (prunability structure)")
    s.add_argument("--per-round", nargs="*", default=[], help="per-round analysis outputs (<analysis>.parquet)")
    s.add_argument("--tolerance", nargs="+", required=True, help="experiment=critical tolerance (a fraction)")
    s.add_argument("--out-dir", required=True)
    s.set_defaults(func=structure_tables)

    s = sub.add_parser("structure-figures", help="draw the structure figures from the structure tables")
    s.add_argument("--tables", required=True, help="folder of structure_*.parquet")
    s.add_argument("--out-dir", required=True)
    s.set_defaults(func=structure_figures)
