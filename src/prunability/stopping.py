"""When an IMP chain may stop, and what stopping would have changed.

A chain that has failed its base rule (strict, tolerance or noise; ``statistics.Matching``) in ``patience``
consecutive rounds is unlikely to match again: pruning on would only train rounds that no criterion counts. The
fidelity of such a rule is measured on fixed-round tables: truncate every run where the rule would have ended it
and ask, per criterion, whether its smallest matching subnetwork changes.
"""

import numpy as np
import pandas as pd

from prunability.statistics import BASE_CRITERIA, RUN_KEYS, Matching, ordered, smallest_matching


def last_round(failing: np.ndarray, patience: int) -> int:
    """The round a chain ends after: the first round that completes ``patience`` consecutive failures (rounds in
    order, round 0 first), or the last round where that never happens."""
    streak = 0
    for r, failed in enumerate(failing):
        streak = streak + 1 if failed else 0
        if streak == patience:
            return r
    return len(failing) - 1


def truncate(rounds: pd.DataFrame, base: str, patience: int, matching: Matching | None = None) -> pd.DataFrame:
    """Every run's rounds up to where the stop rule (``patience`` consecutive failures of ``base``) ends it."""
    matching = matching or Matching()
    kept = []
    for _, run in rounds.groupby(RUN_KEYS, sort=True):
        run = run.sort_values("round")
        accuracy = run["test_accuracy"].to_numpy()
        n = run["test_examples"].to_numpy() if "test_examples" in run else None
        failing = ~matching.matches(base, accuracy[0], accuracy, n)
        kept.append(run.iloc[: last_round(failing, patience) + 1])
    return pd.concat(kept, ignore_index=True)


def fidelity(
    rounds: pd.DataFrame,
    criteria: list[str] | tuple[str, ...],
    patiences: tuple[int, ...] = (1, 2, 3),
    matching: Matching | None = None,
) -> pd.DataFrame:
    """Per base rule, patience and criterion: runs whose smallest matching subnetwork the stop rule would change
    (its round differs from the fixed-round table's), and the rounds trained with and without it."""
    criteria, matching = ordered(criteria), matching or Matching()
    full = smallest_matching(rounds, criteria, matching).set_index([*RUN_KEYS, "criterion"])["round"]
    rows = []
    for base in BASE_CRITERIA:
        for patience in patiences:
            stopped = truncate(rounds, base, patience, matching)
            short = smallest_matching(stopped, criteria, matching).set_index([*RUN_KEYS, "criterion"])["round"]
            changed = (short != full).groupby(level="criterion").sum()
            for criterion in criteria:
                rows.append(
                    {
                        "base": base,
                        "patience": patience,
                        "criterion": criterion,
                        "runs": int(rounds.groupby(RUN_KEYS).ngroups),
                        "changed": int(changed[criterion]),
                        "rounds_fixed": len(rounds),
                        "rounds_stopped": len(stopped),
                    }
                )
    return pd.DataFrame(rows)
