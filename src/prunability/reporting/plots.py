"""How every figure is written: matplotlib without a display, PNG and PDF side by side, no timestamps, so a
redrawn figure is byte-identical to the one before."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from prunability.artifacts import atomic_path
from prunability.layout import FIGURE_FORMATS, figure_file


def save(fig: plt.Figure, stem: str | Path) -> None:
    """Write ``stem`` in every one of ``FIGURE_FORMATS`` atomically, with no timestamps in the PDF."""
    for ext in FIGURE_FORMATS:
        with atomic_path(figure_file(str(stem), ext)) as tmp:
            meta = {"CreationDate": None} if ext == "pdf" else {}
            fig.savefig(tmp, format=ext, dpi=150, bbox_inches="tight", metadata=meta)
    plt.close(fig)
