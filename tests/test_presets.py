"""Every study plans exactly the experiments its config file names, and the docs quote what the code made."""

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, planned_jobs, snakemake

from prunability.config.plan import analysed_cell, analysed_rounds, is_structure, runs, shares_cells
from prunability.config.validation import load
from prunability.reporting.compare import committed_tables
from prunability.reporting.quoted import BLOCKS, QUOTING, markers, quoted, render, update

STUDIES = sorted((ROOT / "workflow" / "studies").glob("*.yaml"))


def expected_jobs(config: dict) -> dict[str, int]:
    """Jobs per rule the config implies: one dataset per data key, one measuring job per dimension experiment, one
    round job per round of each run or, where the seeds of a cell share their jobs, of each cell, or where every
    cell and seed of a model share them (rules of their own per experiment), of each model; one structure job
    per run and one zeroing (similarity) job per analysed round (after round 0)."""
    study = runs(config)
    per_job = config["imp"]["runs_per_job"]
    exps = config["experiments"]
    by_model = [e for e, x in exps.items() if per_job == "cells" and shares_cells(x)]
    jobs = {
        (r.experiment, r.model, r.cell, None if per_job != 1 else r.seed): r.rounds
        for r in study
        if r.experiment not in by_model
    }
    per_model = {e: {r.model: r.rounds for r in study if r.experiment == e} for e in by_model}
    structure = [r for r in study if is_structure(exps[r.experiment])]
    analysed = [
        number
        for run in structure
        if run.cell == analysed_cell(exps[run.experiment])
        for number in analysed_rounds(exps[run.experiment], run.rounds)
    ]
    return {
        "dataset": len({r.data_key for r in study}),
        "measure_dim": len({r.experiment for r in study if r not in structure}),
        "reference": len(exps),
        "yardstick": 1,
        "imp_dense": len(jobs),
        "imp_prune": sum(jobs.values()),
        **{f"imp_dense_{e}": len(models) for e, models in per_model.items()},
        **{f"imp_prune_{e}": sum(models.values()) for e, models in per_model.items()},
        "structure_run": len(structure),
        "zeroing": len(analysed),
        "similarity": sum(number > 0 for number in analysed),
        "inference": len(analysed),
    }


# Seeds and rounds a dry run plans at most: 32 seeds of the replication made snakemake's DAG of its 23,000 round
# files take 22 s (4 seeds: 4 s), the task preset's 41 rounds of 36 runs 7 s, and what the test checks (which
# experiments and jobs a config implies) depends on neither number.
PLANNED_SEEDS = 4
PLANNED_ROUNDS = 6


# Distinct datasets, counted by hand from each file: real images once whatever the sides and seeds; generated
# data once per dimension and seed.
DATASETS = {
    "extrinsic": 1,  # CIFAR-10 at 16-128 px, 3 seeds
    "intrinsic": 4 * 3,  # BigGAN latents: 4 dimensions x 3 seeds
    "structure": 2,  # CIFAR-10 and Tiny ImageNet
    "task": 4 * 3,
    "task-slice": 2 * 3,
    "default": 2 + 3 * 2 + 4 * 2,  # procedural images (extrinsic), digits (structure); intrinsic, task per seed
    "replication": 1 + 3 * PLANNED_SEEDS + 4 * PLANNED_SEEDS,  # procedural images; intrinsic, task per seed
}


def planned_copy(preset: Path, folder: Path) -> Path:
    """A copy of the preset with its first ``PLANNED_SEEDS`` seeds and at most ``PLANNED_ROUNDS`` rounds, its own
    and each experiment's."""
    config = yaml.safe_load(preset.read_text())
    config["seeds"] = config["seeds"][:PLANNED_SEEDS]
    config["imp"]["rounds"] = min(config["imp"]["rounds"], PLANNED_ROUNDS)
    for experiment in config["experiments"].values():
        if "rounds" in experiment:
            experiment["rounds"] = min(experiment["rounds"], PLANNED_ROUNDS)
    copy = folder / preset.name
    copy.write_text(yaml.safe_dump(config))
    return copy


@pytest.mark.slow
@pytest.mark.parametrize("preset", STUDIES, ids=[p.stem for p in STUDIES])
def test_preset_plans_only_its_own_experiments(preset: Path, tmp_path):
    planned = planned_copy(preset, tmp_path)
    plan = snakemake(tmp_path, "-n", "--quiet", "rules", "--configfile", str(planned))
    counts = planned_jobs(plan.stdout)
    assert {k: counts.get(k, 0) for k in expected_jobs(load(planned))} == expected_jobs(load(planned)), plan.stdout
    assert counts["dataset"] == DATASETS[preset.stem]


@pytest.mark.slow
def test_default_study_plans_config_yaml(tmp_path):
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    counts = planned_jobs(snakemake(tmp_path, "-n", "--quiet", "rules").stdout)
    assert {k: counts.get(k, 0) for k in expected_jobs(load(ROOT / "config.yaml"))} == expected_jobs(
        load(ROOT / "config.yaml")
    )
    assert counts["dataset"] == DATASETS["default"]


@pytest.mark.parametrize("block", BLOCKS)
def test_docs_quote_the_committed_studies(block):
    """The docs' numbers of each quoted study are rendered from its committed tables: those at HEAD, so that a
    user's own run of the study, which rewrites its measured times, does not turn this red."""
    with committed_tables(ROOT / BLOCKS[block]) as tables:
        assert quoted((ROOT / QUOTING).read_text(), block) == render(tables, block)


def test_update_rewrites_only_the_generated_block(tmp_path):
    readme = tmp_path / "README.md"
    begin, end = markers("default-study")
    readme.write_text(f"intro\n\n{begin}\nold numbers\n{end}\n\noutro\n")
    tables = ROOT / "results" / "quick" / "tables"
    assert update(readme, tables) is True
    text = readme.read_text()
    assert text.startswith("intro\n\n") and text.endswith("\n\noutro\n") and "old numbers" not in text
    assert quoted(text) == render(tables)
    assert update(readme, tables) is False


@pytest.mark.slow
def test_make_figures_redraws_a_committed_preset_from_its_tables_alone(tmp_path):
    """``make figures CONFIG=<preset>`` as the README documents it, run on a copy of the committed slice tables."""
    with committed_tables(ROOT / "results" / "task-slice" / "tables") as tables:
        shutil.copytree(tables, tmp_path / "results" / "task-slice" / "tables")
    printed = subprocess.run(
        ["make", "-n", "-s", "figures", "CONFIG=workflow/studies/task-slice.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[-1]
    program, *args = printed.split()
    assert program.endswith("snakemake") and "figures" in args
    done = snakemake(tmp_path, *args)
    counts = planned_jobs(done.stderr)
    assert counts["total"] == 3 and counts["draw_figures"] == counts["html_report"] == 1  # and the `figures` target
    figures = tmp_path / "results" / "task-slice" / "figures"
    assert (figures / "sensitivity.png").stat().st_size > 0 and (tmp_path / "results/task-slice/report.html").exists()


@pytest.mark.slow
def test_by_hand_block_runs_as_written():
    """The running guide's step-by-step commands, extracted and run from the repository root with bash."""
    text = (ROOT / "docs" / "running.md").read_text()
    block = text[text.index("<!-- BEGIN by-hand -->") : text.index("<!-- END by-hand -->")]
    script = block.split("```bash\n", 1)[1].rsplit("```", 1)[0]
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| MLP-64-32 | 16 |" in done.stdout
