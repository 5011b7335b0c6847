"""Whether a study's correlations survive a change of numerics: the same config run with other CPU kernels.

Two runs of one config that differ only in the order of floating-point sums (pinning off, another kernel level)
train slightly different networks; a conclusion that is a property of the data, not of those bits, must come out
the same. A pooled correlation survives when it moves by less than ``max_move`` between every pair of runs and,
wherever its magnitude exceeds ``resolved`` times its Monte-Carlo spread, keeps its sign.
"""

import numpy as np
import pandas as pd

from prunability.dimensionality.statistics import ordered

KEYS = ["experiment", "criterion"]


def pooled(summary: pd.DataFrame) -> pd.DataFrame:
    """The pooled correlation with the nominal dimension, per experiment and criterion (correlation_summary)."""
    rows = summary.query("scope == 'pooled' and axis == 'dimension'")
    return rows.set_index(KEYS)[["rho_mean", "rho_std"]]


def perturbation(summaries: dict[str, pd.DataFrame], max_move: float = 0.2, resolved: float = 2.0) -> pd.DataFrame:
    """One row per experiment and criterion: each run's pooled rho, the largest spread, the largest move between
    two runs, whether the sign is resolved (|rho| > ``resolved`` spreads in some run) and kept, and whether the
    correlation survives (defined in every run, moves by less than ``max_move``, keeps a resolved sign)."""
    tables = {name: pooled(summary) for name, summary in summaries.items()}
    rho = pd.DataFrame({name: t["rho_mean"] for name, t in tables.items()})
    spread = pd.DataFrame({name: t["rho_std"] for name, t in tables.items()}).max(axis=1)
    defined = rho.notna().all(axis=1)
    move = rho.max(axis=1) - rho.min(axis=1)
    is_resolved = defined & (rho.abs().max(axis=1) > resolved * spread)
    signs = np.sign(rho)
    sign_kept = signs.nunique(axis=1) == 1
    survives = defined & (move < max_move) & (~is_resolved | sign_kept)
    out = rho.add_prefix("rho_").assign(
        spread=spread, move=move, resolved=is_resolved, sign_kept=sign_kept, survives=survives
    )
    out = out.reset_index()
    rank = out["criterion"].map(ordered(out["criterion"].unique()).index)
    return out.assign(rank=rank).sort_values(["experiment", "rank"]).drop(columns="rank").reset_index(drop=True)
