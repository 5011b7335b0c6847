"""What ``torch.optim`` costs a round job that ``prunability.imp.optim`` does not: its first use, in a fresh process.

Each measurement is a fresh pinned interpreter that imports torch, builds one optimiser over a small model and
takes one step; the two optimisers alternate over ``--repeats`` and the medians are compared. A shared round job
(``imp.runs_per_job: seeds``) pays this once per job, where one run per job paid it once per run.

    python benchmarks/optimizer_first_use.py [--repeats 7]
"""

import argparse
import statistics
import subprocess
import sys

STEP = """
import time
from prunability import numerics
numerics.pin("portable")
tic = time.perf_counter()
import torch
model = torch.nn.Linear(64, 10)
model(torch.randn(8, 64)).sum().backward()
{make}
opt.step()
print(time.perf_counter() - tic)
"""
OPTIMISERS = {
    "prunability.imp.optim.SGD": (
        "from prunability.imp.optim import SGD\nopt = SGD(list(model.parameters()), lr=0.1, momentum=0.9)"
    ),
    "torch.optim.SGD": "opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)",
}


def seconds(make: str) -> float:
    """Import, one backward and the first optimiser step, timed inside a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", STEP.format(make=make)], check=True, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=7)
    args = p.parse_args()
    times = {name: [] for name in OPTIMISERS}
    for _ in range(args.repeats):
        for name, make in OPTIMISERS.items():
            times[name].append(seconds(make))
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, median in medians.items():
        print(f"{name}: import torch + first step {median:.2f} s (median of {args.repeats})")
    own, torch_optim = medians.values()
    print(f"torch.optim's first use costs {torch_optim - own:.2f} s more per process ({torch_optim / own:.2f}x)")


if __name__ == "__main__":
    main()
