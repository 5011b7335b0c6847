"""Collect per-round artifacts into the study's long-format tables."""

from pathlib import Path

import pandas as pd

from prunability.artifacts import read_frames, read_json, write_frame

ORDER = ["experiment", "model", "dimension", "seed", "round"]


def collect_rounds(metrics: list[str | Path], out: str | Path) -> pd.DataFrame:
    """One row per (run, round) from every metrics.parquet, sorted, written to ``out``."""
    frame = read_frames(metrics).sort_values(ORDER, ignore_index=True)
    write_frame(out, frame)
    return frame


def collect_timing(timings: list[str | Path], out: str | Path) -> pd.DataFrame:
    """Wall time per round (not reproducible by nature, hence its own table)."""
    rows = [read_json(p) for p in timings]
    keep = [*ORDER, "wall_seconds", "steps", "device"]
    frame = pd.DataFrame(rows)[keep].sort_values(ORDER, ignore_index=True)
    write_frame(out, frame)
    return frame


def collect_measured(paths: list[str | Path], out: str | Path) -> pd.DataFrame:
    """Measured intrinsic dimension per data artifact (experiment, dimension, seed)."""
    frame = read_frames(paths).sort_values(["experiment", "dimension", "seed"], ignore_index=True)
    write_frame(out, frame)
    return frame
