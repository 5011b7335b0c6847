"""The checks that say whether a dimensionality study measured anything: plateau, endings, defined rho."""

import numpy as np
import pandas as pd

from prunability.dimensionality.adequacy import adequacy, plateau


def rounds_of(dimension: int, accuracies: list[float], n: int = 1000) -> pd.DataFrame:
    """One run of the task experiment with these test accuracies, round 0 first."""
    return pd.DataFrame(
        {
            "experiment": "task",
            "model": "mlp-16-8",
            "dimension": dimension,
            "seed": 0,
            "round": range(len(accuracies)),
            "test_accuracy": accuracies,
            "test_examples": n,
        }
    )


def test_a_dense_round_beaten_beyond_noise_is_below_its_plateau():
    rounds = pd.concat([rounds_of(2, [0.80, 0.95, 0.96, 0.94]), rounds_of(4, [0.95, 0.951, 0.949, 0.90])])
    cells = plateau(rounds).set_index("dimension")
    assert cells.loc[2, "undertrained"] and not cells.loc[4, "undertrained"]
    assert np.isclose(cells.loc[2, "gain"], 100 * (0.95 - 0.80))
    # A gain inside the noise margin is not a plateau failure: 0.3 points on 1,000 examples is noise.
    assert not plateau(rounds_of(2, [0.950, 0.953, 0.953])).loc[0, "undertrained"]
    assert plateau(rounds_of(2, [0.950, 0.953, 0.953], n=1_000_000)).loc[0, "undertrained"]


def test_endings_floors_and_undefined_rho_are_counted_per_criterion():
    rounds = pd.concat([rounds_of(2, [0.80, 0.95, 0.96]), rounds_of(4, [0.95, 0.95, 0.90])])
    prunability = pd.DataFrame(
        {
            "experiment": "task",
            "model": "mlp-16-8",
            "dimension": [2, 4, 2, 4],
            "seed": 0,
            "criterion": ["tolerance", "tolerance", "strict", "strict"],
            "matches_at_last_round": [True, False, True, False],
            "ended_by": ["cap", "failure", "cap", "failure"],
        }
    )
    correlation = pd.DataFrame(
        {
            "experiment": "task",
            "criterion": ["strict", "tolerance", "strict"],
            "scope": ["pooled", "pooled", "model"],
            "axis": "dimension",
            "rho_mean": [0.5, np.nan, 0.1],
        }
    )
    checks = adequacy(rounds, prunability, correlation)
    assert checks["criterion"].tolist() == ["strict", "tolerance"]  # the paper's rule first
    assert checks[["runs", "failure", "floors"]].values.tolist() == [[2, 1, 1], [2, 1, 1]]
    assert checks["rho_defined"].tolist() == [True, False]
    assert checks[["cells", "undertrained"]].values.tolist() == [[2, 1], [2, 1]]
