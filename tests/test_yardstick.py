"""The yardstick: the reference learner is scikit-learn's logistic regression, the flags follow their rule, and a
study whose dense networks a linear model beats says so in its table, its report and its closing lines."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from prunability.data import image_sets
from prunability.data.synthetic import linear_task
from prunability.layout import ADEQUACY_TABLE, REFERENCE_TABLE
from prunability.operations.runlog import success_message
from prunability.reference import accuracy
from prunability.yardstick import BELOW, CEILING, PASSES, UNPUBLISHED, adequacy, flag, per_run


def _sklearn_accuracy(tensors: dict[str, torch.Tensor]) -> float:
    x_train, x_test = (tensors[k].flatten(1).double().numpy() for k in ("x_train", "x_test"))
    scaler = StandardScaler().fit(x_train)
    model = LogisticRegression(max_iter=1000).fit(scaler.transform(x_train), tensors["y_train"].numpy())
    return float(model.score(scaler.transform(x_test), tensors["y_test"].numpy()))


@pytest.mark.parametrize(
    "data",
    [
        lambda: image_sets.digits(test_fraction=0.25),
        lambda: linear_task(task_dim=8, intrinsic_dim=32, extrinsic_dim=64, n_train=2000, n_test=2000, seed=0),
    ],
    ids=["digits (10 classes, images)", "synthetic task (2 classes)"],
)
def test_reference_learner_is_scikit_learns_logistic_regression(data):
    """The same objective solved by torch's L-BFGS on the job's device: test accuracy within half a point."""
    tensors = data()
    ours = accuracy(tensors, torch.device("cpu"))
    assert abs(ours - _sklearn_accuracy(tensors)) <= 0.005
    assert ours > 0.9  # both tasks are nearly linear: a fit that failed would show here


@pytest.mark.parametrize(
    ("dense", "reference", "expected"),
    [
        (0.90, 0.905, PASSES),  # below, but within the tolerance
        (0.90, 0.915, BELOW),
        (0.99, 0.98, PASSES),  # above the reference
        (0.996, 0.999, CEILING),  # both at the ceiling, whatever the difference
        (0.996, 0.99, PASSES),  # only the dense network at the ceiling: the reference leaves room to fail
    ],
)
def test_flags_follow_the_rule(dense, reference, expected):
    assert flag(dense, reference, tolerance=0.01, ceiling=0.995) == expected


@pytest.mark.parametrize(("dense", "expected"), [(0.85, UNPUBLISHED), (0.90, PASSES)])
def test_a_recorded_published_accuracy_flags_a_recipe_that_did_not_train(dense, expected):
    assert flag(dense, 0.40, tolerance=0.01, ceiling=0.995, published=0.917, margin=0.02) == expected


def test_adequacy_averages_seeds_per_cell_and_measures_the_best_pruned_rise():
    rounds = pd.DataFrame(
        {
            "experiment": "task",
            "model": "mlp-16-8",
            "dimension": [16] * 6,
            "seed": [0, 0, 0, 1, 1, 1],
            "round": [0, 1, 2, 0, 1, 2],
            "test_accuracy": [0.90, 0.93, 0.80, 0.92, 0.91, 0.95],
        }
    )
    reference = pd.DataFrame(
        {"experiment": "task", "dimension": 16, "seed": [0, 1], "reference_accuracy": [0.95, 0.93]}
    )
    table = adequacy(per_run(rounds, reference), tolerance=0.01, ceiling=0.995)
    row = table.iloc[0]
    assert (row.cell, row.seeds, row.flag) == ("dim16", 2, BELOW)
    assert np.isclose(row.dense_accuracy, 0.91) and np.isclose(row.reference_accuracy, 0.94)
    assert np.isclose(row.difference, -3.0) and np.isclose(row.best_pruned_gain, 3.0)  # (3 + 3) / 2 points
    assert np.isnan(row.published_accuracy)
    elsewhere = {"task": {"mlp-16-8": {"accuracy": 0.99, "source": "s", "cells": ["dim32"]}}}
    assert np.isnan(adequacy(per_run(rounds, reference), 0.01, 0.995, elsewhere).iloc[0].published_accuracy)
    reference = reference.assign(reference_accuracy=0.5)
    here = {"task": {"mlp-16-8": {"accuracy": 0.99, "source": "s", "cells": ["dim16"]}}}
    row = adequacy(per_run(rounds, reference), 0.01, 0.995, here, margin=0.02).iloc[0]
    assert (row.published_accuracy, row.flag) == (0.99, UNPUBLISHED)  # 91 % against 99 % published


def test_a_study_a_linear_model_beats_is_flagged_everywhere(tiny_study, monkeypatch):
    """The tiny study's dense networks train for a few steps: the linear model beats them, and its table, its
    report and the closing lines of its run say which cells."""
    tables = tiny_study / "tables"
    reference, table = pd.read_parquet(tables / REFERENCE_TABLE), pd.read_parquet(tables / ADEQUACY_TABLE)
    assert set(reference["experiment"]) == {"task", "extrinsic", "intrinsic"}
    assert reference["reference_accuracy"].between(0, 1).all()
    below = table[table["flag"] == BELOW]
    assert not below.empty and (below["difference"] < -1).all()
    report = (tiny_study / "report.html").read_text()
    assert "The yardstick" in report and BELOW in report
    monkeypatch.chdir(tiny_study.parents[1])  # a run's closing lines name its results relative to its folder
    closing = success_message(tiny_study.name)
    assert f"{len(table) - len(below)} of {len(table)} cells pass" in closing
    assert all(f"{BELOW}: {row.experiment} {row.model} {row.cell}:" in closing for row in below.itertuples())


def test_reference_command_rejects_entries_without_identity(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "prunability.cli", "reference", "--runs", '[{"data": "x"}]', "--out", "o.parquet"],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "each entry needs data and identity" in done.stderr
