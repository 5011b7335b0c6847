"""Is a dense network trained to what its data allows? Dense round 0 against a linear reference, per recipe.

A pruned round "matches" when it reaches the dense network's accuracy, which says little when the dense network
is beaten by a logistic regression on the raw inputs. For one experiment of a config and candidate recipes
(overrides of its ``training`` and ``dataset`` keys), this builds the experiment's data artifacts as the workflow
does (``prunability.data.registry.build_dataset``), holds out a seeded validation split of the training set,
trains the dense round 0 with the project's engine (``prunability.imp.round.run_round``) on one thread, and fits
the reference: scikit-learn's LogisticRegression(max_iter=1000) on standardised flattened inputs (images at
their stored resolution). It prints a markdown table of validation accuracies and seconds per dense round; with
``--test`` it trains on the whole training set and scores both on the test set instead (the final check only:
recipes are chosen on validation).

    .venv/bin/python benchmarks/calibrate_recipes.py --experiment task --models mlp-16-8 --dimensions 16 128 \\
        --candidate "" --candidate "dataset.n_train=30000 training.batch_size=512 training.duration=6ep"

A candidate is a space-separated list of ``key=value`` overrides of the experiment (values parsed as YAML);
the empty candidate is the config's own recipe.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from prunability.numerics import pin

pin("portable")  # before torch is imported, as the command line does

import numpy as np  # noqa: E402
import torch  # noqa: E402
import yaml  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from prunability.artifacts import load_tensors, save_tensors  # noqa: E402
from prunability.config import plan  # noqa: E402
from prunability.config.validation import validate  # noqa: E402
from prunability.data.images import pixel_sums  # noqa: E402
from prunability.data.registry import build_dataset  # noqa: E402
from prunability.imp.recipe import Recipe  # noqa: E402
from prunability.imp.round import RoundSpec, run_round  # noqa: E402

VALIDATION_SEED = 20240


def parse_candidate(text: str) -> dict[str, Any]:
    """``"training.lr=0.05 dataset.per_class=600"`` -> ``{"training.lr": 0.05, "dataset.per_class": 600}``."""
    overrides = {}
    for item in text.split():
        key, _, value = item.partition("=")
        overrides[key] = yaml.safe_load(value)
    return overrides


def with_overrides(raw: dict, experiment: str, overrides: dict[str, Any]) -> dict:
    """A validated copy of the raw config with the experiment's dotted keys overridden."""
    config = copy.deepcopy(raw)
    exp = config["experiments"][experiment]
    if isinstance(exp.get("training"), dict):
        exp["training"] = dict(exp["training"])  # YAML anchors share one dict between experiments
    for key, value in overrides.items():
        *parents, leaf = key.split(".")
        node = exp
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return validate(config)


def holdout(source: Path, target: Path, fraction: float, seed: int) -> None:
    """Write ``source`` with a seeded ``fraction`` of its training examples moved to the test slot."""
    tensors, meta = load_tensors(source)
    count = tensors["y_train"].shape[0]
    order = torch.randperm(count, generator=torch.Generator().manual_seed(VALIDATION_SEED + seed))
    held, kept = order[: round(fraction * count)], order[round(fraction * count) :]
    split = {
        "x_train": tensors["x_train"][kept],
        "y_train": tensors["y_train"][kept],
        "x_test": tensors["x_train"][held],
        "y_test": tensors["y_train"][held],
    }
    if split["x_train"].dtype == torch.uint8:
        split["pixel_sum"], split["pixel_square_sum"] = pixel_sums(split["x_train"], chunk=512)
    save_tensors(target, split, meta)


def reference_accuracy(path: Path) -> float:
    """Logistic regression on standardised flattened inputs, at the artifact's stored resolution."""
    tensors, _ = load_tensors(path)
    x_train, x_test = (tensors[k].flatten(1).double().numpy() for k in ("x_train", "x_test"))
    scaler = StandardScaler().fit(x_train)
    model = LogisticRegression(max_iter=1000).fit(scaler.transform(x_train), tensors["y_train"].numpy())
    return float(model.score(scaler.transform(x_test), tensors["y_test"].numpy()))


def calibrate(
    config: dict,
    experiment: str,
    models: list[str] | None,
    cells: list[str] | None,
    seeds: list[int],
    fraction: float,
    test: bool,
    work: Path,
    label: str,
) -> list[dict[str, Any]]:
    """Dense round 0 and reference of every selected run of ``experiment``; one row each."""
    exp = config["experiments"][experiment]
    specs = plan.data_artifacts(config)
    rows, references, prepared = [], {}, {}
    for run in plan.runs(config):
        if run.experiment != experiment or run.seed not in seeds:
            continue
        if (models and run.model not in models) or (cells and run.cell not in cells):
            continue
        if run.data_key not in prepared:
            spec = specs[run.data_key]
            full = work / f"{run.data_key}.full.safetensors"
            build_dataset(spec.kind, json.loads(spec.params), spec.dimension, spec.seed, full, threads=1)
            split = full
            if not test:
                split = work / f"{run.data_key}.split.safetensors"
                holdout(full, split, fraction, spec.seed or 0)
            prepared[run.data_key] = split
            references[run.data_key] = reference_accuracy(split)
        out = work / "rounds" / run.path
        tic = time.perf_counter()
        row = run_round(
            RoundSpec(
                data=prepared[run.data_key],
                out=out,
                model=run.model,
                round=0,
                seed=run.seed,
                recipe=Recipe.from_dict(plan.training(exp, run)),
                device="cpu",
                run=tuple(run.identity.items()),
                side=run.side,
            )
        )
        seconds = time.perf_counter() - tic
        dense, reference = row["test_accuracy"], references[run.data_key]
        rows.append(
            {
                "experiment": experiment,
                "model": run.model,
                "cell": run.cell,
                "seed": run.seed,
                "recipe": label or "(config)",
                "dense": 100 * dense,
                "reference": 100 * reference,
                "difference": 100 * (dense - reference),
                "seconds": seconds,
            }
        )
        print(_table_row(rows[-1]), flush=True)
    return rows


def _table_row(row: dict[str, Any]) -> str:
    return (
        f"| {row['experiment']} | {row['model']} | {row['cell']} | {row['seed']} | {row['recipe']} | "
        f"{row['dense']:.2f} | {row['reference']:.2f} | {row['difference']:+.2f} | {row['seconds']:.1f} |"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", type=Path, default=Path("config.yaml"))
    p.add_argument("--experiment", required=True)
    p.add_argument("--models", nargs="*", help="default: the experiment's models")
    p.add_argument("--dimensions", nargs="*", type=int, help="cells dim<d> to run (default: all cells)")
    p.add_argument("--seeds", nargs="*", type=int, default=[0])
    p.add_argument("--candidate", action="append", help="space-separated key=value overrides (repeatable)")
    p.add_argument("--validation", type=float, default=0.2, help="fraction of the training set held out")
    p.add_argument("--test", action="store_true", help="train on all training data, score on the test set")
    args = p.parse_args()
    torch.set_num_threads(1)
    np.random.seed(0)
    raw = yaml.safe_load(args.config.read_text())
    cells = [f"dim{d}" for d in args.dimensions] if args.dimensions else None
    split = "test" if args.test else "validation"
    print(
        f"| experiment | model | cell | seed | recipe | dense {split} % | reference {split} % | "
        "difference | s / dense round |"
    )
    print("|---|---|---|---:|---|---:|---:|---:|---:|", flush=True)
    for text in args.candidate or [""]:
        config = with_overrides(raw, args.experiment, parse_candidate(text))
        with tempfile.TemporaryDirectory(prefix="calibrate-") as work:
            calibrate(
                config,
                args.experiment,
                args.models,
                cells,
                args.seeds,
                args.validation,
                args.test,
                Path(work),
                text,
            )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
