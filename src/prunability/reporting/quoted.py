"""The numbers the docs quote from committed studies, generated from the studies' tables.

Hand-copied numbers drift from what the code produces; these are rendered from ``summary.md`` and
``correlation_summary.parquet`` between two marker lines per study, rewritten by ``make readme-numbers`` and
compared with the committed tables by the test suite (and the default study's with a fresh run by
``make study``).
"""

import re
from pathlib import Path

import pandas as pd

from prunability.artifacts import atomic_path
from prunability.dimensionality.adequacy import adequacy
from prunability.dimensionality.intervals import quoted as quoted_rho
from prunability.dimensionality.statistics import ordered
from prunability.errors import ArtifactError
from prunability.layout import (
    ADEQUACY_TABLE,
    CORRELATION_SUMMARY_TABLE,
    FINGERPRINT_TABLE,
    PRUNABILITY_TABLE,
    QUOTING_PAGE,
    ROUNDS_TABLE,
    SUMMARY_MD,
    SUMMARY_TABLE,
    structure_table,
    tables_dir,
)
from prunability.reporting.formatting import markdown, percent
from prunability.structure.tables import is_floor

# The page that quotes the committed studies' numbers.
QUOTING = QUOTING_PAGE
# Each quoted block: its name in the markers and the committed tables it is rendered from.
BLOCKS = {
    "default-study": tables_dir("quick"),
    "replication": tables_dir("replication"),
    "task-slice": tables_dir("task-slice"),
}


def markers(block: str) -> tuple[str, str]:
    """The two lines that enclose a block; they name the tables so that a reader knows where numbers come from."""
    return (
        f"<!-- BEGIN {block} numbers: generated from {BLOCKS[block]} by `make readme-numbers` -->",
        f"<!-- END {block} numbers -->",
    )


def _rho(frame: pd.DataFrame, axis: str) -> str:
    """The verdict with its interval (``intervals.quoted``)."""
    row = frame[frame["axis"] == axis]
    return "undefined" if row.empty else quoted_rho(row.iloc[0])


def _structure_lines(tables: Path) -> list[str]:
    """Critical sparsity, fully pruned neurons against the null model and zeroing per stage, per model."""
    from prunability.models.names import display_name, stage_rank

    critical = pd.read_parquet(tables / structure_table("critical_sparsity"))
    fully = pd.read_parquet(tables / structure_table("fully_pruned"))
    stages = pd.read_parquet(tables / structure_table("zeroing_stages"))
    rows = []
    for (model, p, e), runs in critical.groupby(["model", "pretrain_epochs", "train_epochs"], sort=True):
        last = fully[(fully["model"] == model) & (fully["round"] == fully["round"].max())]
        last = last[(last["pretrain_epochs"] == p) & (last["train_epochs"] == e)]
        per_seed = last.groupby("seed")[["fully_pruned", "expected_fully_pruned"]].sum()
        rows.append(
            {
                "Model": display_name(model),
                "P, E": f"{p}, {e}",
                "Dense accuracy (%)": percent(runs["dense_accuracy"].mean(), runs["dense_accuracy"].std()),
                "Critical sparsity (%)": percent(runs["critical_sparsity"].mean(), runs["critical_sparsity"].std()),
                "Floors": f"{is_floor(runs).sum()} of {len(runs)}",
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
            "Mean ΔAcc per neuron (points)": percent(
                part["mean_delta_accuracy"].mean(), part["mean_delta_accuracy"].std()
            ),
            "Worst neuron (points)": f"{100 * part['min_delta_accuracy'].min():.2f}",
        }
        for (model, stage), part in sorted(
            last.groupby(["model", "stage"]), key=lambda item: (item[0][0], stage_rank(item[0][1]))
        )
    ]
    return [
        "Structure study: critical sparsity (the highest sparsity within the configured tolerance of the dense",
        "accuracy; the paper reports about 96 %; a floor where a run still matched at its last round) and fully",
        "pruned neurons against the null model, mean (± std) over seeds",
        f"(`{structure_table('critical_sparsity')}`, `{structure_table('fully_pruned')}`):",
        "",
        *markdown(pd.DataFrame(rows)),
        "",
        "Zeroing one neuron at the last analysed round, per stage, mean ± std over seeds",
        f"(`{structure_table('zeroing_stages')}`):",
        "",
        *markdown(pd.DataFrame(zeroing)),
        "",
        *_inference_lines(tables),
    ]


def _inference_lines(tables: Path) -> list[str]:
    """Speed-up of the sparse and hybrid networks over dense at each run's last analysed round, beside the ideal
    ratio of multiply-accumulates, per model and batch size (where the study measured it)."""
    from prunability.models.names import display_name
    from prunability.structure.inference_report import describe_measurement, last_round_speedups

    path = tables / structure_table("inference")
    if not path.exists():
        return []
    inference = pd.read_parquet(path)
    speed = last_round_speedups(inference)
    rows = [
        {
            "Model": display_name(row["model"]),
            "Batch": row["batch_size"],
            "Network sparsity (%)": f"{100 * row['network_sparsity']:.1f}",
            "Sparse (x dense)": f"{row['sparse']:.2f}",
            "Hybrid (x dense)": f"{row['hybrid']:.2f}",
            "Ideal (x dense, MACs)": f"{row['ideal']:.1f}",
            "Hybrid at round 0 (spread)": f"{row['hybrid_dense']:.2f}",
        }
        for _, row in speed.iterrows()
    ]
    return [
        "Inference at the last analysed round, mean over seeds: forward time of the whole network dense over",
        "all-sparse (CSR) and over hybrid, the ideal ratio, and the hybrid's ratio at round 0, where nothing is",
        f"pruned, as the measurement's spread (`{structure_table('inference')}`; measured on",
        f"{describe_measurement(inference)}):",
        "",
        *markdown(pd.DataFrame(rows), left=2),
        "",
    ]


def _adequacy_lines(tables: Path) -> list[str]:
    """Whether the numbers above measure anything: chains ended by failure, floors, rho defined, dense
    networks below their plateau (``prunability.dimensionality.adequacy``)."""
    checks = adequacy(
        pd.read_parquet(tables / ROUNDS_TABLE),
        pd.read_parquet(tables / PRUNABILITY_TABLE),
        pd.read_parquet(tables / CORRELATION_SUMMARY_TABLE),
    )
    rows = [
        {
            "Experiment": row.experiment,
            "Criterion": row.criterion,
            "Runs ended by failure": f"{row.failure} of {row.runs}",
            "Floors (matched at the last round)": row.floors,
            "rho defined": "yes" if row.rho_defined else "no",
            "Cells with dense below plateau": f"{row.undertrained} of {row.cells}",
        }
        for row in checks.itertuples(index=False)
    ]
    return [
        "What these numbers can measure (`prunability.dimensionality.adequacy`): runs whose chain ended because",
        "the network stopped matching rather than at the round cap, floors, whether the pooled rho is defined, and",
        "cells whose pruned rounds beat the dense round on average by more than the noise rule's margin (z = 1.96),",
        "where the dense networks are below their plateau:",
        "",
        *markdown(pd.DataFrame(rows), left=2),
        "",
    ]


def _yardstick_lines(tables: Path) -> list[str]:
    """Each cell's dense accuracy against its data's reference learner, with its flag (``prunability.yardstick``)."""
    from prunability.yardstick import display_rows, flagged_lines

    path = tables / ADEQUACY_TABLE
    if not path.exists():
        return []
    table = pd.read_parquet(path)
    return [
        f"The yardstick (`{ADEQUACY_TABLE}`): each cell's dense test accuracy (mean over seeds) against a logistic",
        "regression on the same standardised inputs; a cell below it by more than the tolerance, or with both at",
        "the ceiling, measures the recipe rather than the data. " + flagged_lines(table)[0].removeprefix("yardstick: "),
        "",
        *markdown(display_rows(table), left=3),
        "",
    ]


def _fingerprint_lines(tables: Path) -> list[str]:
    """Who made the numbers above (``fingerprint.parquet``), one line per distinct fingerprint."""
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
    summary = pd.read_parquet(tables / SUMMARY_TABLE)
    correlations = pd.read_parquet(tables / CORRELATION_SUMMARY_TABLE)
    lines = [
        begin,
        "",
        f"Weights remaining at each run's smallest matching subnetwork, mean ± std over seeds (`{SUMMARY_MD}`):",
        "",
        (tables / SUMMARY_MD).read_text().strip(),
        "",
        "Spearman rho between dimension and weights remaining under each matching criterion, pooled over models",
        "and as the mean of the models' rho (the papers' form for the intrinsic and extrinsic rho)",
        f"(`{CORRELATION_SUMMARY_TABLE}`): the verdict its 95 % interval over seeds allows (docs/methods.md), the",
        "Monte-Carlo rho, its interval, and the paper's Monte-Carlo ± (the rollouts' spread, not the seeds'); and",
        "the dense networks' test accuracy (mean over models, dimensions and seeds; range of cell means):",
        "",
    ]
    rows = []
    for experiment, exp in summary.groupby("experiment", sort=True):
        criteria = ordered(exp["criterion"].unique())
        acc = 100 * exp[exp["criterion"] == criteria[0]]["dense_accuracy_mean"]
        for criterion in criteria:
            rho = correlations[(correlations["experiment"] == experiment) & (correlations["criterion"] == criterion)]
            pooled, mean = rho[rho["scope"] == "pooled"], rho[rho["scope"] == "model_mean"]
            dense = f"{acc.mean():.1f} ({acc.min():.1f}-{acc.max():.1f})"
            source = exp["data_source"].iloc[0]
            nominal = [_rho(pooled, "dimension"), _rho(mean, "dimension")]
            rows.append([experiment, source, criterion, *nominal, _rho(pooled, "id_mle"), dense])
    columns = [
        "Experiment",
        "Data",
        "Criterion",
        "rho, nominal dimension, pooled",
        "rho, nominal dimension, mean of models",
        "rho, measured ID (MLE), pooled",
    ]
    lines += markdown(pd.DataFrame(rows, columns=[*columns, "Dense accuracy (%)"]), left=3)
    lines += ["", *_adequacy_lines(tables), *_yardstick_lines(tables)]
    if (tables / structure_table("critical_sparsity")).exists():
        lines += _structure_lines(tables)
    lines += _fingerprint_lines(tables)
    return "\n".join([*lines, end])


def quoted(readme_text: str, block: str = "default-study") -> str:
    """The generated block as it stands in the quoting page."""
    begin, end = markers(block)
    match = re.search(re.escape(begin) + r".*?" + re.escape(end), readme_text, flags=re.S)
    if not match:
        raise ValueError(f"the quoting page has no block between {begin!r} and {end!r}")
    return match.group(0)


def update(readme: Path, tables: Path, block: str = "default-study") -> bool:
    """Rewrite the quoting page's block from ``tables``; return whether it changed."""
    text = readme.read_text()
    old, new = quoted(text, block), render(tables, block)
    if old != new:
        with atomic_path(readme) as tmp:
            tmp.write_text(text.replace(old, new))
    return old != new


def refresh(path: Path | None, blocks: list[str] | None, check: bool) -> list[str]:
    """Rewrite the quoted ``blocks`` (default: all) of ``path`` (default: ``QUOTING``) from their tables, or with
    ``check`` only compare them; what was rewritten, as lines. A difference under ``check``, or an unknown block,
    is an ``ArtifactError`` that says how to fix it."""
    path = path or Path(QUOTING)
    unknown = set(blocks or []) - set(BLOCKS)
    if unknown:
        raise ArtifactError(f"unknown block {', '.join(sorted(unknown))}: {path} quotes {', '.join(BLOCKS)}")
    lines = []
    for block in blocks or list(BLOCKS):
        tables = Path(BLOCKS[block])
        if check:
            if quoted(path.read_text(), block) != render(tables, block):
                raise ArtifactError(f"{path} quotes {block} numbers that differ from {tables}: `make readme-numbers`")
        elif update(path, tables, block):
            lines.append(f"{path}: {block} numbers rewritten from {tables}")
    return lines
