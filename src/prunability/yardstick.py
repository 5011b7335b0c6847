"""The yardstick: is each cell's dense network trained to what its data allows?

Prunability is measured against the dense network, so a dense network that a logistic regression on the same
standardised inputs beats (``prunability.reference``) measures the recipe, not the data: pruning then regularises
it and every round "matches". Per cell (experiment, model, dimension or schedule) this sets the mean dense test
accuracy over seeds beside the mean reference accuracy, and flags the cell:

- ``dense below reference``: dense < reference - tolerance (``statistics.reference_tolerance``, 1 point by default);
- ``at ceiling``: dense and reference both >= ``statistics.ceiling`` (99.5 %): nothing can fail there but by a few
  test examples;
- ``below published``: where the experiment records its model's published dense accuracy (``expected_dense``),
  dense < published - ``statistics.published_margin``: a paper-scale recipe that did not train;
- ``passes`` otherwise.

It also says how far the best pruned round rises above the dense one (mean over seeds, points): a large rise is
the other face of a dense network below its plateau. pandas only, no torch: the controller reads the flags.
"""

from pathlib import Path

import pandas as pd

from prunability.artifacts import write_frame
from prunability.config.plan import schedule_cell
from prunability.layout import DIMENSION_RUN, SCHEDULE_RUN

PASSES, BELOW, CEILING, UNPUBLISHED = "passes", "dense below reference", "at ceiling", "below published"
CELL = ["experiment", "model", "cell"]


def _cells(frame: pd.DataFrame) -> pd.Series:
    """The plan's cell name of each row (``dim16``, ``p1e6``), from its axis columns."""
    if "dimension" in frame:
        return "dim" + frame["dimension"].astype(int).astype(str)
    pairs = zip(frame["pretrain_epochs"], frame["train_epochs"], strict=True)
    return [schedule_cell({"pretrain": p, "train": e}) for p, e in pairs]


def _axis(frame: pd.DataFrame) -> list[str]:
    run = DIMENSION_RUN if "dimension" in frame else SCHEDULE_RUN
    return [column for column in run if column != "model"]


def per_run(rounds: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """A row per run of one kind (every run has the same axis columns): dense accuracy, the best pruned round's,
    and its data's reference accuracy."""
    keys = [*_axis(rounds)[:-1], "model", "seed"]
    dense = rounds[rounds["round"] == 0].set_index(keys)["test_accuracy"].rename("dense_accuracy")
    best = rounds[rounds["round"] > 0].groupby(keys)["test_accuracy"].max().rename("best_pruned_accuracy")
    runs = pd.concat([dense, best], axis=1).reset_index()
    runs = runs.merge(reference[[*_axis(rounds), "reference_accuracy"]], on=_axis(rounds), how="left")
    return runs.assign(cell=_cells(runs))


def flag(
    dense: float, reference: float, tolerance: float, ceiling: float, published: float = float("nan"), margin: float = 0
) -> str:
    """The cell's verdict under the rule in the module docstring (a missing published accuracy is NaN)."""
    if dense >= ceiling and reference >= ceiling:
        return CEILING
    if dense < reference - tolerance:
        return BELOW
    return UNPUBLISHED if dense < published - margin else PASSES


def _published(published: dict, experiment: str, model: str, cell: str) -> float:
    """A model's published dense accuracy where the experiment records one for this cell; NaN elsewhere."""
    entry = published.get(experiment, {}).get(model)
    return entry["accuracy"] if entry and cell in entry.get("cells", [cell]) else float("nan")


def adequacy(
    runs: pd.DataFrame, tolerance: float, ceiling: float, published: dict | None = None, margin: float = 0.02
) -> pd.DataFrame:
    """Per cell: seeds, mean dense and reference accuracy, their difference and the best pruned round's rise above
    dense (both in points), the model's published dense accuracy (an experiment's ``expected_dense``, ``{experiment:
    {model: {accuracy, cells}}}``; NaN where none is recorded for the cell), and the flag."""
    cells = (
        runs.assign(best_pruned_gain=100 * (runs["best_pruned_accuracy"] - runs["dense_accuracy"]))
        .groupby(CELL, sort=True)
        .agg(
            seeds=("seed", "size"),
            dense_accuracy=("dense_accuracy", "mean"),
            reference_accuracy=("reference_accuracy", "mean"),
            best_pruned_gain=("best_pruned_gain", "mean"),
        )
        .reset_index()
    )
    cells.insert(6, "difference", 100 * (cells["dense_accuracy"] - cells["reference_accuracy"]))
    cells["published_accuracy"] = [_published(published or {}, *key) for key in cells[CELL].itertuples(index=False)]
    rows = zip(cells["dense_accuracy"], cells["reference_accuracy"], cells["published_accuracy"], strict=True)
    return cells.assign(flag=[flag(d, r, tolerance, ceiling, p, margin) for d, r, p in rows])


def write_yardstick(
    accuracy: list[Path],
    references: list[Path],
    reference_out: Path,
    adequacy_out: Path,
    tolerance: float,
    ceiling: float,
    published: dict | None = None,
    margin: float = 0.02,
) -> pd.DataFrame:
    """Collect the reference rows into one table and write the adequacy table from every accuracy table given (the
    dimension study's rounds, the structure study's accuracy)."""
    reference = pd.concat([pd.read_parquet(p) for p in references], ignore_index=True)
    write_frame(reference_out, reference)
    runs = []
    for path in accuracy:
        rounds = pd.read_parquet(path)
        runs.append(per_run(rounds, reference[reference["experiment"].isin(rounds["experiment"].unique())]))
    table = adequacy(pd.concat(runs, ignore_index=True), tolerance, ceiling, published, margin)
    write_frame(adequacy_out, table)
    return table


def flagged_lines(table: pd.DataFrame) -> list[str]:
    """What a person reads at the end of a study: how many cells pass, and each flagged cell with its numbers."""
    bad = table[table["flag"] != PASSES]
    lines = [f"yardstick: {len(table) - len(bad)} of {len(table)} cells pass (dense >= reference learner - tolerance)"]
    lines += [
        f"  {row.flag}: {row.experiment} {row.model} {row.cell}: dense {100 * row.dense_accuracy:.2f} %, reference "
        f"{100 * row.reference_accuracy:.2f} % ({row.difference:+.2f} points)"
        for row in bad.itertuples()
    ]
    return lines


def display_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The adequacy table as a person reads it: percentages and points, one row per cell."""
    return pd.DataFrame(
        {
            "Experiment": table["experiment"],
            "Model": table["model"],
            "Cell": table["cell"],
            "Dense (%)": (100 * table["dense_accuracy"]).map("{:.2f}".format),
            "Reference (%)": (100 * table["reference_accuracy"]).map("{:.2f}".format),
            "Dense - reference (points)": table["difference"].map("{:+.2f}".format),
            "Best pruned - dense (points)": table["best_pruned_gain"].map("{:+.2f}".format),
            "Flag": table["flag"],
        }
    )
