"""The structure study's figures (the second paper's Figs. 4-14), drawn from the structure tables alone.

One figure per kind and experiment, a panel per model; the suptitle names the data, so a substitute is
never mistaken for the paper's data. Per-round analyses show the analysed schedule; lines are means over
seeds with a band of one standard deviation over seeds where seeds differ.
"""

from collections.abc import Callable, Iterator
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from prunability.layout import STRUCTURE_TABLES, figure_file, structure_figure, structure_table
from prunability.models.names import display_name, stage_rank
from prunability.reporting.plots import save, suptitle, title
from prunability.structure.registry import ANALYSES, resolve

# The sparsity levels the paper's magnitude and neuron-sparsity figures show; the nearest round is drawn.
LEVELS = (0.2, 0.59, 0.79, 0.89)
SCHEDULE = ["pretrain_epochs", "train_epochs"]


def panels(frame: pd.DataFrame, rows: int = 1, height: float = 3.6) -> tuple[plt.Figure, np.ndarray, list[str]]:
    models = sorted(frame["model"].unique(), key=lambda m: (m.split("-")[0], int(m.split("-")[-1])))
    fig, axes = plt.subplots(
        rows, len(models), figsize=(4.4 * len(models), height * rows), squeeze=False, layout="constrained"
    )
    return fig, axes, models


def titled(fig: plt.Figure, what: str, accuracy: pd.DataFrame) -> None:
    sources = ", ".join(sorted(accuracy["data_source"].unique()))
    suptitle(fig, f"{what} — {sources}")


def _nearest_rounds(accuracy: pd.DataFrame) -> list[tuple[float, int]]:
    """(sparsity, round) nearest to each of ``LEVELS`` among the rounds of a run."""
    per_round = accuracy.groupby("round")["network_sparsity"].mean()
    picked = {int((per_round - level).abs().idxmin()) for level in LEVELS}
    return [(float(per_round[r]), r) for r in sorted(picked)]


def _band(ax: plt.Axes, curve: pd.DataFrame, x: str, y: str, label: str, spread: bool = True, **style) -> None:
    """Mean over seeds of ``y`` against ``x``, with a band of one standard deviation over seeds."""
    stats = curve.groupby("round").agg(x=(x, "mean"), mu=(y, "mean"), sd=(y, "std"))
    line = ax.plot(100 * stats["x"], stats["mu"], marker="o", ms=3, label=label, **style)[0]
    if not spread:
        return
    ax.fill_between(
        100 * stats["x"],
        stats["mu"] - stats["sd"].fillna(0),
        stats["mu"] + stats["sd"].fillna(0),
        color=line.get_color(),
        alpha=0.2,
        linewidth=0,
    )


def accuracy_figure(tables: dict[str, pd.DataFrame], stem: Path) -> None:
    """Test accuracy vs network sparsity, a line per schedule, the critical sparsity of each schedule marked."""
    acc, critical = tables["accuracy"], tables["critical_sparsity"]
    fig, axes, models = panels(acc)
    for ax, model in zip(axes[0], models, strict=True):
        for (p, e), curve in acc[acc["model"] == model].groupby(SCHEDULE):
            curve = curve.assign(acc_pct=100 * curve["test_accuracy"])
            _band(ax, curve, "network_sparsity", "acc_pct", f"P={p}, E={e}")
            crit = critical[(critical["model"] == model) & (critical["pretrain_epochs"] == p)]
            crit = crit[crit["train_epochs"] == e]["critical_sparsity"].mean()
            ax.axvline(100 * crit, color=ax.lines[-1].get_color(), ls=":", lw=1)
        title(ax, display_name(model))
        ax.set(xlabel="Network sparsity %", ylabel="Test accuracy %")
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7, title="schedule (dotted: critical sparsity)", title_fontsize=7)
    titled(fig, "Accuracy vs sparsity per schedule", acc)
    save(fig, stem)


def magnitudes_figure(tables: dict[str, pd.DataFrame], stem: Path) -> None:
    """Surviving-weight magnitude densities per stage at the paper's sparsity levels (first seed; area = weights)."""
    mags = tables["magnitudes"]
    mags = mags[mags["seed"] == mags["seed"].min()]
    stages = sorted(mags["stage"].unique(), key=stage_rank)
    fig, axes, models = panels(mags, rows=len(stages), height=2.4)
    for col, model in enumerate(models):
        cell = mags[mags["model"] == model]
        for sparsity, r in _nearest_rounds(cell.drop_duplicates("round")):
            for row, stage in enumerate(stages):
                part = cell[(cell["round"] == r) & (cell["stage"] == stage)]
                centre = (part["left"] + part["right"]) / 2
                axes[row][col].plot(centre, part["density"], lw=1, label=f"{100 * sparsity:.0f} %")
        for row, stage in enumerate(stages):
            ax = axes[row][col]
            if stage not in set(cell["stage"]):  # ResNet20 has no stage 4, VGG16 no stem: say so, not an empty plot
                ax.axis("off")
                ax.text(
                    0.5, 0.5, f"{display_name(model)} has no {stage}", ha="center", va="center", transform=ax.transAxes
                )
                continue
            title(ax, f"{display_name(model)}: {stage}")
            ax.set(xlabel="|w|", ylabel="weights per unit |w|")
            ax.set_yscale("symlog", linthresh=1.0)
    axes[0][-1].legend(fontsize=7, title="network sparsity", title_fontsize=7)
    titled(fig, "Weight magnitudes of surviving weights per stage", tables["accuracy"])
    save(fig, stem)


def _stage_curves(
    frame: pd.DataFrame, column: str, ylabel: str, what: str, accuracy: pd.DataFrame
) -> tuple[plt.Figure, np.ndarray]:
    """A panel per model, a line per stage: 100 x ``column`` against network sparsity (band: over seeds)."""
    fig, axes, models = panels(frame)
    for ax, model in zip(axes[0], models, strict=True):
        cell = frame[frame["model"] == model]
        for stage in sorted(cell["stage"].unique(), key=stage_rank):
            part = cell[cell["stage"] == stage].assign(pct=lambda f: 100 * f[column])
            _band(ax, part, "network_sparsity", "pct", stage)
        title(ax, display_name(model))
        ax.set(xlabel="Network sparsity %", ylabel=ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    titled(fig, what, accuracy)
    return fig, axes


def stage_sparsity_figure(tables: dict[str, pd.DataFrame], stem: Path) -> None:
    """Sparsity of each stage against the network's, with the diagonal of uniform pruning."""
    what = "Stage sparsity vs network sparsity"
    fig, axes = _stage_curves(tables["stage_sparsity"], "sparsity", "Stage sparsity %", what, tables["accuracy"])
    for ax in axes[0]:
        ax.plot([0, 100], [0, 100], color="grey", ls="--", lw=1)
    save(fig, stem)


def neuron_sparsity_figure(tables: dict[str, pd.DataFrame], stem: Path) -> None:
    """Box plots of neuron sparsity per layer at the paper's sparsity levels (first seed)."""
    neurons = tables["neuron_sparsity"]
    neurons = neurons[neurons["seed"] == neurons["seed"].min()]
    fig, axes, models = panels(neurons, rows=len(LEVELS), height=2.4)
    for col, model in enumerate(models):
        cell = neurons[neurons["model"] == model]
        layers = list(dict.fromkeys(cell.loc[cell["round"] == 0, "layer"]))
        for row, (sparsity, r) in enumerate(_nearest_rounds(cell.drop_duplicates("round"))):
            ax = axes[row][col]
            part = cell[cell["round"] == r]
            data = [100 * part.loc[part["layer"] == layer, "sparsity"].to_numpy() for layer in layers]
            ax.boxplot(data, showfliers=False, widths=0.6)
            ax.set_xticks(range(1, len(layers) + 1), [str(i) for i in range(len(layers))], fontsize=6)
            title(ax, f"{display_name(model)}: {100 * sparsity:.0f} % sparse")
            ax.set_ylabel("neuron sparsity %")
        axes[-1][col].set_xlabel("layer (input to output)")
    titled(fig, "Neuron sparsity per layer", tables["accuracy"])
    save(fig, stem)


def zeroing_figure(tables: dict[str, pd.DataFrame], stem: Path) -> None:
    """Mean accuracy change when one neuron is zeroed, per stage, against sparsity (band: spread over seeds)."""
    ylabel, what = "mean ΔAcc per neuron (points)", "Neuron zeroing: accuracy change per stage"
    fig, axes = _stage_curves(tables["zeroing_stages"], "mean_delta_accuracy", ylabel, what, tables["accuracy"])
    for ax in axes[0]:
        ax.axhline(0, color="grey", lw=1)
    save(fig, stem)


def similarity_figure(tables: dict[str, pd.DataFrame], stem: Path) -> None:
    """Mean per-neuron cosine (solid) and linear CKA (dashed) per stage, against round 0 and the round before."""
    sim = tables["similarity"]
    fig, axes, models = panels(sim, rows=2)
    for col, model in enumerate(models):
        cell = sim[sim["model"] == model]
        for row, ref in enumerate(("baseline", "stepwise")):
            ax, part = axes[row][col], cell[cell["reference"] == ref]
            per_layer = part.groupby([*SCHEDULE, "seed", "round", "network_sparsity", "stage", "layer"], sort=False)
            layers = per_layer.agg(cosine=("cosine", "mean"), cka=("cka", "first")).reset_index()
            per_stage = layers.groupby(["seed", "round", "network_sparsity", "stage"]).mean(numeric_only=True)
            per_stage = per_stage.reset_index()
            for i, stage in enumerate(sorted(per_stage["stage"].unique(), key=stage_rank)):
                color = plt.get_cmap("tab10")(i)
                one = per_stage[per_stage["stage"] == stage]
                _band(ax, one, "network_sparsity", "cosine", stage, spread=False, color=color)
                _band(ax, one, "network_sparsity", "cka", f"{stage} (CKA)", spread=False, color=color, ls="--")
            against = "round 0" if ref == "baseline" else "the previous round"
            title(ax, f"{display_name(model)}: vs {against}")
            ax.set(xlabel="Network sparsity %", ylabel="similarity")
            ax.grid(alpha=0.3)
    for ax in axes[0]:
        ax.legend(fontsize=6, ncol=2)
    titled(fig, "Activation similarity", tables["accuracy"])
    save(fig, stem)


# The figures of every structure study; each registered per-round analysis adds its own (``figure``).
FIGURES: dict[str, Callable[[dict[str, pd.DataFrame], Path], None]] = {
    "accuracy": accuracy_figure,
    "magnitudes": magnitudes_figure,
    "stage_sparsity": stage_sparsity_figure,
    "neuron_sparsity": neuron_sparsity_figure,
}


def _figures() -> dict[str, Callable[[dict[str, pd.DataFrame], Path], None]]:
    return FIGURES | {name: resolve(draw) for a in ANALYSES for name, draw, _ in a.figures}


def _per_experiment(tables: dict[str, pd.DataFrame]) -> Iterator[tuple[str, dict[str, pd.DataFrame]]]:
    """Each experiment's tables; those of single rounds keep the analysed schedule (the one the per-round
    analyses cover)."""
    for experiment in sorted(tables["accuracy"]["experiment"].unique()):
        part = {name: t[t["experiment"] == experiment] for name, t in tables.items()}
        analysed = pd.concat(
            [part[a.name][SCHEDULE] for a in ANALYSES if len(part[a.name])] or [part["accuracy"][SCHEDULE][:0]]
        )
        analysed = analysed.drop_duplicates()
        for name in ("magnitudes", "stage_sparsity", "neuron_sparsity"):
            part[name] = part[name].merge(analysed, on=SCHEDULE)
        yield experiment, part


def draw_structure_figures(table_dir: Path, out_dir: Path) -> list[Path]:
    """Every structure figure of every structure experiment, from ``table_dir``/structure_*.parquet."""
    tables = {name: pd.read_parquet(table_dir / structure_table(name)) for name in STRUCTURE_TABLES}
    drawn = []
    for experiment, part in _per_experiment(tables):
        for name, draw in _figures().items():
            draw(part, out_dir / structure_figure(name, experiment))
            drawn.append(out_dir / figure_file(structure_figure(name, experiment)))
    return drawn
