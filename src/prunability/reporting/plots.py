"""How every figure is written: matplotlib without a display, PNG and PDF side by side, no timestamps, so a
redrawn figure is byte-identical to the one before; and how its titles are worded to fit it."""

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

from prunability.artifacts import atomic_path
from prunability.layout import FIGURE_FORMATS, figure_file

# Share of the room a title's line may fill: the font's metrics measure a line a little narrower than the
# hinted glyphs the PNG draws.
FILL = 0.95


def _width_pt(text: str, fontsize: float) -> float:
    """Width of one line of ``text`` in points, from the default font's metrics (no renderer needed)."""
    return text_to_path.get_text_width_height_descent(text, FontProperties(size=fontsize), ismath=False)[0]


def fitted(text: str, width_in: float, fontsize: float) -> str:
    """``text`` broken at spaces into lines no wider than ``width_in`` inches at ``fontsize`` points.

    Constrained layout makes room for a title's height but never its width: a line wider than the figure is cut
    at both edges. The first try wraps at the line length the text's own mean glyph width allows; each further
    try is a character shorter, until the widest line fits."""
    room = FILL * 72 * width_in
    first = max(1, int(len(text) * room / max(_width_pt(text, fontsize), 1e-9)))
    for chars in range(first, 0, -1):
        lines = textwrap.wrap(text, chars, break_on_hyphens=False)
        if max((_width_pt(line, fontsize) for line in lines), default=0) <= room:
            break
    return "\n".join(lines)


def suptitle(fig: plt.Figure, text: str, fontsize: float = 10) -> None:
    """The figure's title, wrapped to the figure's width: a one-panel figure is narrow, its title as long."""
    fig.suptitle(fitted(text, fig.get_figwidth(), fontsize), fontsize=fontsize)


def title(ax: plt.Axes, text: str, fontsize: float | None = None) -> None:
    """A panel's title, wrapped to the panel's width before layout (narrower than after it), so that side by
    side panels' titles neither leave the figure nor run into each other."""
    size = FontProperties(size=fontsize or matplotlib.rcParams["axes.titlesize"]).get_size_in_points()
    ax.set_title(fitted(text, ax.get_position().width * ax.figure.get_figwidth(), size), fontsize=size)


def save(fig: plt.Figure, stem: str | Path) -> None:
    """Write ``stem`` in every one of ``FIGURE_FORMATS`` atomically, with no timestamps in the PDF.

    The first format lays the figure out; the others keep that layout (a second constrained layout would measure
    every label again and move nothing). No ``bbox_inches="tight"``: constrained layout keeps every label,
    title and legend inside the figure (titles once ``suptitle`` and ``title`` have wrapped them to its width),
    and a tight box would draw each figure twice."""
    for ext in FIGURE_FORMATS:
        with atomic_path(figure_file(str(stem), ext)) as tmp:
            meta = {"CreationDate": None} if ext == "pdf" else {}
            fig.savefig(tmp, format=ext, dpi=150, metadata=meta)
        fig.set_layout_engine("none")
    plt.close(fig)
