"""The study through a real SLURM (``make test-cluster``): sbatch and group jobs, a cancelled job, a killed
controller and the recovery step, a job that fails for a real reason. Needs a SLURM that answers (the
Makefile target starts a single-node one); never part of ``make test``.
"""

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from helpers import (
    ROOT,
    SNAKEMAKE,
    TINY_TASK,
    artifacts,
    changed_outside,
    check_artifacts_complete,
    check_chains_stopped,
    outputs_of_jobs_run,
    snakemake,
    snakemake_cmd,
    snapshot_after_kill,
    table_bytes,
    user_env,
)

pytestmark = pytest.mark.cluster
# The profile as users run it, with three differences for the test node: job states come from squeue (no
# accounting daemon), the first status check comes after 2 s instead of the plugin's 40, and every job takes
# one thread, since the node has 2 CPUs where the profile asks 4 per IMP job, and as the local run does, so
# that their bytes can be compared (torch's reductions may split differently with another thread count).
CLUSTER = (
    "--profile",
    str(ROOT / "workflow" / "profiles" / "slurm"),
    "--slurm-status-command",
    "squeue",
    "--slurm-init-seconds-before-status-checks",
    "2",
    "--set-threads",
    "imp_dense=1",
    "imp_prune=1",
    "measure_dim=1",
    "dataset=1",
)
SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: (\S+)\)\.")
# Each cell's round jobs train both its seeds (imp.runs_per_job: seeds), and a cell's chain is one group job.
CELLS = len(TINY_TASK["experiments"]["task"]["dimensions"])


@pytest.fixture(scope="module", autouse=True)
def slurm_answers() -> None:
    """Fail, never skip, when no SLURM answers: the cluster test must not pass without a cluster."""
    ping = subprocess.run(["scontrol", "ping"], capture_output=True, text=True) if shutil.which("scontrol") else None
    if ping is None or "UP" not in ping.stdout:
        pytest.fail("no SLURM answers `scontrol ping`: run `make test-cluster`, which starts one (as root)")


def new_study(tmp_path: Path) -> Path:
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(TINY_TASK))
    return tmp_path


def cluster_cmd(workdir: Path) -> list[str]:
    return snakemake_cmd(workdir, *CLUSTER, "--configfile", str(workdir / "tiny.yaml"))


def start(workdir: Path, name: str = "controller") -> subprocess.Popen:
    log = (workdir / f"{name}.log").open("w")
    return subprocess.Popen(cluster_cmd(workdir), stdout=log, stderr=subprocess.STDOUT, env=user_env())


def finish(proc: subprocess.Popen, workdir: Path, name: str = "controller") -> tuple[int, str]:
    """Wait for the controller; one that hangs is killed with its jobs, so nothing outlives the test."""
    try:
        code = proc.wait(timeout=300)
    except subprocess.TimeoutExpired:
        proc.kill()
        subprocess.run(["scancel", *(i for i, _, _ in jobs_of(workdir))], check=False)
        raise
    return code, (workdir / f"{name}.log").read_text()


def jobs_of(workdir: Path) -> list[tuple[str, str, str]]:
    """(job id, state, comment) of the SLURM jobs submitted from ``workdir``."""
    out = subprocess.run(["squeue", "-h", "-t", "all", "-o", "%i|%T|%k|%Z"], capture_output=True, text=True).stdout
    rows = [line.split("|") for line in out.splitlines()]
    return [(i, state, comment) for i, state, comment, cwd in rows if Path(cwd).resolve() == workdir.resolve()]


def wait_for(condition, what: str, timeout: float = 300.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def running_imp_job(workdir: Path) -> str | None:
    return next((i for i, state, comment in jobs_of(workdir) if state == "RUNNING" and "imp" in comment), None)


def submissions(log: str) -> list[tuple[str, str]]:
    return SUBMITTED.findall(log)


def imp_groups(log: str) -> int:
    return sum("group_imp" in path for _, path in submissions(log))


@pytest.fixture(scope="module")
def local_tables(tmp_path_factory) -> dict[str, bytes]:
    """The same tiny study run locally: what every cluster run must reproduce byte for byte."""
    workdir = new_study(tmp_path_factory.mktemp("local"))
    tic = time.perf_counter()
    snakemake(workdir, "--configfile", str(workdir / "tiny.yaml"))
    print(f"\ncluster test: tiny study locally in {time.perf_counter() - tic:.1f} s")
    return table_bytes(workdir / "results" / "tiny")


@pytest.fixture(scope="module")
def cluster_study(tmp_path_factory) -> tuple[Path, str]:
    workdir = new_study(tmp_path_factory.mktemp("cluster"))
    tic = time.perf_counter()
    code, log = finish(start(workdir), workdir)
    assert code == 0, log[-4000:]
    print(
        f"\ncluster test: tiny study through SLURM in {time.perf_counter() - tic:.1f} s, "
        f"{len(submissions(log))} submissions"
    )
    return workdir, log


def test_study_runs_through_sbatch_as_group_jobs(cluster_study, local_tables):
    workdir, log = cluster_study
    assert imp_groups(log) == CELLS, "the chain of each cell's shared round jobs must be one group job"
    assert not any("rule_imp" in path for _, path in submissions(log)), "no IMP round submitted on its own"
    assert table_bytes(workdir / "results" / "tiny") == local_tables
    check_chains_stopped(workdir / "results" / "tiny")  # each group job ran its chain's end marker too
    closing = log.strip().rpartition("prunability: study 'tiny' is complete.")[2].splitlines()
    assert any("report:" in line and line.strip().endswith("results/tiny/report.html") for line in closing), closing
    assert any("yardstick:" in line for line in closing), closing  # the closing lines name the flagged cells


def rerun_of_rounds(cluster_study: tuple[Path, str], tmp_path: Path) -> Path:
    """A copy of the finished cluster study without its IMP runs: its controller submits the rounds' group jobs
    at once (the data and measured dimensions stay), so a fault can hit them early and cheaply."""
    workdir = tmp_path / "study"
    shutil.copytree(cluster_study[0], workdir, symlinks=True)
    shutil.rmtree(workdir / "results" / "tiny" / "runs")
    return workdir


def test_cancelled_job_is_retried(cluster_study, tmp_path, local_tables):
    workdir = rerun_of_rounds(cluster_study, tmp_path)
    proc = start(workdir)
    victim = wait_for(lambda: running_imp_job(workdir), "a running IMP job")
    time.sleep(1)
    subprocess.run(["scancel", victim], check=True)
    code, log = finish(proc, workdir)
    assert code == 0, log[-4000:]
    assert re.search(rf"Error in group imp\n\s+log: \S+/{victim}\.log", log), log[-4000:]
    assert "Trying to restart job" in log
    assert imp_groups(log) == CELLS + 1, "the cancelled group job is submitted once more"
    assert table_bytes(workdir / "results" / "tiny") == local_tables
    print(f"\ncluster test: scancel {victim}: {len(submissions(log))} submissions, 1 retried")


def test_killed_controller_recovers_with_one_command(cluster_study, tmp_path, local_tables):
    workdir = rerun_of_rounds(cluster_study, tmp_path)
    study = workdir / "results" / "tiny"
    proc = start(workdir)
    wait_for(lambda: running_imp_job(workdir) and list(study.glob("runs/**/round_000/metrics.parquet")), "a round")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before, interrupted = snapshot_after_kill(workdir, study)
    orphans = [i for i, state, _ in jobs_of(workdir) if state in ("RUNNING", "PENDING")]

    locked = subprocess.run(cluster_cmd(workdir), capture_output=True, text=True, env=user_env())
    assert locked.returncode != 0 and "cannot be locked" in locked.stdout + locked.stderr

    recover = [str(SNAKEMAKE.parent / "prunability"), "recover", "--", *cluster_cmd(workdir)]
    done = subprocess.run(recover, capture_output=True, text=True, env=user_env())
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    waited = re.search(r"waiting for (\d+) SLURM job\(s\) of the dead run", out)
    assert waited or not orphans, out[-4000:]  # some orphans may have finished before the recovery
    assert not [i for i, state, _ in jobs_of(workdir) if state in ("RUNNING", "PENDING")]
    assert table_bytes(study) == local_tables
    check_artifacts_complete(study)
    # On SLURM the jobstep touches a finished job's outputs once more after removing its marker, so the
    # modification time says nothing here: what recovery ran is read from its own log instead.
    finished, written = {p.resolve() for p in before} - interrupted, outputs_of_jobs_run(out, workdir)
    assert not finished & written, "a job finished before the kill ran again"
    assert all(p.exists() for p in finished)
    rerun = len(re.findall(r"Finished jobid: \d+ \(Rule: imp_", out))
    print(
        f"\ncluster test: SIGKILL of the controller with {len(orphans)} job(s) queued or running; recovery: "
        f"waited for {waited.group(1) if waited else 0}, {len(submissions(out))} submissions, "
        f"{rerun} IMP rounds recomputed, {len(written)} outputs written"
    )


def test_a_model_s_cells_share_one_group_job(cluster_study, tmp_path, local_tables):
    """The default study's sharing (``runs_per_job: cells``): the generated rules of one model's jobs, every cell
    and seed in each, through SLURM as one group job, with the tables of the local run of one cell per job."""
    workdir = rerun_of_rounds(cluster_study, tmp_path)
    config = {**TINY_TASK, "imp": {**TINY_TASK["imp"], "runs_per_job": "cells"}}
    (workdir / "tiny.yaml").write_text(yaml.safe_dump(config))
    code, log = finish(start(workdir), workdir)
    assert code == 0, log[-4000:]
    assert imp_groups(log) == 1, "the chain of the model's jobs of every cell must be one group job"
    assert re.search(r"rule imp_prune_task:", log) and not re.search(r"rule imp_prune:", log)
    assert table_bytes(workdir / "results" / "tiny") == local_tables
    check_chains_stopped(workdir / "results" / "tiny")
    print(f"\ncluster test: cells: {len(submissions(log))} submissions, one group job for {CELLS} cells")


def test_failing_job_stops_the_study_and_names_its_log(cluster_study, tmp_path):
    workdir = tmp_path / "study"
    shutil.copytree(cluster_study[0], workdir, symlinks=True)
    study = workdir / "results" / "tiny"
    broken = study / "runs" / "task" / "mlp-16-8" / "dim2" / "seed0" / "round_001" / "weights.safetensors"
    broken.write_bytes(b"not a checkpoint")
    untouched = {p: m for p, m in artifacts(study).items() if "/dim4/" in str(p)}
    code, log = finish(start(workdir), workdir)
    assert code != 0
    closing = log[log.index("prunability: the study stopped because a job failed.") :]
    rule_log = study / "logs" / "imp" / "task" / "mlp-16-8" / "dim2" / "seed0" / "round_002.log"
    assert str(rule_log.relative_to(workdir)) in closing, closing
    slurm_logs = re.findall(r"\S+/\.snakemake/slurm_logs/\S+\.log", closing)
    assert slurm_logs and all(Path(p).is_file() for p in slurm_logs), closing
    assert f"corrupt artifact: {broken.relative_to(workdir)}" in rule_log.read_text()
    assert imp_groups(log) == 2, "the failing group job is retried once, as the profile says"
    assert changed_outside(untouched, set()) == []
    assert (study / "report.html").is_file() and (study / "tables" / "summary.parquet").is_file()
    print(f"\ncluster test: corrupt checkpoint: {len(submissions(log))} submissions (1 retry), then the study stopped")
