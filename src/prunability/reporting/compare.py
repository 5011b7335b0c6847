"""A fresh study's tables against the committed ones: which differ, by how much, and whether that is expected.

Tables made with the same numerics (``prunability.numerics.NUMERICS_KEY``: pinned level, torch, threads, device)
must be equal: a difference is a regression. Tables made with different numerics (another kernel level, numerics
pinning off, another torch, a GPU) may differ, and the message says which setting differs.
"""

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from prunability.layout import FINGERPRINT_TABLE, MEASURED_TABLES, TABLE_SUFFIX, TIMING_TABLE
from prunability.numerics import NUMERICS_KEY

# Tables that describe how a study ran rather than what it found: never equal from one run to the next.
UNCOMPARED = frozenset({TIMING_TABLE, FINGERPRINT_TABLE, *MEASURED_TABLES})
REGRESSION, EXPECTED, EQUAL, UNKNOWN = "regression", "expected", "equal", "unknown"


@dataclass
class Comparison:
    """The outcome of comparing a fresh tables folder with a committed one."""

    equal: list[str] = field(default_factory=list)
    differing: dict[str, str] = field(default_factory=dict)  # table -> how it differs
    missing: list[str] = field(default_factory=list)  # committed, but not made by the fresh run
    committed_key: set[tuple] = field(default_factory=set)
    fresh_key: set[tuple] = field(default_factory=set)

    @property
    def verdict(self) -> str:
        if not self.differing and not self.missing:
            return EQUAL
        if not self.committed_key or any("unknown" in key for key in self.committed_key | self.fresh_key):
            return UNKNOWN
        return REGRESSION if self.committed_key == self.fresh_key else EXPECTED


def _column_change(old: pd.Series, new: pd.Series) -> str:
    """How one column changed: the largest change of a number, or how many values of anything else."""
    if pd.api.types.is_numeric_dtype(old) and not pd.api.types.is_bool_dtype(old):
        return f"{old.name} by up to {(new - old).abs().max():.4g}"
    return f"{old.name} in {int((old != new).sum())} rows"


def _row_difference(old: pd.DataFrame, new: pd.DataFrame) -> str:
    """Rows that differ and how each differing column changed, for two tables of one shape."""
    same = old.eq(new) | (old.isna() & new.isna())
    changes = [_column_change(old[column], new[column]) for column in old.columns if not same[column].all()]
    return f"{int((~same.all(axis=1)).sum())} of {len(old)} rows differ; {', '.join(changes)}"


def describe(old_path: Path, new_path: Path) -> str | None:
    """None where two tables hold the same values (Parquet) or text; else how they differ, in a few words."""
    if old_path.suffix != TABLE_SUFFIX:
        old, new = old_path.read_text().splitlines(), new_path.read_text().splitlines()
        if old == new:
            return None
        changed = sum(a != b for a, b in zip(old, new, strict=False)) + abs(len(old) - len(new))
        return f"{changed} of {len(old)} lines differ"
    old_frame, new_frame = pd.read_parquet(old_path), pd.read_parquet(new_path)
    if old_frame.equals(new_frame):
        return None
    if list(old_frame.columns) != list(new_frame.columns) or len(old_frame) != len(new_frame):
        return f"shape {old_frame.shape} -> {new_frame.shape}, columns differ: {set(old_frame) ^ set(new_frame)}"
    return _row_difference(old_frame, new_frame)


def numerics_keys(tables: Path) -> set[tuple]:
    """The distinct numerics settings that made a tables folder's rounds (empty where it has no fingerprint)."""
    path = tables / FINGERPRINT_TABLE
    if not path.exists():
        return set()
    frame = pd.read_parquet(path)
    return set(frame[list(NUMERICS_KEY)].astype(str).itertuples(index=False, name=None))


def compare(committed: Path, fresh: Path) -> Comparison:
    """Compare every committed table (those in ``UNCOMPARED`` aside) with the fresh run's table of that name."""
    result = Comparison(committed_key=numerics_keys(committed), fresh_key=numerics_keys(fresh))
    for old in sorted(committed.iterdir()):
        if old.name in UNCOMPARED or not old.is_file():
            continue
        new = fresh / old.name
        if not new.exists():
            result.missing.append(old.name)
        elif (difference := describe(old, new)) is None:
            result.equal.append(old.name)
        else:
            result.differing[old.name] = difference
    return result


def _key_lines(keys: set[tuple]) -> list[str]:
    return [", ".join(f"{k}={v}" for k, v in zip(NUMERICS_KEY, key, strict=True)) for key in sorted(keys)] or [
        "no fingerprint"
    ]


def message(result: Comparison, committed_name: str, fresh: Path) -> str:
    """What a person reads at the end of a run: the verdict first, then the tables and the fingerprints."""
    head = {
        EQUAL: f"the fresh tables in {fresh} equal the committed ones ({len(result.equal)} tables).",
        EXPECTED: f"the fresh tables in {fresh} differ from {committed_name}, as expected: they were made with "
        "other numerics (another kernel level, threads, torch or device), which sum in another order.",
        REGRESSION: f"REGRESSION: the fresh tables in {fresh} differ from {committed_name}, although both were "
        "made with the same numerics: the code or its inputs changed what a study computes.",
        UNKNOWN: f"the fresh tables in {fresh} differ from {committed_name}; a fingerprint is missing or "
        "unknown, so it cannot be told whether the numerics differ.",
    }[result.verdict]
    lines = [f"prunability compare: {head}"]
    lines += [f"  {name}: {how}" for name, how in result.differing.items()]
    lines += [f"  {name}: not made by the fresh run" for name in result.missing]
    if result.verdict != EQUAL:
        lines.append("  numerics of the committed tables: " + "; ".join(_key_lines(result.committed_key)))
        lines.append("  numerics of the fresh tables:     " + "; ".join(_key_lines(result.fresh_key)))
    return "\n".join(lines)


def committed_copy(tables: Path, revision: str, into: Path) -> bool:
    """Write the tables committed at ``revision`` under ``tables`` into ``into``; False where git has none."""
    git = ["git", "-C", str(tables)]
    top = subprocess.run([*git, "rev-parse", "--show-toplevel"], capture_output=True, text=True)
    if top.returncode != 0:
        return False
    prefix = tables.resolve().relative_to(Path(top.stdout.strip()).resolve()).as_posix()
    listing = subprocess.run(
        [*git, "ls-tree", "--name-only", "--full-tree", revision, f"{prefix}/"], capture_output=True, text=True
    )
    names = [Path(line).name for line in listing.stdout.splitlines()]
    for name in names:
        blob = subprocess.run([*git, "show", f"{revision}:{prefix}/{name}"], capture_output=True, check=True)
        (into / name).write_bytes(blob.stdout)
    return bool(names)


def compare_with_git(tables: Path, revision: str = "HEAD") -> tuple[str, str]:
    """The verdict and message for a tables folder against its committed version (``none`` where there is none)."""
    with tempfile.TemporaryDirectory() as tmp:
        if not tables.is_dir() or not committed_copy(tables, revision, Path(tmp)):
            return "none", f"prunability compare: no tables committed under {tables} at {revision}; nothing to compare"
        result = compare(Path(tmp), tables)
        return result.verdict, message(result, f"those committed at {revision}", tables)


def compare_study(config: str, tables: str | None, revision: str = "HEAD") -> tuple[str, str]:
    """``compare_with_git`` for the tables folder given, or else the one the study of ``config`` writes."""
    from prunability.config.validation import load
    from prunability.layout import tables_dir

    return compare_with_git(Path(tables) if tables else Path(tables_dir(load(config)["study"])), revision)
