"""Subcommands of the dimensionality study: measured dimension, its tables, statistics, figures and report."""

import argparse
import json
import sys
from pathlib import Path

from prunability.cli.common import SIDE_HELP, labels
from prunability.matching import BASE_CRITERIA


def measure_dim(args: argparse.Namespace) -> None:
    from prunability.dimensionality.measured_dim import IDENTITY, measure

    single = {"data": args.data, "experiment": args.experiment, "dimension": args.dimension, "seed": args.seed}
    if args.runs is not None:
        if any(v is not None for v in single.values()) or args.side is not None:
            sys.exit("measure-dim: --runs names every artifact's data, side and identity; drop the single flags")
        artifacts = json.loads(args.runs)
        for artifact in artifacts:
            if not {"data", *IDENTITY} <= set(artifact):
                sys.exit(f"measure-dim --runs: each artifact needs data, {', '.join(IDENTITY)}: {artifact}")
    elif missing := [f"--{key}" for key, value in single.items() if value is None]:
        sys.exit(f"measure-dim needs --runs, or {', '.join(missing)} for one artifact")
    else:
        artifacts = [{**single, "side": args.side}]
    for row in measure(artifacts, args.out, args.samples, args.k, args.threads):
        print(f"measured intrinsic dimension: {row}", file=sys.stderr)


def tables(args: argparse.Namespace) -> None:
    from prunability.dimensionality.tables import collect_study

    rounds = collect_study(args.metrics, args.rounds, args.timing, args.timing_out, args.measured, args.measured_out)
    runs = rounds.groupby(["experiment", "model", "dimension", "seed"]).ngroups
    print(f"{len(rounds)} rounds of {runs} runs", file=sys.stderr)


def fingerprint(args: argparse.Namespace) -> None:
    from prunability.dimensionality.tables import collect_fingerprints

    table = collect_fingerprints(args.timing, args.out)
    print(f"{table['rounds'].sum()} rounds made by {len(table)} fingerprint(s)", file=sys.stderr)


def stats(args: argparse.Namespace) -> None:
    from prunability.dimensionality.stats_tables import Resampling, write_statistics
    from prunability.matching import Matching

    matching = Matching(tolerance=args.tolerance, z=args.z, first_failure_of=args.first_failure_of)
    write_statistics(
        Path(args.rounds),
        Path(args.measured),
        Path(args.out_dir),
        args.criteria,
        matching,
        json.loads(args.stop),
        args.rollouts,
        args.samples,
        args.seed,
        labels(args.label),
        Resampling(args.resamples, args.resample_rollouts, args.ddof, args.prune_fraction),
    )


def figures(args: argparse.Namespace) -> None:
    from prunability.dimensionality.figures import draw_figures

    draw_figures(
        Path(args.rounds),
        Path(args.correlation),
        Path(args.sensitivity),
        Path(args.out_dir),
        labels(args.label),
        Path(args.reference),
        Path(args.correlation_summary),
    )


def report(args: argparse.Namespace) -> None:
    from prunability.reporting.study_report import write_report

    write_report(args.study, Path(args.tables), Path(args.figures), Path(args.captions), labels(args.label), args.out)


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "measure-dim", help="estimate the intrinsic dimension of a data artifact, or of several (--runs), one table"
    )
    s.add_argument("--data")
    s.add_argument("--out", required=True)
    s.add_argument("--experiment")
    s.add_argument("--dimension", type=int)
    s.add_argument("--seed", type=int)
    s.add_argument(
        "--runs",
        help="the artifacts to measure, as a JSON list of {data, experiment, dimension, seed, side}; replaces the "
        "single-artifact flags",
    )
    s.add_argument("--samples", type=int, default=2000, help="points used (a seeded subsample)")
    s.add_argument("--k", type=int, default=20, help="neighbours of the Levina-Bickel MLE")
    s.add_argument("--side", type=int, help=SIDE_HELP)
    s.add_argument("--threads", type=int, default=1)
    s.set_defaults(func=measure_dim)

    s = sub.add_parser("tables", help="collect round metrics into long tables")
    s.add_argument("--metrics", nargs="+", required=True)
    s.add_argument("--measured", nargs="+", required=True, help="measure-dim outputs")
    s.add_argument("--measured-out", required=True, help="output measured_dim.parquet")
    s.add_argument("--timing", nargs="+", required=True)
    s.add_argument("--rounds", required=True, help="output rounds.parquet")
    s.add_argument("--timing-out", required=True, help="output timing.parquet")
    s.set_defaults(func=tables)

    s = sub.add_parser("fingerprint", help="what made a study's rounds: device, CPU, kernel levels, torch, threads")
    s.add_argument(
        "--timing", nargs="+", required=True, help="timing.json of every round (or a study's timing.parquet)"
    )
    s.add_argument("--out", required=True, help="output fingerprint.parquet")
    s.set_defaults(func=fingerprint)

    s = sub.add_parser("stats", help="smallest matching subnetworks, summaries, correlations")
    s.add_argument("--rounds", required=True)
    s.add_argument("--measured", required=True, help="measured_dim.parquet")
    s.add_argument("--out-dir", required=True)
    s.add_argument("--criteria", nargs="+", default=["strict"], help="matching criteria, each reported")
    s.add_argument("--tolerance", type=float, default=0.005, help="the tolerance criterion's margin (fraction)")
    s.add_argument("--z", type=float, default=1.96, help="the noise criterion's multiple of the standard error")
    s.add_argument(
        "--first-failure-of",
        default="strict",
        choices=BASE_CRITERIA,
        help="the rule whose first failure ends first-failure",
    )
    s.add_argument("--rollouts", type=int, default=5000)
    s.add_argument("--samples", type=int, default=1000)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--label", nargs="*", default=[], help="experiment=axis label")
    s.add_argument("--stop", default="{}", help="JSON: each experiment's stop rule (config.stop_rule) or null")
    s.add_argument("--resamples", type=int, default=1000, help="seed resamples for each rho's 95 %% interval")
    s.add_argument("--resample-rollouts", type=int, default=5, help="Monte-Carlo rollouts per resample")
    s.add_argument("--prune-fraction", type=float, default=0.2, help="what a round prunes: prunability's grid")
    s.add_argument(
        "--ddof", type=int, choices=[0, 1], default=1, help="std over seeds: 1 sample (the study's), 0 the paper's"
    )
    s.set_defaults(func=stats)

    s = sub.add_parser("figures", help="draw every figure from the tables")
    s.add_argument("--rounds", required=True)
    s.add_argument("--correlation", required=True)
    s.add_argument("--sensitivity", required=True)
    s.add_argument("--reference", required=True, help="reference.parquet: each dataset's reference learner")
    s.add_argument("--correlation-summary", required=True, help="correlation_summary.parquet: intervals, verdicts")
    s.add_argument("--out-dir", required=True)
    s.add_argument("--label", nargs="*", default=[])
    s.set_defaults(func=figures)

    s = sub.add_parser("report", help="write the self-contained HTML report")
    s.add_argument("--study", required=True)
    s.add_argument("--tables", required=True)
    s.add_argument("--figures", required=True)
    s.add_argument("--captions", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--label", nargs="*", default=[])
    s.set_defaults(func=report)
