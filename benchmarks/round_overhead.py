"""Per-round job overhead of the quick study: process start, imports, data load, against the work itself.

Runs one quick-study round job (the exact CLI command a rule runs) several times and splits its wall time
into interpreter start + imports (measured alone), and the in-process time the job reports in timing.json.

    python benchmarks/round_overhead.py [--config config.yaml] [--repeats 5]
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from prunability.config.validation import validate


def wall(cmd: list[str]) -> float:
    tic = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
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


if __name__ == "__main__":
    main()
