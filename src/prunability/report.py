"""A self-contained HTML report of one study: figures inlined, tables rendered, captions from workflow/report."""

import base64
import html
from pathlib import Path

import pandas as pd

from prunability.artifacts import atomic_path
from prunability.criteria import CRITERIA
from prunability.models.registry import display_name
from prunability.numerics import FINGERPRINT_TABLE
from prunability.statistics import ordered
from prunability.structure_report import structure_section

STYLE = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border:1px solid #ccc;padding:3px 8px;
text-align:right}th{background:#f3f3f3}img{max-width:100%}figcaption,.caption{color:#555;font-size:14px}"""


def _caption(captions: Path, name: str) -> str:
    path = captions / f"{name}.rst"
    return f"<p class='caption'>{html.escape(path.read_text().strip())}</p>" if path.exists() else ""


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode()
    return f"<img alt='{html.escape(path.stem)}' src='data:image/png;base64,{data}'>"


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
                    f"{100 * m:.2f} ± {100 * s:.2f}"
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
    return f"{row[f'{value}_mean']:.2f} ± {row[f'{value}_std']:.2f}"


def _endings_html(prunability: pd.DataFrame) -> str:
    """Per experiment and criterion: how the runs' chains ended, and how many smallest matching subnetworks are
    floors (the run still matched at its last round), so a reader sees at once which numbers measure nothing."""
    table = prunability.assign(
        failure=prunability.get("ended_by", pd.Series("cap", index=prunability.index)) == "failure",
        order=prunability["criterion"].map(CRITERIA.index),
    )
    counts = table.groupby(["experiment", "order", "criterion"], sort=True).agg(
        runs=("seed", "size"), failure=("failure", "sum"), floors=("matches_at_last_round", "sum")
    )
    counts = counts.reset_index().drop(columns="order")
    counts.insert(4, "cap", counts["runs"] - counts["failure"])
    counts.columns = ["Experiment", "Criterion", "Runs", "Ended by failure", "Ended at the cap", "Floors"]
    return counts.to_html(index=False, border=0)


def _correlation_html(correlation: pd.DataFrame) -> str:
    shown = correlation.assign(
        model=correlation["model"].map(lambda m: m if m in ("all", "mean of models") else display_name(m)),
        rho=[f"{m:.3f} ± {s:.3f}" for m, s in zip(correlation["rho_mean"], correlation["rho_std"], strict=True)],
        order=correlation["criterion"].map(CRITERIA.index),
    )
    shown = shown.sort_values(["experiment", "order", "axis", "scope"], kind="stable")  # nominal axis first
    shown["axis"] = shown["axis"].map({"dimension": "nominal", "id_mle": "measured (MLE)"})
    return shown[["experiment", "criterion", "axis", "scope", "model", "rho", "undefined"]].to_html(
        index=False, border=0
    )


def _dimension_section(tables: Path, figures: Path, captions: Path, labels: dict[str, str]) -> list[str]:
    summary = pd.read_parquet(tables / "summary.parquet")
    correlation = pd.read_parquet(tables / "correlation_summary.parquet")
    timing = pd.read_parquet(tables / "timing.parquet")
    body = ["<h2>Accuracy against weights remaining</h2>"]
    for experiment in sorted(summary["experiment"].unique()):
        png = figures / f"accuracy_{experiment}.png"
        body.append(f"<figure>{_image(png)}<figcaption>{_caption(captions, 'accuracy')}</figcaption></figure>")
    body.append("<h2>Smallest matching subnetworks</h2>" + _caption(captions, "summary"))
    body.append(_summary_html(summary, labels))
    body.append("<h3>Where the chains ended</h3>" + _caption(captions, "endings"))
    body.append(_endings_html(pd.read_parquet(tables / "prunability.parquet")))
    body.append("<h2>Correlation of dimension and prunability</h2>" + _caption(captions, "correlation"))
    body.append(f"<figure>{_image(figures / 'correlation.png')}</figure>")
    body.append(_correlation_html(correlation))
    body.append("<h2>How much the matching rule decides</h2>" + _caption(captions, "sensitivity"))
    body.append(f"<figure>{_image(figures / 'sensitivity.png')}</figure>")
    body.append("<h2>Compute</h2>")
    devices = ", ".join(sorted(set(timing["device"])))
    body.append(
        f"<p>{len(timing)} IMP round jobs, {timing['wall_seconds'].sum():.0f} s of job wall time in all "
        f"(median {timing['wall_seconds'].median():.1f} s per round), on {devices}.</p>"
    )
    return body


def _fingerprint_section(fingerprint: pd.DataFrame) -> list[str]:
    """What made the numbers: a reader comparing two reports sees at once whether they may differ."""
    return [
        "<h2>What made these numbers</h2>",
        "<p class='caption'>Each distinct fingerprint of the study's IMP rounds: numerics <code>portable</code> pins "
        "torch's CPU kernels to x86-64-v3, so any such machine with the same threads and torch gives the same "
        "bytes; <code>native</code> results hold on this CPU only.</p>",
        fingerprint.to_html(index=False, border=0),
    ]


def write_report(
    study: str, tables: Path, figures: Path, captions: Path, labels: dict[str, str], out: str | Path
) -> None:
    """Assemble report.html from the tables and PNG figures of ``study``: each part its tables hold."""
    body = [f"<h1>prunability — study <code>{html.escape(study)}</code></h1>", _caption(captions, "study")]
    if (tables / "summary.parquet").exists():
        body += _dimension_section(tables, figures, captions, labels)
    if (tables / "structure_accuracy.parquet").exists():
        body += structure_section(tables, figures, _image)
    if (tables / FINGERPRINT_TABLE).exists():
        body += _fingerprint_section(pd.read_parquet(tables / FINGERPRINT_TABLE))
    page = (
        f"<!doctype html><meta charset='utf-8'><title>prunability: {html.escape(study)}</title>"
        f"<style>{STYLE}</style>" + "\n".join(body)
    )
    with atomic_path(out) as tmp:
        tmp.write_text(page)
