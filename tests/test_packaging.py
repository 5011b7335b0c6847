"""The package as users install it: the cluster conda environment lists what pyproject.toml lists, and a regular
(non-editable) install works on its own."""

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from helpers import planned_jobs, snakemake_cmd, user_env

ROOT = Path(__file__).resolve().parents[1]
CONDA_NAMES = {"torch": "pytorch"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].lower()


def test_conda_env_is_in_step_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["cluster"]}
    env = yaml.safe_load((ROOT / "envs" / "prunability.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    listed = {_name(d) for d in env["dependencies"] + pip if isinstance(d, str)}
    assert {CONDA_NAMES.get(n, n) for n in wanted} <= listed
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    assert python.split("=")[1] >= project["requires-python"].lstrip(">=")


@pytest.mark.slow
def test_a_regular_install_validates_a_config_and_plans_the_default_study(tmp_path):
    """``pip install .`` (not editable): the schema ships as package data, so the installed copy alone validates the
    default config and plans its DAG; the import is checked to come from the install, not from src/."""
    site = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
    subprocess.run([*pip, "--target", str(site), str(ROOT)], check=True, capture_output=True, cwd=tmp_path)
    shutil.rmtree(ROOT / "build", ignore_errors=True)  # setuptools' scratch folder, not the project's
    env = {**user_env(), "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import prunability.config; print(prunability.config.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    ).stdout.strip()
    assert Path(where).is_relative_to(site), where
    checked = subprocess.run(
        [sys.executable, "-m", "prunability.cli", "check-config", str(ROOT / "config.yaml")],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert checked.returncode == 0 and "valid; study 'quick'" in checked.stdout, checked.stderr
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    planned = subprocess.run(snakemake_cmd(tmp_path, "-n", "--cores", "2"), env=env, capture_output=True, text=True)
    assert planned.returncode == 0, planned.stderr[-3000:]
    assert planned_jobs(planned.stdout)["imp_dense"] > 0
