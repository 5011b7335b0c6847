"""Prunability statistics: smallest matching subnetworks, seed summaries, Monte-Carlo Spearman correlation.

The correlation follows appendix A.2 of the extrinsic/intrinsic/task-dimensionality study: a rollout draws
``samples`` outcomes, each picking a cell at random and sampling weights-remaining from N(mean, std) of that
cell; Spearman's rho of (dimension, sample) over those outcomes is one draw of the distribution. Three forms:

- ``model``: the cells of one model (one rho distribution per model);
- ``model_mean``: the mean over models of the per-model mean rho;
- ``pooled``: every (model, dimension) cell of the experiment at once. Fed the paper's own Table 1 and Table 3,
  this is the form that gives the reported -0.22 and 0.01 (tests/test_statistics.py).
"""

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from prunability.seeding import derive_seed

RUN_KEYS = ["experiment", "model", "dimension", "seed"]
CELL_KEYS = ["experiment", "model", "dimension"]


def smallest_matching(rounds: pd.DataFrame, tolerance: float = 0.0) -> pd.DataFrame:
    """Per run: the matching round with the smallest density (test accuracy >= dense accuracy - tolerance)."""
    rows = []
    for key, run in rounds.groupby(RUN_KEYS, sort=True):
        if 0 not in set(run["round"]):
            raise ValueError(f"run {dict(zip(RUN_KEYS, key, strict=True))} has no dense round 0")
        dense = run.loc[run["round"] == 0, "test_accuracy"].iloc[0]
        matching = run[run["test_accuracy"] >= dense - tolerance]
        best = matching.loc[matching["density"].idxmin()]
        rows.append(
            {
                **dict(zip(RUN_KEYS, key, strict=True)),
                "dense_accuracy": dense,
                "round": int(best["round"]),
                "density": best["density"],
                "density_all": best["density_all"],
                "remaining_pct": 100 * best["density"],
                "remaining_all_pct": 100 * best["density_all"],
                "test_accuracy": best["test_accuracy"],
                "rounds_run": int(run["round"].max()),
                "matches_at_last_round": bool(best["round"] == run["round"].max()),
                **({"data_source": run["data_source"].iloc[0]} if "data_source" in run else {}),
            }
        )
    return pd.DataFrame(rows)


def summarize(prunability: pd.DataFrame) -> pd.DataFrame:
    """Mean and sample std (ddof=1; 0 for one seed) over seeds per (experiment, model, dimension)."""
    grouped = prunability.groupby(CELL_KEYS, sort=True)
    out = grouped.agg(
        seeds=("seed", "nunique"),
        remaining_pct_mean=("remaining_pct", "mean"),
        remaining_pct_std=("remaining_pct", "std"),
        remaining_all_pct_mean=("remaining_all_pct", "mean"),
        remaining_all_pct_std=("remaining_all_pct", "std"),
        dense_accuracy_mean=("dense_accuracy", "mean"),
        dense_accuracy_std=("dense_accuracy", "std"),
    ).reset_index()
    if "data_source" in prunability:
        out = out.merge(prunability[[*CELL_KEYS, "data_source"]].drop_duplicates(CELL_KEYS), on=CELL_KEYS)
    std_cols = [c for c in out.columns if c.endswith("_std")]
    out[std_cols] = out[std_cols].fillna(0.0)
    return out


def with_measured_dim(summary: pd.DataFrame, measured: pd.DataFrame) -> pd.DataFrame:
    """Join the mean measured intrinsic dimension (over seeds) of each (experiment, dimension) to the summary."""
    cols = [c for c in measured.columns if c.startswith("id_")]
    means = measured.groupby(["experiment", "dimension"], sort=True)[cols].mean().reset_index()
    return summary.merge(means, on=["experiment", "dimension"], how="left")


def _row_spearman(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman rho of each row pair with average ranks for ties (scipy's definition); NaN if a row is constant."""
    ra = rankdata(a, axis=1)
    rb = rankdata(b, axis=1)
    ra -= ra.mean(1, keepdims=True)
    rb -= rb.mean(1, keepdims=True)
    denom = np.sqrt((ra**2).sum(1) * (rb**2).sum(1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (ra * rb).sum(1) / np.where(denom > 0, denom, 1), np.nan)


def spearman_rollouts(
    dimension: np.ndarray,
    mean: np.ndarray,
    std: np.ndarray,
    rollouts: int,
    samples: int,
    seed: int,
    chunk: int = 500,
) -> np.ndarray:
    """``rollouts`` draws of rho over cells (dimension, mean, std); NaN where all samples tie."""
    rng = np.random.default_rng(seed)
    dimension, mean, std = (np.asarray(v, dtype=float) for v in (dimension, mean, std))
    out = []
    for start in range(0, rollouts, chunk):
        n = min(chunk, rollouts - start)
        pick = rng.integers(0, len(dimension), size=(n, samples))
        draws = rng.normal(mean[pick], std[pick])
        out.append(_row_spearman(dimension[pick], draws))
    return np.concatenate(out)


def correlation_rollouts(
    summary: pd.DataFrame,
    rollouts: int = 5000,
    samples: int = 1000,
    seed: int = 0,
    value: str = "remaining_pct",
    axis: str = "dimension",
) -> pd.DataFrame:
    """Long table of rho draws: one block per (experiment, model), one ``pooled`` block per experiment.

    ``axis`` is the column ranked against prunability: the nominal ``dimension`` or a measured one (``id_mle``).
    """
    frames = []
    for experiment, exp in summary.groupby("experiment", sort=True):
        blocks = [(m, "model", cells) for m, cells in exp.groupby("model", sort=True)]
        blocks.append(("all", "pooled", exp))
        for model, scope, cells in blocks:
            rho = spearman_rollouts(
                cells[axis].to_numpy(),
                cells[f"{value}_mean"].to_numpy(),
                cells[f"{value}_std"].to_numpy(),
                rollouts,
                samples,
                derive_seed(seed, experiment, scope, model),
            )
            frames.append(
                pd.DataFrame(
                    {
                        "experiment": experiment,
                        "axis": axis,
                        "scope": scope,
                        "model": model,
                        "rollout": np.arange(rollouts),
                        "rho": rho,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def correlation_summary(draws: pd.DataFrame) -> pd.DataFrame:
    """Mean ± std of rho per model, their mean over models (``model_mean``), and the pooled form, per axis."""
    keys = ["experiment", "axis"]
    stats = (
        draws.groupby([*keys, "scope", "model"], sort=True)["rho"]
        .agg(rho_mean="mean", rho_std="std", undefined=lambda r: int(r.isna().sum()))
        .reset_index()
    )
    per_model = stats[stats["scope"] == "model"]
    means = (
        per_model.groupby(keys, sort=True)
        .agg(
            rho_mean=("rho_mean", "mean"),
            rho_std=("rho_std", "mean"),
            undefined=("rho_mean", lambda r: int(r.isna().sum())),
        )
        .reset_index()
        .assign(scope="model_mean", model="mean of models")
    )
    return pd.concat([stats, means[stats.columns]], ignore_index=True)


def markdown_table(summary: pd.DataFrame, labels: dict[str, str], value: str = "remaining_pct") -> str:
    """The summary as Markdown, one table per experiment: model, dimension, weights remaining mean ± std."""
    from prunability.models.registry import display_name

    measured = "id_mle" in summary.columns
    parts = []
    for experiment, exp in summary.groupby("experiment", sort=True):
        label = labels.get(experiment, "dimension")
        head = f"| Model | {label.capitalize()} | Weights remaining (%) | Seeds |"
        parts += [f"### {experiment}\n", head + (" Measured ID (MLE) |" if measured else "")]
        parts.append("|---|---:|---:|---:|" + ("---:|" if measured else ""))
        for _, row in exp.iterrows():
            line = (
                f"| {display_name(row['model'])} | {row['dimension']} | "
                f"{row[f'{value}_mean']:.2f} ± {row[f'{value}_std']:.2f} | {row['seeds']} |"
            )
            parts.append(line + (f" {row['id_mle']:.1f} |" if measured else ""))
        parts.append("")
    return "\n".join(parts)
