"""Subcommands that make a study's data and train its IMP rounds."""

import argparse
import json
import sys

from prunability.cli.common import SIDE_HELP, checked_identity

# What each run of an ``imp-round --runs`` list carries; the single-run flags of the same names say it for one run.
RUN_KEYS = ("data", "out", "seed", "identity", "previous", "rewind", "history", "log")
RUN_REQUIRED = ("data", "out", "seed", "identity")


def dataset(args: argparse.Namespace) -> None:
    from prunability.data.registry import build_dataset

    build_dataset(args.kind, json.loads(args.params), args.dimension, args.seed, args.out, args.threads, args.download)


def reference(args: argparse.Namespace) -> None:
    import torch

    from prunability.device import pick_device
    from prunability.reference import reference_rows

    torch.set_num_threads(args.threads)
    artifacts = json.loads(args.runs)
    if not all({"data", "identity"} <= set(artifact) for artifact in artifacts):
        sys.exit(f"reference --runs: each entry needs data and identity: {artifacts}")
    reference_rows(artifacts, args.out, pick_device(args.device))


def _round_runs(args: argparse.Namespace) -> list[dict]:
    """The runs an ``imp-round`` job trains: ``--runs`` (the workflow's shared jobs) or the single-run flags,
    never both; each run's identity checked against --model and its seed."""
    given = [f"--{k}" for k in RUN_KEYS if getattr(args, k, None) is not None]
    if args.runs is None:
        missing = [f"--{k}" for k in RUN_REQUIRED if getattr(args, k) is None]
        if missing:
            sys.exit(f"imp-round needs --runs, or {', '.join(missing)} for a single run")
        runs = [{k: getattr(args, k) for k in RUN_KEYS if getattr(args, k, None) is not None}]
        runs[0]["identity"] = json.loads(args.identity)
    elif given:
        sys.exit(f"imp-round: --runs names every run's {', '.join(RUN_KEYS)}; drop {', '.join(given)}")
    else:
        runs = json.loads(args.runs)
    for run in runs:
        if not set(RUN_REQUIRED) <= set(run) <= set(RUN_KEYS):
            sys.exit(
                f"imp-round --runs: each run needs {', '.join(RUN_REQUIRED)} and may have {', '.join(RUN_KEYS)}: {run}"
            )
        checked_identity(run["identity"], args.model, int(run["seed"]))
    return runs


def imp_round(args: argparse.Namespace) -> None:
    from prunability.imp.shared_rounds import RoundJob, run_job

    job = RoundJob(
        model=args.model,
        round=args.round,
        recipe=json.loads(args.recipe),
        prune_fraction=args.prune_fraction,
        ignore=tuple(args.ignore),
        device=args.device,
        threads=args.threads,
        side=args.side,
        stop=json.loads(args.stop) if args.stop else None,
    )
    run_job(job, _round_runs(args))


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("dataset", help="generate one data artifact")
    s.add_argument("--kind", required=True)
    s.add_argument("--params", required=True, help="dataset parameters as JSON")
    s.add_argument("--dimension", type=int, help="what generated data varies (not for real images)")
    s.add_argument("--seed", type=int, help="the seed of generated data (real images do not depend on one)")
    s.add_argument("--out", required=True)
    s.add_argument("--threads", type=int, default=1)
    s.add_argument(
        "--download", action="store_true", help="fetch missing real files (CIFAR-10, Tiny ImageNet) into the root"
    )
    s.set_defaults(func=dataset)

    s = sub.add_parser(
        "reference",
        help="fit the reference learner (logistic regression on standardised inputs) on every data artifact of an "
        "experiment, one table",
    )
    s.add_argument(
        "--runs",
        required=True,
        help='the artifacts, as a JSON list of {data, identity}: [{"data": "d.safetensors", "identity": '
        '{"experiment": "task", "dimension": 16, "seed": 0}}]; entries sharing a data file share one fit',
    )
    s.add_argument("--out", required=True)
    s.add_argument("--device", default="auto")
    s.add_argument("--threads", type=int, default=1)
    s.set_defaults(func=reference)

    s = sub.add_parser(
        "imp-round",
        help="run one IMP round (0 = dense) of one run, or of several runs one after another (--runs)",
    )
    s.add_argument(
        "--runs",
        help="the runs to train, as a JSON list of {data, out, seed, identity, previous, rewind, history, log} "
        "(the workflow's shared jobs); replaces the single-run flags --data ... --history",
    )
    s.add_argument("--data")
    s.add_argument("--side", type=int, help=SIDE_HELP)
    s.add_argument("--out", help="round directory")
    s.add_argument("--model", required=True)
    s.add_argument("--seed", type=int)
    s.add_argument(
        "--identity",
        help='the run\'s columns as JSON: {"experiment": "task", "model": "mlp-64-32", "dimension": 16, "seed": 0}',
    )
    s.add_argument("--round", type=int, required=True)
    s.add_argument("--recipe", required=True, help="training recipe as JSON")
    s.add_argument("--prune-fraction", type=float, default=0.2)
    s.add_argument("--ignore", nargs="*", default=[])
    s.add_argument("--previous", help="previous round's directory (round >= 1)")
    s.add_argument("--rewind", help="round 0's rewind.safetensors (round >= 1)")
    s.add_argument("--stop", help="the stop rule as JSON (config.stop_rule); without it every round trains")
    s.add_argument("--history", nargs="*", help="with --stop: metrics of round 0 and the patience rounds before")
    s.add_argument("--device", default="auto")
    s.add_argument("--threads", type=int, default=1)
    s.set_defaults(func=imp_round)
