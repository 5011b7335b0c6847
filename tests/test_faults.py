"""Local faults: a killed snakemake and the recovery step, a truncated checkpoint in the middle of a chain. Both
change a copy of the session's tiny study and must end with its tables, byte for byte."""

import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from helpers import (
    RERUN_FROM_ROUND_ONE,
    SNAKEMAKE,
    TABLES_ONLY,
    TINY_TASK,
    changed_outside,
    check_artifacts_complete,
    copy_study,
    planned_jobs,
    snakemake,
    snakemake_cmd,
    snapshot_after_kill,
    table_bytes,
    user_env,
)

pytestmark = pytest.mark.slow
RUN = Path("runs") / "task" / "mlp-16-8" / "dim2" / "seed0"


def new_study(workdir: Path) -> Path:
    (workdir / "config.yaml").write_text(yaml.safe_dump(TINY_TASK))
    return workdir


def wait_for_file(pattern: str, root: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not list(root.glob(pattern)):
        assert time.monotonic() < deadline, f"no {pattern} under {root} after {timeout:.0f} s"
        time.sleep(0.2)


def test_killed_snakemake_recovers_with_identical_tables(tiny_study, tmp_path):
    """The task experiment's runs are deleted and trained again; the controller dies after their first rounds."""
    study = copy_study(tiny_study, tmp_path / "copy")
    workdir = study.parents[1]
    shutil.rmtree(study / "runs" / "task")
    controller = subprocess.Popen(
        snakemake_cmd(workdir, "--cores", "2"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=user_env()
    )
    wait_for_file("runs/task/**/round_000/metrics.parquet", study)
    controller.send_signal(signal.SIGKILL)
    controller.wait()
    before, interrupted = snapshot_after_kill(workdir, study)
    assert interrupted, "the kill should interrupt at least one job"

    locked = snakemake(workdir, "--rerun-incomplete", check=False)
    assert locked.returncode != 0 and "cannot be locked" in locked.stdout + locked.stderr

    # --cancel: the interrupted rounds are stopped and recomputed (the cluster test covers the default, waiting);
    # the rerun is compared by its tables alone
    recover = [
        str(SNAKEMAKE.parent / "prunability"),
        "recover",
        "--cancel",
        "--",
        *snakemake_cmd(workdir, "--cores", "2", *TABLES_ONLY),
    ]
    done = subprocess.run(recover, capture_output=True, text=True, env=user_env())
    assert done.returncode == 0, done.stderr[-4000:]
    assert "unlocked" in done.stderr
    assert table_bytes(study) == table_bytes(tiny_study)
    check_artifacts_complete(study)
    assert changed_outside(before, interrupted) == [], "a job finished before the kill ran again"


def test_recover_refuses_while_the_controller_lives(tmp_path):
    workdir = new_study(tmp_path)
    controller = subprocess.Popen(
        snakemake_cmd(workdir, "--cores", "1"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=user_env()
    )
    try:
        wait_for_file("results/tiny/data/**/*.safetensors", workdir)
        recover = [str(SNAKEMAKE.parent / "prunability"), "recover", "--", *snakemake_cmd(workdir, "--cores", "1")]
        done = subprocess.run(recover, capture_output=True, text=True, env=user_env())
        assert done.returncode != 0
        assert f"a snakemake is still running in {workdir.resolve()} (pid {controller.pid})" in done.stderr
    finally:
        controller.kill()
        controller.wait()


def test_truncated_checkpoint_is_named_and_recomputed_with_its_dependants(tiny_study, tmp_path):
    study = copy_study(tiny_study, tmp_path / "copy")
    workdir = study.parents[1]
    checkpoint = study / RUN / "round_001" / "weights.safetensors"
    intact = checkpoint.read_bytes()
    checkpoint.write_bytes(intact[: len(intact) // 2])

    failed = snakemake(workdir, check=False)
    assert failed.returncode != 0
    round_log = study / "logs" / "imp" / RUN.relative_to("runs") / "round_002.log"
    assert f"corrupt artifact: {checkpoint.relative_to(workdir)}" in round_log.read_text()
    closing = failed.stderr[failed.stderr.index("the study stopped because a job failed") :]
    assert str(round_log.relative_to(workdir)) in closing

    checkpoint.unlink()
    plan = snakemake(workdir, "-n", "--quiet", "rules")
    assert planned_jobs(plan.stdout) == RERUN_FROM_ROUND_ONE, plan.stdout  # rounds 1-3 of that run, nothing else
    snakemake(workdir, *TABLES_ONLY)
    assert checkpoint.read_bytes() == intact
    assert table_bytes(study) == table_bytes(tiny_study)
