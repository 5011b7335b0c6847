"""The dimensionality study's statistics tables from its rounds: smallest matching subnetworks and how each chain
ended, seed summaries with the measured dimension, correlation draws and their summary, sensitivity to the
tolerance, and summary.md/csv for a reader without Parquet."""

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from prunability.artifacts import atomic_path, write_frame
from prunability.dimensionality import statistics as st
from prunability.dimensionality.intervals import UNDEFINED, rho_intervals
from prunability.imp.stopping import with_ended_by
from prunability.layout import (
    CORRELATION_SUMMARY_TABLE,
    CORRELATION_TABLE,
    PRUNABILITY_TABLE,
    SENSITIVITY_TABLE,
    SUMMARY_CSV,
    SUMMARY_MD,
    SUMMARY_TABLE,
)
from prunability.matching import Matching

# The axes each correlation is computed against: the configured dimension, and the measured one.
AXES = ("dimension", "id_mle")


@dataclass(frozen=True)
class Resampling:
    """How seeds are resampled for rho's intervals (``intervals.rho_intervals``; ``step``: the fraction a round
    prunes, the grid a run's prunability lies on), and the std's form: ``ddof`` 1 (sample std, the study's) or 0
    (population std, the paper's ± over its seeds)."""

    resamples: int = 1000
    rollouts: int = 5
    ddof: int = 1
    step: float = 0.2


def write_statistics(
    rounds_path: Path,
    measured_path: Path,
    out: Path,
    criteria: list[str],
    matching: Matching,
    stop: dict,
    rollouts: int,
    samples: int,
    seed: int,
    labels: dict[str, str],
    resampling: Resampling = Resampling(),
) -> None:
    """Write every statistics table of the study to ``out``."""
    rounds = pd.read_parquet(rounds_path)
    prunability = with_ended_by(st.smallest_matching(rounds, criteria, matching), rounds, stop)
    summary = st.with_measured_dim(st.summarize(prunability, resampling.ddof), pd.read_parquet(measured_path))
    draws = pd.concat(
        [st.correlation_rollouts(summary, rollouts, samples, seed, axis=axis) for axis in AXES], ignore_index=True
    )
    intervals = pd.concat(
        [
            rho_intervals(
                prunability, summary, axis, resampling.resamples, resampling.rollouts, samples, seed, resampling.step
            )
            for axis in AXES
        ],
        ignore_index=True,
    )
    keys = ["experiment", "axis", "criterion", "scope", "model"]
    correlation = st.correlation_summary(draws).merge(intervals, on=keys, how="left")
    undefined = correlation["rho_mean"].isna()  # no rho in the runs themselves: nothing for an interval to bound
    correlation.loc[undefined, ["rho_lo", "rho_hi"]] = float("nan")
    correlation.loc[undefined, "verdict"] = UNDEFINED
    write_frame(out / PRUNABILITY_TABLE, prunability)
    write_frame(out / SUMMARY_TABLE, summary)
    write_frame(out / CORRELATION_TABLE, draws)
    write_frame(out / CORRELATION_SUMMARY_TABLE, correlation)
    write_frame(out / SENSITIVITY_TABLE, st.sensitivity(rounds))
    with atomic_path(out / SUMMARY_CSV) as tmp:
        summary.to_csv(tmp, index=False, float_format="%.6g")
    with atomic_path(out / SUMMARY_MD) as tmp:
        tmp.write_text(st.markdown_table(summary, labels))
