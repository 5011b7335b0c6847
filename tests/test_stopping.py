"""The stop rule on hand-made accuracy curves: where a chain ends, and what ending there changes."""

import numpy as np
import pandas as pd

from prunability.statistics import Matching
from prunability.stopping import fidelity, last_round, truncate


def test_a_chain_ends_at_the_round_that_completes_the_streak():
    failing = np.array([False, True, False, True, True, True])
    assert last_round(failing, 1) == 1
    assert last_round(failing, 2) == 4
    assert last_round(failing, 3) == 5
    assert last_round(failing, 4) == 5  # never reached: the chain runs to its cap


def _rounds(*accuracies: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "experiment": "task",
            "model": "mlp",
            "dimension": 16,
            "seed": 0,
            "round": range(len(accuracies)),
            "density": [0.8**r for r in range(len(accuracies))],
            "density_all": [0.8**r for r in range(len(accuracies))],
            "test_accuracy": accuracies,
            "test_examples": 10_000,
        }
    )


def test_a_lucky_late_round_is_what_stopping_early_gives_up():
    # Strict fails at rounds 2 and 3, then round 4 is lucky: stopping after 2 failures loses round 4.
    rounds = _rounds(0.90, 0.91, 0.89, 0.88, 0.90, 0.80)
    assert list(truncate(rounds, "strict", 2)["round"]) == [0, 1, 2, 3]
    table = fidelity(rounds, ["strict", "tolerance", "first-failure"], (2, 3), Matching(tolerance=0.015))
    by = table.set_index(["base", "patience", "criterion"])["changed"]
    assert by["strict", 2, "strict"] == 1 and by["strict", 3, "strict"] == 0
    assert by["strict", 2, "tolerance"] == 1  # tolerance matched rounds 2-4 too: its smallest was round 4
    assert by["strict", 2, "first-failure"] == 0  # it never counts beyond the first failure anyway
    assert by["tolerance", 2, "tolerance"] == 0  # tolerance fails only at round 5, the last
    assert set(table["rounds_fixed"]) == {6}
    assert table.set_index(["base", "patience", "criterion"]).loc[("strict", 2, "strict"), "rounds_stopped"] == 4
