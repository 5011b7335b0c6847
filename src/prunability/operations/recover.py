"""Recover a study whose controlling ``snakemake`` died (a killed terminal, a rebooted login node).

Snakemake then leaves the working directory locked, jobs of the dead run still queued or running (SLURM jobs,
or local job processes re-parented to init) and, from jobs killed mid-write, temporary files beside the
artifacts. ``prunability recover -- <the snakemake command>`` waits for the dead run's jobs to finish (or, with
``--cancel``, stops them), removes the temporaries, unlocks, and runs the command again with
``--rerun-incomplete``: every job that finished is kept, the jobs the crash interrupted are recomputed.

Waiting is the default because a cancelled SLURM group job loses the rounds it had finished (Snakemake removes
the outputs of every job of a failed group), and those jobs would run again for nothing.
"""

import getpass
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import psutil

from prunability.errors import RecoveryError

# atomic_path's temporary names: ".<final name>.<mkstemp suffix>.tmp"
TMP_NAME = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")
# SLURM states of a job that has not ended yet.
ACTIVE = "PENDING,RUNNING,CONFIGURING,COMPLETING,SUSPENDED"
UUID = re.compile(r"^([A-Za-z0-9_-]+_)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _say(msg: str) -> None:
    print(f"recover: {msg}", file=sys.stderr, flush=True)


def workdir_of(command: list[str]) -> Path:
    """The working directory a snakemake command runs in: its ``-d``/``--directory``, else the current one."""
    for i, arg in enumerate(command):
        if arg in ("-d", "--directory") and i + 1 < len(command):
            return Path(command[i + 1]).resolve()
        if arg.startswith("--directory="):
            return Path(arg.split("=", 1)[1]).resolve()
    return Path.cwd().resolve()


def _processes_in(workdir: Path) -> Iterable[tuple[psutil.Process, list[str]]]:
    """Processes of this user whose working directory is ``workdir``, with their command lines."""
    me = os.getpid()
    for proc in psutil.process_iter(["pid", "cwd", "cmdline", "username"]):
        info = proc.info
        if info["pid"] == me or not info["cwd"] or Path(info["cwd"]).resolve() != workdir:
            continue
        if info["username"] == getpass.getuser():
            yield proc, info["cmdline"] or []


def _is_snakemake(cmdline: list[str]) -> bool:
    """``snakemake ...``, ``python .../bin/snakemake ...`` or ``python -m snakemake ...``."""
    return any(Path(a).name == "snakemake" for a in cmdline[:3])


def live_controllers(workdir: Path) -> list[int]:
    """Pids of snakemake controllers still running in ``workdir`` (cluster jobs run with --target-jobs)."""
    return [
        proc.pid
        for proc, cmd in _processes_in(workdir)
        if _is_snakemake(cmd) and "--target-jobs" not in cmd and "--unlock" not in cmd
    ]


def local_orphans(workdir: Path) -> list[psutil.Process]:
    """Job processes of a dead local run: ``prunability`` steps started in ``workdir``."""
    return [
        proc
        for proc, cmd in _processes_in(workdir)
        if any(Path(a).name == "prunability" for a in cmd[:2]) or cmd[1:3] == ["-m", "prunability"]
    ]


def stop_local(procs: list[psutil.Process], grace: float = 10.0) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        proc.kill()
    psutil.wait_procs(alive, timeout=grace)


def slurm_orphans(workdir: Path) -> list[str]:
    """SLURM jobs that snakemake submitted from ``workdir`` (job name = run id) and that are still queued or running."""
    if not shutil.which("squeue"):
        return []
    out = subprocess.run(
        [
            "squeue",
            "-h",
            "-u",
            getpass.getuser(),
            "-t",
            ACTIVE,
            "-o",
            "%i|%j|%Z",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        _say(f"squeue failed ({out.stderr.strip()}); not looking for SLURM jobs of the dead run")
        return []
    jobs = [line.split("|", 2) for line in out.stdout.splitlines() if line.count("|") >= 2]
    return [job for job, name, cwd in jobs if UUID.match(name) and Path(cwd).resolve() == workdir]


def wait_slurm(jobs: list[str], timeout: float | None = None, report_every: float = 60.0) -> None:
    """Wait until none of ``jobs`` is queued or running any more, saying which still are now and then."""
    start = last = time.monotonic()
    while True:
        out = subprocess.run(
            ["squeue", "-h", "-j", ",".join(jobs), "-t", ACTIVE, "-o", "%i"],
            capture_output=True,
            text=True,
            check=False,
        )
        left = out.stdout.split()
        if not left:
            return
        now = time.monotonic()
        if timeout is not None and now - start > timeout:
            raise RecoveryError(f"SLURM jobs {', '.join(left)} still listed {timeout:.0f} s after scancel")
        if now - last >= report_every:
            _say(f"still waiting for SLURM job(s) {', '.join(left)} ({now - start:.0f} s)")
            last = now
        time.sleep(2)


def stale_temporaries(results: Path) -> list[Path]:
    """Half-written artifacts that killed jobs left under their temporary names."""
    return sorted(p for p in results.rglob(".*.tmp") if p.is_file() and TMP_NAME.match(p.name))


def settle_orphans(workdir: Path, cancel: bool) -> None:
    """Let the dead run's jobs finish (or stop them, with ``cancel``) so that nothing writes beside the rerun."""
    jobs = slurm_orphans(workdir)
    if jobs and cancel:
        _say(f"cancelling {len(jobs)} SLURM job(s) of the dead run: {', '.join(jobs)}")
        subprocess.run(["scancel", *jobs], check=False)
        wait_slurm(jobs, timeout=300)
    elif jobs:
        _say(f"waiting for {len(jobs)} SLURM job(s) of the dead run to finish: {', '.join(jobs)} (--cancel stops them)")
        wait_slurm(jobs)
    orphans = local_orphans(workdir)
    if orphans and cancel:
        _say(f"stopping {len(orphans)} job process(es) of the dead run: {', '.join(str(p.pid) for p in orphans)}")
        stop_local(orphans)
    elif orphans:
        _say(f"waiting for {len(orphans)} job process(es) of the dead run: {', '.join(str(p.pid) for p in orphans)}")
        psutil.wait_procs(orphans)


def recover(command: list[str], cancel: bool = False) -> int:
    """Settle what the dead run left running, clean up, unlock, and run ``command`` again; return its exit code."""
    if not command:
        raise RecoveryError("give the snakemake command to recover after '--', e.g. recover -- snakemake --profile ...")
    workdir = workdir_of(command)
    alive = live_controllers(workdir)
    if alive:
        raise RecoveryError(
            f"a snakemake is still running in {workdir} (pid {', '.join(map(str, alive))}); "
            "stop it first, or wait for it"
        )
    settle_orphans(workdir, cancel)
    leftovers = stale_temporaries(workdir / "results")
    for path in leftovers:
        path.unlink()
    _say(f"removed {len(leftovers)} half-written temporary file(s)")
    unlock = subprocess.run([*command, "--unlock"], capture_output=True, text=True, check=False)
    if unlock.returncode != 0:
        raise RecoveryError(f"{' '.join(command)} --unlock failed:\n{unlock.stdout}{unlock.stderr}")
    _say(f"unlocked {workdir}; running the study again, recomputing the jobs the crash interrupted")
    rerun = command if "--rerun-incomplete" in command or "--ri" in command else [*command, "--rerun-incomplete"]
    return subprocess.run(rerun, check=False).returncode
