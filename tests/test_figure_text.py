"""Every figure's text lies inside its figure: each figure the package draws from the committed tables is laid
out as when it is saved, then every title, axis label, legend and tick label is measured against the canvas."""

from collections.abc import Callable, Iterator
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from helpers import ROOT
from matplotlib.backend_bases import RendererBase
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from prunability.config.validation import load
from prunability.dimensionality import figures as dimensionality_figures
from prunability.reporting.plots import suptitle, title
from prunability.structure import figures as structure_figures
from prunability.structure import inference_report

QUICK, SLICE = ROOT / "results" / "quick" / "tables", ROOT / "results" / "task-slice" / "tables"
REPLICATION = ROOT / "results" / "replication" / "tables"
LABELS = {name: experiment["label"] for name, experiment in load(ROOT / "config.yaml")["experiments"].items()}
DPI = 150  # as ``reporting.plots.save`` writes the PNGs
SLACK = 1.0  # pixels: antialiasing may touch the edge


def _named_texts(fig: plt.Figure) -> Iterator[tuple[str, Text]]:
    """Every text the figure shows, with where it sits: figure texts (the suptitle among them), and per panel its
    titles, axis labels, free texts and legend."""
    for text in fig.texts:
        yield "figure text", text
    for i, ax in enumerate(fig.axes):
        for what, text in (("title", ax.title), ("x label", ax.xaxis.label), ("y label", ax.yaxis.label)):
            yield f"panel {i} {what}", text
        for text in ax.texts:
            yield f"panel {i} text", text
        if legend := ax.get_legend():
            for text in (legend.get_title(), *legend.get_texts()):
                yield f"panel {i} legend", text


def _inside(box: Bbox, bounds: Bbox) -> bool:
    return bounds.x0 <= box.x0 and box.x1 <= bounds.x1 and bounds.y0 <= box.y0 and box.y1 <= bounds.y1


def _overflows(fig: plt.Figure) -> list[str]:
    """What of ``fig``'s text, laid out by its constrained layout at the saved resolution, reaches past its edges;
    each panel's tight box covers its tick labels."""
    fig.set_dpi(DPI)
    fig.canvas.draw()
    renderer: RendererBase = fig.canvas.get_renderer()
    bounds = fig.bbox.padded(SLACK)
    found = [
        f"{where} {text.get_text()!r} spans x {box.x0:.0f}..{box.x1:.0f}, y {box.y0:.0f}..{box.y1:.0f}"
        for where, text in _named_texts(fig)
        if text.get_visible() and text.get_text() and not _inside(box := text.get_window_extent(renderer), bounds)
    ]
    found += [
        f"panel {i} (ticks and labels) spans x {box.x0:.0f}..{box.x1:.0f}, y {box.y0:.0f}..{box.y1:.0f}"
        for i, ax in enumerate(fig.axes)
        if not _inside(box := ax.get_tightbbox(renderer), bounds)
    ]
    return [f"{line} in a {fig.bbox.width:.0f} x {fig.bbox.height:.0f} px figure" for line in found]


@pytest.fixture
def overflows(monkeypatch) -> dict[str, list[str]]:
    """Each figure drawn while the fixture is active, by file name: the text that does not fit (nothing is
    written; the figure is measured where it would be saved)."""
    found: dict[str, list[str]] = {}

    def measure(fig: plt.Figure, stem: str | Path) -> None:
        found[Path(stem).name] = _overflows(fig)
        plt.close(fig)

    for module in (dimensionality_figures, structure_figures, inference_report):
        monkeypatch.setattr(module, "save", measure)
    return found


def _assert_all_fit(overflows: dict[str, list[str]], expected: int) -> None:
    assert len(overflows) == expected, sorted(overflows)
    beyond = [f"{name}: {line}" for name, lines in sorted(overflows.items()) for line in lines]
    assert not beyond, "text beyond the figure:\n" + "\n".join(beyond)


def _draw_dimensionality(tables: Path) -> None:
    names = ("rounds", "correlation", "sensitivity")
    rounds, correlation, sensitivity = (tables / f"{name}.parquet" for name in names)
    dimensionality_figures.draw_figures(
        rounds,
        correlation,
        sensitivity,
        Path(),
        LABELS,
        tables / "reference.parquet",
        tables / "correlation_summary.parquet",
    )


# Each entry point the workflow's figure rules call, on committed tables, and how many figures it draws: a figure
# that bypassed the measured ``save`` would change the count.
DRAWERS: dict[str, tuple[Callable[[], None], int]] = {
    "dimensionality, default study": (
        lambda: _draw_dimensionality(QUICK),
        5,
    ),
    "dimensionality, task slice": (
        lambda: _draw_dimensionality(SLICE),
        3,
    ),
    "dimensionality, replication": (lambda: _draw_dimensionality(REPLICATION), 5),
    "structure, default study": (lambda: structure_figures.draw_structure_figures(QUICK, Path()), 16),  # 2 experiments
}


@pytest.mark.parametrize("study", DRAWERS)
def test_every_committed_figure_keeps_its_text_inside(overflows, study):
    """One-panel figures are 4.4 in wide, narrower than a suptitle that names substitute data."""
    draw, expected = DRAWERS[study]
    draw()
    _assert_all_fit(overflows, expected)


LONG = (
    "extrinsic (procedural class-conditional images at 8 px, seeded random fields (offline substitute for "
    "CIFAR-10 and BigGAN), read from results/quick/tables/structure_inference_cost.parquet): IMP with weight "
    "rewinding, mean ± std over seeds"
)


@pytest.mark.parametrize("panels", [1, 6])
def test_long_titles_wrap_to_the_figure_and_the_panel(panels):
    """A title longer than any figure's width, even one unbroken word, wraps: the suptitle of one narrow panel,
    each panel's title among six (the suptitle of six fits on one line)."""
    fig, axes = plt.subplots(1, panels, figsize=(4.4 * panels, 3.8), squeeze=False, layout="constrained")
    for ax in axes[0]:
        title(ax, LONG)
        ax.set(xlabel="Weights remaining %", ylabel="Test accuracy %")
    suptitle(fig, LONG)
    try:
        assert not _overflows(fig)
        assert "\n" in axes[0][0].get_title() and ("\n" in fig.get_suptitle()) == (panels == 1)
    finally:
        plt.close(fig)


def test_interval_bars_sit_at_one_height_above_every_panels_histograms(monkeypatch):
    """The correlation figure's panels share their y axis: each experiment's interval bar lies at the same height
    in every panel, above the tallest histogram bin of any panel."""
    drawn: list[plt.Figure] = []
    monkeypatch.setattr(dimensionality_figures, "save", lambda fig, stem: drawn.append(fig))
    dimensionality_figures.correlation_figure(
        pd.read_parquet(QUICK / "correlation.parquet"),
        Path("correlation"),
        summary=pd.read_parquet(QUICK / "correlation_summary.parquet"),
    )
    (fig,) = drawn
    tallest = max(patch.get_height() for ax in fig.axes for patch in ax.patches)
    heights = [sorted({line.get_ydata()[0] for line in ax.lines if line.get_linewidth() == 2.5}) for ax in fig.axes]
    plt.close(fig)
    assert len(heights) == 4 and all(panel == heights[0] for panel in heights), heights
    assert len(heights[0]) == 3 and min(heights[0]) > tallest
