"""The stop rule on hand-made accuracy curves: where a chain ends, and what ending there changes."""

import numpy as np
import pandas as pd

from prunability.dimensionality.statistics import smallest_matching
from prunability.imp.stopping import StopRule, ended_by, fidelity, last_round, run_ended_after, truncate, with_ended_by
from prunability.matching import Matching


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
    assert list(truncate(rounds, StopRule(("strict",), 2))["round"]) == [0, 1, 2, 3]
    table = fidelity(rounds, ["strict", "tolerance", "first-failure"], (2, 3), Matching(tolerance=0.015))
    by = table.set_index(["base", "patience", "criterion"])["changed"]
    assert by["strict", 2, "strict"] == 1 and by["strict", 3, "strict"] == 0
    assert by["strict", 2, "tolerance"] == 1  # tolerance matched rounds 2-4 too: its smallest was round 4
    assert by["strict", 2, "first-failure"] == 0  # it never counts beyond the first failure anyway
    assert by["tolerance", 2, "tolerance"] == 0  # tolerance fails only at round 5, the last
    assert set(table["rounds_fixed"]) == {6}
    assert table.set_index(["base", "patience", "criterion"]).loc[("strict", 2, "strict"), "rounds_stopped"] == 4


def test_the_lenient_rule_fails_a_round_only_when_every_criterion_does():
    # Dense 0.90 on 100 examples: tolerance (0.5 points) fails below 0.895, noise (1.96 SE, ~8 points) far lower.
    rounds = _rounds(0.90, 0.89, 0.88, 0.70, 0.69, 0.68).assign(test_examples=100)
    rule = StopRule.from_dict({"patience": 2, "criteria": ["strict", "tolerance", "noise"], "tolerance": 0.005})
    assert rule.criteria == ("strict", "tolerance", "noise")
    assert list(rule.failing(rounds["test_accuracy"].to_numpy(), rounds["test_examples"].to_numpy())) == [
        False,
        False,
        False,
        True,
        True,
        True,
    ]
    assert run_ended_after(rule, rounds) == 4  # rounds 3 and 4 complete the streak
    assert run_ended_after(rule, rounds.iloc[:4]) is None  # one failure so far: the chain goes on
    strict = StopRule(("strict",), 2)
    assert run_ended_after(strict, rounds.iloc[:3]) == 2


def test_tables_name_why_each_run_ended():
    stopped = _rounds(0.90, 0.91, 0.80, 0.79)  # strict fails at rounds 2 and 3: the rule ended it
    capped = _rounds(0.90, 0.91, 0.92, 0.93).assign(seed=1)  # still matching at its last round: a floor
    rounds = pd.concat([stopped, capped], ignore_index=True)
    rule = {"patience": 2, "criteria": ["strict"]}
    assert list(ended_by(rounds, {"task": StopRule.from_dict(rule)})["ended_by"]) == ["failure", "cap"]
    table = smallest_matching(rounds, ["strict"])
    assert with_ended_by(table, rounds, {"task": None}) is table  # fixed rounds: the table as it always was
    named = with_ended_by(table, rounds, {"task": rule})
    assert list(named["ended_by"]) == ["failure", "cap"]
    assert list(named["matches_at_last_round"]) == [False, True]  # only the capped run is a floor here


def test_a_single_criterion_rule_leaves_the_others_floors():
    # Strict ends the chain after rounds 1-3; tolerance still matched at round 3, where its search was cut.
    rounds = _rounds(0.900, 0.899, 0.898, 0.897)
    table = smallest_matching(rounds, ["strict", "tolerance"])
    named = with_ended_by(table, rounds, {"task": {"patience": 3, "criteria": ["strict"]}})
    assert list(named["ended_by"]) == ["failure", "failure"]
    assert named.set_index("criterion")["matches_at_last_round"].to_dict() == {"strict": False, "tolerance": True}
