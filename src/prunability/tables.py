"""Collect per-round artifacts into the study's long-format tables."""

from pathlib import Path

import pandas as pd

from prunability.artifacts import read_frames, read_json, write_frame

ORDER = ["experiment", "model", "dimension", "seed", "round"]


def collect(paths: list[str | Path], out: str | Path, order: list[str]) -> pd.DataFrame:
    """Concatenate one-row Parquet tables (round metrics, measured dimensions), sort by ``order``, write."""
    frame = read_frames(paths).sort_values(order, ignore_index=True)
    write_frame(out, frame)
    return frame


def collect_timing(timings: list[str | Path], out: str | Path) -> pd.DataFrame:
    """Wall time per round (not reproducible by nature, hence its own table)."""
    rows = [read_json(p) for p in timings]
    keep = [*ORDER, "wall_seconds", "steps", "device"]
    frame = pd.DataFrame(rows)[keep].sort_values(ORDER, ignore_index=True)
    write_frame(out, frame)
    return frame
