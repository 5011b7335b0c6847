"""The inference analysis read back: speed-up of sparse and hybrid networks over dense against network sparsity
(beside the ideal ratio of multiply-accumulates), each stage's break-even sparsity, and the report's answer to
whether dense early stages and sparse late ones pay off on the device measured."""

import html
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from prunability.layout import structure_table
from prunability.models.names import display_name, stage_rank
from prunability.reporting.plots import save, title
from prunability.structure.figures import SCHEDULE, panels, titled
from prunability.structure.inference import NETWORK

KEYS = ["experiment", "model", *SCHEDULE, "seed", "round", "network_sparsity", "batch_size"]


def network_speedups(inference: pd.DataFrame) -> pd.DataFrame:
    """Per run, round and batch size: dense seconds over sparse and over hybrid seconds, and the ideal speed-up
    (dense multiply-accumulates over those of the non-zero weights)."""
    net = inference[inference["layer"] == NETWORK].pivot_table(index=KEYS, columns="format", values=["seconds", "macs"])
    return pd.DataFrame(
        {
            "sparse": net["seconds"]["dense"] / net["seconds"]["sparse"],
            "hybrid": net["seconds"]["dense"] / net["seconds"]["hybrid"],
            "ideal": net["macs"]["dense"] / net["macs"]["sparse"],
        }
    ).reset_index()


def speedup_figure(tables: dict[str, pd.DataFrame], stem: Path) -> None:
    """Speed-up over dense against network sparsity: sparse (solid), hybrid (dashed), ideal (dotted), a line
    per batch size, mean over seeds; log scale, 1 marked."""
    speed = network_speedups(tables["inference"])
    fig, axes, models = panels(speed)
    for col, model in enumerate(models):
        ax = axes[0][col]
        for i, (batch, part) in enumerate(speed[speed["model"] == model].groupby("batch_size")):
            mean = part.groupby("network_sparsity")[["sparse", "hybrid", "ideal"]].mean().reset_index()
            x, color = 100 * mean["network_sparsity"], plt.get_cmap("tab10")(i)
            ax.plot(x, mean["sparse"], color=color, marker="o", label=f"batch {batch}: sparse")
            ax.plot(x, mean["hybrid"], color=color, ls="--", label=f"batch {batch}: hybrid")
            ax.plot(x, mean["ideal"], color="grey", ls=":", label="ideal (MACs)" if i == 0 else None)
        ax.axhline(1, color="black", lw=0.8)
        title(ax, display_name(model))
        ax.set(yscale="log", xlabel="Network sparsity %", ylabel="speed-up over dense")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
    titled(fig, f"Inference time, measured on {_device(tables['inference'])}", tables["accuracy"])
    save(fig, stem)


def break_even(inference: pd.DataFrame, stages: pd.DataFrame) -> pd.DataFrame:
    """Per run, stage and batch size: the lowest stage sparsity at which the stage's sparse layers take no longer
    than its dense ones, interpolated between analysed rounds (NaN: not reached)."""
    layers = inference[(inference["layer"] != NETWORK) & inference["format"].isin(["dense", "sparse"])]
    per_stage = layers.groupby([*KEYS, "stage", "format"])["seconds"].sum().unstack("format").reset_index()
    per_stage = per_stage.merge(stages[[*KEYS[:6], "stage", "sparsity"]], on=[*KEYS[:6], "stage"])
    rows = []
    for key, part in per_stage.groupby(["experiment", "model", *SCHEDULE, "seed", "stage", "batch_size"]):
        part = part.sort_values("sparsity")
        s, ratio = part["sparsity"].to_numpy(), (part["sparse"] / part["dense"]).to_numpy()
        found = np.nan
        for i in np.flatnonzero(ratio <= 1)[:1]:
            found = s[i] if i == 0 else np.interp(1, [ratio[i], ratio[i - 1]], [s[i], s[i - 1]])
        rows.append(
            {
                **dict(zip(["experiment", "model", *SCHEDULE, "seed", "stage", "batch_size"], key, strict=True)),
                "break_even": found,
            }
        )
    return pd.DataFrame(rows)


def break_even_figure(tables: dict[str, pd.DataFrame], stem: Path) -> None:
    """Each stage's break-even sparsity per batch size, mean over seeds; a stage that never broke even within the
    analysed rounds is marked x at 100 %."""
    even = break_even(tables["inference"], tables["stage_sparsity"])
    fig, axes, models = panels(even)
    for col, model in enumerate(models):
        ax, part = axes[0][col], even[even["model"] == model]
        order = sorted(part["stage"].unique(), key=stage_rank)
        batches = sorted(part["batch_size"].unique())
        for i, batch in enumerate(batches):
            mean = part[part["batch_size"] == batch].groupby("stage")["break_even"].mean().reindex(order)
            x = np.arange(len(order)) + (i - (len(batches) - 1) / 2) * 0.8 / len(batches)
            ax.bar(x, 100 * mean.fillna(0), width=0.8 / len(batches), label=f"batch {batch}")
            ax.plot(x[mean.isna()], [100] * int(mean.isna().sum()), "kx")
        ax.set_xticks(range(len(order)), order, rotation=45)
        title(ax, display_name(model))
        ax.set(ylim=(0, 105), ylabel="stage sparsity % where sparse = dense")
        ax.legend(fontsize=6)
    titled(fig, f"Break-even sparsity per stage (x: not reached), {_device(tables['inference'])}", tables["accuracy"])
    save(fig, stem)


def describe_measurement(inference: pd.DataFrame) -> str:
    """Where and beside what the times were measured: device and torch build, threads, other jobs running."""
    threads = ", ".join(map(str, sorted(inference["threads"].unique())))
    beside = int(inference["jobs_beside"].max())
    return f"{_device(inference)}, {threads} torch thread(s), at most {beside} other prunability job(s) running beside"


def _device(inference: pd.DataFrame) -> str:
    return ", ".join(
        f"{d} (torch {t})" for d, t in inference[["device", "torch"]].drop_duplicates().itertuples(index=False)
    )


def last_round_speedups(inference: pd.DataFrame) -> pd.DataFrame:
    """Per model and batch size at each run's last analysed round: network sparsity and the speed-ups of sparse,
    hybrid and ideal over dense, mean over seeds; and the hybrid's at round 0 (``hybrid_dense``), where no layer
    has a weight pruned, so that its distance from 1 shows the spread of the measurement."""
    speed = network_speedups(inference)
    last = speed[speed["round"] == speed.groupby(["experiment", "model", *SCHEDULE, "seed"])["round"].transform("max")]
    out = last.groupby(["model", "batch_size"])[["network_sparsity", "sparse", "hybrid", "ideal"]].mean()
    dense = speed[speed["round"] == 0].groupby(["model", "batch_size"])["hybrid"].mean().rename("hybrid_dense")
    return out.join(dense).reset_index()


def _sentence(row: pd.Series, sparse_stages: list[str]) -> str:
    """One model and batch size in words: what all-sparse and hybrid give at the last round, and the verdict on
    dense early and sparse late stages: it pays only where sparse layers win and the hybrid's gain exceeds both
    10 % and the spread the measurement shows at round 0 (``hybrid_dense``)."""
    where = f"sparse in {', '.join(sparse_stages)}" if sparse_stages else "no stage faster sparse"
    spread = max(abs(row["hybrid_dense"] - 1), 0.1)
    if not sparse_stages:
        verdict = "no stage runs faster sparse, so there is nothing to mix"
    elif row["hybrid"] - 1 > spread:
        verdict = "dense early and sparse late layers pay"
    else:
        verdict = f"the hybrid's gain is within the measurement's spread ({row['hybrid_dense']:.2f}x at round 0)"
    return (
        f"{display_name(row['model'])}, batch {row['batch_size']}: at {100 * row['network_sparsity']:.0f} % sparsity "
        f"all-sparse runs at {row['sparse']:.2f}x dense speed, hybrid ({where}) at {row['hybrid']:.2f}x, against an "
        f"ideal {row['ideal']:.1f}x: {verdict}."
    )


def _sparse_stages(inference: pd.DataFrame, model: str, batch: int) -> list[str]:
    """The stages in which the measurement found sparse faster for most layers at the last round."""
    part = inference[
        (inference["model"] == model) & (inference["batch_size"] == batch) & (inference["layer"] != NETWORK)
    ]
    part = part[part["round"] == part["round"].max()]
    times = part.pivot_table(index=["seed", "layer", "stage"], columns="format", values="seconds").reset_index()
    share = (times["sparse"] < times["dense"]).groupby(times["stage"]).mean()
    return sorted((s for s, v in share.items() if v > 0.5), key=stage_rank)


def inference_report(tables: Path) -> str:
    """The report's answer, per model and batch size, in words and a table."""
    inference = pd.read_parquet(tables / structure_table("inference"))
    summary = last_round_speedups(inference)
    words = [
        _sentence(row, _sparse_stages(inference, row["model"], row["batch_size"])) for _, row in summary.iterrows()
    ]
    shown = summary.assign(model=summary["model"].map(display_name), network_sparsity=100 * summary["network_sparsity"])
    return (
        "<h3>Inference: is IMP's sparsity worth running sparse?</h3>"
        f"<p class='caption'>Measured on {html.escape(describe_measurement(inference))}.</p>"
        + "".join(f"<p>{html.escape(w)}</p>" for w in words)
        + shown.to_html(index=False, border=0, float_format="%.2f")
    )
