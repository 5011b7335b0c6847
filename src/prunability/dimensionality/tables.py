"""Collect per-round artifacts into the study's long-format tables."""

from pathlib import Path

import pandas as pd

from prunability.artifacts import ENDED, read_frames, read_json, write_frame
from prunability.layout import DIMENSION_RUN, TABLE_SUFFIX
from prunability.numerics import FINGERPRINT

ORDER = [*DIMENSION_RUN, "round"]


def collect(paths: list[str | Path], out: str | Path, order: list[str]) -> pd.DataFrame:
    """Concatenate one-row Parquet tables (round metrics, measured dimensions), sort by ``order``, write."""
    frame = read_frames(paths).sort_values(order, ignore_index=True)
    write_frame(out, frame)
    return frame


def _timing_frame(timings: list[str | Path]) -> pd.DataFrame:
    """Every round's timing record, from its ``timing.json`` or from a study's ``timing.parquet``; a record from
    before fingerprints says ``unknown`` for each fingerprint column."""
    unknown = dict.fromkeys(FINGERPRINT, "unknown")
    tables = [p for p in timings if str(p).endswith(TABLE_SUFFIX)]
    records = [read_json(p) for p in timings if p not in tables]
    records = pd.DataFrame([{**unknown, **r} for r in records if ENDED not in r])  # end markers trained nothing
    frame = pd.concat([records, read_frames(tables)], ignore_index=True) if tables else records
    for column in FINGERPRINT:
        values = frame[column] if column in frame else pd.Series(pd.NA, index=frame.index)
        frame[column] = values.astype(object).where(values.notna(), "unknown")
    return frame


def collect_timing(timings: list[str | Path], out: str | Path) -> pd.DataFrame:
    """Wall time and fingerprint per round (not reproducible by nature, hence its own table)."""
    keep = [*ORDER, "wall_seconds", "steps", "device", *FINGERPRINT]
    frame = _timing_frame(timings)[keep].sort_values(ORDER, ignore_index=True)
    write_frame(out, frame)
    return frame


def collect_fingerprints(timings: list[str | Path], out: str | Path) -> pd.DataFrame:
    """What made a study's tables: one row per distinct fingerprint of its rounds, with how many rounds it made.

    Kept apart from the result tables, which must be equal on every machine of one numerics level.
    """
    frame = _timing_frame(timings).astype({column: str for column in FINGERPRINT})
    table = frame.groupby(list(FINGERPRINT), sort=True).size().rename("rounds").reset_index()
    write_frame(out, table)
    return table


def collect_study(
    metrics: list[str], rounds_out: str, timing: list[str], timing_out: str, measured: list[str], measured_out: str
) -> pd.DataFrame:
    """Every round's metrics, timing and every measured dimension into the study's tables; the rounds table back."""
    rounds = collect(metrics, rounds_out, ORDER)
    collect_timing(timing, timing_out)
    collect(measured, measured_out, ["experiment", "dimension", "seed"])
    return rounds
