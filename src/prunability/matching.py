"""The matching criteria and the stop rule that judges a chain by them, with numpy alone: the config, the CLI's
parser and every round job read them without importing the statistics (pandas, scipy), about a second per job."""

from dataclasses import dataclass, field

import numpy as np

# The rules a round is judged by on its own; first-failure follows one of them (``Matching``).
BASE_CRITERIA = ("strict", "tolerance", "noise")
CRITERIA = (*BASE_CRITERIA, "first-failure")  # the order every table and figure shows them in
LENIENT = "lenient"  # the stop rule's default: a round fails only when it fails every base criterion reported


def base_of(criteria: list[str] | tuple[str, ...], first_failure_of: str) -> tuple[str, ...]:
    """The base criteria behind ``criteria``: each base one, and the rule first-failure follows."""
    derived = (first_failure_of,) if "first-failure" in criteria else ()
    return tuple(c for c in BASE_CRITERIA if c in criteria or c in derived)


# Accuracies are counts over n; a margin of exactly k examples must admit the round that lies on it, whatever
# the float rounding of dense - margin (0.9814 - 0.0005 is 0.98090000000000001 > 0.9809). Far below 1 / n.
BOUNDARY_SLACK = 1e-9


@dataclass(frozen=True)
class Matching:
    """The settings of the matching criteria (``statistics`` in the config)."""

    tolerance: float = 0.005
    z: float = 1.96
    first_failure_of: str = "strict"

    def __post_init__(self) -> None:
        if self.first_failure_of not in BASE_CRITERIA:
            raise ValueError(
                f"first_failure_of must be one of {', '.join(BASE_CRITERIA)}; got {self.first_failure_of!r}"
            )
        if self.tolerance < 0 or self.z < 0:
            raise ValueError(f"tolerance and z must be non-negative; got {self.tolerance} and {self.z}")

    def matches(self, criterion: str, dense: float, accuracy: np.ndarray, n: np.ndarray | None) -> np.ndarray:
        """Whether each round (in round order, round 0 first) matches the dense accuracy under ``criterion``."""
        if criterion == "strict":
            return accuracy >= dense
        if criterion == "tolerance":
            return accuracy >= dense - self.tolerance - BOUNDARY_SLACK
        if criterion == "noise":
            if n is None:
                raise ValueError("the noise criterion needs the test-set size: the rounds table has no test_examples")
            return accuracy >= dense - self.z * difference_se(dense, accuracy, n) - BOUNDARY_SLACK
        if criterion == "first-failure":
            return np.logical_and.accumulate(self.matches(self.first_failure_of, dense, accuracy, n))
        raise ValueError(f"unknown matching criterion {criterion!r}; known: {', '.join(CRITERIA)}")


def difference_se(a0: float, a: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Binomial standard error of a - a0, two accuracies on ``n`` test examples each, as independent estimates."""
    return np.sqrt((a0 * (1 - a0) + a * (1 - a)) / n)


def streak_end(failing: np.ndarray, patience: int) -> int | None:
    """The first round (rounds in order, round 0 first) that completes ``patience`` consecutive failures, or None."""
    streak = 0
    for r, failed in enumerate(failing):
        streak = streak + 1 if failed else 0
        if streak == patience:
            return r
    return None


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

    def ended_after(self, rounds: np.ndarray, accuracy: np.ndarray, n: np.ndarray | None) -> int | None:
        """The round after which a chain with these rounds (any order, round 0 among them) ended, or None while it
        may go on."""
        order = np.argsort(rounds, kind="stable")
        n = None if n is None else np.asarray(n)[order]
        end = streak_end(self.failing(np.asarray(accuracy)[order], n), self.patience)
        return None if end is None else int(np.asarray(rounds)[order][end])
