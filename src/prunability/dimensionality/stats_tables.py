"""The dimensionality study's statistics tables from its rounds: smallest matching subnetworks and how each chain
ended, seed summaries with the measured dimension, correlation draws and their summary, sensitivity to the
tolerance, and summary.md/csv for a reader without Parquet."""

from pathlib import Path

import pandas as pd

from prunability.artifacts import atomic_path, write_frame
from prunability.dimensionality import statistics as st
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
) -> None:
    """Write every statistics table of the study to ``out``."""
    rounds = pd.read_parquet(rounds_path)
    prunability = with_ended_by(st.smallest_matching(rounds, criteria, matching), rounds, stop)
    summary = st.with_measured_dim(st.summarize(prunability), pd.read_parquet(measured_path))
    draws = pd.concat(
        [st.correlation_rollouts(summary, rollouts, samples, seed, axis=axis) for axis in AXES], ignore_index=True
    )
    write_frame(out / PRUNABILITY_TABLE, prunability)
    write_frame(out / SUMMARY_TABLE, summary)
    write_frame(out / CORRELATION_TABLE, draws)
    write_frame(out / CORRELATION_SUMMARY_TABLE, st.correlation_summary(draws))
    write_frame(out / SENSITIVITY_TABLE, st.sensitivity(rounds))
    with atomic_path(out / SUMMARY_CSV) as tmp:
        summary.to_csv(tmp, index=False, float_format="%.6g")
    with atomic_path(out / SUMMARY_MD) as tmp:
        tmp.write_text(st.markdown_table(summary, labels))
