"""The structure study's tables: per-run and per-round analysis outputs gathered into long tables, the
accuracy of every round, the critical sparsity of every run and zeroing summarised per stage.

Every table carries the run's identity (experiment, model, pretrain_epochs, train_epochs, seed), ``round``
and ``network_sparsity`` (1 - density of the prunable weights), so any figure joins on them.
"""

from pathlib import Path

import pandas as pd

from prunability.artifacts import read_frames, write_frame
from prunability.errors import ArtifactError
from prunability.layout import PER_RUN_TABLES, SCHEDULE_RUN, per_round_output, per_run_table, structure_table
from prunability.matching import Matching
from prunability.structure.registry import ANALYSES, resolve

RUN = list(SCHEDULE_RUN)


def accuracy_table(metrics: list[str | Path]) -> pd.DataFrame:
    """One row per round: the round's metrics with its network sparsity."""
    frame = read_frames(metrics).sort_values([*RUN, "round"], ignore_index=True)
    return frame.assign(network_sparsity=1 - frame["density"])


def critical_sparsity(accuracy: pd.DataFrame, tolerance: dict[str, float]) -> pd.DataFrame:
    """Per run: the highest network sparsity that matches the dense accuracy under the tolerance rule.

    A matching subnetwork judged by ``Matching`` itself, so the two studies draw the boundary identically.
    """
    rows = []
    for key, run in accuracy.groupby(RUN, sort=True):
        dense = run.loc[run["round"] == 0, "test_accuracy"].item()
        tol = tolerance[key[0]]
        match = run[Matching(tolerance=tol).matches("tolerance", dense, run["test_accuracy"].to_numpy(), None)]
        best = match.loc[match["network_sparsity"].idxmax()]
        rows.append(
            dict(zip(RUN, key, strict=True))
            | {
                "dense_accuracy": dense,
                "tolerance": tol,
                "critical_round": int(best["round"]),
                "critical_sparsity": float(best["network_sparsity"]),
                "accuracy_at_critical": float(best["test_accuracy"]),
                "rounds": int(run["round"].max()),
            }
        )
    return pd.DataFrame(rows)


def is_floor(critical: pd.DataFrame) -> pd.Series:
    """Per run of a ``critical_sparsity`` table: its last round still matched, so its critical sparsity is a
    floor set by the number of rounds, not where the network stopped matching."""
    return critical["critical_round"] == critical["rounds"]


def zeroing_by_stage(zeroing: pd.DataFrame) -> pd.DataFrame:
    """Per run, round and stage: the distribution of the accuracy change over the stage's neurons."""
    keys = [*RUN, "round", "network_sparsity", "stage"]
    grouped = zeroing.groupby(keys, sort=True)["delta_accuracy"]
    return grouped.agg(
        neurons="size",
        mean_delta_accuracy="mean",
        median_delta_accuracy="median",
        min_delta_accuracy="min",
        max_delta_accuracy="max",
    ).reset_index()


def _with_sparsity(frame: pd.DataFrame, accuracy: pd.DataFrame) -> pd.DataFrame:
    """Add the round's network sparsity (from the accuracy table) to per-round analysis rows."""
    sparsity = accuracy[[*RUN, "round", "network_sparsity"]]
    return frame.merge(sparsity, on=[*RUN, "round"], how="left", validate="many_to_one")


def _gather(paths: list[str | Path], order: list[str], accuracy: pd.DataFrame) -> pd.DataFrame:
    if not paths:
        return pd.DataFrame(columns=[*RUN, "round", "network_sparsity"])
    frame = read_frames(paths)
    if "network_sparsity" not in frame:
        frame = _with_sparsity(frame, accuracy)
    return frame.sort_values([c for c in order if c in frame], ignore_index=True, kind="stable")


def _outputs_by_analysis(per_round: list[str]) -> dict[str, list[str]]:
    """The per-round outputs of each registered analysis, told apart by their file names."""
    names = {per_round_output(analysis.name): analysis.name for analysis in ANALYSES}
    unknown = sorted({Path(p).name for p in per_round} - set(names))
    if unknown:
        raise ArtifactError(f"per-round outputs of no registered analysis: {unknown}; known: {sorted(names)}")
    return {analysis.name: [p for p in per_round if names[Path(p).name] == analysis.name] for analysis in ANALYSES}


def write_structure_tables(
    metrics: list[str], run_dirs: list[str], per_round: list[str], tolerance: dict[str, float], out_dir: Path
) -> None:
    """Write ``structure_<name>.parquet`` for every structure table into ``out_dir``: the accuracy of every round,
    critical sparsity, the per-run tables and every registered per-round analysis with its summaries."""
    accuracy = accuracy_table(metrics)
    order = [*RUN, "round"]
    tables = {"accuracy": accuracy, "critical_sparsity": critical_sparsity(accuracy, tolerance)}
    for name in PER_RUN_TABLES:
        tables[name] = _gather([Path(d) / per_run_table(name) for d in run_dirs], order, accuracy)
    outputs = _outputs_by_analysis(per_round)
    for analysis in ANALYSES:
        paths = outputs[analysis.name]
        tables[analysis.name] = _gather(paths, [*order, *analysis.order], accuracy)
        for table, summary in analysis.summaries:
            tables[table] = resolve(summary)(tables[analysis.name]) if paths else tables[analysis.name]
    for name, frame in tables.items():
        write_frame(out_dir / structure_table(name), frame)
