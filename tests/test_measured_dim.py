"""The measuring job: one job measures every artifact of an experiment (``measure-dim --runs``) and writes the
rows each artifact measured alone writes."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from prunability.data.registry import build_dataset
from prunability.dimensionality.measured_dim import measure

CLI = [sys.executable, "-m", "prunability.cli", "measure-dim", "--samples", "100", "--k", "5"]


def _artifacts(tmp_path: Path, tiny_params: dict) -> list[dict]:
    artifacts = []
    for dimension, seed in ((2, 0), (4, 1)):
        path = tmp_path / f"dim{dimension}-seed{seed}.safetensors"
        build_dataset("synthetic_linear", tiny_params, dimension=dimension, seed=seed, out=path)
        artifacts.append({"data": str(path), "experiment": "task", "dimension": dimension, "seed": seed})
    return artifacts


def test_one_job_of_several_artifacts_writes_the_rows_of_each_measured_alone(tmp_path, tiny_params):
    artifacts = _artifacts(tmp_path, tiny_params)
    together = tmp_path / "together.parquet"
    subprocess.run([*CLI, "--runs", json.dumps(artifacts), "--out", str(together)], check=True, capture_output=True)
    alone = [pd.DataFrame(measure([a], tmp_path / f"{i}.parquet", samples=100, k=5)) for i, a in enumerate(artifacts)]
    assert pd.read_parquet(together)["id_mle"].nunique() == 2  # two artifacts, two measurements
    pd.testing.assert_frame_equal(pd.read_parquet(together), pd.concat(alone, ignore_index=True), check_exact=True)


def test_runs_and_single_artifact_flags_are_not_mixed(tmp_path):
    runs = json.dumps([{"data": "x", "experiment": "task", "dimension": 2, "seed": 0}])
    mixed = [*CLI, "--runs", runs, "--seed", "0", "--out", str(tmp_path / "m.parquet")]
    done = subprocess.run(mixed, capture_output=True, text=True)
    assert done.returncode != 0 and "drop the single flags" in done.stderr
    done = subprocess.run([*CLI, "--data", "x", "--out", str(tmp_path / "m.parquet")], capture_output=True, text=True)
    assert done.returncode != 0 and "--experiment, --dimension, --seed" in done.stderr
