"""IMP rounds of a study as one run per job against round jobs shared by the seeds of a cell, side by side.

For each form, in its own scratch directory, the study's data artifacts are built first (untimed), then every
IMP round of the chosen experiments runs through Snakemake with ``--cores``; the forms alternate over
``--repeats``. Reported per form: jobs, wall time, the seconds the rounds themselves took inside their jobs
(``timing.json``), and the rest of the cores' time (start-up, imports, Snakemake), as a share.

    python benchmarks/shared_rounds.py [--config config.yaml] [--experiments task] [--repeats 1] [--cores 2]
"""

import argparse
import copy
import json
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
FORMS = {"one run per job": 1, "seeds share a job": "seeds"}


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
    return sum(int(line.split()[1]) for line in table.splitlines() if line.startswith(("imp_dense ", "imp_prune ")))


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
        tic = time.perf_counter()
        snakemake(workdir, cores, targets, "--quiet", "all")
        wall = time.perf_counter() - tic
        inside = sum(json.loads((r / TIMING_FILE).read_text())["wall_seconds"] for r in rounds)
        return {"jobs": jobs, "rounds": len(rounds), "wall": wall, "inside": inside}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="config.yaml")
    p.add_argument("--experiments", nargs="+", default=["task"])
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--cores", type=int, default=2)
    args = p.parse_args()
    results = {form: [] for form in FORMS}
    for repeat in range(args.repeats):
        for form, runs_per_job in FORMS.items():
            result = one_form(study_config(args.config, args.experiments, runs_per_job), args.cores)
            results[form].append(result)
            print(f"repeat {repeat + 1}, {form}: {result}", file=sys.stderr, flush=True)
    walls = {}
    for form, rows in results.items():
        wall = statistics.median(r["wall"] for r in rows)
        inside = statistics.median(r["inside"] for r in rows)
        walls[form] = wall
        rest = 1 - inside / (wall * args.cores)
        print(
            f"{form}: {rows[0]['jobs']} jobs for {rows[0]['rounds']} rounds, {wall:.1f} s wall, "
            f"{inside:.1f} s inside the rounds, {rest:.0%} of {args.cores} cores' time outside them"
        )
    one, shared = walls.values()
    print(f"shared jobs take {shared / one:.2f}x the wall time of one run per job ({one / shared:.2f}x faster)")


if __name__ == "__main__":
    main()
