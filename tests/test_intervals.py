"""Intervals over seeds for rho: they follow the verdict rule, narrow as seeds are added, decide a clear relation,
and leave a null one undecided or "no relation", never a direction."""

import numpy as np
import pandas as pd
import pytest

from prunability.dimensionality.intervals import (
    DECREASES,
    INCREASES,
    NO_RELATION,
    UNDECIDED,
    UNDEFINED,
    resampled_means,
    rho_intervals,
)
from prunability.dimensionality.intervals import verdict as rule
from prunability.dimensionality.statistics import summarize


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (0.05, 0.6, INCREASES),
        (-0.9, -0.01, DECREASES),
        (-0.29, 0.3, NO_RELATION),
        (-0.31, 0.2, UNDECIDED),
        (0.1, 0.25, INCREASES),  # excludes 0: a direction, however small
        (float("nan"), 0.2, UNDEFINED),
    ],
)
def test_verdict_rule(lo, hi, expected):
    assert rule(lo, hi) == expected


def _study(slope: float, seeds: int, noise: float = 8.0, seed: int = 0) -> pd.DataFrame:
    """Runs of one model over four dimensions: weights remaining = 20 + slope x dimension index + noise."""
    rng = np.random.default_rng(seed)
    rows = [
        {
            "experiment": "e",
            "model": "m",
            "dimension": d,
            "seed": s,
            "criterion": "strict",
            "remaining_pct": 20 + slope * i + noise * rng.standard_normal(),
            "remaining_all_pct": 0.0,
            "dense_accuracy": 0.9,
        }
        for i, d in enumerate([16, 32, 64, 128])
        for s in range(seeds)
    ]
    return pd.DataFrame(rows)


def _interval(runs: pd.DataFrame) -> pd.Series:
    table = rho_intervals(runs, summarize(runs), "dimension", 200, 3, 300, seed=0, step=0.2)
    return table.set_index("scope").loc["pooled"]


def test_a_clear_relation_is_decided_and_more_seeds_narrow_the_interval():
    few, many = _interval(_study(10, seeds=3)), _interval(_study(10, seeds=12))
    assert many.verdict == INCREASES
    assert many.rho_hi - many.rho_lo < few.rho_hi - few.rho_lo


def test_no_relation_is_never_given_a_direction():
    """Of ten null studies of 8 seeds, at most one is given a direction (a 95 % interval errs about one time in
    twenty)."""
    verdicts = [_interval(_study(0, seeds=8, seed=s)).verdict for s in range(10)]
    assert sum(v in (INCREASES, DECREASES) for v in verdicts) <= 1


def test_tied_runs_still_carry_the_grid_uncertainty():
    """Runs that tie on the pruning grid have a sample spread of 0; the grid's own uncertainty keeps their
    cell means uncertain."""
    values = [np.array([10.0, 10.0]), np.array([6.4, 6.4])]
    means = resampled_means(values, 500, np.random.default_rng(0), step=0.36)
    assert means.std(0).min() > 0.1
    assert np.isnan(resampled_means([np.array([1.0]), np.array([2.0])], 5, np.random.default_rng(0), 0.2)).all()
