"""How well a finished Snakemake run kept its cores busy, read from its log alone.

From each job's start and finish lines: the sum of the jobs' own wall times (what perfect packing on N cores
would take, divided by N), the run's span, and for how many seconds exactly k jobs were running. A long span with
many seconds at one job while the run has more cores means a chain was left to run alone.

    python benchmarks/job_packing.py .snakemake/log/<run>.snakemake.log [--cores 2]
"""

import argparse
import re
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

STAMP = re.compile(r"\[(\w{3} \w{3} +\d+ [\d:]+ \d{4})\]")
RULE = re.compile(r"(?:local)?rule (\w+):")
JOBID = re.compile(r"\s+jobid: (\d+)")
FINISHED = re.compile(r"Finished jobid: (\d+) \(Rule: (\w+)\)")


def job_spans(log: str) -> list[tuple[datetime, datetime, str]]:
    """(start, finish, rule) of every finished job: a job starts at the stamp above its ``rule`` line."""
    now, pending, started, spans = None, None, {}, []
    for line in log.splitlines():
        if m := STAMP.match(line):
            now = datetime.strptime(m.group(1), "%a %b %d %H:%M:%S %Y")
        elif m := RULE.match(line):
            pending = (now, m.group(1))
        elif (m := JOBID.match(line)) and pending is not None:
            started[m.group(1)], pending = pending, None
        elif m := FINISHED.match(line):
            start, rule = started[m.group(1)]
            spans.append((start, now, rule))
    return spans


def concurrency(spans: list[tuple[datetime, datetime, str]]) -> Counter:
    """Seconds of the run's span during which exactly k jobs were running."""
    start, end = min(s for s, _, _ in spans), max(e for _, e, _ in spans)
    seconds = Counter()
    for k in range(int((end - start).total_seconds())):
        now = start + timedelta(seconds=k)
        seconds[sum(s <= now < e for s, e, _ in spans)] += 1
    return seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("log", type=Path)
    p.add_argument("--cores", type=int, default=2)
    args = p.parse_args()
    spans = job_spans(args.log.read_text())
    if not spans:
        raise SystemExit(f"{args.log}: no finished jobs in this log")
    busy = sum((e - s).total_seconds() for s, e, _ in spans)
    seconds = concurrency(spans)
    print(
        f"{len(spans)} jobs; their own wall times sum to {busy:.0f} s ({busy / args.cores:.0f} s on {args.cores} cores)"
    )
    print(f"span {sum(seconds.values())} s; seconds with k jobs running: {dict(sorted(seconds.items()))}")


if __name__ == "__main__":
    main()
