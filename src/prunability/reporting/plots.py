"""How every figure is written: matplotlib without a display, PNG and PDF side by side, no timestamps, so a
redrawn figure is byte-identical to the one before."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from prunability.artifacts import atomic_path
from prunability.layout import FIGURE_FORMATS, figure_file


def save(fig: plt.Figure, stem: str | Path) -> None:
    """Write ``stem`` in every one of ``FIGURE_FORMATS`` atomically, with no timestamps in the PDF.

    The first format lays the figure out; the others keep that layout (a second constrained layout would measure
    every label again and move nothing). No ``bbox_inches="tight"``: constrained layout already keeps every
    label, title and legend inside the figure, and a tight box would draw each figure twice."""
    for ext in FIGURE_FORMATS:
        with atomic_path(figure_file(str(stem), ext)) as tmp:
            meta = {"CreationDate": None} if ext == "pdf" else {}
            fig.savefig(tmp, format=ext, dpi=150, metadata=meta)
        fig.set_layout_engine("none")
    plt.close(fig)
