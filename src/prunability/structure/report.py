"""The structure section of the HTML report: critical sparsity next to the paper's, fully pruned neurons
against the null model, zeroing per stage with its spread over seeds, and every structure figure."""

import html
from pathlib import Path

import pandas as pd

from prunability.layout import figure_file, structure_figure, structure_table
from prunability.models.names import display_name, stage_rank
from prunability.reporting.formatting import percent
from prunability.reporting.page import image
from prunability.structure.registry import ANALYSES, resolve
from prunability.structure.tables import is_floor

# The paper's critical sparsity, read from its accuracy curves: accuracy falls after about 96 % sparsity.
PAPER_CRITICAL = 0.96
RUN = ["experiment", "model", "pretrain_epochs", "train_epochs"]
FIGURE_TITLES = {
    "accuracy": "Accuracy against network sparsity",
    "magnitudes": "Weight magnitudes per stage",
    "stage_sparsity": "Stage sparsity against network sparsity",
    "neuron_sparsity": "Neuron sparsity per layer",
}


def _network_order(column: pd.Series) -> pd.Series:
    """Sort key: stages from input to output, other columns as they are."""
    return column.map(stage_rank) if column.name == "stage" else column


def critical_html(critical: pd.DataFrame) -> str:
    grouped = critical.assign(floor=is_floor(critical)).groupby(RUN, sort=True)
    table = grouped.agg(
        seeds=("seed", "size"),
        floors=("floor", "sum"),
        dense_m=("dense_accuracy", "mean"),
        dense_s=("dense_accuracy", "std"),
        crit_m=("critical_sparsity", "mean"),
        crit_s=("critical_sparsity", "std"),
        tolerance=("tolerance", "first"),
    ).reset_index()
    shown = pd.DataFrame(
        {
            "Model": table["model"].map(display_name),
            "P": table["pretrain_epochs"],
            "E": table["train_epochs"],
            "Dense accuracy (%)": [percent(m, s) for m, s in zip(table["dense_m"], table["dense_s"], strict=True)],
            "Critical sparsity (%)": [percent(m, s) for m, s in zip(table["crit_m"], table["crit_s"], strict=True)],
            "Paper (%)": f"~{100 * PAPER_CRITICAL:.0f}",
            "Tolerance (points)": 100 * table["tolerance"],
            "Seeds": table["seeds"],
            "Floors (matched at the last round)": table["floors"],
        }
    )
    return shown.to_html(index=False, border=0)


def fully_pruned_html(fully: pd.DataFrame) -> str:
    """Observed and null-model fully pruned neurons, summed over layers, at the last round of each run."""
    last = fully[fully["round"] == fully.groupby(RUN)["round"].transform("max")]
    per_run = last.groupby([*RUN, "seed"]).agg(
        sparsity=("network_sparsity", "first"),
        observed=("fully_pruned", "sum"),
        expected=("expected_fully_pruned", "sum"),
    )
    table = per_run.groupby(RUN).mean().reset_index()
    shown = pd.DataFrame(
        {
            "Model": table["model"].map(display_name),
            "P": table["pretrain_epochs"],
            "E": table["train_epochs"],
            "Network sparsity (%)": (100 * table["sparsity"]).round(2),
            "Fully pruned neurons": table["observed"],
            "Expected at random": table["expected"],
        }
    )
    return shown.to_html(index=False, border=0, float_format="%.2f")


def zeroing_report(tables: Path) -> str:
    """The zeroing analysis's part of the report: its per-stage table."""
    stages = pd.read_parquet(tables / structure_table("zeroing_stages"))
    return "<h3>Neuron zeroing per stage (analysed schedule, last round)</h3>" + zeroing_html(stages)


def zeroing_html(stages: pd.DataFrame) -> str:
    """Mean ΔAcc per neuron in each stage, mean ± std over seeds, at the analysed schedule's last round."""
    last = stages[stages["round"] == stages.groupby(RUN)["round"].transform("max")]
    table = last.groupby([*RUN, "stage"], sort=False).agg(
        sparsity=("network_sparsity", "mean"),
        m=("mean_delta_accuracy", "mean"),
        s=("mean_delta_accuracy", "std"),
        worst=("min_delta_accuracy", "min"),
    )
    table = table.reset_index().sort_values(["model", "stage"], key=_network_order, kind="stable")
    shown = pd.DataFrame(
        {
            "Model": table["model"].map(display_name),
            "Stage": table["stage"],
            "Network sparsity (%)": (100 * table["sparsity"]).round(2),
            "Mean ΔAcc per neuron (points)": [percent(m, s) for m, s in zip(table["m"], table["s"], strict=True)],
            "Worst neuron (points)": (100 * table["worst"]).round(2),
        }
    )
    return shown.to_html(index=False, border=0)


def structure_section(tables: Path, figures: Path) -> list[str]:
    """HTML blocks of the structure study."""
    accuracy = pd.read_parquet(tables / structure_table("accuracy"))
    critical = pd.read_parquet(tables / structure_table("critical_sparsity"))
    fully = pd.read_parquet(tables / structure_table("fully_pruned"))
    sources = ", ".join(sorted(accuracy["data_source"].unique()))
    body = ["<h2>Structure left by IMP</h2>", f"<p class='caption'>data: {html.escape(sources)}</p>"]
    body.append("<h3>Critical sparsity</h3>" + critical_html(critical))
    body.append("<h3>Fully pruned neurons: observed and expected at random (last round)</h3>")
    body.append(fully_pruned_html(fully))
    body += [resolve(analysis.report)(tables) for analysis in ANALYSES if analysis.report]
    titles = FIGURE_TITLES | {name: title for analysis in ANALYSES for name, _, title in analysis.figures}
    for experiment in sorted(accuracy["experiment"].unique()):
        for name, title in titles.items():
            png = figures / figure_file(structure_figure(name, experiment))
            body.append(f"<h3>{html.escape(title)} ({html.escape(experiment)})</h3><figure>{image(png)}</figure>")
    return body
