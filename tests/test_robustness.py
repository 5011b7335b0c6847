"""``make robustness`` on a tiny study: the dimension experiments rerun with disjoint seeds and ATen's lowest
kernels, and every pooled verdict of the study set beside the rerun's."""

import subprocess

import pandas as pd
import pytest
import yaml
from helpers import ROOT, SNAKEMAKE, TINY_TASK, copy_study, user_env

from prunability.dimensionality.intervals import DECREASES, INCREASES, NO_RELATION, UNDECIDED, UNDEFINED
from prunability.operations.robustness import FLIPS, HOLDS, OPEN, outcome, perturbed


@pytest.mark.parametrize(
    ("study", "rerun", "expected"),
    [
        (INCREASES, INCREASES, HOLDS),
        (INCREASES, UNDECIDED, HOLDS),  # not confirmed, not contradicted
        (INCREASES, DECREASES, FLIPS),
        (NO_RELATION, INCREASES, FLIPS),
        (UNDECIDED, DECREASES, OPEN),
        (UNDEFINED, INCREASES, OPEN),
    ],
)
def test_a_decided_verdict_holds_unless_the_rerun_decides_otherwise(study, rerun, expected):
    assert outcome(study, rerun) == expected


def test_the_perturbed_study_has_other_seeds_native_numerics_and_no_structure_experiment():
    config = {"study": "s", "seeds": [0, 1], "numerics": "portable", "experiments": {"a": {"dimensions": [1]}}}
    config["experiments"]["b"] = {"schedules": [{"pretrain": 1, "train": 2}]}
    rerun = perturbed(config)
    assert (rerun["study"], rerun["seeds"], rerun["numerics"]) == ("s-robustness", [2, 3], "native")
    assert list(rerun["experiments"]) == ["a"]


@pytest.mark.slow
def test_robustness_reruns_the_task_experiment_and_sets_its_verdicts_beside_the_studys(tiny_study, tmp_path):
    study = copy_study(tiny_study, tmp_path / "work")
    workdir = study.parents[1]
    (workdir / "task.yaml").write_text(yaml.safe_dump({**TINY_TASK, "study": study.name}))
    command = [str(SNAKEMAKE), "-s", str(ROOT / "Snakefile"), "-d", str(workdir), "--cores", "2"]
    done = subprocess.run(
        [str(SNAKEMAKE.parent / "prunability"), "robustness", "--config", "task.yaml", "--", *command],
        cwd=workdir,
        capture_output=True,
        text=True,
        env=user_env(),
    )
    assert done.returncode in (0, 1), done.stderr[-3000:]
    rerun = workdir / "results" / f"{study.name}-robustness"
    fingerprint = pd.read_parquet(rerun / "tables" / "fingerprint.parquet")
    assert set(fingerprint["numerics"]) == {"native"} and set(fingerprint["aten_capability"]) == {"DEFAULT"}
    assert set(pd.read_parquet(rerun / "tables" / "rounds.parquet")["seed"]) == {2, 3}
    lines = [line for line in done.stderr.splitlines() if line.startswith("  task dimension ")]
    assert len(lines) == 4 and all(": study " in line and ", rerun " in line for line in lines)
    assert "the rerun's rho lies outside the study's interval in" in done.stderr
    assert ("every decided verdict held" in done.stderr) == (done.returncode == 0)
