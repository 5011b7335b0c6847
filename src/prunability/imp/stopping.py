"""When an IMP chain stops, and what stopping would have changed.

A chain that has failed its stop rule in ``patience`` consecutive rounds is unlikely to match again: pruning on
would only train rounds that no criterion counts. A round fails the rule when it fails every one of the rule's
base criteria (strict, tolerance, noise; ``Matching``): the default rule, ``lenient``, holds every base
criterion the study reports, so a chain runs as long as any of them could still find a smaller matching round.

The round job applies the rule to the metrics of round 0 and the ``patience`` rounds before it (``ended_after``);
statistics name why each run ended (``ended_by``). The fidelity of a rule is measured on fixed-round tables:
truncate every run where the rule would have ended it and ask, per criterion, whether its smallest matching
subnetwork changes.
"""

import numpy as np
import pandas as pd

from prunability.dimensionality.statistics import RUN_KEYS, ordered, smallest_matching
from prunability.matching import BASE_CRITERIA, LENIENT, Matching, StopRule, base_of, streak_end


def run_ended_after(rule: StopRule, run: pd.DataFrame) -> int | None:
    """``rule.ended_after`` of one run's rows of a rounds table."""
    return rule.ended_after(run["round"].to_numpy(), run["test_accuracy"].to_numpy(), _examples(run))


def _examples(run: pd.DataFrame) -> np.ndarray | None:
    return run["test_examples"].to_numpy() if "test_examples" in run else None


def last_round(failing: np.ndarray, patience: int) -> int:
    """The round a chain ends after: where its failures complete the streak, or its last round."""
    end = streak_end(failing, patience)
    return len(failing) - 1 if end is None else end


def ended_by(rounds: pd.DataFrame, rules: dict[str, "StopRule | None"]) -> pd.DataFrame:
    """Per run: ``failure`` where its experiment's rule (``rules`` by experiment; None: fixed rounds) ended its
    chain after its last round, ``cap`` where the round cap did."""
    rows = []
    for key, run in rounds.groupby(RUN_KEYS, sort=True):
        rule = rules.get(key[0])
        ended = (
            None
            if rule is None
            else rule.ended_after(run["round"].to_numpy(), run["test_accuracy"].to_numpy(), _examples(run))
        )
        failed = ended == run["round"].max()
        rows.append({**dict(zip(RUN_KEYS, key, strict=True)), "ended_by": "failure" if failed else "cap"})
    return pd.DataFrame(rows, columns=[*RUN_KEYS, "ended_by"])


def with_ended_by(prunability: pd.DataFrame, rounds: pd.DataFrame, rules: dict[str, dict | None]) -> pd.DataFrame:
    """``prunability`` with why each run ended. Unchanged where every experiment prunes to the cap (``rules`` all
    None). ``matches_at_last_round`` keeps its meaning, a floor: under the lenient rule a chain the rule ended
    never matches at its last round; under a single criterion it may under the others, whose search it cut."""
    stop = {e: StopRule.from_dict(rule) for e, rule in rules.items() if rule is not None}
    if not stop:
        return prunability
    return prunability.merge(ended_by(rounds, stop), on=RUN_KEYS, how="left")


def truncate(rounds: pd.DataFrame, rule: StopRule) -> pd.DataFrame:
    """Every run's rounds up to where ``rule`` ends it."""
    kept = []
    for _, run in rounds.groupby(RUN_KEYS, sort=True):
        run = run.sort_values("round")
        failing = rule.failing(run["test_accuracy"].to_numpy(), _examples(run))
        kept.append(run.iloc[: last_round(failing, rule.patience) + 1])
    return pd.concat(kept, ignore_index=True)


def fidelity(
    rounds: pd.DataFrame,
    criteria: list[str] | tuple[str, ...],
    patiences: tuple[int, ...] = (1, 2, 3),
    matching: Matching | None = None,
) -> pd.DataFrame:
    """Per stop criterion (each base rule alone, and ``lenient``: all of ``criteria``'s base rules), patience and
    reported criterion: runs whose smallest matching subnetwork the stop rule would change (its round differs from
    the fixed-round table's), and the rounds trained with and without it."""
    criteria, matching = ordered(criteria), matching or Matching()
    full = smallest_matching(rounds, criteria, matching).set_index([*RUN_KEYS, "criterion"])["round"]
    bases = {**{b: (b,) for b in BASE_CRITERIA}, LENIENT: base_of(criteria, matching.first_failure_of)}
    rows = []
    for base, stop_criteria in bases.items():
        for patience in patiences:
            stopped = truncate(rounds, StopRule(stop_criteria, patience, matching))
            short = smallest_matching(stopped, criteria, matching).set_index([*RUN_KEYS, "criterion"])["round"]
            changed = (short != full).groupby(level="criterion").sum()
            rows += [
                {
                    "base": base,
                    "patience": patience,
                    "criterion": criterion,
                    "runs": int(rounds.groupby(RUN_KEYS).ngroups),
                    "changed": int(changed[criterion]),
                    "rounds_fixed": len(rounds),
                    "rounds_stopped": len(stopped),
                }
                for criterion in criteria
            ]
    return pd.DataFrame(rows)
