"""Prunability statistics: smallest matching subnetworks, seed summaries, Monte-Carlo Spearman correlation.

A round *matches* the dense network (round 0) under one of four criteria, all computed from the same rounds:

- ``strict``: test accuracy >= dense accuracy (the paper's rule);
- ``tolerance``: accuracy >= dense - a fixed margin;
- ``noise``: accuracy >= dense - z * SE, where SE = sqrt((a0 (1 - a0) + a (1 - a)) / n) is the binomial standard
  error of the difference of two accuracies a0 and a measured on n test examples, treated as independent;
- ``first-failure``: only the rounds before the first round that fails a base rule (``first_failure_of``) count,
  so a lucky late round after a failing stretch is not rewarded.

A run's smallest matching subnetwork under a criterion is its matching round of least density.

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

from prunability.layout import DIMENSION_RUN
from prunability.matching import CRITERIA, Matching
from prunability.reporting.formatting import markdown, pm
from prunability.seeding import derive_seed

RUN_KEYS = list(DIMENSION_RUN)
CELL_KEYS = RUN_KEYS[:-1]
# Tolerances of the sensitivity table, in accuracy points: 0 to 1 in steps of 0.05.
SENSITIVITY_POINTS = tuple(round(0.05 * i, 2) for i in range(21))


def ordered(criteria: list[str] | tuple[str, ...]) -> list[str]:
    """``criteria`` in the canonical order: the paper's strict rule first."""
    unknown = sorted(set(criteria) - set(CRITERIA))
    if unknown:
        raise ValueError(f"unknown matching criterion {unknown[0]!r}; known: {', '.join(CRITERIA)}")
    return sorted(criteria, key=CRITERIA.index)


def smallest_matching(
    rounds: pd.DataFrame, criteria: list[str] | tuple[str, ...] = ("strict",), matching: Matching | None = None
) -> pd.DataFrame:
    """Per run and criterion: the matching round with the smallest density; a ``criterion`` column names it."""
    matching = matching or Matching()
    rows = []
    for key, run in rounds.groupby(RUN_KEYS, sort=True):
        run = run.sort_values("round")
        if run["round"].iloc[0] != 0:
            raise ValueError(f"run {dict(zip(RUN_KEYS, key, strict=True))} has no dense round 0")
        accuracy = run["test_accuracy"].to_numpy()
        n = run["test_examples"].to_numpy() if "test_examples" in run else None
        for criterion in ordered(criteria):
            matched = run[matching.matches(criterion, accuracy[0], accuracy, n)]
            rows.append(_matching_row(dict(zip(RUN_KEYS, key, strict=True)), criterion, run, matched))
    return pd.DataFrame(rows)


def _matching_row(run_key: dict, criterion: str, run: pd.DataFrame, matched: pd.DataFrame) -> dict:
    best = matched.loc[matched["density"].idxmin()]
    return {
        **run_key,
        "criterion": criterion,
        "dense_accuracy": run["test_accuracy"].iloc[0],
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


def sensitivity(rounds: pd.DataFrame, points: tuple[float, ...] = SENSITIVITY_POINTS) -> pd.DataFrame:
    """Smallest matching density of every run under the tolerance rule, for each tolerance in ``points``
    (accuracy points): how much a conclusion depends on the margin chosen."""
    frames = []
    for tolerance in points:
        frame = smallest_matching(rounds, ("tolerance",), Matching(tolerance=tolerance / 100))
        frames.append(frame[[*RUN_KEYS, "remaining_pct"]].assign(tolerance_points=tolerance))
    return pd.concat(frames, ignore_index=True)


def _criterion_keys(frame: pd.DataFrame) -> list[str]:
    """``["criterion"]`` where a table distinguishes criteria (a study's), ``[]`` where not (a paper's table)."""
    return ["criterion"] if "criterion" in frame.columns else []


def summarize(prunability: pd.DataFrame, ddof: int = 1) -> pd.DataFrame:
    """Mean and std over seeds per (experiment, model, dimension, criterion): the sample std (``ddof`` 1, the
    study's) or the population std (0, the paper's ± over its 3 seeds); 0 for one seed."""
    keys = [*CELL_KEYS, *_criterion_keys(prunability)]
    grouped = prunability.groupby(keys, sort=True)
    values = ["remaining_pct", "remaining_all_pct", "dense_accuracy"]
    # groupby's own std: equal runs give exactly 0 (a Series' std of three equal floats can give 4e-15, which
    # would turn a cell that cannot vary into Monte-Carlo noise)
    out = pd.concat(
        [
            grouped["seed"].nunique().rename("seeds"),
            *(grouped[v].mean().rename(f"{v}_mean") for v in values),
            *(grouped[v].std(ddof=ddof).rename(f"{v}_std") for v in values),
        ],
        axis=1,
    )
    out = out[["seeds", *(f"{v}_{s}" for v in values for s in ("mean", "std"))]].reset_index()
    if "data_source" in prunability:
        out = out.merge(prunability[[*CELL_KEYS, "data_source"]].drop_duplicates(CELL_KEYS), on=CELL_KEYS)
    std_cols = [c for c in out.columns if c.endswith("_std")]
    out[std_cols] = out[std_cols].fillna(0.0)
    if "criterion" in out:  # the paper's rule first, not alphabetical
        rank = out["criterion"].map(CRITERIA.index)
        out = out.assign(_rank=rank).sort_values([*CELL_KEYS, "_rank"], ignore_index=True).drop(columns="_rank")
    return out


def with_measured_dim(summary: pd.DataFrame, measured: pd.DataFrame) -> pd.DataFrame:
    """Join the mean measured intrinsic dimension (over seeds) of each (experiment, dimension) to the summary."""
    cols = [c for c in measured.columns if c.startswith("id_")]
    means = measured.groupby(["experiment", "dimension"], sort=True)[cols].mean().reset_index()
    return summary.merge(means, on=["experiment", "dimension"], how="left")


def row_spearman(a: np.ndarray, b: np.ndarray, ra: np.ndarray | None = None) -> np.ndarray:
    """Spearman rho of each row pair with average ranks for ties (scipy's definition); NaN if a row is constant.
    ``ra``: the ranks of ``a``, where the caller has them cheaper."""
    ra = rankdata(a, axis=1) if ra is None else ra
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
        out.append(row_spearman(dimension[pick], draws, few_valued_ranks(dimension, pick)))
    return np.concatenate(out)


def few_valued_ranks(values: np.ndarray, pick: np.ndarray) -> np.ndarray:
    """Average ranks within each row of ``values[pick]``, from counts: the cells have few distinct values, so a
    value's rank is the count of smaller ones in its row plus the mean position among its equals. The same
    numbers as ``rankdata(values[pick], axis=1)`` (integers and halves, exact), without sorting."""
    levels, level = np.unique(values, return_inverse=True)
    of_pick = level[pick]
    counts = np.stack([(of_pick == j).sum(1) for j in range(len(levels))], axis=1)
    below = np.cumsum(counts, axis=1) - counts
    table = below + (counts + 1) / 2
    return np.take_along_axis(table, of_pick, axis=1)


def correlation_rollouts(
    summary: pd.DataFrame,
    rollouts: int = 5000,
    samples: int = 1000,
    seed: int = 0,
    value: str = "remaining_pct",
    axis: str = "dimension",
) -> pd.DataFrame:
    """Long table of rho draws: one block per (experiment, model), one ``pooled`` block per experiment, and all
    of it per criterion where the summary has several.

    ``axis`` is the column ranked against prunability: the nominal ``dimension`` or a measured one (``id_mle``).
    """
    if "criterion" in summary.columns:
        return pd.concat(
            [
                correlation_rollouts(cells.drop(columns="criterion"), rollouts, samples, seed, value, axis).assign(
                    criterion=criterion
                )
                for criterion, cells in summary.groupby("criterion", sort=False)
            ],
            ignore_index=True,
        )
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
    """Mean ± std of rho per model, their mean over models (``model_mean``), and the pooled form, per axis (and
    criterion)."""
    keys = ["experiment", "axis", *_criterion_keys(draws)]
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
    """The summary as Markdown, one table per experiment: model, dimension, weights remaining mean ± std, one
    column per criterion where the summary has several (the paper's strict rule first)."""
    from prunability.models.names import display_name

    measured = "id_mle" in summary.columns
    criteria = ordered(summary["criterion"].unique()) if "criterion" in summary else []
    values = [f"{c} (%)" for c in criteria] or ["Weights remaining (%)"]
    parts = []
    for experiment, exp in summary.groupby("experiment", sort=True):
        rows = []
        for (model, dimension), cell in exp.groupby(["model", "dimension"], sort=True):
            if criteria:
                cell = cell.set_index("criterion").loc[criteria]
            shown = [pm(m, s) for m, s in zip(cell[f"{value}_mean"], cell[f"{value}_std"], strict=True)]
            first = cell.iloc[0]
            rows.append(
                [display_name(model), dimension, *shown, first["seeds"]]
                + ([f"{first['id_mle']:.1f}"] if measured else [])
            )
        columns = ["Model", labels.get(experiment, "dimension").capitalize(), *values, "Seeds"]
        table = pd.DataFrame(rows, columns=columns + (["Measured ID (MLE)"] if measured else []))
        parts += [f"### {experiment}\n", *markdown(table), ""]
    return "\n".join(parts)
