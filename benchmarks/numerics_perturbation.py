"""Do a study's pooled correlations survive other numerics? Compare the tables of runs of one config.

Run the same config with numerics pinning off, once as is and once with a lower kernel level forced, each into
its own study name, then compare their pooled correlations with the committed tables
(``prunability.dimensionality.perturbation``):

    snakemake --cores all --config study=quick-native numerics=native
    ATEN_CPU_CAPABILITY=default snakemake --cores all --config study=quick-default numerics=native
    python benchmarks/numerics_perturbation.py results/quick/tables results/quick-native/tables \\
        results/quick-default/tables
"""

import argparse
from pathlib import Path

import pandas as pd

from prunability.dimensionality.perturbation import perturbation
from prunability.layout import CORRELATION_SUMMARY_TABLE


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("tables", nargs="+", type=Path, help="tables directories of runs of one config")
    p.add_argument("--max-move", type=float, default=0.2)
    args = p.parse_args()
    summaries = {t.parent.name: pd.read_parquet(t / CORRELATION_SUMMARY_TABLE) for t in args.tables}
    table = perturbation(summaries, max_move=args.max_move)
    with pd.option_context("display.width", 200, "display.float_format", "{:+.2f}".format):
        print(table.to_string(index=False))
    print(f"\n{int(table['survives'].sum())} of {len(table)} pooled correlations survive")


if __name__ == "__main__":
    main()
