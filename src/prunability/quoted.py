"""The default study's numbers as the README quotes them, generated from the study's tables.

Hand-copied numbers drift from what the code produces; these are rendered from ``summary.md`` and
``correlation_summary.parquet`` between two marker lines, rewritten by ``make readme-numbers`` and compared
with the committed tables by the test suite and with a fresh run by ``make study``.
"""

import re
from pathlib import Path

import pandas as pd

from prunability.artifacts import atomic_path

BEGIN = "<!-- BEGIN default-study numbers: generated from results/quick/tables by `make readme-numbers` -->"
END = "<!-- END default-study numbers -->"


def _rho(frame: pd.DataFrame, axis: str) -> str:
    row = frame[frame["axis"] == axis]
    if row.empty or pd.isna(row["rho_mean"].iloc[0]):
        return "undefined"
    return f"{row['rho_mean'].iloc[0]:.2f} ± {row['rho_std'].iloc[0]:.2f}"


def render(tables: Path) -> str:
    """The block between the markers: the summary tables, pooled rho and dense accuracy per experiment."""
    summary = pd.read_parquet(tables / "summary.parquet")
    pooled = pd.read_parquet(tables / "correlation_summary.parquet").query("scope == 'pooled'")
    lines = [
        BEGIN,
        "",
        "Weights remaining at each run's smallest matching subnetwork, mean ± std over seeds (`summary.md`):",
        "",
        (tables / "summary.md").read_text().strip(),
        "",
        "Spearman rho between dimension and weights remaining, pooled over models (`correlation_summary.parquet`),",
        "and the dense networks' test accuracy (mean over models, dimensions and seeds; range of cell means):",
        "",
        "| Experiment | Data | rho, nominal dimension | rho, measured ID (MLE) | Dense accuracy (%) |",
        "|---|---|---:|---:|---:|",
    ]
    for experiment, exp in summary.groupby("experiment", sort=True):
        rho = pooled[pooled["experiment"] == experiment]
        acc = 100 * exp["dense_accuracy_mean"]
        lines.append(
            f"| {experiment} | {exp['data_source'].iloc[0]} | {_rho(rho, 'dimension')} | {_rho(rho, 'id_mle')} | "
            f"{acc.mean():.1f} ({acc.min():.1f}-{acc.max():.1f}) |"
        )
    return "\n".join([*lines, "", END])


def quoted(readme_text: str) -> str:
    """The generated block as it stands in the README."""
    match = re.search(re.escape(BEGIN) + r".*?" + re.escape(END), readme_text, flags=re.S)
    if not match:
        raise ValueError(f"the README has no block between {BEGIN!r} and {END!r}")
    return match.group(0)


def update(readme: Path, tables: Path) -> bool:
    """Rewrite the README's block from ``tables``; return whether it changed."""
    text = readme.read_text()
    old, new = quoted(text), render(tables)
    if old != new:
        with atomic_path(readme) as tmp:
            tmp.write_text(text.replace(old, new))
    return old != new
