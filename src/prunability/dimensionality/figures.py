"""Figures drawn from the tables alone, so ``snakemake figures`` never needs a checkpoint."""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from prunability import layout
from prunability.dimensionality.statistics import ordered
from prunability.models.names import display_name
from prunability.reporting.plots import save, suptitle, title


def _density_ticks(ax: plt.Axes, densities: np.ndarray) -> None:
    """Ticks at every few rounds' densities, labelled as in the paper (100.00, 32.77, 10.74, ...)."""
    ticks = densities[:: max(1, len(densities) // 4)]
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([f"{t:.2f}" for t in ticks], rotation=90)
    ax.set_xlim(densities.max() * 1.1, densities.min() / 1.1)


def _reference_lines(ax: plt.Axes, reference: pd.DataFrame, dims: list, colors) -> None:
    """Each dimension's reference learner (mean over seeds) as a dashed line in its curve's colour: the accuracy
    its dense network must reach before its pruned rounds mean anything (``prunability.yardstick``)."""
    means = reference.groupby("dimension")["reference_accuracy"].mean()
    for i, dim in enumerate(dims):
        if dim in means.index:
            ax.axhline(100 * means[dim], color=colors(i / max(1, len(dims) - 1)), linestyle="--", linewidth=0.9)


def accuracy_figure(
    rounds: pd.DataFrame, experiment: str, label: str, stem: str | Path, reference: pd.DataFrame | None = None
) -> None:
    """Test accuracy vs % weights remaining: a panel per model, a line per dimension, mean ± std band; dashed,
    each dimension's reference learner."""
    exp = rounds[rounds["experiment"] == experiment]
    models = sorted(exp["model"].unique(), key=lambda m: exp.loc[exp["model"] == m, "prunable_weights"].iloc[0])
    fig, axes = plt.subplots(1, len(models), figsize=(4.4 * len(models), 3.8), squeeze=False, layout="constrained")
    colors = plt.get_cmap("viridis")
    dims = sorted(exp["dimension"].unique())
    for ax, model in zip(axes[0], models, strict=True):
        cell = exp[exp["model"] == model]
        for i, dim in enumerate(dims):
            curve = (
                cell[cell["dimension"] == dim]
                .groupby("round")
                .agg(x=("density", "mean"), mu=("test_accuracy", "mean"), sd=("test_accuracy", "std"))
            )
            x, mu, sd = 100 * curve["x"], 100 * curve["mu"], 100 * curve["sd"].fillna(0)
            color = colors(i / max(1, len(dims) - 1))
            ax.plot(x, mu, marker="o", ms=3, color=color, label=f"{dim}")
            ax.fill_between(x, mu - sd, mu + sd, color=color, alpha=0.2, linewidth=0)
        if reference is not None:
            _reference_lines(ax, reference[reference["experiment"] == experiment], dims, colors)
        _density_ticks(ax, 100 * np.sort(cell["density"].unique())[::-1])
        title(ax, display_name(model))
        ax.set_xlabel("Weights remaining %")
        ax.set_ylabel("Test accuracy %")
        ax.grid(alpha=0.3)
    # Beside the last panel: inside it, the legend covered a curve wherever the curves fill the panel.
    axes[0][-1].legend(
        title=label, fontsize=8, title_fontsize=8, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False
    )
    sources = ", ".join(sorted(exp["data_source"].unique())) if "data_source" in exp else ""
    dashed = "; dashed: logistic regression on the same inputs" if reference is not None else ""
    suptitle(fig, f"{experiment} ({sources}): IMP with weight rewinding, mean ± std over seeds{dashed}")
    save(fig, stem)


def correlation_figure(
    draws: pd.DataFrame,
    stem: str | Path,
    substitutes: frozenset[str] = frozenset(),
    summary: pd.DataFrame | None = None,
) -> None:
    """Distribution of Spearman's rho per experiment (pooled over models), per-model means as ticks; one panel
    per matching criterion, the paper's strict rule first.

    Experiments in ``substitutes`` ran on offline stand-in data; the legend says so, so that no reader takes
    their rho for the paper's. With ``summary`` (correlation_summary), each experiment's 95 % interval over seeds
    is a bar above its histogram and its verdict is in the legend: the histogram's spread is the rollouts', not
    the seeds'.
    """
    draws = draws[draws["axis"] == "dimension"]
    criteria = ordered(draws["criterion"].unique()) if "criterion" in draws else [None]
    fig, axes = plt.subplots(
        1, len(criteria), figsize=(5.2 * len(criteria), 3.8), squeeze=False, sharey=True, layout="constrained"
    )
    bars = []
    for ax, criterion in zip(axes[0], criteria, strict=True):
        shown = draws if criterion is None else draws[draws["criterion"] == criterion]
        bars.append(_correlation_panel(ax, shown, substitutes, _pooled_intervals(summary, criterion)))
        title(ax, f"criterion: {criterion}" if criterion else "", fontsize=9)
    _interval_bars(axes[0], bars)
    axes[0][0].set_ylabel("density")
    note = "; bars: 95 % interval over seeds" if summary is not None else ""
    suptitle(fig, f"Monte-Carlo correlation, pooled over models (dotted: per-model means{note})")
    save(fig, stem)


def _pooled_intervals(summary: pd.DataFrame | None, criterion: str | None) -> pd.DataFrame | None:
    """The pooled rows of the correlation summary against the nominal dimension, by experiment."""
    if summary is None:
        return None
    rows = summary[(summary["scope"] == "pooled") & (summary["axis"] == "dimension")]
    return (rows if criterion is None else rows[rows["criterion"] == criterion]).set_index("experiment")


def _correlation_panel(
    ax: plt.Axes, draws: pd.DataFrame, substitutes: frozenset[str], intervals: pd.DataFrame | None = None
) -> list[tuple[float, float, str]]:
    """One criterion's histograms and per-model ticks; returns the interval bars (lo, hi, colour) to draw once
    every panel is filled (``_interval_bars``)."""
    pooled = draws[draws["scope"] == "pooled"]
    bars: list[tuple[float, float, str]] = []
    for i, (experiment, block) in enumerate(pooled.groupby("experiment", sort=True)):
        rho = block["rho"].dropna()
        color = f"C{i}"
        name = f"{experiment} (substitute data)" if experiment in substitutes else experiment
        if rho.empty:
            ax.plot([], [], color=color, label=f"{name}: undefined (no variation)")
            continue
        label = f"{name}: {rho.mean():.2f} ± {rho.std():.2f}"
        if intervals is not None and experiment in intervals.index:
            row = intervals.loc[experiment]
            label = f"{name}: {row['verdict']}, {row['rho_lo']:.2f} to {row['rho_hi']:.2f}"
            bars.append((row["rho_lo"], row["rho_hi"], color))
        ax.hist(rho, bins=60, range=(-1, 1), density=True, alpha=0.55, color=color, label=label)
        per_model = draws[(draws["experiment"] == experiment) & (draws["scope"] == "model")]
        for mean in per_model.groupby("model")["rho"].mean().dropna():
            ax.axvline(mean, color=color, linestyle=":", linewidth=1)
    ax.set_xlim(-1, 1)
    ax.set_xlabel("Spearman rho (dimension, % weights remaining)")
    # Below the panel: above it the interval bars take the space a legend placed inside would need.
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    return bars


def _interval_bars(axes, bars: list[list[tuple[float, float, str]]]) -> None:
    """Each panel's interval bars above the tallest histogram of all panels, one row per experiment: the panels
    share their y axis, so a panel's own top, taken before the later panels are drawn, would put its bars at
    another height than its neighbours' or inside their histograms."""
    top = max(ax.get_ylim()[1] for ax in axes)
    for ax, panel in zip(axes, bars, strict=True):
        for j, (lo, hi, color) in enumerate(panel):
            ax.plot([lo, hi], [top * (1.04 + 0.06 * j)] * 2, color=color, linewidth=2.5, solid_capstyle="butt")
    axes[0].set_ylim(0, top * (1.1 + 0.06 * max(map(len, bars), default=0)))


def sensitivity_figure(table: pd.DataFrame, labels: dict[str, str], stem: str | Path) -> None:
    """Smallest matching subnetwork (mean over seeds) against the tolerance of the matching rule, 0 to 1 point:
    a panel per experiment, colour by dimension, line style by model."""
    experiments = sorted(table["experiment"].unique())
    fig, axes = plt.subplots(
        1, len(experiments), figsize=(4.6 * len(experiments), 3.8), squeeze=False, layout="constrained"
    )
    styles = ["-", "--", ":", "-."]
    for ax, experiment in zip(axes[0], experiments, strict=True):
        exp = table[table["experiment"] == experiment]
        dims, models = sorted(exp["dimension"].unique()), sorted(exp["model"].unique())
        means = exp.groupby(["model", "dimension", "tolerance_points"])["remaining_pct"].mean()
        for j, model in enumerate(models):
            for i, dim in enumerate(dims):
                curve = means.loc[(model, dim)]
                color = plt.get_cmap("viridis")(i / max(1, len(dims) - 1))
                label = f"{display_name(model)}, {dim}"
                ax.plot(curve.index, curve.to_numpy(), styles[j % len(styles)], color=color, label=label)
        ax.set_yscale("log")
        plain = FuncFormatter(lambda value, _: f"{value:g}")  # 2, 5, 10 rather than 2 x 10^0
        ax.yaxis.set_major_formatter(plain)
        ax.yaxis.set_minor_formatter(plain)
        ax.set_xlabel("tolerance (accuracy points below dense)")
        ax.set_ylabel("weights remaining % (mean over seeds)")
        title(ax, f"{experiment} ({labels.get(experiment, 'dimension')})", fontsize=9)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=6, ncol=max(1, len(models)))
    suptitle(fig, "Smallest matching subnetwork against the matching rule's tolerance (0 = the paper's rule)")
    save(fig, stem)


def draw_figures(
    rounds: Path,
    correlation: Path,
    sensitivity: Path,
    out: Path,
    labels: dict[str, str],
    reference: Path,
    correlation_summary: Path,
) -> None:
    """Every figure of the dimensionality study from its tables: accuracy per experiment (with each dimension's
    reference learner), correlation, sensitivity; substitute data is marked in the correlation figure."""
    frame, references = pd.read_parquet(rounds), pd.read_parquet(reference)
    summary = pd.read_parquet(correlation_summary)
    for experiment in sorted(frame["experiment"].unique()):
        accuracy_figure(
            frame,
            experiment,
            labels.get(experiment, "dimension"),
            out / layout.accuracy_figure(experiment),
            references,
        )
    sources = frame.groupby("experiment")["data_source"].first()
    substitutes = frozenset(sources[sources.str.contains("substitute")].index)
    correlation_figure(pd.read_parquet(correlation), out / layout.CORRELATION_FIGURE, substitutes, summary)
    sensitivity_figure(pd.read_parquet(sensitivity), labels, out / layout.SENSITIVITY_FIGURE)
