"""The structure study's critical sparsity: the highest sparsity within tolerance of dense, and whether it is a
floor (the run still matched at its last round) or a measurement."""

import re

import pandas as pd

from prunability.structure.report import critical_html
from prunability.structure.tables import critical_sparsity, is_floor


def _accuracy(model: str, accuracies: list[float]) -> pd.DataFrame:
    sparsity = [1 - 0.8**r for r in range(len(accuracies))]
    return pd.DataFrame(
        {
            "experiment": "structure",
            "model": model,
            "pretrain_epochs": 1,
            "train_epochs": 2,
            "seed": 0,
            "round": range(len(accuracies)),
            "test_accuracy": accuracies,
            "network_sparsity": sparsity,
        }
    )


def test_a_run_that_stopped_matching_is_measured_and_one_that_never_did_is_a_floor():
    accuracy = pd.concat([_accuracy("resnet20-2", [0.90, 0.91, 0.89, 0.80]), _accuracy("vgg16-2", [0.90, 0.90, 0.90])])
    critical = critical_sparsity(accuracy, {"structure": 0.005})
    # ResNet: round 2 is 1 point below dense, round 1 the last within half a point; VGG: its last round matches
    assert critical["critical_round"].tolist() == [1, 2] and is_floor(critical).tolist() == [False, True]
    assert critical.loc[0, "critical_sparsity"] == 1 - 0.8
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", critical_html(critical), flags=re.S)
    header, *cells = [re.findall(r"<t[hd]>(.*?)</t[hd]>", row) for row in rows]
    floors = header.index("Floors (matched at the last round)")
    assert [row[floors] for row in cells] == ["0", "1"]  # per model, ResNet20 first
