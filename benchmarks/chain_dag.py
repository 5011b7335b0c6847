"""How a chain that stops should be planned: a static DAG of end markers against Snakemake checkpoints.

A toy workflow of ``runs`` chains of up to ``cap`` rounds, each run failing for good at a seeded round, in two
forms that reach the same result:

- static: every round to the cap is a job; a round after its chain's end writes a small marker (what
  ``prunability.imp.round`` does);
- checkpoints: every round is a checkpoint, and the collector asks for round r + 1 only after reading round r, so
  rounds after the end are never planned; Snakemake re-evaluates the DAG after each checkpoint job.

Jobs only write a line, so the times are Snakemake's own: planning (a dry run of a fresh directory) and a real
run to the collected table, side by side in one process, as a ratio.

    python benchmarks/chain_dag.py [--runs 100] [--cap 20] [--cores 2]
"""

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SNAKEMAKE = Path(sys.executable).parent / "snakemake"
COMMON = """
RUNS = {runs}
CAP = {cap}
END = {ends}  # the round after which each run has failed for good


def ended(path):
    return open(path).read().startswith("end")

"""
STATIC = """
rule all:
    input: "table.txt"

rule collect:
    input: [f"r{run}/round_{r:03d}" for run in range(RUNS) for r in range(CAP + 1)]
    output: "table.txt"
    run:
        with open(output[0], "w") as out:
            out.writelines(f"{p}\\n" for p in input if not ended(p))

rule dense:
    output: "r{run}/round_000"
    shell: "echo trained > {output}"

rule prune:
    input: lambda w: f"r{w.run}/round_{int(w.r) - 1:03d}"
    output: "r{run}/round_{r}"
    wildcard_constraints: r="(?!000)[0-9]{3}"
    params: end=lambda w: END[int(w.run)]
    shell:
        "if grep -q ^end {input} || [ {wildcards.r} -gt {params.end} ]; then echo end > {output}; "
        "else echo trained > {output}; fi"
"""
CHECKPOINTS = """
def trained(w):
    rounds = []
    for run in range(RUNS):
        for r in range(CAP + 1):
            path = checkpoints.round.get(run=run, r=f"{r:03d}").output[0]
            if ended(path):
                break
            rounds.append(path)
    return rounds

rule all:
    input: "table.txt"

rule collect:
    input: trained
    output: "table.txt"
    run:
        with open(output[0], "w") as out:
            out.writelines(f"{p}\\n" for p in input)

checkpoint round:
    input: lambda w: [] if w.r == "000" else f"r{w.run}/round_{int(w.r) - 1:03d}"
    output: "r{run}/round_{r}"
    wildcard_constraints: r="[0-9]{3}"
    params: end=lambda w: END[int(w.run)]
    shell: "if [ {wildcards.r} -gt {params.end} ]; then echo end > {output}; else echo trained > {output}; fi"
"""


def workflow(kind: str, runs: int, cap: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    ends = [rng.randint(cap // 4, cap) for _ in range(runs)]  # some chains reach the cap
    body = STATIC if kind == "static" else CHECKPOINTS
    return COMMON.format(runs=runs, cap=cap, ends=ends) + body


def timed(cmd: list[str], cwd: Path) -> float:
    tic = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - tic


def measure(kind: str, runs: int, cap: int, cores: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "Snakefile").write_text(workflow(kind, runs, cap))
        base = [str(SNAKEMAKE), "--cores", str(cores), "--quiet", "all"]
        plan = timed([*base, "-n"], root)
        run = timed(base, root)
        jobs = sum(1 for p in root.glob("r*/round_*"))
        table = (root / "table.txt").read_text().splitlines()
    return {"kind": kind, "plan_s": plan, "run_s": run, "round_jobs": jobs, "rounds_trained": len(table)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--cap", type=int, default=20, help="rounds after the dense one")
    p.add_argument("--cores", type=int, default=2)
    args = p.parse_args()
    static, checkpoints = (measure(kind, args.runs, args.cap, args.cores) for kind in ("static", "checkpoints"))
    if static["rounds_trained"] != checkpoints["rounds_trained"]:
        raise RuntimeError("the two forms collected different rounds")
    print(f"{args.runs} chains of up to {args.cap + 1} rounds, {static['rounds_trained']} rounds before the ends")
    for row in (static, checkpoints):
        times = f"plan {row['plan_s']:7.1f} s   run {row['run_s']:7.1f} s"
        print(f"  {row['kind']:12s} {times}   {row['round_jobs']} round jobs")
    print(
        f"  checkpoints / static: planning {checkpoints['plan_s'] / static['plan_s']:.2f}x, "
        f"run {checkpoints['run_s'] / static['run_s']:.2f}x"
    )


if __name__ == "__main__":
    main()
