"""A pooled correlation survives other numerics only when it is defined, stays close and keeps a resolved sign."""

import numpy as np
import pandas as pd

from prunability.dimensionality.perturbation import perturbation


def summary(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    """A correlation_summary with pooled dimension rows, and a per-model row that must be ignored."""
    pooled = [
        {
            "experiment": e,
            "axis": "dimension",
            "criterion": c,
            "scope": "pooled",
            "model": "all",
            "rho_mean": r,
            "rho_std": s,
            "undefined": 0,
        }
        for e, c, r, s in rows
    ]
    other = {**pooled[0], "scope": "model", "model": "mlp-16-8", "rho_mean": -0.9}
    return pd.DataFrame([*pooled, other])


def test_perturbation_judges_move_sign_and_definition():
    a = summary(
        [
            ("task", "strict", 0.50, 0.05),
            ("task", "noise", 0.05, 0.04),
            ("extrinsic", "strict", 0.3, 0.02),
            ("intrinsic", "strict", 0.4, 0.03),
        ]
    )
    b = summary(
        [
            ("task", "strict", 0.45, 0.05),
            ("task", "noise", -0.05, 0.04),
            ("extrinsic", "strict", 0.6, 0.02),
            ("intrinsic", "strict", np.nan, np.nan),
        ]
    )
    table = perturbation({"a": a, "b": b}).set_index(["experiment", "criterion"])
    assert table.loc[("task", "strict"), "survives"]  # moves 0.05, resolved, same sign
    noise = table.loc[("task", "noise")]
    assert not noise["resolved"] and not noise["sign_kept"] and noise["survives"]  # unresolved: sign may flip
    assert not table.loc[("extrinsic", "strict"), "survives"]  # moves 0.3
    assert table.loc[("extrinsic", "strict"), "move"] == np.float64(0.6) - np.float64(0.3)
    assert not table.loc[("intrinsic", "strict"), "survives"]  # undefined in one run
    assert list(table.index.get_level_values("criterion")[table.index.get_level_values(0) == "task"]) == [
        "strict",
        "noise",
    ]


def test_a_resolved_sign_that_flips_fails_even_when_close():
    a = summary([("task", "tolerance", 0.09, 0.02)])
    b = summary([("task", "tolerance", -0.09, 0.02)])
    row = perturbation({"a": a, "b": b}).iloc[0]
    assert row["resolved"] and not row["sign_kept"] and not row["survives"]
