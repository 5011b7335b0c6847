"""Smallest matching subnetworks on hand-made curves; the Monte-Carlo Spearman correlation."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from prunability.dimensionality import statistics as st
from prunability.matching import BASE_CRITERIA, difference_se


def _rounds(curves: dict[tuple[str, int, int], list[float]]) -> pd.DataFrame:
    rows = []
    for (model, dim, seed), accs in curves.items():
        for r, acc in enumerate(accs):
            rows.append(
                {
                    "experiment": "task",
                    "model": model,
                    "dimension": dim,
                    "seed": seed,
                    "round": r,
                    "density": 0.8**r,
                    "density_all": 0.9 * 0.8**r + 0.1,
                    "test_accuracy": acc,
                }
            )
    return pd.DataFrame(rows)


def test_smallest_matching_on_hand_made_curves():
    rounds = _rounds(
        {
            ("m", 1, 0): [0.90, 0.91, 0.90, 0.89, 0.95],  # non-monotone: the last round matches again
            ("m", 1, 1): [0.90, 0.91, 0.89, 0.92, 0.80],
            ("m", 2, 0): [0.90, 0.85, 0.80, 0.70, 0.60],  # never matches after dense
        }
    )
    out = st.smallest_matching(rounds).set_index(["dimension", "seed"])
    assert out.loc[(1, 0), "round"] == 4 and out.loc[(1, 0), "matches_at_last_round"]
    assert out.loc[(1, 1), "round"] == 3
    assert out.loc[(2, 0), "round"] == 0 and out.loc[(2, 0), "remaining_pct"] == 100
    assert out.loc[(1, 1), "remaining_pct"] == pytest.approx(100 * 0.8**3)
    assert out.loc[(1, 1), "remaining_all_pct"] == pytest.approx(100 * (0.9 * 0.8**3 + 0.1))
    loose = st.smallest_matching(rounds, ["tolerance"], st.Matching(tolerance=0.06)).set_index(["dimension", "seed"])
    assert loose.loc[(2, 0), "round"] == 1 and (loose["criterion"] == "tolerance").all()


def _one_run(accuracies: list[float], n: int = 10_000) -> pd.DataFrame:
    return _rounds({("m", 1, 0): accuracies}).assign(test_examples=n)


def _chosen(rounds: pd.DataFrame, matching: st.Matching | None = None) -> dict[str, int]:
    out = st.smallest_matching(rounds, list(st.CRITERIA), matching or st.Matching())
    assert out["criterion"].tolist() == list(st.CRITERIA)  # every criterion, the paper's first
    return dict(zip(out["criterion"], out["round"], strict=True))


def test_strict_and_first_failure_disagree_on_a_lucky_late_round():
    # rounds 1-2 match, round 3 falls 0.1 point short, round 4 is lucky: strict rewards it, first-failure not
    chosen = _chosen(_one_run([0.9800, 0.9810, 0.9805, 0.9790, 0.9801, 0.9500]))
    assert chosen["strict"] == 4 and chosen["first-failure"] == 2
    # the same 0.1 point is inside the tolerance and inside the noise of 10,000 examples
    assert chosen["tolerance"] == 4 and chosen["noise"] == 4


def test_the_paper_scale_curve_that_strict_ranks_by_noise():
    # dense 98.14 %, rounds 1-6 above it, rounds 7-15 0.02-0.13 points below, then about 0.3 below: the
    # issue's measured shape (10,000 test examples)
    curve = [0.9814, 0.9820, 0.9816, 0.9823, 0.9818, 0.9815, 0.9817]
    curve += [0.9812, 0.9801, 0.9809, 0.9805, 0.9810, 0.9803, 0.9808, 0.9811, 0.9806, 0.9788, 0.9778]
    chosen = _chosen(_one_run(curve))
    assert chosen["strict"] == 6 and chosen["first-failure"] == 6
    assert chosen["tolerance"] == 17 and chosen["noise"] == 17  # 0.36 points is within z * SE = 0.39 points


def test_noise_rule_matches_a_direct_binomial_computation():
    n, dense, z = 2_000, 0.9, 1.96
    se = np.sqrt((dense * (1 - dense) + 0.88 * (1 - 0.88)) / n)  # of 0.88 - 0.90 on 2,000 examples: 0.99 points
    assert difference_se(dense, np.array([0.88]), np.array([n]))[0] == pytest.approx(se)
    just_in, just_out = dense - z * se + 1e-4, dense - z * se - 1e-4
    matched = st.Matching(z=z).matches("noise", dense, np.array([dense, just_in, just_out]), np.full(3, n))
    assert matched.tolist() == [True, True, False]
    # a larger z widens it, and a larger test set narrows it
    assert st.Matching(z=3.0).matches("noise", dense, np.array([just_out]), np.array([n]))[0]
    assert not st.Matching(z=z).matches("noise", dense, np.array([just_in]), np.array([4 * n]))[0]


def test_first_failure_can_follow_another_rule_and_unknown_rules_are_refused():
    curve = _one_run([0.98, 0.979, 0.97, 0.981])
    assert _chosen(curve, st.Matching(first_failure_of="tolerance"))["first-failure"] == 1
    with pytest.raises(ValueError, match="unknown matching criterion"):
        st.smallest_matching(curve, ["lenient"])
    with pytest.raises(ValueError, match="test_examples"):
        st.smallest_matching(curve.drop(columns="test_examples"), ["noise"])


def test_a_round_exactly_at_the_margin_matches_despite_float_rounding():
    # 0.9814 - 0.0005 rounds above 0.9809 in binary: five examples of 10,000 below dense must still match
    assert 0.9809 < 0.9814 - 0.0005
    curve = _one_run([0.9814, 0.9809, 0.9808])
    assert _chosen(curve, st.Matching(tolerance=0.0005))["tolerance"] == 1
    with pytest.raises(ValueError, match="first_failure_of"):
        st.Matching(first_failure_of="first-failure")


def test_sensitivity_runs_from_strict_to_one_point():
    table = st.sensitivity(_one_run([0.9800, 0.9810, 0.9790, 0.9760, 0.9700]))
    assert table["tolerance_points"].tolist() == list(st.SENSITIVITY_POINTS)
    by_tolerance = dict(zip(table["tolerance_points"], table["remaining_pct"], strict=True))
    assert by_tolerance[0.0] == pytest.approx(80) and by_tolerance[0.1] == pytest.approx(64)
    assert by_tolerance[0.4] == pytest.approx(100 * 0.8**3) and by_tolerance[1.0] == pytest.approx(100 * 0.8**4)


def test_summary_is_mean_and_sample_std_over_seeds():
    prun = pd.DataFrame(
        {
            "experiment": "e",
            "model": "m",
            "dimension": [1, 1, 1, 2],
            "seed": [0, 1, 2, 0],
            "remaining_pct": [10.0, 12.0, 14.0, 5.0],
            "remaining_all_pct": [11.0, 13, 15, 6],
            "dense_accuracy": [0.9, 0.9, 0.9, 0.8],
        }
    )
    out = st.summarize(prun).set_index("dimension")
    assert out.loc[1, "remaining_pct_mean"] == 12 and out.loc[1, "remaining_pct_std"] == pytest.approx(2)
    assert out.loc[2, "remaining_pct_std"] == 0 and out.loc[2, "seeds"] == 1


def test_row_spearman_matches_scipy_with_ties():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 4, size=(20, 50)).astype(float)
    b = np.round(rng.normal(size=(20, 50)), 1)
    ours = st.row_spearman(a, b)
    for i in range(20):
        assert ours[i] == pytest.approx(spearmanr(a[i], b[i]).statistic, abs=1e-12)
    assert np.isnan(st.row_spearman(a[:1], np.ones((1, 50))))[0]


def test_rollouts_recover_a_perfect_monotone_relation():
    rho = st.spearman_rollouts(np.array([16, 32, 64]), np.array([1.0, 2.0, 3.0]), np.zeros(3), 50, 30, 0)
    assert np.allclose(rho, 1.0)
    rho = st.spearman_rollouts(np.array([16, 32, 64]), np.array([3.0, 2.0, 1.0]), np.zeros(3), 50, 30, 0)
    assert np.allclose(rho, -1.0)


# The paper's Tables 1 (extrinsic) and 3 (task): model, dimension, mean, std of % weights remaining.
TABLE1 = [
    ("w16", 16, 15.86, 0.71),
    ("w16", 32, 19.15, 1.96),
    ("w16", 64, 18.38, 1.70),
    ("w16", 128, 14.53, 1.30),
    ("w32", 16, 13.37, 1.33),
    ("w32", 32, 14.03, 0.59),
    ("w32", 64, 13.26, 0.50),
    ("w32", 128, 11.76, 1.12),
    ("w64", 16, 10.66, 0.69),
    ("w64", 32, 10.17, 0),
    ("w64", 64, 10.17, 0),
    ("w64", 128, 9.39, 0.25),
]
TABLE3 = [
    ("mlp-256-128", 16, 5.65, 0.09),
    ("mlp-256-128", 32, 5.79, 0),
    ("mlp-256-128", 64, 5.79, 0),
    ("mlp-256-128", 128, 5.72, 0.09),
    ("mlp-512-256", 16, 5.40, 0),
    ("mlp-512-256", 32, 5.40, 0),
    ("mlp-512-256", 64, 5.34, 0.08),
    ("mlp-512-256", 128, 5.40, 0),
    ("mlp-1024-512", 16, 5.06, 0),
    ("mlp-1024-512", 32, 5.06, 0),
    ("mlp-1024-512", 64, 5.06, 0),
    ("mlp-1024-512", 128, 5.06, 0),
]


# Table 2 (intrinsic): its ± is the population std over 3 seeds (70.85 ± 41.22 is 100, 100 and 12.55, ddof 0).
TABLE2 = [
    ("w8", 16, 6.32, 0.23),
    ("w8", 32, 7.73, 0.0),
    ("w8", 64, 9.64, 0.86),
    ("w8", 128, 70.85, 41.22),
    ("w16", 16, 5.43, 0.41),
    ("w16", 32, 6.16, 0.11),
    ("w16", 64, 23.34, 22.58),
    ("w16", 128, 8.87, 0.23),
    ("w32", 16, 4.37, 0.10),
    ("w32", 32, 5.18, 0.29),
    ("w32", 64, 6.09, 0.29),
    ("w32", 128, 9.36, 2.49),
]


def _summary(table, experiment):
    frame = pd.DataFrame(table, columns=["model", "dimension", "remaining_pct_mean", "remaining_pct_std"])
    return frame.assign(experiment=experiment)


def test_pooled_form_reproduces_the_papers_reported_correlations():
    summary = pd.concat([_summary(TABLE1, "extrinsic"), _summary(TABLE3, "task")])
    corr = st.correlation_summary(st.correlation_rollouts(summary, rollouts=2000, samples=1000, seed=0))
    got = corr.set_index(["experiment", "scope"])
    pooled_ext = got.loc[("extrinsic", "pooled")]
    pooled_task = got.loc[("task", "pooled")]
    assert pooled_ext["rho_mean"] == pytest.approx(-0.22, abs=0.02)  # paper: -0.22 ± 0.03
    assert pooled_ext["rho_std"] == pytest.approx(0.03, abs=0.01)
    assert pooled_task["rho_mean"] == pytest.approx(0.01, abs=0.02)  # paper: 0.01 ± 0.03
    # the mean of per-model correlations does not give the reported values
    assert got.loc[("extrinsic", "model_mean"), "rho_mean"] < -0.4
    # a model whose cells are all constant has no defined correlation, and says so
    constant = corr[(corr["experiment"] == "task") & (corr["model"] == "mlp-1024-512")].iloc[0]
    assert constant["undefined"] == 2000 and np.isnan(constant["rho_mean"])


def test_correlation_is_seeded():
    summary = _summary(TABLE1, "extrinsic")
    a = st.correlation_rollouts(summary, rollouts=20, samples=100, seed=1)
    b = st.correlation_rollouts(summary, rollouts=20, samples=100, seed=1)
    c = st.correlation_rollouts(summary, rollouts=20, samples=100, seed=2)
    assert a.equals(b) and not a.equals(c)


def test_summaries_and_correlations_keep_every_criterion_apart():
    curves = {("mlp-8-4", d, s): [0.9, 0.91 - 0.01 * d, 0.89, 0.5] for d in (1, 2, 3) for s in (0, 1)}
    prun = st.smallest_matching(_rounds(curves).assign(test_examples=1000), list(st.CRITERIA))
    summary = st.summarize(prun)
    assert summary.groupby("dimension")["criterion"].apply(list).tolist() == [list(st.CRITERIA)] * 3
    corr = st.correlation_summary(st.correlation_rollouts(summary, rollouts=20, samples=50, seed=0))
    assert set(corr["criterion"]) == set(st.CRITERIA) and len(corr) == 4 * 3  # model, pooled, mean of models
    text = st.markdown_table(summary.assign(id_mle=1.0), {"task": "task dimension"})
    assert "| Model | Task dimension | strict (%) | tolerance (%) | noise (%) | first-failure (%) | Seeds |" in text


def test_markdown_table_lists_every_cell():
    text = st.markdown_table(_summary(TABLE3, "task").assign(seeds=3), {"task": "task dimension"})
    assert "| Model | Task dimension | Weights remaining (%) | Seeds |" in text
    assert text.count("\n| ") == 12 + 1 and "5.65 ± 0.09" in text


def test_ranks_of_few_valued_cells_equal_scipys_average_ranks():
    from scipy.stats import rankdata

    values = np.array([16.0, 32.0, 16.0, 64.0, 128.0, 32.0])
    pick = np.random.default_rng(0).integers(0, len(values), size=(40, 300))
    assert np.array_equal(st.few_valued_ranks(values, pick), rankdata(values[pick], axis=1))


def test_the_cli_offers_exactly_the_base_rules_for_first_failure():
    from prunability.cli import parser

    args = ["stats", "--rounds", "r", "--measured", "m", "--out-dir", "o", "--first-failure-of"]
    for rule in BASE_CRITERIA:
        assert parser().parse_args([*args, rule]).first_failure_of == rule
    with pytest.raises(SystemExit):
        parser().parse_args([*args, "first-failure"])


def test_the_papers_std_is_over_its_seeds_with_ddof_0():
    runs = pd.DataFrame(
        {"experiment": "i", "model": "w8", "dimension": 128, "seed": [0, 1, 2], "remaining_pct": [100, 100, 12.55]}
    ).assign(remaining_all_pct=0.0, dense_accuracy=0.9)
    paper, study = st.summarize(runs, ddof=0).iloc[0], st.summarize(runs).iloc[0]
    assert (round(paper["remaining_pct_mean"], 2), round(paper["remaining_pct_std"], 2)) == (70.85, 41.22)
    assert study["remaining_pct_std"] / paper["remaining_pct_std"] == pytest.approx(np.sqrt(1.5))


def test_the_papers_intrinsic_rho_is_not_reproduced_from_its_own_table():
    """Table 2 replayed: pooled 0.68 and mean over models 0.84, under the std as printed or as ddof 1; the paper
    states 0.74 ± 0.01 (docs/results.md)."""
    for scale in (1.0, np.sqrt(1.5)):
        table = [(m, d, mean, std * scale) for m, d, mean, std in TABLE2]
        corr = st.correlation_summary(st.correlation_rollouts(_summary(table, "intrinsic"), 2000, 1000, seed=0))
        got = corr.set_index("scope")["rho_mean"]
        assert abs(got["pooled"] - 0.74) > 0.05 and abs(got["model_mean"] - 0.74) > 0.05
    assert got["pooled"] == pytest.approx(0.65, abs=0.02) and got["model_mean"] == pytest.approx(0.79, abs=0.02)
