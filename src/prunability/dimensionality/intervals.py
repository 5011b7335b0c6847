"""Intervals over seeds for every Monte-Carlo rho, and the verdict they allow.

The ± beside a Monte-Carlo rho (``statistics.correlation_summary``) is the spread of the rollouts: it neither
shrinks nor grows with the number of seeds, so it cannot say whether a study decided anything. Here what the seeds
leave uncertain is resampled instead: each replicate draws every cell's mean from its uncertainty given the cell's
runs and its model's within-cell spread (``resampled_means``, which says why not runs drawn with replacement), and
recomputes the Monte-Carlo rho (the mean of ``rollouts`` rollouts of ``samples`` outcomes) with the cells' stds
as observed. The 2.5 and 97.5 percentiles of the replicates are the 95 %
interval. The cells' axis values (nominal dimension, or the measured one averaged over seeds) stay fixed.

The verdict, by the rule written in docs/methods.md:

- ``increases`` / ``decreases``: the interval excludes 0;
- ``no relation``: the whole interval lies within ±``BAND`` (0.3, a medium rank correlation: below it the dimension
  explains under a tenth of the variation in ranks, too little to call a relation);
- ``undecided`` otherwise; ``undefined`` where rho is (every run of a replicate at one value).
"""

import numpy as np
import pandas as pd

from prunability.dimensionality.statistics import CELL_KEYS, few_valued_ranks, row_spearman
from prunability.seeding import derive_seed

BAND = 0.3
LEVEL = 0.95
INCREASES, DECREASES, NO_RELATION, UNDECIDED, UNDEFINED = (
    "increases",
    "decreases",
    "no relation",
    "undecided",
    "undefined",
)
# Replicates drawn at once: memory is replicates x rollouts x samples values.
CHUNK = 100


def verdict(lo: float, hi: float, band: float = BAND) -> str:
    """The verdict an interval allows (module docstring)."""
    if np.isnan(lo) or np.isnan(hi):
        return UNDEFINED
    if lo > 0:
        return INCREASES
    if hi < 0:
        return DECREASES
    return NO_RELATION if -band <= lo and hi <= band else UNDECIDED


def resampled_means(values: list[np.ndarray], resamples: int, rng: np.random.Generator, step: float) -> np.ndarray:
    """Per replicate and cell, a draw of where the cell's mean may lie given its runs: [resamples, cells], for
    the cells of one model.

    Each replicate draws the model's within-cell spread from its posterior given the pooled sample variance
    (s² · df / χ²_df, df = runs - cells), then each cell's mean as its observed mean plus that spread over √n
    times a standard normal: the mean's Student-t uncertainty, with the degrees of freedom of the whole model.
    The variance also counts the grid: a run's smallest matching subnetwork x is known only to within one round
    (its next round, x (1 - ``step``), failed), a uniform uncertainty of variance (x · step)² / 12; without it,
    runs that tie on the grid would claim a spread of 0.
    Why not runs drawn with replacement: at 2 seeds a cell's two runs are redrawn equal in half the replicates,
    which understates the spread of its mean by √2, and a cell whose runs tie (weights remaining lie on the
    (1 - p)^k grid) adds no uncertainty at all."""
    df = sum(len(runs) - 1 for runs in values)
    if df == 0:
        return np.full((resamples, len(values)), np.nan)
    grid = np.mean(np.concatenate(values) ** 2) * step**2 / 12
    pooled = sum(((runs - runs.mean()) ** 2).sum() for runs in values) / df + grid
    spread = np.sqrt(pooled * df / rng.chisquare(df, size=resamples))
    sizes = np.array([len(runs) for runs in values])
    centres = np.array([runs.mean() for runs in values])
    return centres + spread[:, None] / np.sqrt(sizes) * rng.standard_normal((resamples, len(values)))


def replicate_rho(
    axis: np.ndarray, means: np.ndarray, stds: np.ndarray, rollouts: int, samples: int, rng: np.random.Generator
) -> np.ndarray:
    """The Monte-Carlo rho of each replicate (the mean of ``rollouts`` rollouts over its cells; NaN where every
    rollout ties): ``statistics.spearman_rollouts`` with each replicate's own cell means and stds."""
    out = []
    for start in range(0, len(means), CHUNK):
        block = slice(start, min(start + CHUNK, len(means)))
        n = block.stop - block.start
        pick = rng.integers(0, len(axis), size=(n, rollouts, samples))
        replicate = np.arange(block.start, block.stop)[:, None, None]
        draws = rng.normal(means[replicate, pick], stds[replicate, pick]).reshape(n * rollouts, samples)
        flat = pick.reshape(n * rollouts, samples)
        rho = row_spearman(axis[flat], draws, few_valued_ranks(axis, flat)).reshape(n, rollouts)
        defined = (~np.isnan(rho)).sum(1)
        out.append(np.nansum(rho, 1) / np.where(defined > 0, defined, np.nan))
    return np.concatenate(out)


def _bounds(rho: np.ndarray, level: float) -> tuple[float, float]:
    if np.isnan(rho).mean() > 1 - level:  # too many undefined replicates for an interval at this level
        return float("nan"), float("nan")
    tail = 100 * (1 - level) / 2
    lo, hi = np.nanpercentile(rho, [tail, 100 - tail])
    return float(lo), float(hi)


def rho_intervals(
    prunability: pd.DataFrame,
    summary: pd.DataFrame,
    axis: str,
    resamples: int,
    rollouts: int,
    samples: int,
    seed: int,
    step: float,
    value: str = "remaining_pct",
) -> pd.DataFrame:
    """Per (experiment, criterion) and scope (each model, the mean of models, pooled): the interval of rho
    against ``axis`` (a column of ``summary``) over resampled cell means, and its verdict. Each replicate keeps
    the cells' stds of ``summary`` (the Monte-Carlo draws' spread, as in the point estimate); ``step`` is the
    fraction a round prunes."""
    rows = []
    for (experiment, criterion), runs in prunability.groupby(["experiment", "criterion"], sort=True):
        cells = summary[(summary["experiment"] == experiment) & (summary["criterion"] == criterion)]
        keyed = runs.groupby(CELL_KEYS, sort=True)[value].apply(lambda v: v.to_numpy(dtype=float))
        cells = cells.set_index(CELL_KEYS, drop=False).loc[keyed.index]
        rng = np.random.default_rng(derive_seed(seed, "interval", experiment, criterion, axis))
        models = cells.index.get_level_values("model").to_numpy()
        means = np.empty((resamples, len(models)))
        stds = np.broadcast_to(cells[f"{value}_std"].to_numpy(float), means.shape)
        per_model = {}
        for model in sorted(set(models)):
            mine = models == model
            means[:, mine] = resampled_means(list(keyed[mine]), resamples, rng, step)
            per_model[model] = replicate_rho(
                cells[axis].to_numpy(float)[mine], means[:, mine], stds[:, mine], rollouts, samples, rng
            )
        pooled = replicate_rho(cells[axis].to_numpy(float), means, stds, rollouts, samples, rng)
        mean_of_models = np.mean(np.stack(list(per_model.values())), 0)
        scopes = [
            *(("model", m, r) for m, r in per_model.items()),
            ("model_mean", "mean of models", mean_of_models),
            ("pooled", "all", pooled),
        ]
        for scope, model, rho in scopes:
            lo, hi = _bounds(rho, LEVEL)
            rows.append(
                {
                    "experiment": experiment,
                    "axis": axis,
                    "criterion": criterion,
                    "scope": scope,
                    "model": model,
                    "rho_lo": lo,
                    "rho_hi": hi,
                    "verdict": verdict(lo, hi),
                }
            )
    return pd.DataFrame(rows)


def quoted(row: pd.Series) -> str:
    """How a rho is quoted anywhere: its verdict with the interval over seeds first, the paper's Monte-Carlo ±
    after it, named as what it is; never a bare number."""
    if row["verdict"] == UNDEFINED or pd.isna(row["rho_mean"]):
        return "undefined (no variation)"
    return (
        f"{row['verdict']}: {row['rho_mean']:.2f}, 95 % interval over seeds {row['rho_lo']:.2f} to "
        f"{row['rho_hi']:.2f} (Monte-Carlo ± {row['rho_std']:.2f})"
    )
