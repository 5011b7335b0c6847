"""Do a study's verdicts survive a rerun? The dimensionality part again, perturbed, and its verdicts beside the
study's.

The perturbed study is the study's dimension experiments (the structure experiments say nothing about a rho) with a
disjoint set of seeds (as many as the study has, after its largest) and numerics pinning off with ATen's kernels
forced to their lowest level (``ATEN_CPU_CAPABILITY=default``): other data, other initialisations and other sums.
A verdict of the study (increases, decreases, no relation) *holds* where the rerun gives the same verdict or leaves
it undecided, and *flips* where the rerun decides otherwise: a flip means the intervals were too narrow.
"""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

from prunability.config.plan import is_structure
from prunability.config.validation import load
from prunability.dimensionality.intervals import UNDECIDED, UNDEFINED
from prunability.errors import ArtifactError
from prunability.layout import CORRELATION_SUMMARY_TABLE, study_dir, tables_dir
from prunability.numerics import NATIVE

SUFFIX = "-robustness"
# ATen's lowest kernel level: a perturbation every x86-64 machine can run.
PERTURBED_ENV = {"ATEN_CPU_CAPABILITY": "default"}
HOLDS, FLIPS, OPEN = "holds", "flips", "not decided by the study"


def perturbed(config: dict) -> dict:
    """The study's dimension experiments under another study name, disjoint seeds and native numerics."""
    seeds = list(config["seeds"])
    first = max(seeds) + 1
    experiments = {name: exp for name, exp in config["experiments"].items() if not is_structure(exp)}
    return {
        **config,
        "study": f"{config['study']}{SUFFIX}",
        "seeds": list(range(first, first + len(seeds))),
        "numerics": NATIVE,
        "experiments": experiments,
    }


def config_path(study: str) -> Path:
    """Where the perturbed study's config is written: in its own results folder."""
    return Path(study_dir(f"{study}{SUFFIX}")) / "config.yaml"


def outcome(study: str, rerun: str) -> str:
    """Whether a verdict of the study held in the rerun (module docstring)."""
    if study in (UNDECIDED, UNDEFINED):
        return OPEN
    return HOLDS if rerun in (study, UNDECIDED) else FLIPS


def verdicts(study_tables: Path, rerun_tables: Path) -> pd.DataFrame:
    """Per experiment, axis (nominal and measured dimension) and criterion, the pooled verdicts of the study and of
    the rerun with their intervals, whether the study's held, and whether the rerun's rho lies inside the study's
    interval (a verdict can hold while its interval was too narrow to contain the rerun)."""
    keys = ["experiment", "axis", "criterion"]

    def pooled(tables: Path) -> pd.DataFrame:
        frame = pd.read_parquet(tables / CORRELATION_SUMMARY_TABLE)
        return frame[frame["scope"] == "pooled"][[*keys, "rho_mean", "rho_lo", "rho_hi", "verdict"]]

    table = pooled(study_tables).merge(pooled(rerun_tables), on=keys, suffixes=("_study", "_rerun"))
    held = [outcome(a, b) for a, b in zip(table["verdict_study"], table["verdict_rerun"], strict=True)]
    inside = table["rho_mean_rerun"].between(table["rho_lo_study"], table["rho_hi_study"])
    return table.assign(outcome=held, rerun_inside=inside | table["rho_mean_rerun"].isna())


def report(table: pd.DataFrame) -> str:
    """What a person reads: one line per experiment and criterion, then whether every decided verdict held."""

    def shown(row: pd.Series, side: str) -> str:
        return f"{row[f'verdict_{side}']} [{row[f'rho_lo_{side}']:.2f}, {row[f'rho_hi_{side}']:.2f}]"

    lines = [
        f"  {row.experiment} {row.axis} {row.criterion}: study {shown(row, 'study')}, rerun {shown(row, 'rerun')}: "
        f"{row.outcome}" + ("" if row.rerun_inside else f" (the rerun's rho {row.rho_mean_rerun:.2f} lies outside)")
        for _, row in table.iterrows()
    ]
    flips = int((table["outcome"] == FLIPS).sum())
    decided = int((table["outcome"] != OPEN).sum())
    outside = int((~table["rerun_inside"]).sum())
    close = (
        f"every decided verdict held ({decided} decided)"
        if flips == 0
        else f"{flips} of {decided} decided verdicts flipped: the intervals are too narrow"
    )
    close += f"; the rerun's rho lies outside the study's interval in {outside} of {len(table)}"
    return "\n".join(["prunability robustness: pooled verdicts, study against the perturbed rerun", *lines, close])


def run(config_file: str, snakemake: list[str]) -> int:
    """Write the perturbed config, run ``snakemake`` on it with the perturbed kernels, and print the verdicts
    beside the study's; exit status 1 where a decided verdict flipped (or the rerun failed)."""
    config = load(config_file)
    if not (Path(tables_dir(config["study"])) / CORRELATION_SUMMARY_TABLE).is_file():
        raise ArtifactError(f"study {config['study']!r} has no tables yet: run it first (make study)")
    path = config_path(config["study"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(perturbed(config), sort_keys=False))
    print(f"robustness: rerunning the dimension experiments as {path}", file=sys.stderr, flush=True)
    done = subprocess.run([*snakemake, f"--configfile={path}"], env={**os.environ, **PERTURBED_ENV}, check=False)
    if done.returncode != 0:
        return done.returncode
    table = verdicts(Path(tables_dir(config["study"])), Path(tables_dir(perturbed(config)["study"])))
    print(report(table), file=sys.stderr)
    return int((table["outcome"] == FLIPS).any())
