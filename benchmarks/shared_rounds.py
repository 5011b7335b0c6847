"""IMP rounds of a study as one run per job, as round jobs shared by the seeds of a cell and as round jobs shared
by every cell and seed of a model, side by side.

For each form (``--forms``, the first is the reference), in its own scratch directory, the study's data
artifacts are built first (untimed), then every IMP round of the chosen experiments runs through Snakemake with
``--cores``; the forms alternate over ``--repeats``. Reported per form: jobs, wall time, the seconds the rounds
themselves took inside their jobs (``timing.json``), the rest of the cores' time (start-up, imports, Snakemake,
idle cores) as a share, and the CPU time every process used (user + system): where a form leaves a core idle (a
long chain of big shared jobs), the CPU time, not the wall time, says what it would cost beside other work.

    python benchmarks/shared_rounds.py [--config config.yaml] [--experiments task] [--forms 1 seeds cells]
        [--repeats 1] [--cores 2]
"""

import argparse
import copy
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from prunability.config.plan import runs
from prunability.config.validation import validate
from prunability.layout import TIMING_FILE

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
FORMS = {"1": "one run per job", "seeds": "seeds share a job", "cells": "cells and seeds share a job"}


def study_config(path: str, experiments: list[str], runs_per_job: object) -> dict:
    config = yaml.safe_load(Path(path).read_text())
    config["experiments"] = {e: config["experiments"][e] for e in experiments}
    config["imp"] = {**config.get("imp", {}), "runs_per_job": runs_per_job}
    return config


def snakemake(workdir: Path, cores: int, targets: list[str], *options: str) -> subprocess.CompletedProcess:
    """Snakemake on ``targets`` (first: --quiet takes every word after it)."""
    cmd = [str(SNAKEMAKE), *targets, "-s", str(ROOT / "Snakefile"), "-d", str(workdir), "--cores", str(cores)]
    return subprocess.run([*cmd, *options], check=True, capture_output=True, text=True)


def round_jobs(plan: str) -> int:
    """The IMP round jobs of a dry run's (first) job table."""
    table = plan.split("Job stats:", 1)[1].split("\n\n", 1)[0]
    return sum(int(line.split()[1]) for line in table.splitlines() if line.startswith(("imp_dense", "imp_prune")))


def one_form(config: dict, cores: int) -> dict:
    """Run every IMP round of ``config`` in a scratch directory; return jobs, wall time and in-job seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "config.yaml").write_text(yaml.safe_dump(config))
        study = workdir / "results" / config["study"]
        study_runs = runs(validate(copy.deepcopy(config)))
        rounds = [study / "runs" / run.path / f"round_{r:03d}" for run in study_runs for r in range(run.rounds + 1)]
        data = sorted({f"results/{config['study']}/data/{run.data_key}.safetensors" for run in study_runs})
        targets = [str((r / TIMING_FILE).relative_to(workdir)) for r in rounds]
        snakemake(workdir, cores, data, "--quiet", "all")
        jobs = round_jobs(snakemake(workdir, cores, targets, "-n", "--quiet", "rules").stdout)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        tic = time.perf_counter()
        snakemake(workdir, cores, targets, "--quiet", "all")
        wall = time.perf_counter() - tic
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        inside = sum(json.loads((r / TIMING_FILE).read_text())["wall_seconds"] for r in rounds)
        return {"jobs": jobs, "rounds": len(rounds), "wall": wall, "inside": inside, "cpu": cpu}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="config.yaml")
    p.add_argument("--experiments", nargs="+", default=["task"])
    p.add_argument("--forms", nargs="+", choices=list(FORMS), default=list(FORMS))
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--cores", type=int, default=2)
    args = p.parse_args()
    results = {FORMS[form]: [] for form in args.forms}
    for repeat in range(args.repeats):
        for runs_per_job in args.forms:
            form = FORMS[runs_per_job]
            per_job = 1 if runs_per_job == "1" else runs_per_job
            result = one_form(study_config(args.config, args.experiments, per_job), args.cores)
            results[form].append(result)
            print(f"repeat {repeat + 1}, {form}: {result}", file=sys.stderr, flush=True)
    walls, cpus = {}, {}
    for form, rows in results.items():
        wall = statistics.median(r["wall"] for r in rows)
        inside = statistics.median(r["inside"] for r in rows)
        walls[form] = wall
        cpus[form] = statistics.median(r["cpu"] for r in rows)
        rest = 1 - inside / (wall * args.cores)
        print(
            f"{form}: {rows[0]['jobs']} jobs for {rows[0]['rounds']} rounds, {wall:.1f} s wall, "
            f"{inside:.1f} s inside the rounds, {rest:.0%} of {args.cores} cores' time outside them, "
            f"{cpus[form]:.1f} CPU-seconds"
        )
    reference, *others = walls
    for form in others:
        ratio = walls[form] / walls[reference]
        print(f"{form}: {ratio:.2f}x the wall time of {reference} ({1 / ratio:.2f}x faster)")
        print(f"{form}: {cpus[form] / cpus[reference]:.2f}x the CPU time of {reference}")


if __name__ == "__main__":
    main()
