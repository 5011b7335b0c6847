"""How many seeds per cell would the default study need for its pooled correlations to survive other numerics?

Another kernel level trains other bits, so a perturbed rerun is, for the correlation, a rerun with fresh noise.
This simulates the perturbation check (the study and two reruns) from a committed study's own runs and counts
how often each pooled rho survives all three (``prunability.dimensionality.perturbation``: moves by less than
0.2, keeps a resolved sign):

- a run's smallest matching round is its cell's mean round plus a residual drawn from the within-cell residuals
  of its model and criterion (every run minus its cell's mean), pooled over dimensions and experiments (two seeds
  a cell say little about one cell's spread; the image experiments share ResNet20-W8 and its recipe), rounded
  and held to [0, cap];
- ``observed``: the cells keep the committed means (the effects as measured, noise included, so optimistic);
  ``no-effect``: every cell of an experiment gets the experiment's mean (what a true null gives);
- each simulated study's rho is the paper's Monte-Carlo pooled form (``correlation_rollouts``), as in the study.

The cost of n seeds comes from the committed timing table: the rounds' wall seconds per seed, times n.

    python benchmarks/seed_power.py results/quick/tables --seeds 2 4 8 16 32 --trials 80
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from prunability.dimensionality.perturbation import perturbation
from prunability.dimensionality.statistics import CELL_KEYS, correlation_rollouts, correlation_summary, summarize
from prunability.layout import PRUNABILITY_TABLE, TIMING_TABLE


def residual_model(prunability: pd.DataFrame, scenario: str) -> dict[tuple[str, str], tuple[pd.Series, dict]]:
    """Per (experiment, criterion): the cells' mean rounds (indexed by model, dimension) and each model's residuals
    under the criterion, pooled over dimensions and experiments."""
    cells = ["model", "dimension"]
    residual = prunability["round"] - prunability.groupby([*CELL_KEYS, "criterion"])["round"].transform("mean")
    model = {}
    for (experiment, criterion), runs in prunability.groupby(["experiment", "criterion"], sort=True):
        means = runs.groupby(cells)["round"].mean()
        pooled = {
            m: residual[(prunability["model"] == m) & (prunability["criterion"] == criterion)]
            for m in means.index.levels[0]
        }
        if scenario == "no-effect":
            means = pd.Series(runs["round"].mean(), index=means.index)
        model[(experiment, criterion)] = (means, {m: r.to_numpy() for m, r in pooled.items()})
    return model


def simulated_study(
    model: dict, seeds: int, caps: dict[str, int], fraction: float, rng: np.random.Generator
) -> pd.DataFrame:
    """One study's per-run smallest matching subnetworks, in the prunability table's columns that summarize reads."""
    rows = []
    for (experiment, criterion), (means, residuals) in model.items():
        for (model_name, dimension), mean in means.items():
            drawn = np.clip(np.rint(mean + rng.choice(residuals[model_name], size=seeds)), 0, caps[experiment])
            for seed, rnd in enumerate(drawn):
                pct = 100 * (1 - fraction) ** rnd
                rows.append(
                    {
                        "experiment": experiment,
                        "model": model_name,
                        "dimension": dimension,
                        "seed": seed,
                        "criterion": criterion,
                        "remaining_pct": pct,
                        "remaining_all_pct": pct,
                        "dense_accuracy": 0.0,
                    }
                )
    return pd.DataFrame(rows)


def pooled_summary(study: pd.DataFrame, rollouts: int, samples: int, seed: int) -> pd.DataFrame:
    """The correlation summary the study's stats job writes, from a simulated study's runs (fewer rollouts: only
    the mean and spread of each rho are compared)."""
    return correlation_summary(correlation_rollouts(summarize(study), rollouts, samples, seed))


def survival(model: dict, seeds: int, trials: int, caps: dict[str, int], fraction: float, seed: int) -> pd.Series:
    """Per (experiment, criterion): the share of simulated trials (a study and two reruns) in which the pooled rho
    survives."""
    rng = np.random.default_rng(seed)
    outcomes = []
    for trial in range(trials):
        runs = {
            f"run{k}": pooled_summary(simulated_study(model, seeds, caps, fraction, rng), 50, 1000, trial)
            for k in range(3)
        }
        outcomes.append(perturbation(runs)[["experiment", "criterion", "survives"]])
    joined = pd.concat(outcomes, ignore_index=True)
    return joined.groupby(["experiment", "criterion"], sort=True)["survives"].mean().rename(seeds)


def seconds_per_seed(tables: Path) -> pd.Series:
    """The committed rounds' wall seconds per experiment, per seed."""
    timing = pd.read_parquet(tables / TIMING_TABLE)
    timing = timing[timing["experiment"].isin(pd.read_parquet(tables / PRUNABILITY_TABLE)["experiment"].unique())]
    return timing.groupby("experiment")["wall_seconds"].sum() / timing["seed"].nunique()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("tables", type=Path, help="a study's tables directory (results/<study>/tables)")
    p.add_argument("--seeds", type=int, nargs="+", default=[2, 4, 8, 16, 32])
    p.add_argument("--trials", type=int, default=80, help="simulated trials (a study, two reruns) per seed count")
    p.add_argument("--prune-fraction", type=float, default=0.36, help="the study's imp.prune_fraction")
    args = p.parse_args()
    prunability = pd.read_parquet(args.tables / PRUNABILITY_TABLE)
    caps = prunability.groupby("experiment")["rounds_run"].max().to_dict()
    per_seed = seconds_per_seed(args.tables)
    for scenario in ("observed", "no-effect"):
        model = residual_model(prunability, scenario)
        table = pd.concat(
            [survival(model, n, args.trials, caps, args.prune_fraction, seed=n) for n in args.seeds], axis=1
        )
        print(f"\n{scenario}: share of {args.trials} simulated trials in which each pooled rho survives")
        print(f"expected survivors of {len(table)}: " + ", ".join(f"{n} seeds {table[n].sum():.1f}" for n in table))
        with pd.option_context("display.width", 200, "display.float_format", "{:.2f}".format):
            print(table.to_string())
    print("\nrounds' wall seconds (job seconds) per seed, committed timing:")
    for n in args.seeds:
        total = n * per_seed.sum()
        print(f"  {n:>3} seeds: {total:7.0f} job-s ({total / 2 / 60:5.1f} min on 2 cores, perfectly packed)")
    print(", ".join(f"{e}: {s:.0f} s per seed" for e, s in per_seed.items()))


if __name__ == "__main__":
    main()
