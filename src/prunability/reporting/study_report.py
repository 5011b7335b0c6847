"""A self-contained HTML report of one study: each study's section where its tables exist, and what made the
numbers."""

import html
from pathlib import Path

import pandas as pd

from prunability.artifacts import atomic_path
from prunability.dimensionality.report import dimension_section
from prunability.layout import ADEQUACY_TABLE, FINGERPRINT_TABLE, SUMMARY_TABLE, structure_table
from prunability.reporting.page import STYLE, caption
from prunability.structure.report import structure_section
from prunability.yardstick import display_rows, flagged_lines


def fingerprint_section(fingerprint: pd.DataFrame) -> list[str]:
    """What made the numbers: a reader comparing two reports sees at once whether they may differ."""
    return [
        "<h2>What made these numbers</h2>",
        "<p class='caption'>Each distinct fingerprint of the study's IMP rounds: numerics <code>portable</code> pins "
        "torch's CPU kernels to x86-64-v3, so any such machine with the same threads and torch gives the same "
        "bytes; <code>native</code> results hold on this CPU only.</p>",
        fingerprint.to_html(index=False, border=0),
    ]


def yardstick_section(adequacy: pd.DataFrame, captions: Path) -> list[str]:
    """Before any result: whether each cell's dense network reached what a linear model reaches on its data, in
    words (how many cells pass, which are flagged) and per cell."""
    words = "<br>".join(html.escape(line.strip()) for line in flagged_lines(adequacy))
    return [
        "<h2>The yardstick: dense networks against a linear model</h2>",
        caption(captions, "yardstick"),
        f"<p>{words}</p>",
        display_rows(adequacy).to_html(index=False, border=0),
    ]


def write_report(
    study: str, tables: Path, figures: Path, captions: Path, labels: dict[str, str], out: str | Path
) -> None:
    """Assemble report.html from the tables and PNG figures of ``study``: each part its tables hold."""
    body = [f"<h1>prunability — study <code>{html.escape(study)}</code></h1>", caption(captions, "study")]
    if (tables / ADEQUACY_TABLE).exists():
        body += yardstick_section(pd.read_parquet(tables / ADEQUACY_TABLE), captions)
    if (tables / SUMMARY_TABLE).exists():
        body += dimension_section(tables, figures, captions, labels)
    if (tables / structure_table("accuracy")).exists():
        body += structure_section(tables, figures)
    if (tables / FINGERPRINT_TABLE).exists():
        body += fingerprint_section(pd.read_parquet(tables / FINGERPRINT_TABLE))
    page = (
        f"<!doctype html><meta charset='utf-8'><title>prunability: {html.escape(study)}</title>"
        f"<style>{STYLE}</style>" + "\n".join(body)
    )
    with atomic_path(out) as tmp:
        tmp.write_text(page)
