"""The numbers the README quotes from committed studies, generated from the studies' tables.

Hand-copied numbers drift from what the code produces; these are rendered from ``summary.md`` and
``correlation_summary.parquet`` between two marker lines per study, rewritten by ``make readme-numbers`` and
compared with the committed tables by the test suite (and the default study's with a fresh run by
``make study``).
"""

import re
from pathlib import Path

import pandas as pd

from prunability.artifacts import atomic_path
from prunability.statistics import ordered

# Each quoted block: its name in the markers and the committed tables it is rendered from.
BLOCKS = {"default-study": "results/quick/tables", "task-slice": "results/task-slice/tables"}


def markers(block: str) -> tuple[str, str]:
    """The two lines that enclose a block; they name the tables so that a reader knows where numbers come from."""
    return (
        f"<!-- BEGIN {block} numbers: generated from {BLOCKS[block]} by `make readme-numbers` -->",
        f"<!-- END {block} numbers -->",
    )


def _rho(frame: pd.DataFrame, axis: str) -> str:
    row = frame[frame["axis"] == axis]
    if row.empty or pd.isna(row["rho_mean"].iloc[0]):
        return "undefined"
    return f"{row['rho_mean'].iloc[0]:.2f} ± {row['rho_std'].iloc[0]:.2f}"


def _markdown(frame: pd.DataFrame) -> list[str]:
    """A Markdown table, first column left-aligned and the rest right-aligned."""
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|---|" + "---:|" * (len(frame.columns) - 1)
    return [head, rule, *("| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False))]


def _pm(mean: float, std: float) -> str:
    """mean ± std, the std of a single seed shown as 0 (as in the summary tables)."""
    return f"{mean:.2f} ± {0.0 if pd.isna(std) else std:.2f}"


def _structure_lines(tables: Path) -> list[str]:
    """Critical sparsity, fully pruned neurons against the null model and zeroing per stage, per model."""
    from prunability.analyses.structure import stage_rank
    from prunability.models.registry import display_name

    critical = pd.read_parquet(tables / "structure_critical_sparsity.parquet")
    fully = pd.read_parquet(tables / "structure_fully_pruned.parquet")
    stages = pd.read_parquet(tables / "structure_zeroing_stages.parquet")
    rows = []
    for (model, p, e), runs in critical.groupby(["model", "pretrain_epochs", "train_epochs"], sort=True):
        last = fully[(fully["model"] == model) & (fully["round"] == fully["round"].max())]
        last = last[(last["pretrain_epochs"] == p) & (last["train_epochs"] == e)]
        per_seed = last.groupby("seed")[["fully_pruned", "expected_fully_pruned"]].sum()
        rows.append(
            {
                "Model": display_name(model),
                "P, E": f"{p}, {e}",
                "Dense accuracy (%)": _pm(100 * runs["dense_accuracy"].mean(), 100 * runs["dense_accuracy"].std()),
                "Critical sparsity (%)": _pm(
                    100 * runs["critical_sparsity"].mean(), 100 * runs["critical_sparsity"].std()
                ),
                "Fully pruned neurons, last round (null model)": (
                    f"{per_seed['fully_pruned'].mean():.1f} ({per_seed['expected_fully_pruned'].mean():.2f})"
                ),
            }
        )
    last = stages[stages["round"] == stages.groupby("model")["round"].transform("max")]
    zeroing = [
        {
            "Model": display_name(model),
            "Stage": stage,
            "Network sparsity (%)": f"{100 * part['network_sparsity'].mean():.1f}",
            "Mean ΔAcc per neuron (points)": _pm(
                100 * part["mean_delta_accuracy"].mean(), 100 * part["mean_delta_accuracy"].std()
            ),
            "Worst neuron (points)": f"{100 * part['min_delta_accuracy'].min():.2f}",
        }
        for (model, stage), part in sorted(
            last.groupby(["model", "stage"]), key=lambda item: (item[0][0], stage_rank(item[0][1]))
        )
    ]
    return [
        "Structure study: critical sparsity (the highest sparsity within the configured tolerance of the dense",
        "accuracy; the paper reports about 96 %) and fully pruned neurons against the null model, mean (± std)",
        "over seeds (`structure_critical_sparsity.parquet`, `structure_fully_pruned.parquet`):",
        "",
        *_markdown(pd.DataFrame(rows)),
        "",
        "Zeroing one neuron at the last analysed round, per stage, mean ± std over seeds",
        "(`structure_zeroing_stages.parquet`):",
        "",
        *_markdown(pd.DataFrame(zeroing)),
        "",
    ]


def _fingerprint_lines(tables: Path) -> list[str]:
    """Who made the numbers above (``fingerprint.parquet``), one line per distinct fingerprint."""
    from prunability.numerics import FINGERPRINT_TABLE

    path = tables / FINGERPRINT_TABLE
    if not path.exists():
        return []
    lines = [f"Made by (`{FINGERPRINT_TABLE}`):", ""]
    for row in pd.read_parquet(path).itertuples(index=False):
        if row.numerics == "unknown":
            lines.append(f"- {row.rounds} rounds: made before results carried a fingerprint (kernels unknown)")
            continue
        lines.append(
            f"- {row.rounds} rounds: numerics {row.numerics} (ATen {row.aten_capability}, oneDNN up to "
            f"{row.onednn_max_isa}, MKL {row.mkl_cbwr}), {row.threads} thread(s), torch {row.torch}, "
            f"{row.device_type} ({row.device_name}, {row.machine})"
        )
    return [*lines, ""]


def render(tables: Path, block: str = "default-study") -> str:
    """The block between the markers: the summary tables, pooled rho and dense accuracy per experiment, and
    the structure study's numbers where its tables exist."""
    begin, end = markers(block)
    summary = pd.read_parquet(tables / "summary.parquet")
    pooled = pd.read_parquet(tables / "correlation_summary.parquet").query("scope == 'pooled'")
    lines = [
        begin,
        "",
        "Weights remaining at each run's smallest matching subnetwork, mean ± std over seeds (`summary.md`):",
        "",
        (tables / "summary.md").read_text().strip(),
        "",
        "Spearman rho between dimension and weights remaining, pooled over models, under each matching criterion",
        "(`correlation_summary.parquet`), and the dense networks' test accuracy (mean over models, dimensions and",
        "seeds; range of cell means):",
        "",
        "| Experiment | Data | Criterion | rho, nominal dimension | rho, measured ID (MLE) | Dense accuracy (%) |",
        "|---|---|---|---:|---:|---:|",
    ]
    for experiment, exp in summary.groupby("experiment", sort=True):
        criteria = ordered(exp["criterion"].unique())
        acc = 100 * exp[exp["criterion"] == criteria[0]]["dense_accuracy_mean"]
        for criterion in criteria:
            rho = pooled[(pooled["experiment"] == experiment) & (pooled["criterion"] == criterion)]
            lines.append(
                f"| {experiment} | {exp['data_source'].iloc[0]} | {criterion} | {_rho(rho, 'dimension')} | "
                f"{_rho(rho, 'id_mle')} | {acc.mean():.1f} ({acc.min():.1f}-{acc.max():.1f}) |"
            )
    if (tables / "structure_critical_sparsity.parquet").exists():
        lines += ["", *_structure_lines(tables)]
    else:
        lines.append("")
    lines += _fingerprint_lines(tables)
    return "\n".join([*lines, end])


def quoted(readme_text: str, block: str = "default-study") -> str:
    """The generated block as it stands in the README."""
    begin, end = markers(block)
    match = re.search(re.escape(begin) + r".*?" + re.escape(end), readme_text, flags=re.S)
    if not match:
        raise ValueError(f"the README has no block between {begin!r} and {end!r}")
    return match.group(0)


def update(readme: Path, tables: Path, block: str = "default-study") -> bool:
    """Rewrite the README's block from ``tables``; return whether it changed."""
    text = readme.read_text()
    old, new = quoted(text, block), render(tables, block)
    if old != new:
        with atomic_path(readme) as tmp:
            tmp.write_text(text.replace(old, new))
    return old != new
