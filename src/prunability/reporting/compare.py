"""A fresh study's tables against the committed ones: which are equal, which differ only in the last bits of their
floating-point columns, which really differ, and the likely cause, drawn from the fingerprints and from where the
differences sit.

Tables made with the same numerics (``prunability.numerics.NUMERICS_KEY``: pinned level, torch, threads, device)
are meant to be equal. A difference within ``RTOL`` of a float column's largest magnitude is a sum taken in
another order, not another result: it is reported as such. A real difference under the same numerics on the same
CPU model means the code or its inputs changed what the study computes; on another CPU model it may also be a
kernel the pins do not reach. The lenient form informs (a finished study is not a failed one); the strict form
(``--strict``) fails on any difference, for tests and CI.
"""

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from prunability.layout import FINGERPRINT_TABLE, MEASURED_TABLES, TABLE_SUFFIX, TIMING_TABLE
from prunability.numerics import NUMERICS_KEY

# Tables that describe how a study ran rather than what it found: never equal from one run to the next.
UNCOMPARED = frozenset({TIMING_TABLE, FINGERPRINT_TABLE, *MEASURED_TABLES})
# A float column's values are equal within tolerance when they differ by at most this share of the column's
# largest magnitude: a sum taken in another order moves the last bits (2.2e-16 of 1.0), a changed result far more.
RTOL = 1e-12
REGRESSION, EXPECTED, WITHIN, EQUAL, UNKNOWN, NONE = (
    "regression",
    "expected",
    "within tolerance",
    "equal",
    "unknown",
    "none",
)


@dataclass
class Comparison:
    """The outcome of comparing a fresh tables folder with a committed one."""

    equal: list[str] = field(default_factory=list)
    within: dict[str, str] = field(default_factory=dict)  # table -> which floats moved, by how much
    differing: dict[str, str] = field(default_factory=dict)  # table -> how it differs
    missing: list[str] = field(default_factory=list)  # committed, but not made by the fresh run
    committed_key: set[tuple] = field(default_factory=set)
    fresh_key: set[tuple] = field(default_factory=set)
    committed_cpus: set[str] = field(default_factory=set)
    fresh_cpus: set[str] = field(default_factory=set)

    @property
    def verdict(self) -> str:
        if not self.differing and not self.missing:
            return WITHIN if self.within else EQUAL
        if not self.committed_key or any("unknown" in key for key in self.committed_key | self.fresh_key):
            return UNKNOWN
        return REGRESSION if self.committed_key == self.fresh_key else EXPECTED


def _is_float(column: pd.Series) -> bool:
    return pd.api.types.is_float_dtype(column)


def _column_change(old: pd.Series, new: pd.Series) -> str:
    """How one column changed: the largest change of a number, or how many values of anything else."""
    if pd.api.types.is_numeric_dtype(old) and not pd.api.types.is_bool_dtype(old):
        return f"{old.name} by up to {(new - old).abs().max():.4g}"
    return f"{old.name} in {int((old != new).sum())} rows"


def _close(old: pd.Series, new: pd.Series) -> bool:
    """Float columns equal within ``RTOL`` of their largest magnitude (NaN where both are NaN)."""
    a, b = old.to_numpy(dtype=float), new.to_numpy(dtype=float)
    scale = np.nanmax(np.abs(np.concatenate([a, b])), initial=0.0)
    return bool(np.array_equal(np.isnan(a), np.isnan(b)) and np.nanmax(np.abs(a - b), initial=0.0) <= RTOL * scale)


def _last_bits(old: pd.Series, new: pd.Series) -> str:
    moved = ~(old.eq(new) | (old.isna() & new.isna()))
    return f"{old.name}: {int(moved.sum()):,} of {len(old):,} values, by at most {(new - old).abs().max():.2g}"


def _frame_difference(old: pd.DataFrame, new: pd.DataFrame) -> tuple[str, bool]:
    """How two tables of one shape differ, and whether every change is a float within tolerance."""
    same = old.eq(new) | (old.isna() & new.isna())
    changed = [column for column in old.columns if not same[column].all()]
    if all(_is_float(old[c]) and _is_float(new[c]) and _close(old[c], new[c]) for c in changed):
        return "; ".join(_last_bits(old[c], new[c]) for c in changed), True
    changes = ", ".join(_column_change(old[column], new[column]) for column in changed)
    return f"{int((~same.all(axis=1)).sum())} of {len(old)} rows differ; {changes}", False


def describe(old_path: Path, new_path: Path) -> tuple[str, bool] | None:
    """None where two tables hold the same values (Parquet) or text; else how they differ, in a few words, and
    whether only floats moved, within tolerance."""
    if old_path.suffix != TABLE_SUFFIX:
        old, new = old_path.read_text().splitlines(), new_path.read_text().splitlines()
        if old == new:
            return None
        changed = sum(a != b for a, b in zip(old, new, strict=False)) + abs(len(old) - len(new))
        return f"{changed} of {len(old)} lines differ", False
    old_frame, new_frame = pd.read_parquet(old_path), pd.read_parquet(new_path)
    if old_frame.equals(new_frame):
        return None
    if list(old_frame.columns) != list(new_frame.columns) or len(old_frame) != len(new_frame):
        return f"shape {old_frame.shape} -> {new_frame.shape}, columns differ: {set(old_frame) ^ set(new_frame)}", False
    return _frame_difference(old_frame, new_frame)


def _fingerprint(tables: Path) -> pd.DataFrame | None:
    path = tables / FINGERPRINT_TABLE
    return pd.read_parquet(path) if path.exists() else None


def numerics_keys(tables: Path) -> set[tuple]:
    """The distinct numerics settings that made a tables folder's rounds (empty where it has no fingerprint)."""
    frame = _fingerprint(tables)
    return set() if frame is None else set(frame[list(NUMERICS_KEY)].astype(str).itertuples(index=False, name=None))


def cpu_models(tables: Path) -> set[str]:
    """The CPU models that made a tables folder's rounds: equal numerics on another CPU model may still differ
    where a kernel the pins do not reach (oneDNN's blocking by cache size) sums in another order."""
    frame = _fingerprint(tables)
    return set() if frame is None or "cpu_model" not in frame else set(frame["cpu_model"].astype(str))


def compare(committed: Path, fresh: Path) -> Comparison:
    """Compare every committed table (those in ``UNCOMPARED`` aside) with the fresh run's table of that name."""
    result = Comparison(
        committed_key=numerics_keys(committed),
        fresh_key=numerics_keys(fresh),
        committed_cpus=cpu_models(committed),
        fresh_cpus=cpu_models(fresh),
    )
    for old in sorted(committed.iterdir()):
        if old.name in UNCOMPARED or not old.is_file():
            continue
        new = fresh / old.name
        if not new.exists():
            result.missing.append(old.name)
        elif (difference := describe(old, new)) is None:
            result.equal.append(old.name)
        else:
            how, last_bits = difference
            (result.within if last_bits else result.differing)[old.name] = how
    return result


def _key_lines(keys: set[tuple]) -> list[str]:
    return [", ".join(f"{k}={v}" for k, v in zip(NUMERICS_KEY, key, strict=True)) for key in sorted(keys)] or [
        "no fingerprint"
    ]


def _cpus(result: Comparison) -> str:
    return f"committed on {', '.join(sorted(result.committed_cpus)) or 'an unknown CPU'}, fresh on " + (
        ", ".join(sorted(result.fresh_cpus)) or "an unknown CPU"
    )


def likely_cause(result: Comparison) -> str:
    """Where the differences point: a sum taken in another order, other numerics, another CPU, or the code."""
    other_cpu = result.committed_cpus != result.fresh_cpus
    if result.verdict == WITHIN:
        return (
            "only the last bits of floating-point sums moved: a reduction summed in another order "
            + (f"on another CPU ({_cpus(result)})" if other_cpu else "by a kernel the numerics pins do not fix")
            + "; what the study computes did not change"
        )
    if result.verdict == EXPECTED:
        return "the tables were made with other numerics (see below), which sum in another order: expected"
    if result.verdict == UNKNOWN:
        return "a fingerprint is missing or unknown, so it cannot be told whether the numerics differ"
    if other_cpu:
        return (
            f"the same numerics on another CPU model ({_cpus(result)}): a kernel the pins do not reach may sum in "
            "another order, or the code or its inputs changed what the study computes"
        )
    return "the same numerics on the same CPU model: the code or its inputs changed what the study computes"


def message(result: Comparison, committed_name: str, fresh: Path) -> str:
    """What a person reads at the end of a run: each table's outcome, then the likely cause and the fingerprints."""
    total = len(result.equal) + len(result.within) + len(result.differing) + len(result.missing)
    lines = [f"prunability compare: {total} tables in {fresh} against {committed_name}: {result.verdict}"]
    lines.append(f"  equal: {len(result.equal)}")
    lines += [
        f"  equal within {RTOL:g} of each float column's largest value: {n} ({how})" for n, how in result.within.items()
    ]
    lines += [f"  different: {name} ({how})" for name, how in result.differing.items()]
    lines += [f"  not made by the fresh run: {name}" for name in result.missing]
    if result.verdict != EQUAL:
        lines.append(f"  likely cause: {likely_cause(result)}")
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


@contextmanager
def committed_tables(tables: Path, revision: str = "HEAD") -> Iterator[Path]:
    """The tables committed under ``tables`` at ``revision``, in a temporary folder: what the docs quote and the
    tests check, whatever a user's run has since written there (the folder itself outside a git checkout)."""
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp) if tables.is_dir() and committed_copy(tables, revision, Path(tmp)) else tables


def compare_with_git(tables: Path, revision: str = "HEAD") -> tuple[str, str]:
    """The verdict and message for a tables folder against its committed version (``none`` where there is none)."""
    with tempfile.TemporaryDirectory() as tmp:
        if not tables.is_dir() or not committed_copy(tables, revision, Path(tmp)):
            return NONE, f"prunability compare: no tables committed under {tables} at {revision}; nothing to compare"
        result = compare(Path(tmp), tables)
        return result.verdict, message(result, f"those committed at {revision}", tables)


def compare_study(config: str, tables: str | None, revision: str = "HEAD") -> tuple[str, str]:
    """``compare_with_git`` for the tables folder given, or else the one the study of ``config`` writes."""
    from prunability.config.validation import load
    from prunability.layout import tables_dir

    return compare_with_git(Path(tables) if tables else Path(tables_dir(load(config)["study"])), revision)
