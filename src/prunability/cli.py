"""The ``prunability`` command: one subcommand per workflow step, so any step can be run by hand.

Imports are deferred into each subcommand: a round job pays for torch, not for pandas or matplotlib.
"""

import argparse
import json
import os
import sys
from pathlib import Path

from prunability.criteria import BASE_CRITERIA


def put_on_path() -> None:
    """Put the scripts beside the running interpreter first on PATH, for the shell commands of the rules.

    Rules call ``prunability``; with this, a study starts the same from ``make``, from ``.venv/bin/snakemake``
    without an activated environment, and inside a cluster job (which runs the same interpreter).
    """
    scripts = os.path.dirname(sys.executable)
    os.environ["PATH"] = os.pathsep.join([scripts, os.environ.get("PATH", "")])


SIDE_HELP = "bring stored images to this side per batch (nearest neighbour); default: as stored"
# What each run of an ``imp-round --runs`` list carries; the single-run flags of the same names say it for one run.
RUN_KEYS = ("data", "out", "seed", "identity", "previous", "rewind", "history", "log")
RUN_REQUIRED = ("data", "out", "seed", "identity")


def _identity(args: argparse.Namespace) -> dict:
    """The run's identity columns (``--identity`` JSON, as the workflow writes it), checked against --model
    (and --seed where the command has one), so a table row can never name another run than the one computed."""
    identity = json.loads(args.identity)
    return _checked_identity(identity, args.model, getattr(args, "seed", identity.get("seed")))


def _checked_identity(identity: dict, model: str, seed: object) -> dict:
    """``identity`` if it names the run of ``model`` and ``seed``; exit naming the mismatch otherwise."""
    if identity.get("model") != model or identity.get("seed") != seed:
        sys.exit(f"identity {json.dumps(identity)} does not name the run of model {model}, seed {seed}")
    return identity


def _labels(pairs: list[str]) -> dict[str, str]:
    """``["task=task dimension"]`` -> ``{"task": "task dimension"}``."""
    return dict(p.split("=", 1) for p in pairs)


def cmd_check_config(args: argparse.Namespace) -> None:
    from prunability.config import job_chains, load, runs

    config = load(args.config)
    study = runs(config)
    rounds = sum(run.rounds + 1 for run in study)
    jobs = sum(chain[0].rounds + 1 for chain in job_chains(study, config["imp"]["runs_per_job"]))
    print(
        f"{args.config}: valid; study {config['study']!r} has {len(study)} runs, {rounds} IMP rounds "
        f"in {jobs} round jobs"
    )


def cmd_dataset(args: argparse.Namespace) -> None:
    import torch

    from prunability.data.registry import build_dataset

    torch.set_num_threads(args.threads)
    build_dataset(args.kind, json.loads(args.params), args.dimension, args.seed, args.out)


def cmd_measure_dim(args: argparse.Namespace) -> None:
    import torch

    from prunability.measured_dim import measure

    torch.set_num_threads(args.threads)
    run = {"experiment": args.experiment, "dimension": args.dimension, "seed": args.seed}
    row = measure(args.data, args.out, run, args.samples, args.k, args.side)
    print(f"measured intrinsic dimension: {row}", file=sys.stderr)


def _round_runs(args: argparse.Namespace) -> list[dict]:
    """The runs an ``imp-round`` job trains: ``--runs`` (the workflow's shared jobs) or the single-run flags,
    never both."""
    given = [f"--{k}" for k in RUN_KEYS if getattr(args, k, None) is not None]
    if args.runs is None:
        missing = [f"--{k}" for k in RUN_REQUIRED if getattr(args, k) is None]
        if missing:
            sys.exit(f"imp-round needs --runs, or {', '.join(missing)} for a single run")
        single = {k: getattr(args, k) for k in RUN_KEYS if getattr(args, k, None) is not None}
        return [{**single, "identity": json.loads(args.identity)}]
    if given:
        sys.exit(f"imp-round: --runs names every run's {', '.join(RUN_KEYS)}; drop {', '.join(given)}")
    runs = json.loads(args.runs)
    for run in runs:
        if not set(RUN_REQUIRED) <= set(run) <= set(RUN_KEYS):
            sys.exit(
                f"imp-round --runs: each run needs {', '.join(RUN_REQUIRED)} and may have {', '.join(RUN_KEYS)}: {run}"
            )
    return runs


def cmd_imp_round(args: argparse.Namespace) -> None:
    import torch

    from prunability.imp import RoundSpec
    from prunability.layout import REWIND_FILE, ROUND_FILES
    from prunability.recipe import Recipe
    from prunability.shared_rounds import run_shared

    torch.set_num_threads(args.threads)
    runs = _round_runs(args)
    specs = [
        RoundSpec(
            data=Path(run["data"]),
            out=Path(run["out"]),
            model=args.model,
            round=args.round,
            seed=int(run["seed"]),
            recipe=Recipe.from_dict(json.loads(args.recipe)),
            prune_fraction=args.prune_fraction,
            ignore=tuple(args.ignore),
            previous=Path(run["previous"]) if run.get("previous") else None,
            rewind=Path(run["rewind"]) if run.get("rewind") else None,
            device=args.device,
            run=tuple(_checked_identity(run["identity"], args.model, int(run["seed"])).items()),
            side=args.side,
            stop=json.loads(args.stop) if args.stop else None,
            history=tuple(map(Path, run.get("history", []))),
        )
        for run in runs
    ]
    logs = [Path(run["log"]) if run.get("log") else None for run in runs]
    run_shared(specs, logs, [*ROUND_FILES, REWIND_FILE])


def cmd_tables(args: argparse.Namespace) -> None:
    from prunability.tables import ORDER, collect, collect_timing

    rounds = collect(args.metrics, args.rounds, ORDER)
    collect_timing(args.timing, args.timing_out)
    collect(args.measured, args.measured_out, ["experiment", "dimension", "seed"])
    print(
        f"{len(rounds)} rounds of {rounds.groupby(['experiment', 'model', 'dimension', 'seed']).ngroups} runs",
        file=sys.stderr,
    )


def cmd_fingerprint(args: argparse.Namespace) -> None:
    from prunability.tables import collect_fingerprints

    table = collect_fingerprints(args.timing, args.out)
    print(f"{table['rounds'].sum()} rounds made by {len(table)} fingerprint(s)", file=sys.stderr)


def cmd_stats(args: argparse.Namespace) -> None:
    import pandas as pd

    from prunability import statistics as st
    from prunability.artifacts import atomic_path, write_frame
    from prunability.stopping import with_ended_by

    out = Path(args.out_dir)
    rounds = pd.read_parquet(args.rounds)
    matching = st.Matching(tolerance=args.tolerance, z=args.z, first_failure_of=args.first_failure_of)
    prunability = st.smallest_matching(rounds, args.criteria, matching)
    prunability = with_ended_by(prunability, rounds, json.loads(args.stop))
    summary = st.with_measured_dim(st.summarize(prunability), pd.read_parquet(args.measured))
    draws = pd.concat(
        [
            st.correlation_rollouts(summary, args.rollouts, args.samples, args.seed, axis=axis)
            for axis in ("dimension", "id_mle")
        ],
        ignore_index=True,
    )
    write_frame(out / "prunability.parquet", prunability)
    write_frame(out / "summary.parquet", summary)
    write_frame(out / "correlation.parquet", draws)
    write_frame(out / "correlation_summary.parquet", st.correlation_summary(draws))
    write_frame(out / "sensitivity.parquet", st.sensitivity(rounds))
    with atomic_path(out / "summary.csv") as tmp:
        summary.to_csv(tmp, index=False, float_format="%.6g")
    with atomic_path(out / "summary.md") as tmp:
        tmp.write_text(st.markdown_table(summary, _labels(args.label)))


def cmd_figures(args: argparse.Namespace) -> None:
    import pandas as pd

    from prunability.figures import accuracy_figure, correlation_figure, sensitivity_figure

    rounds = pd.read_parquet(args.rounds)
    labels = _labels(args.label)
    out = Path(args.out_dir)
    for experiment in sorted(rounds["experiment"].unique()):
        accuracy_figure(rounds, experiment, labels.get(experiment, "dimension"), out / f"accuracy_{experiment}")
    sources = rounds.groupby("experiment")["data_source"].first()
    substitutes = frozenset(sources[sources.str.contains("substitute")].index)
    correlation_figure(pd.read_parquet(args.correlation), out / "correlation", substitutes)
    sensitivity_figure(pd.read_parquet(args.sensitivity), labels, out / "sensitivity")


def cmd_report(args: argparse.Namespace) -> None:
    from prunability.report import write_report

    write_report(args.study, Path(args.tables), Path(args.figures), Path(args.captions), _labels(args.label), args.out)


def cmd_structure(args: argparse.Namespace) -> None:
    from prunability.analyses.structure import structure_tables
    from prunability.artifacts import write_rows

    try:
        tables = structure_tables(Path(args.run), args.model, _identity(args), args.bins)
    except ValueError as err:  # a model without a stage map
        sys.exit(f"prunability structure: {err}")
    for name, rows in tables.items():
        write_rows(Path(args.out_dir) / f"{name}.parquet", rows)
    print(
        f"{args.run}: {len(tables['stage_sparsity'])} stage rows, {len(tables['neuron_sparsity'])} neuron rows",
        file=sys.stderr,
    )


def _test_data(args: argparse.Namespace):
    """The run's data on the chosen device, torch limited to ``--threads``: what the per-round analyses read."""
    import torch

    from prunability.data.loading import load_data
    from prunability.device import pick_device

    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    return load_data(args.data, device, args.side), device


def cmd_zeroing(args: argparse.Namespace) -> None:
    from prunability.analyses.loading import layer_stages, load_round, prunable_layers, round_number
    from prunability.analyses.zeroing import zeroing_rows
    from prunability.artifacts import write_rows

    data, device = _test_data(args)
    round_dir = Path(args.round_dir)
    model = load_round(round_dir, args.model, data.input_shape, data.num_classes).to(device)
    stages = layer_stages(args.model, model)
    identity = {**_identity(args), "round": round_number(round_dir)}
    layers = prunable_layers(model, list(stages))
    rows = zeroing_rows(
        model, layers, stages, data.inputs(data.x_test), data.y_test, identity, args.batch_size, args.chunk
    )
    write_rows(args.out, rows)
    print(f"{round_dir}: {len(rows)} neurons zeroed", file=sys.stderr)


def cmd_similarity(args: argparse.Namespace) -> None:
    from prunability.analyses.loading import layer_stages, load_round, round_number
    from prunability.analyses.similarity import layer_similarities, similarity_rows
    from prunability.artifacts import write_rows

    data, device = _test_data(args)
    nets = {
        name: load_round(Path(path).parent, args.model, data.input_shape, data.num_classes).to(device)
        for name, path in (("current", args.current), ("baseline", args.baseline), ("stepwise", args.previous))
    }
    current = nets.pop("current")
    stages = layer_stages(args.model, current)
    sims = layer_similarities(current, nets, list(stages), data.inputs(data.x_test), args.batch_size)
    identity = {**_identity(args), "round": round_number(Path(args.current).parent)}
    rows = similarity_rows(sims, stages, identity)
    write_rows(args.out, rows)
    print(f"{args.current}: {len(rows)} neuron similarities", file=sys.stderr)


def cmd_structure_tables(args: argparse.Namespace) -> None:
    from prunability.analyses.collect import write_structure_tables

    tolerance = {e: float(t) for e, t in _labels(args.tolerance).items()}
    write_structure_tables(args.metrics, args.runs, args.zeroing, args.similarity, tolerance, Path(args.out_dir))


def cmd_structure_figures(args: argparse.Namespace) -> None:
    from prunability.structure_figures import draw_structure_figures

    for path in draw_structure_figures(Path(args.tables), Path(args.out_dir)):
        print(f"drew {path}", file=sys.stderr)


def cmd_readme_numbers(args: argparse.Namespace) -> None:
    from prunability.quoted import BLOCKS, quoted, render, update

    readme = Path(args.readme)
    unknown = set(args.block or []) - set(BLOCKS)
    if unknown:
        sys.exit(f"unknown --block {', '.join(sorted(unknown))}: the README quotes {', '.join(BLOCKS)}")
    for block in args.block or list(BLOCKS):
        tables = Path(BLOCKS[block])
        if args.check:
            if quoted(readme.read_text(), block) != render(tables, block):
                sys.exit(f"{readme} quotes {block} numbers that differ from {tables}: `make readme-numbers` updates it")
        elif update(readme, tables, block):
            print(f"{readme}: {block} numbers rewritten from {tables}", file=sys.stderr)


def cmd_compare(args: argparse.Namespace) -> None:
    from prunability.compare import REGRESSION, compare_with_git
    from prunability.config import load

    tables = Path(args.tables) if args.tables else Path("results") / load(args.config)["study"] / "tables"
    verdict, text = compare_with_git(tables, args.revision)
    print(text, file=sys.stderr)
    if verdict == REGRESSION:
        sys.exit(1)


def cmd_recover(args: argparse.Namespace) -> None:
    from prunability.recover import recover

    command = args.command_[1:] if args.command_[:1] == ["--"] else args.command_
    sys.exit(recover(command, cancel=args.cancel))


def _per_round_analysis_args(s: argparse.ArgumentParser, out: str) -> None:
    """The arguments the per-round analyses share: what they evaluate on, who they are, where they run."""
    s.add_argument("--data", required=True, help="the run's data artifact (its test split is used)")
    s.add_argument("--side", type=int, help=SIDE_HELP)
    s.add_argument("--model", required=True)
    s.add_argument("--identity", required=True, help="the run's columns as JSON (see imp-round)")
    s.add_argument("--out", required=True, help=out)
    s.add_argument("--batch-size", type=int, default=256)
    s.add_argument("--device", default="auto")
    s.add_argument("--threads", type=int, default=1)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="prunability", description=__doc__.splitlines()[0])
    p.add_argument(
        "--numerics",
        choices=["portable", "native"],  # numerics.MODES, spelled out: parsing imports nothing
        help="portable: pin CPU kernels to x86-64-v3 so results are equal on any such machine; native: the "
        "CPU's own (default: $PRUNABILITY_NUMERICS, else portable)",
    )
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("check-config", help="validate a study config against the schema")
    s.add_argument("config")
    s.set_defaults(func=cmd_check_config)

    s = sub.add_parser("dataset", help="generate one data artifact")
    s.add_argument("--kind", required=True)
    s.add_argument("--params", required=True, help="dataset parameters as JSON")
    s.add_argument("--dimension", type=int, help="what generated data varies (not for real images)")
    s.add_argument("--seed", type=int, help="the seed of generated data (real images do not depend on one)")
    s.add_argument("--out", required=True)
    s.add_argument("--threads", type=int, default=1)
    s.set_defaults(func=cmd_dataset)

    s = sub.add_parser("measure-dim", help="estimate the intrinsic dimension of one data artifact")
    s.add_argument("--data", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--experiment", required=True)
    s.add_argument("--dimension", type=int, required=True)
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--samples", type=int, default=2000, help="points used (a seeded subsample)")
    s.add_argument("--k", type=int, default=20, help="neighbours of the Levina-Bickel MLE")
    s.add_argument("--side", type=int, help=SIDE_HELP)
    s.add_argument("--threads", type=int, default=1)
    s.set_defaults(func=cmd_measure_dim)

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
    s.set_defaults(func=cmd_imp_round)

    s = sub.add_parser("tables", help="collect round metrics into long tables")
    s.add_argument("--metrics", nargs="+", required=True)
    s.add_argument("--measured", nargs="+", required=True, help="measure-dim outputs")
    s.add_argument("--measured-out", required=True, help="output measured_dim.parquet")
    s.add_argument("--timing", nargs="+", required=True)
    s.add_argument("--rounds", required=True, help="output rounds.parquet")
    s.add_argument("--timing-out", required=True, help="output timing.parquet")
    s.set_defaults(func=cmd_tables)

    s = sub.add_parser("fingerprint", help="what made a study's rounds: device, CPU, kernel levels, torch, threads")
    s.add_argument(
        "--timing", nargs="+", required=True, help="timing.json of every round (or a study's timing.parquet)"
    )
    s.add_argument("--out", required=True, help="output fingerprint.parquet")
    s.set_defaults(func=cmd_fingerprint)

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
    s.set_defaults(func=cmd_stats)

    s = sub.add_parser("figures", help="draw every figure from the tables")
    s.add_argument("--rounds", required=True)
    s.add_argument("--correlation", required=True)
    s.add_argument("--sensitivity", required=True)
    s.add_argument("--out-dir", required=True)
    s.add_argument("--label", nargs="*", default=[])
    s.set_defaults(func=cmd_figures)

    s = sub.add_parser("report", help="write the self-contained HTML report")
    s.add_argument("--study", required=True)
    s.add_argument("--tables", required=True)
    s.add_argument("--figures", required=True)
    s.add_argument("--captions", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--label", nargs="*", default=[])
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("structure", help="stage/neuron sparsity and weight magnitudes of every round of one run")
    s.add_argument("--run", required=True, help="the run's folder of round_<rrr>/ directories")
    s.add_argument("--model", required=True)
    s.add_argument("--identity", required=True, help="the run's columns as JSON (see imp-round)")
    s.add_argument("--bins", type=int, default=100, help="magnitude bins, shared by every round of the run")
    s.add_argument("--out-dir", required=True)
    s.set_defaults(func=cmd_structure)

    s = sub.add_parser("zeroing", help="test accuracy and loss with each neuron of every prunable layer zeroed")
    s.add_argument("--round-dir", required=True, help="a round directory (round_<rrr>/) of a finished run")
    _per_round_analysis_args(s, "output Parquet, one row per neuron")
    s.add_argument("--chunk", type=int, default=4, help="ablations sharing one forward pass")
    s.set_defaults(func=cmd_zeroing)

    s = sub.add_parser("similarity", help="activation similarity of one round against round 0 and the round before")
    s.add_argument("--current", required=True, help="weights.safetensors of round s")
    s.add_argument("--baseline", required=True, help="weights.safetensors of round 0")
    s.add_argument("--previous", required=True, help="weights.safetensors of round s-1")
    _per_round_analysis_args(s, "output Parquet, one row per reference, layer and neuron")
    s.set_defaults(func=cmd_similarity)

    s = sub.add_parser("structure-tables", help="collect the structure analyses of every run into the study tables")
    s.add_argument("--metrics", nargs="+", required=True, help="metrics.parquet of every round of every run")
    s.add_argument("--runs", nargs="+", required=True, help="per-run analysis folders (prunability structure)")
    s.add_argument("--zeroing", nargs="*", default=[], help="per-round zeroing outputs")
    s.add_argument("--similarity", nargs="*", default=[], help="per-round similarity outputs")
    s.add_argument("--tolerance", nargs="+", required=True, help="experiment=critical tolerance (a fraction)")
    s.add_argument("--out-dir", required=True)
    s.set_defaults(func=cmd_structure_tables)

    s = sub.add_parser("structure-figures", help="draw the structure figures from the structure tables")
    s.add_argument("--tables", required=True, help="folder of structure_*.parquet")
    s.add_argument("--out-dir", required=True)
    s.set_defaults(func=cmd_structure_figures)

    s = sub.add_parser("readme-numbers", help="rewrite (or --check) the study numbers the README quotes")
    s.add_argument("--block", action="append", help="one quoted study, e.g. default-study (repeatable; default: all)")
    s.add_argument("--readme", default="README.md")
    s.add_argument("--check", action="store_true", help="exit non-zero when the README differs from the tables")
    s.set_defaults(func=cmd_readme_numbers)

    s = sub.add_parser(
        "compare",
        help="compare a study's fresh tables with the committed ones; exit 1 where equal numerics gave other numbers",
    )
    s.add_argument("--config", default="config.yaml", help="the study's config (its tables: results/<study>/tables)")
    s.add_argument("--tables", help="a tables folder, instead of the one --config names")
    s.add_argument("--revision", default="HEAD", help="the git revision whose committed tables are the reference")
    s.set_defaults(func=cmd_compare)

    s = sub.add_parser(
        "recover",
        help="after a crashed snakemake: wait for (or --cancel) its jobs, unlock, rerun the interrupted jobs",
        description="Run in the study's directory as: prunability recover -- <the snakemake command that died>",
    )
    s.add_argument("--cancel", action="store_true", help="stop the dead run's jobs instead of waiting for them")
    s.add_argument("command_", nargs=argparse.REMAINDER, metavar="-- COMMAND", help="the snakemake command to rerun")
    s.set_defaults(func=cmd_recover)
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


if __name__ == "__main__":
    main()
