"""Whether a dimensionality study's numbers can say anything, read off its tables.

A correlation between dimension and prunability means something only where the study measured prunability: its
chains end because the network stopped matching, not at the round cap (there the smallest matching subnetwork is
a floor set by the cap); the correlation is defined (it is not, where every run sits at the same floor); and its
dense networks are trained to their plateau (an undertrained dense round is beaten by every pruned round, so
every round "matches"). These checks put those three conditions beside the numbers they qualify.
"""

import numpy as np
import pandas as pd

from prunability.dimensionality.statistics import CELL_KEYS, RUN_KEYS, ordered
from prunability.matching import Matching, difference_se


def plateau(rounds: pd.DataFrame, z: float = Matching().z) -> pd.DataFrame:
    """Per cell: how far its pruned rounds lie above its dense rounds on average (points), and the noise rule's
    margin for that difference (``z`` binomial standard errors, averaged the same way). A cell whose gain exceeds
    the margin has dense networks below their plateau: pruning did not cost accuracy, training did not finish."""
    dense = rounds[rounds["round"] == 0].set_index(RUN_KEYS)["test_accuracy"].rename("dense")
    pruned = rounds[rounds["round"] > 0].join(dense, on=RUN_KEYS)
    accuracy, reference = pruned["test_accuracy"].to_numpy(), pruned["dense"].to_numpy()
    pruned = pruned.assign(
        gain=100 * (accuracy - reference),
        margin=100 * z * difference_se(reference, accuracy, pruned["test_examples"].to_numpy()),
    )
    cells = pruned.groupby(CELL_KEYS, sort=True)[["gain", "margin"]].mean().reset_index()
    return cells.assign(undertrained=cells["gain"] > cells["margin"])


def adequacy(rounds: pd.DataFrame, prunability: pd.DataFrame, correlation: pd.DataFrame) -> pd.DataFrame:
    """Per experiment and criterion: runs, runs whose chain ended by failure, floors (runs that still matched at
    their last round), whether the pooled correlation with the nominal dimension is defined, and the cells whose
    dense networks are below their plateau (the same for every criterion)."""
    ended = prunability.get("ended_by", pd.Series("cap", index=prunability.index)) == "failure"
    counts = (
        prunability.assign(failure=ended)
        .groupby(["experiment", "criterion"], sort=True)
        .agg(runs=("seed", "size"), failure=("failure", "sum"), floors=("matches_at_last_round", "sum"))
        .reset_index()
    )
    pooled = correlation.query("scope == 'pooled' and axis == 'dimension'").set_index(["experiment", "criterion"])
    counts["rho_defined"] = [
        (e, c) in pooled.index and not np.isnan(pooled.loc[(e, c), "rho_mean"])
        for e, c in zip(counts["experiment"], counts["criterion"], strict=True)
    ]
    cells = (
        plateau(rounds).groupby("experiment").agg(cells=("undertrained", "size"), undertrained=("undertrained", "sum"))
    )
    counts = counts.join(cells, on="experiment")
    rank = counts["criterion"].map(ordered(counts["criterion"].unique()).index)
    return counts.assign(rank=rank).sort_values(["experiment", "rank"]).drop(columns="rank").reset_index(drop=True)
