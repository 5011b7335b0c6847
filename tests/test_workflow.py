"""The Snakemake workflow end to end on a tiny study: outputs, idempotence, partial reruns, redraws."""

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers import (
    RERUN_FROM_ROUND_ONE,
    SNAKEMAKE,
    TABLES_ONLY,
    TINY_STUDY,
    check_chains_stopped,
    copy_study,
    planned_jobs,
    snakemake,
    user_env,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def study(tiny_study: Path) -> Path:
    """The session's tiny study (conftest): read it; change a copy."""
    return tiny_study


def test_two_seeds_and_sides_of_real_images_read_one_artifact(tmp_path):
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(TINY_STUDY))
    commands = [
        line.split("Shell command: ", 1)[1]
        for line in snakemake(tmp_path, "-n", "-p").stdout.splitlines()
        if line.startswith("Shell command: ")
    ]
    read = {}
    for line in commands:
        if line.startswith("prunability --numerics portable imp-round") and "/runs/extrinsic/" in line:
            args = shlex.split(line)
            side = args[args.index("--side") + 1]
            for run in json.loads(args[args.index("--runs") + 1]):
                read.setdefault((str(run["seed"]), side), set()).add(run["data"])
    assert set(read) == {(seed, side) for seed in "01" for side in ("4", "8")}
    artifacts = set().union(*read.values())
    assert len(artifacts) == 1 and artifacts.pop().startswith("results/tiny/data/images/digits_resized-")
    made = [
        line for line in commands if line.startswith("prunability --numerics portable dataset --kind digits_resized")
    ]
    assert len(made) == 1 and "--seed" not in made[0]


def test_study_writes_tables_figures_and_report(study):
    everything = pd.read_parquet(study / "tables" / "rounds.parquet")
    assert everything.groupby("experiment").size().to_dict() == {"task": 12, "extrinsic": 8, "intrinsic": 8}
    rounds = everything[everything["experiment"] == "task"]
    assert len(rounds) == 2 * 2 * 3  # dimensions x seeds x rounds
    check_chains_stopped(study)
    assert rounds.groupby("round")["density"].first().round(4).tolist() == [1.0, 0.4, 0.16]
    summary = pd.read_parquet(study / "tables" / "summary.parquet")
    assert set(summary.loc[summary["experiment"] == "task", "dimension"]) == {2, 4} and (summary["seeds"] == 2).all()
    assert summary["id_mle"].notna().all() and summary["id_twonn"].notna().all()
    sources = set(summary["data_source"])
    assert any("substitute for CIFAR-10" in s for s in sources)
    assert any("seeded random weights" in s for s in sources)
    images = everything[everything["experiment"] != "task"]
    assert set(images["model"]) == {"resnet20-2"}
    assert images.groupby("round")["density"].first().round(2).tolist() == [1.0, 0.4]
    criteria = summary.groupby(["experiment", "model", "dimension"], sort=False)["criterion"].apply(tuple)
    assert set(criteria) == {("strict", "tolerance", "noise", "first-failure")}  # every cell, the paper's rule first
    corr = pd.read_parquet(study / "tables" / "correlation_summary.parquet")
    assert set(corr["scope"]) == {"model", "model_mean", "pooled"} and corr["criterion"].nunique() == 4
    for name in ("accuracy_task", "accuracy_extrinsic", "accuracy_intrinsic", "correlation", "sensitivity"):
        assert (study / "figures" / f"{name}.png").read_bytes()[:4] == b"\x89PNG"
        assert (study / "figures" / f"{name}.pdf").read_bytes()[:4] == b"%PDF"
    report = (study / "report.html").read_text()
    assert report.count("data:image/png;base64") == 5 and "MLP-16-8" in report and "ResNet20-W2" in report
    assert "Where the chains ended" in report and "Cells with dense below plateau" in report
    assert "Task dimension" in (study / "tables" / "summary.md").read_text()


def test_second_run_has_nothing_to_do(study, tmp_path):
    out = snakemake(copy_study(study, tmp_path / "copy").parents[1], "-n")
    assert "Nothing to be done" in out.stdout + out.stderr


def test_deleting_a_round_recomputes_it_and_its_dependents_identically(study, tmp_path):
    study = copy_study(study, tmp_path / "copy")
    run = study / "runs" / "task" / "mlp-16-8" / "dim2" / "seed1"
    keep = ["weights.safetensors", "mask.safetensors", "metrics.parquet"]
    before = {(r, f): (run / r / f).read_bytes() for r in ("round_001", "round_002", "round_003") for f in keep}
    tables = {t: (study / "tables" / t).read_bytes() for t in ("rounds.parquet", "summary.parquet")}
    shutil.rmtree(run / "round_001")
    plan = snakemake(study.parents[1], "-n", "--quiet", "rules")
    assert planned_jobs(plan.stdout) == RERUN_FROM_ROUND_ONE, plan.stdout
    snakemake(study.parents[1], *TABLES_ONLY)
    for (r, f), data in before.items():
        assert (run / r / f).read_bytes() == data, f"{r}/{f} changed on recompute"
    for t, data in tables.items():
        assert (study / "tables" / t).read_bytes() == data


def test_runs_trained_in_jobs_of_every_cell_equal_the_runs_of_jobs_of_one_cell(study, tmp_path):
    """``runs_per_job: cells``: one job trains a round of every dimension and seed of a task model; the runs'
    files equal those the fixture's jobs of one cell made, logs included; the image experiments' cells that
    differ in side keep jobs of one cell."""
    config = {**TINY_STUDY, "imp": {**TINY_STUDY["imp"], "runs_per_job": "cells"}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    plan = planned_jobs(snakemake(tmp_path, "-n", "--quiet", "rules").stdout)
    assert (plan["imp_dense_task"], plan["imp_prune_task"]) == (1, 3), plan  # rounds 0-3 of one model
    assert (plan["imp_dense_intrinsic"], plan["imp_prune_intrinsic"]) == (1, 1), plan  # one shape, no side
    assert plan["imp_dense"] == 2, plan  # extrinsic: a job per side, its two seeds shared
    copy = copy_study(study, tmp_path / "copy")  # its data: a copy of the fixture's; its task runs: trained anew
    shutil.rmtree(copy / "runs/task")
    shutil.rmtree(copy / "logs/imp/task")
    (copy.parents[1] / "config.yaml").write_text(yaml.safe_dump(config))
    snakemake(copy.parents[1], "results/tiny/runs/task/mlp-16-8/dim2/seed0/round_003/metrics.parquet")
    compared = [p.relative_to(study) for p in (study / "runs/task").rglob("*") if p.name != "timing.json"]
    assert len([p for p in compared if p.suffix == ".safetensors"]) == 2 * 2 * 4 * 2 + 4  # weights, masks, rewinds
    for path in compared:
        if (study / path).is_file():
            assert (copy / path).read_bytes() == (study / path).read_bytes(), path
    assert (copy / "logs/imp/task/mlp-16-8/round_001.log").exists()  # the job's own log
    assert "round 1" in (copy / "logs/imp/task/mlp-16-8/dim4/seed1/round_001.log").read_text()


def test_touch_marks_stopped_chains_up_to_date(study, tmp_path):
    workdir = copy_study(study, tmp_path / "copy").parents[1]
    run = workdir / "results" / "tiny" / "runs" / "task" / "mlp-16-8" / "dim4" / "seed0"
    before = {p: p.read_bytes() for p in run.rglob("*") if p.is_file()}
    (workdir / "config.yaml").write_text(yaml.safe_dump({**TINY_STUDY, "threads": 2}))  # a param of every torch job
    plan = planned_jobs(snakemake(workdir, "-n", "--quiet", "rules").stdout)
    # every round to the cap, end markers included; one job trains both seeds of a cell
    assert plan["imp_prune"] == (4 * 3 + 8 * 1) // 2, plan
    snakemake(workdir, "--touch")
    done = snakemake(workdir, "-n")
    assert "Nothing to be done" in done.stdout + done.stderr
    assert {p: p.read_bytes() for p in run.rglob("*") if p.is_file()} == before


def test_bad_config_stops_before_any_job(tmp_path):
    bad = {**TINY_STUDY, "imp": {"rounds": 0}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(bad))
    out = snakemake(tmp_path, "-n", check=False)
    assert out.returncode != 0
    assert "config.imp.rounds: 0 is less than the minimum of 1" in out.stdout + out.stderr


def _structure(run: Path, model: str, out: Path, rounds: int = 1) -> subprocess.CompletedProcess:
    cmd = [str(SNAKEMAKE.parent / "prunability"), "structure", "--run", str(run), "--rounds", str(rounds)]
    cmd += ["--model", model]
    cmd += ["--identity", json.dumps({"experiment": "x", "model": model, "seed": 0}), "--out-dir", str(out)]
    return subprocess.run(cmd, capture_output=True, text=True, env=user_env())


def test_structure_tables_of_a_finished_run(study, tmp_path):
    run = study / "runs" / "extrinsic" / "resnet20-2" / "dim4" / "seed0"
    assert _structure(run, "resnet20-2", tmp_path).returncode == 0
    stages = pd.read_parquet(tmp_path / "stage_sparsity.parquet")
    assert list(stages.loc[stages["round"] == 0, "stage"]) == ["stem", "stage1", "stage2", "stage3", "classifier"]
    assert (stages.loc[stages["round"] == 0, "sparsity"] == 0).all()
    pruned = stages[stages["round"] == 1]
    network = 1 - pruned["remaining"].sum() / pruned["weights"].sum()
    assert pruned["network_sparsity"].round(6).unique().tolist() == [round(network, 6)] and abs(network - 0.6) < 1e-3
    neurons = pd.read_parquet(tmp_path / "neuron_sparsity.parquet")
    mask = {k: int((m == 0).sum()) for k, m in _masks(run / "round_001").items()}
    one = neurons[neurons["round"] == 1]
    assert one.groupby("layer")["zeros"].sum().to_dict() == mask
    magnitudes = pd.read_parquet(tmp_path / "magnitudes.parquet")
    area = (
        (magnitudes["density"] * (magnitudes["right"] - magnitudes["left"]))
        .groupby([magnitudes["round"], magnitudes["stage"]])
        .sum()
    )
    assert area.round(6).to_dict() == stages.set_index(["round", "stage"])["remaining"].astype(float).to_dict()
    fully = pd.read_parquet(tmp_path / "fully_pruned.parquet")
    assert (fully["expected_fully_pruned"] >= 0).all() and len(fully) == 2 * len(mask)


def test_structure_tables_read_the_rounds_to_the_cap_alone(study, tmp_path):
    """Rounds past the cap are left from a config with a higher cap; a round missing below it is named."""
    run = study / "runs" / "extrinsic" / "resnet20-2" / "dim4" / "seed0"
    assert _structure(run, "resnet20-2", tmp_path, rounds=0).returncode == 0
    assert pd.read_parquet(tmp_path / "stage_sparsity.parquet")["round"].unique().tolist() == [0]
    done = _structure(run, "resnet20-2", tmp_path, rounds=2)
    assert done.returncode != 0 and "expected round_000 to round_002" in done.stderr


def _masks(round_dir: Path) -> dict:
    from prunability.artifacts import load_tensors

    return load_tensors(round_dir / "mask.safetensors")[0]


def test_structure_refuses_a_model_without_stages(study, tmp_path):
    done = _structure(study / "runs" / "task" / "mlp-16-8" / "dim2" / "seed0", "mlp-16-8", tmp_path)
    assert done.returncode != 0 and "'mlp-16-8' has no stage map" in done.stderr


def test_zeroing_of_a_finished_round(study, tmp_path):
    run = study / "runs" / "extrinsic" / "resnet20-2" / "dim4" / "seed0"
    out = tmp_path / "zeroing.parquet"
    cmd = [str(SNAKEMAKE.parent / "prunability"), "zeroing", "--round-dir", str(run / "round_001"), "--model"]
    cmd += ["resnet20-2", "--data", str(next((study / "data" / "images").iterdir())), "--side", "4"]
    cmd += ["--identity", json.dumps({"experiment": "extrinsic", "model": "resnet20-2", "seed": 0}), "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=user_env())
    assert done.returncode == 0, done.stderr
    rows = pd.read_parquet(out)
    recorded = pd.read_parquet(run / "round_001" / "metrics.parquet")["test_accuracy"].item()
    base = rows["test_accuracy"] - rows["delta_accuracy"]
    assert (base - recorded).abs().max() < 1e-9  # the loaded round reproduces the accuracy it recorded
    masks = _masks(run / "round_001")
    assert rows.groupby("layer").size().to_dict() == {k: m.shape[0] for k, m in masks.items()}  # every neuron once
    assert rows["stage"].iloc[0] == "stem" and (rows["round"] == 1).all()
