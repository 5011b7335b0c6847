"""The structure study through the workflow on a tiny config: every analysis, table, figure and the report;
nothing reruns when nothing changed; a deleted analysis output recomputes alone; figures redraw from tables."""

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers import SNAKEMAKE, planned_jobs, snakemake, user_env

from prunability.artifacts import load_tensors
from prunability.layout import STRUCTURE_FIGURES

TINY_STRUCTURE = {
    "study": "tinystruct",
    "seeds": [0],
    "imp": {"rounds": 1},
    "experiments": {
        "structure": {
            "label": "schedule",
            "schedules": [{"pretrain": 1, "train": 1}, {"pretrain": 1, "train": 2}],
            "models": ["resnet20-2", "vgg16-2"],
            "dataset": {"kind": "digits_resized", "side": 32, "test_fraction": 0.2},
            "training": {"lr": 0.05, "batch_size": 128},
            "analysis": {
                "analysed": {"pretrain": 1, "train": 2},
                "batch_size": 200,
                "inference_batch_sizes": [1, 4],
                "inference_repeats": 1,
                "inference_warmup": 0,
            },
        }
    },
}
RUN = ("structure", "resnet20-2", "p1e2", "seed0")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("structure")
    (workdir / "config.yaml").write_text(yaml.safe_dump(TINY_STRUCTURE))
    snakemake(workdir)
    return workdir


def _table(workdir: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(workdir / "results" / "tinystruct" / "tables" / f"structure_{name}.parquet")


def test_runs_are_named_by_schedule_and_carry_its_columns(workdir):
    run = workdir / "results" / "tinystruct" / "runs" / Path(*RUN)
    assert sorted(p.name for p in run.iterdir()) == ["round_000", "round_001"]
    metrics = pd.read_parquet(run / "round_001" / "metrics.parquet")
    identity = ["experiment", "model", "pretrain_epochs", "train_epochs", "seed"]
    assert list(metrics.columns[:5]) == identity and "dimension" not in metrics
    assert metrics[identity].iloc[0].tolist() == ["structure", "resnet20-2", 1, 2, 0]
    assert metrics["epochs"].item() == 2  # a later round trains E epochs from the rewind point
    dense = pd.read_parquet(run / "round_000" / "metrics.parquet")
    assert dense["epochs"].item() == 3  # round 0 trains P + E
    data = list((workdir / "results" / "tinystruct" / "data").glob("**/*.safetensors"))
    # one artifact of 8-px digits for every schedule and seed, brought to 32 px per batch
    assert len(data) == 1 and data[0].parent.name == "images" and data[0].name.startswith("digits_resized-")
    assert load_tensors(data[0])[0]["x_train"].shape[-1] == 8


def test_every_table_has_rows_for_what_it_covers(workdir):
    accuracy = _table(workdir, "accuracy")
    assert len(accuracy) == 2 * 2 * 2  # models x schedules x rounds
    critical = _table(workdir, "critical_sparsity")
    assert len(critical) == 4 and critical["critical_sparsity"].between(0, 0.21).all()
    zeroing = _table(workdir, "zeroing")
    assert set(zeroing["train_epochs"]) == {2} and sorted(zeroing["round"].unique()) == [0, 1]
    assert {"layer", "stage", "network_sparsity"} <= set(zeroing.columns)
    stages = _table(workdir, "zeroing_stages")
    assert stages.groupby(["model", "seed", "round"])["neurons"].sum().nunique() == 2  # every neuron, per model
    similarity = _table(workdir, "similarity")
    assert sorted(similarity["round"].unique()) == [1] and set(similarity["reference"]) == {"baseline", "stepwise"}
    first = similarity[similarity["round"] == 1]
    pivot = first.pivot_table(index=["model", "seed", "layer", "neuron"], columns="reference", values="cosine")
    pd.testing.assert_series_equal(pivot["baseline"], pivot["stepwise"], check_names=False)  # round 0 = round s-1
    for name in ("stage_sparsity", "magnitudes", "neuron_sparsity", "fully_pruned"):
        table = _table(workdir, name)
        assert set(table["train_epochs"]) == {1, 2} and "stage" in table, name
    inference = _table(workdir, "inference")
    assert sorted(inference["round"].unique()) == [0, 1] and (inference["seconds"] > 0).all()
    assert set(inference["format"]) == {"dense", "sparse", "hybrid"} and set(inference["batch_size"]) == {1, 4}
    network = inference[inference["layer"] == "network"].pivot_table(
        index=["model", "seed", "round", "batch_size"], columns="format", values="macs"
    )
    assert (network["sparse"] <= network["dense"]).all() and (network["hybrid"] <= network["dense"]).all()
    cost = _table(workdir, "inference_cost")
    assert "seconds" not in cost and len(cost) == len(inference[inference["format"] != "hybrid"]) // 2


def test_figures_and_report_section_exist(workdir):
    study = workdir / "results" / "tinystruct"
    for name in STRUCTURE_FIGURES:
        for ext in ("png", "pdf"):
            assert (study / "figures" / f"structure_{name}_structure.{ext}").stat().st_size > 0
    page = (study / "report.html").read_text()
    assert "Structure left by IMP" in page and "Critical sparsity" in page and "offline substitute" in page


def test_nothing_reruns_and_a_deleted_analysis_recomputes_alone(workdir):
    assert "Nothing to be done" in snakemake(workdir, "-n").stdout
    analyses = workdir / "results" / "tinystruct" / "analyses" / Path(*RUN)
    (analyses / "round_001" / "zeroing.parquet").unlink()
    (analyses / "round_000" / "inference.parquet").unlink()
    plan = planned_jobs(snakemake(workdir, "-n", "--quiet", "rules").stdout)
    assert plan == {
        "zeroing": 1,
        "inference": 1,
        "structure_tables": 1,
        "yardstick": 1,  # it reads the accuracy table that structure_tables writes again
        "structure_figures": 1,
        "html_report": 1,
        "all": 1,
        "total": 7,
    }
    (analyses / "neuron_sparsity.parquet").unlink()
    plan = planned_jobs(snakemake(workdir, "-n", "--quiet", "rules").stdout)
    assert plan["structure_run"] == 1 and plan["total"] == 8 and "imp_prune" not in plan


def test_structure_figures_redraw_from_cached_tables_alone(workdir, tmp_path):
    cached = tmp_path / "results" / "tinystruct"
    shutil.copytree(workdir / "results" / "tinystruct" / "tables", cached / "tables")
    shutil.copy(workdir / "config.yaml", tmp_path / "config.yaml")
    snakemake(tmp_path, "figures", "--allowed-rules", "draw_figures", "structure_figures", "html_report")
    assert (cached / "figures" / "structure_zeroing_structure.png").exists() and (cached / "report.html").exists()
    assert not (cached / "runs").exists()


def test_an_analysis_of_a_corrupt_checkpoint_names_the_file(workdir, tmp_path):
    run = workdir / "results" / "tinystruct" / "runs" / Path(*RUN)
    broken = tmp_path / "round_001" / "weights.safetensors"
    broken.parent.mkdir()
    broken.write_bytes((run / "round_001" / "weights.safetensors").read_bytes()[:500])
    identity = json.dumps({"experiment": "structure", "model": "resnet20-2", "seed": 0})
    cmd = [str(SNAKEMAKE.parent / "prunability"), "similarity", "--round-dir", str(broken.parent)]
    cmd += ["--model", "resnet20-2", "--baseline", str(run / "round_000"), "--identity", identity]
    cmd += ["--previous", str(run / "round_000"), "--out", str(tmp_path / "s.parquet")]
    cmd += ["--data", str(next((workdir / "results" / "tinystruct" / "data" / "images").iterdir())), "--side", "32"]
    done = subprocess.run(cmd, capture_output=True, text=True, env=user_env())
    assert done.returncode != 0 and f"corrupt artifact: {broken}" in done.stderr, done.stderr
    assert not (tmp_path / "s.parquet").exists()
