"""Would a chain that stops after K consecutive failing rounds have changed a committed study's results?

For each committed fixed-round table, each stop criterion (strict, tolerance or noise alone, and lenient: all of
them) and K = 1, 2, 3: how many runs' smallest matching subnetwork moves under each criterion, and how many rounds
the rule would have trained instead of all of them (``prunability.imp.stopping``).

    python benchmarks/stop_rule_fidelity.py [results/quick/tables results/task-slice/tables]
"""

import argparse
from pathlib import Path

import pandas as pd

from prunability.imp.stopping import fidelity
from prunability.layout import ROUNDS_TABLE, tables_dir
from prunability.matching import CRITERIA


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("tables", nargs="*", default=[tables_dir("quick"), tables_dir("task-slice")])
    args = p.parse_args()
    for tables in map(Path, args.tables):
        rounds = pd.read_parquet(tables / ROUNDS_TABLE)
        table = fidelity(rounds, CRITERIA)
        wide = table.pivot_table(index=["base", "patience"], columns="criterion", values="changed", sort=False)
        trained = table.groupby(["base", "patience"], sort=False)[["runs", "rounds_stopped", "rounds_fixed"]].first()
        print(f"{tables}: runs whose smallest matching round changes, per criterion; rounds trained")
        print(wide[list(CRITERIA)].join(trained).to_string())
        print()


if __name__ == "__main__":
    main()
