"""Per-round job overhead of the quick study: process start, imports, data load, against the work itself.

Runs one quick-study round job (the exact CLI command a rule runs) several times and splits its wall time
into interpreter start + imports (measured alone), and the in-process time the job reports in timing.json.
Then a round past the end of its chain (its previous round an end marker), as the job runs it and, side by
side, with torch imported first as every round job did before such rounds skipped it (``imp.chain_end``).

    python benchmarks/round_overhead.py [--config config.yaml] [--repeats 5]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from prunability.artifacts import ENDED, save_tensors
from prunability.config.validation import validate
from prunability.layout import MASK_FILE, METRICS_FILE
from prunability.numerics import PINS


def wall(cmd: list[str], env: dict[str, str] | None = None) -> float:
    tic = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - tic


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="config.yaml")
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    config = validate(yaml.safe_load(Path(args.config).read_text()))
    name, exp = next(iter(config["experiments"].items()))
    cli = [sys.executable, "-m", "prunability.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        data = f"{tmp}/data.safetensors"
        params = {k: v for k, v in exp["dataset"].items() if k != "kind"}
        subprocess.run(
            [
                *cli,
                "dataset",
                "--kind",
                exp["dataset"]["kind"],
                "--params",
                json.dumps(params),
                "--dimension",
                str(exp["dimensions"][0]),
                "--seed",
                "0",
                "--out",
                data,
            ],
            check=True,
        )
        job = [
            *cli,
            "imp-round",
            "--data",
            data,
            "--out",
            f"{tmp}/r0",
            "--identity",
            json.dumps({"experiment": name, "model": exp["models"][0], "dimension": exp["dimensions"][0], "seed": 0}),
            "--model",
            exp["models"][0],
            "--seed",
            "0",
            "--round",
            "0",
            "--recipe",
            json.dumps(exp["training"]),
        ]
        python = [wall([sys.executable, "-c", "pass"]) for _ in range(args.repeats)]
        importing = [sys.executable, "-c", "import prunability.imp.round, pyarrow.parquet"]
        imports = [wall(importing) for _ in range(args.repeats)]
        jobs, inside = [], []
        for _ in range(args.repeats):
            jobs.append(wall(job))
            inside.append(json.loads(Path(f"{tmp}/r0/timing.json").read_text())["wall_seconds"])
        ended, ended_with_torch = _end_marker_jobs(job, tmp, args.repeats)
    med = statistics.median
    print(f"round job of {exp['models'][0]} ({args.config}), median of {args.repeats}, 1 process at a time:")
    print(f"  whole job (as the rule runs it)    {med(jobs):6.2f} s")
    print(f"  interpreter start                  {med(python):6.2f} s")
    print(f"  interpreter + imports              {med(imports):6.2f} s")
    print(f"  in-process (data load, train, eval, write) {med(inside):6.2f} s")
    print(
        f"  overhead outside the round's work  {med(jobs) - med(inside):6.2f} s "
        f"({100 * (med(jobs) - med(inside)) / med(jobs):.0f} % of the job)"
    )
    print(f"  a round past its chain's end       {med(ended):6.2f} s")
    print(
        f"  the same with torch imported first {med(ended_with_torch):6.2f} s "
        f"({med(ended_with_torch) / med(ended):.1f}x)"
    )


def _end_marker_jobs(job: list[str], tmp: str, repeats: int) -> tuple[list[float], list[float]]:
    """Wall times of round 2 of a chain that ended after round 1 (round 1 is an end marker), as the job runs
    and with ``import torch`` before the CLI, alternating."""
    marker = Path(tmp, "r1")
    save_tensors(marker / MASK_FILE, {}, {ENDED: "1"})
    shutil.copy(Path(tmp, "r0", METRICS_FILE), marker / METRICS_FILE)
    args = job[3:]
    args[args.index("--out") + 1] = f"{tmp}/r2"
    args[args.index("--round") + 1] = "2"
    stop = json.dumps({"criteria": ["strict"], "patience": 2})
    args += ["--previous", str(marker), "--rewind", "unread", "--stop", stop]
    args += ["--history", str(Path(tmp, "r0", METRICS_FILE))]
    plain = [*job[:3], *args]
    preloaded = [sys.executable, "-c", "import torch, runpy; runpy.run_module('prunability.cli', run_name='__main__')"]
    env = {**os.environ, **PINS}  # pinned before torch is imported, as the job itself would pin them
    ended, ended_with_torch = [], []
    for _ in range(repeats):
        ended.append(wall(plain, env))
        ended_with_torch.append(wall([*preloaded, *args], env))
    return ended, ended_with_torch


if __name__ == "__main__":
    main()
