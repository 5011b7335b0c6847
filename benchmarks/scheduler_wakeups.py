"""What Snakemake's controller spends of the CPU while jobs run: as it comes, with the profile's rate limit, and with
the profile's rate limit and the Snakefile's one pending wake-up (``prunability.operations.wakeups``).

The scheduler wakes after every rate-limit timespan (1 s by default) and, each time, stats every input of every
ready job; every finished job adds one more such chain of wake-ups. A study whose round jobs name many inputs (the
replication preset: 168 each) pays that beside its training jobs, on the same cores. This runs one toy workflow in a
scratch folder, in turn each way: ``jobs`` jobs of ``seconds`` seconds (sleep) on 2 cores, each naming ``inputs``
input files. It prints, per way and repeat, the controller's user + system CPU seconds (of the snakemake process and
its children: the sleeps cost nothing) and the wall seconds; the ratio of CPU seconds is the claim, the wall shows
whether the run's end waits for a pending wake-up.

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

PATCH = "from prunability.operations.wakeups import one_pending_wakeup\n\none_pending_wakeup()\n"
SNAKEFILE = """
rule all:
    input: expand("out/{{i}}.done", i=range({jobs}))

rule work:
    input: expand("inputs/f{{j}}", j=range({inputs}))
    output: "out/{{i}}.done"
    shell: "sleep {seconds}; touch {{output}}"
"""


def run(folder: Path, limit: str | None, snakefile: str) -> tuple[float, float]:
    """One run from scratch: (CPU seconds of snakemake and its children, wall seconds)."""
    subprocess.run(["rm", "-rf", str(folder / "out"), str(folder / ".snakemake")], check=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    extra = [f"--{SETTING}", limit] if limit else []
    command = [str(SNAKEMAKE), "-s", snakefile, "-c2", "-q", *extra]
    subprocess.run(command, cwd=folder, check=True, capture_output=True)
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
        rules = SNAKEFILE.format(jobs=args.jobs, inputs=args.inputs, seconds=args.seconds)
        (folder / "Snakefile").write_text(rules)
        (folder / "Snakefile.patched").write_text(PATCH + rules)
        ways = (
            ("as it comes (100/1s)", None, "Snakefile"),
            (f"profile ({profile_limit})", profile_limit, "Snakefile"),
            (f"profile ({profile_limit}), one pending wake-up", profile_limit, "Snakefile.patched"),
        )
        print(f"{args.jobs} jobs of {args.seconds} s, {args.inputs} inputs each, 2 cores, on {os.cpu_count()} CPUs")
        print("| way | repeat | controller CPU (s) | wall (s) |\n|---|---:|---:|---:|")
        for repeat in range(args.repeats):
            for label, limit, snakefile in ways:
                cpu, wall = run(folder, limit, snakefile)
                print(f"| {label} | {repeat + 1} | {cpu:.1f} | {wall:.1f} |", flush=True)


if __name__ == "__main__":
    main()
