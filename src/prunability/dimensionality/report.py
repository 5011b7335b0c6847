"""The dimensionality study's part of the report: accuracy figures, smallest matching subnetworks, how chains
ended, correlations, sensitivity to the matching rule, compute."""

import html
from pathlib import Path

import pandas as pd

from prunability.dimensionality.adequacy import adequacy, plateau
from prunability.dimensionality.statistics import ordered
from prunability.layout import (
    CORRELATION_FIGURE,
    CORRELATION_SUMMARY_TABLE,
    PRUNABILITY_TABLE,
    ROUNDS_TABLE,
    SENSITIVITY_FIGURE,
    SUMMARY_TABLE,
    TIMING_TABLE,
    accuracy_figure,
    figure_file,
)
from prunability.matching import CRITERIA
from prunability.models.names import display_name
from prunability.reporting.formatting import percent, pm
from prunability.reporting.page import caption, image


def _summary_html(summary: pd.DataFrame, labels: dict[str, str]) -> str:
    """One table per experiment: a weights-remaining column per criterion (the paper's first), then the rest."""
    criteria = ordered(summary["criterion"].unique())
    parts = []
    for experiment, exp in summary.groupby("experiment", sort=True):
        cells = [(key, cell.set_index("criterion").loc[criteria]) for key, cell in exp.groupby(["model", "dimension"])]
        first = pd.DataFrame([cell.iloc[0] for _, cell in cells])
        table = pd.DataFrame(
            {
                "Model": [display_name(model) for (model, _), _ in cells],
                labels.get(experiment, "dimension").capitalize(): [dim for (_, dim), _ in cells],
                **{
                    f"{criterion} (%)": [_pm(cell.loc[criterion], "remaining_pct") for _, cell in cells]
                    for criterion in criteria
                },
                f"of all parameters, {criteria[0]} (%)": [_pm(row, "remaining_all_pct") for _, row in first.iterrows()],
                "Dense accuracy (%)": [
                    percent(m, s)
                    for m, s in zip(first["dense_accuracy_mean"], first["dense_accuracy_std"], strict=True)
                ],
                "Seeds": first["seeds"].tolist(),
                "Measured ID (MLE / TwoNN)": [
                    f"{a:.1f} / {b:.1f}" for a, b in zip(first["id_mle"], first["id_twonn"], strict=True)
                ],
            }
        )
        parts.append(f"<h3>{html.escape(experiment)}</h3>" + table.to_html(index=False, border=0))
        sources = ", ".join(sorted(set(exp.get("data_source", []))))
        if sources:
            parts.append(f"<p class='caption'>data: {html.escape(sources)}</p>")
    return "".join(parts)


def _pm(row: pd.Series, value: str) -> str:
    return pm(row[f"{value}_mean"], row[f"{value}_std"])


def _endings_html(tables: Path) -> str:
    """Per experiment and criterion: how the runs' chains ended, floors (runs that still matched at their last
    round), whether rho is defined, and dense networks below their plateau, so a reader sees at once which numbers
    measure nothing; then the plateau check per cell."""
    rounds = pd.read_parquet(tables / ROUNDS_TABLE)
    checks = adequacy(
        rounds, pd.read_parquet(tables / PRUNABILITY_TABLE), pd.read_parquet(tables / CORRELATION_SUMMARY_TABLE)
    )
    checks.insert(4, "cap", checks["runs"] - checks["failure"])
    checks.columns = [
        "Experiment",
        "Criterion",
        "Runs",
        "Ended by failure",
        "Ended at the cap",
        "Floors",
        "rho defined",
        "Cells",
        "Cells with dense below plateau",
    ]
    cells = plateau(rounds).assign(model=lambda f: f["model"].map(display_name))
    cells.columns = ["Experiment", "Model", "Dimension", "Mean gain (points)", "Noise margin (points)", "Below"]
    return checks.to_html(index=False, border=0) + cells.round(2).to_html(index=False, border=0)


def _correlation_html(correlation: pd.DataFrame) -> str:
    shown = correlation.assign(
        model=correlation["model"].map(lambda m: m if m in ("all", "mean of models") else display_name(m)),
        rho=[pm(m, s, digits=3) for m, s in zip(correlation["rho_mean"], correlation["rho_std"], strict=True)],
        interval=[f"{lo:.2f} to {hi:.2f}" for lo, hi in zip(correlation["rho_lo"], correlation["rho_hi"], strict=True)],
        order=correlation["criterion"].map(CRITERIA.index),
    )
    shown = shown.sort_values(["experiment", "order", "axis", "scope"], kind="stable")  # nominal axis first
    shown["axis"] = shown["axis"].map({"dimension": "nominal", "id_mle": "measured (MLE)"})
    shown = shown.rename(columns={"rho": "rho (Monte-Carlo ±)", "interval": "95 % interval over seeds"})
    columns = ["experiment", "criterion", "axis", "scope", "model", "verdict", "rho (Monte-Carlo ±)"]
    return shown[[*columns, "95 % interval over seeds", "undefined"]].to_html(index=False, border=0)


def dimension_section(tables: Path, figures: Path, captions: Path, labels: dict[str, str]) -> list[str]:
    summary = pd.read_parquet(tables / SUMMARY_TABLE)
    correlation = pd.read_parquet(tables / CORRELATION_SUMMARY_TABLE)
    timing = pd.read_parquet(tables / TIMING_TABLE)
    body = ["<h2>Accuracy against weights remaining</h2>"]
    for experiment in sorted(summary["experiment"].unique()):
        png = figures / figure_file(accuracy_figure(experiment))
        body.append(f"<figure>{image(png)}<figcaption>{caption(captions, 'accuracy')}</figcaption></figure>")
    body.append("<h2>Smallest matching subnetworks</h2>" + caption(captions, "summary"))
    body.append(_summary_html(summary, labels))
    body.append("<h3>Where the chains ended</h3>" + caption(captions, "endings"))
    body.append(_endings_html(tables))
    body.append("<h2>Correlation of dimension and prunability</h2>" + caption(captions, "correlation"))
    body.append(f"<figure>{image(figures / figure_file(CORRELATION_FIGURE))}</figure>")
    body.append(_correlation_html(correlation))
    body.append("<h2>How much the matching rule decides</h2>" + caption(captions, "sensitivity"))
    body.append(f"<figure>{image(figures / figure_file(SENSITIVITY_FIGURE))}</figure>")
    body.append("<h2>Compute</h2>")
    devices = ", ".join(sorted(set(timing["device"])))
    body.append(
        f"<p>{len(timing)} IMP round jobs, {timing['wall_seconds'].sum():.0f} s of job wall time in all "
        f"(median {timing['wall_seconds'].median():.1f} s per round), on {devices}.</p>"
    )
    return body
