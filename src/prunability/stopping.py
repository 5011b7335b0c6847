"""When an IMP chain stops, and what stopping would have changed.

A chain that has failed its stop rule in ``patience`` consecutive rounds is unlikely to match again: pruning on
would only train rounds that no criterion counts. A round fails the rule when it fails every one of the rule's
base criteria (strict, tolerance, noise; ``statistics.Matching``): the default rule, ``lenient``, holds every base
criterion the study reports, so a chain runs as long as any of them could still find a smaller matching round.

The round job applies the rule to the metrics of round 0 and the ``patience`` rounds before it (``ended_after``);
statistics name why each run ended (``ended_by``). The fidelity of a rule is measured on fixed-round tables:
truncate every run where the rule would have ended it and ask, per criterion, whether its smallest matching
subnetwork changes.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from prunability.criteria import BASE_CRITERIA, LENIENT, base_of
from prunability.statistics import RUN_KEYS, Matching, ordered, smallest_matching


@dataclass(frozen=True)
class StopRule:
    """End a chain after ``patience`` consecutive rounds that fail every one of ``criteria``."""

    criteria: tuple[str, ...]
    patience: int = 3
    matching: Matching = field(default_factory=Matching)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.criteria) - set(BASE_CRITERIA))
        if not self.criteria or unknown:
            raise ValueError(f"a stop rule needs base criteria ({', '.join(BASE_CRITERIA)}); got {self.criteria}")
        if self.patience < 1:
            raise ValueError(f"a stop rule's patience is at least 1; got {self.patience}")

    @classmethod
    def from_dict(cls, rule: dict) -> "StopRule":
        """The rule as ``config.stop_rule`` spells it (JSON, passed to every round job): its resolved base
        ``criteria``, ``patience``, and the margins of those criteria that have one."""
        defaults = Matching()
        matching = Matching(rule.get("tolerance", defaults.tolerance), rule.get("z", defaults.z))
        return cls(tuple(rule["criteria"]), rule["patience"], matching)

    def failing(self, accuracy: np.ndarray, n: np.ndarray | None) -> np.ndarray:
        """Whether each round (round 0 first, as the run's dense reference) fails every criterion of the rule."""
        matched = [self.matching.matches(c, accuracy[0], accuracy, n) for c in self.criteria]
        return ~np.logical_or.reduce(matched)

    def ended_after(self, run: pd.DataFrame) -> int | None:
        """The round after which the chain of ``run`` (its rounds in any order, round 0 among them) ended, or None
        while it may go on."""
        run = run.sort_values("round")
        end = streak_end(self.failing(run["test_accuracy"].to_numpy(), _examples(run)), self.patience)
        return None if end is None else int(run["round"].iloc[end])


def _examples(run: pd.DataFrame) -> np.ndarray | None:
    return run["test_examples"].to_numpy() if "test_examples" in run else None


def streak_end(failing: np.ndarray, patience: int) -> int | None:
    """The first round (rounds in order, round 0 first) that completes ``patience`` consecutive failures, or None."""
    streak = 0
    for r, failed in enumerate(failing):
        streak = streak + 1 if failed else 0
        if streak == patience:
            return r
    return None


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
        failed = rule is not None and rule.ended_after(run) == run["round"].max()
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
