"""What Snakemake's controller spends of the CPU while jobs run, with its default rate limit and with the profile's.

Under the default limit (100 jobs a second) the scheduler wakes every second and, each time, stats every input of
every ready job; a study whose round jobs name many inputs (the replication preset: 168 each) pays that beside its
training jobs, on the same cores. This runs one toy workflow in a scratch folder, in turn with each setting: ``jobs``
jobs of ``seconds`` seconds (sleep) on 2 cores, each naming ``inputs`` input files. It prints, per setting and
repeat, the controller's user + system CPU seconds (of the snakemake process and its children: the sleeps cost
nothing) and the wall seconds; the ratio of CPU seconds is the claim, the wall shows the run's end waiting for the
last wake-up.

    .venv/bin/python benchmarks/scheduler_wakeups.py [--jobs 20] [--seconds 3] [--inputs 3000] [--repeats 2]
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
PROFILE = ROOT / "workflow" / "profiles" / "default" / "config.yaml"
SETTING = "max-jobs-per-timespan"

SNAKEFILE = """
rule all:
    input: expand("out/{{i}}.done", i=range({jobs}))

rule work:
    input: expand("inputs/f{{j}}", j=range({inputs}))
    output: "out/{{i}}.done"
    shell: "sleep {seconds}; touch {{output}}"
"""


def run(folder: Path, limit: str | None) -> tuple[float, float]:
    """One run from scratch: (CPU seconds of snakemake and its children, wall seconds)."""
    subprocess.run(["rm", "-rf", str(folder / "out"), str(folder / ".snakemake")], check=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    extra = [f"--{SETTING}", limit] if limit else []
    subprocess.run([str(SNAKEMAKE), "-c2", "-q", *extra], cwd=folder, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--inputs", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    profile_limit = yaml.safe_load(PROFILE.read_text())[SETTING]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "inputs").mkdir()
        for j in range(args.inputs):
            (folder / "inputs" / f"f{j}").write_text("")
        (folder / "Snakefile").write_text(SNAKEFILE.format(jobs=args.jobs, inputs=args.inputs, seconds=args.seconds))
        print(f"{args.jobs} jobs of {args.seconds} s, {args.inputs} inputs each, 2 cores, on {os.cpu_count()} CPUs")
        print("| setting | repeat | controller CPU (s) | wall (s) |\n|---|---:|---:|---:|")
        for repeat in range(args.repeats):
            for label, limit in (("default (100/1s)", None), (f"profile ({profile_limit})", profile_limit)):
                cpu, wall = run(folder, limit)
                print(f"| {label} | {repeat + 1} | {cpu:.1f} | {wall:.1f} |", flush=True)


if __name__ == "__main__":
    main()
