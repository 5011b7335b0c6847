"""Running the workflow from tests: as a user would, with the venv's snakemake and no activated environment."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).parent / "snakemake"
# One experiment, one seed, two dimensions, up to three pruning rounds of 60 % each; a chain ends at the first
# round that fails the strict rule, so both runs end by failure after round 2 and round 3 is an end marker.
TINY_TASK = {
    "study": "tiny",
    "seeds": [0, 1],
    "imp": {"rounds": 3, "prune_fraction": 0.6, "stop": {"criterion": "strict", "patience": 1}},
    "statistics": {"rollouts": 200, "samples": 100},
    "experiments": {
        "task": {
            "label": "task dimension",
            "dimensions": [2, 4],
            "models": ["mlp-16-8"],
            "dataset": {
                "kind": "synthetic_linear",
                "intrinsic_dim": 4,
                "extrinsic_dim": 16,
                "n_train": 256,
                "n_test": 128,
            },
            "training": {"lr": 0.05, "batch_size": 32, "duration": "2ep", "rewind": "4it"},
        }
    },
}
# The tiny task study and two tiny image experiments (one digits image set brought to two sides; seeded
# random-weight BigGAN latents), each of one model, two dimensions and one pruning round: the study most tests
# read (the session fixture ``tiny_study``).
TINY_STUDY = {
    **TINY_TASK,
    "experiments": {
        **TINY_TASK["experiments"],
        "extrinsic": {
            "label": "image side (px)",
            "dimensions": [4, 8],
            "rounds": 1,
            "models": ["resnet20-2"],
            "dataset": {"kind": "digits_resized", "test_fraction": 0.5},
            "training": {"lr": 0.05, "batch_size": 128, "duration": "1ep", "rewind": "2it"},
        },
        "intrinsic": {
            "label": "intrinsic dimension",
            "dimensions": [4, 16],
            "rounds": 1,
            "models": ["resnet20-2"],
            "dataset": {
                "kind": "biggan_latent",
                "channel_width": 4,
                "class_ids": [1, 2],
                "per_class": 4,
                "test_per_class": 2,
                "size": 8,
            },
            "training": {"lr": 0.05, "batch_size": 4, "duration": "2ep", "rewind": "1it"},
        },
    },
}
# The plan after round 1 of a finished run is deleted: rounds 1 and 2, round 3 (the chain's end marker, which
# reads them), then the collection steps.
RERUN_FROM_ROUND_ONE = {
    "imp_prune": 3,
    "tables": 1,
    "fingerprint": 1,
    "stats": 1,
    "yardstick": 1,
    "draw_figures": 1,
    "html_report": 1,
    "all": 1,
    "total": 10,
}
# A rerun compared by its tables alone leaves out the figures and the report that shows them.
TABLES_ONLY = ("--omit-from", "draw_figures")
# Tables whose bytes depend on the config and seed alone (timing.parquet holds wall times).
REPRODUCIBLE_TABLES = (
    "rounds.parquet",
    "measured_dim.parquet",
    "prunability.parquet",
    "summary.parquet",
    "summary.csv",
    "summary.md",
    "correlation.parquet",
    "correlation_summary.parquet",
    "sensitivity.parquet",
)


def user_env() -> dict[str, str]:
    """The environment of a user who has not activated the venv: its bin directory is not on PATH."""
    venv_bin = str(SNAKEMAKE.parent)
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != venv_bin]
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    return {**env, "PATH": os.pathsep.join(path or ["/usr/bin", "/bin"])}


def snakemake_cmd(workdir: Path, *args: str) -> list[str]:
    return [str(SNAKEMAKE), "-s", str(ROOT / "Snakefile"), "-d", str(workdir), *args]


def snakemake(workdir: Path, *args: str, check: bool = True, cores: str = "2") -> subprocess.CompletedProcess:
    """Run the workflow in ``workdir`` (its config.yaml, or the --configfile among ``args``) to the end."""
    cmd = snakemake_cmd(workdir, "--cores", cores, *args)
    done = subprocess.run(cmd, capture_output=True, text=True, env=user_env())
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def planned_jobs(output: str) -> dict[str, int]:
    """The job counts of a dry run's ``Job stats`` table: rule -> count (and ``total``)."""
    counts = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    return counts


def check_chains_stopped(study: Path) -> None:
    """Every run of the tiny task study ended by failure after round 2; round 3 is its end marker."""
    from prunability.artifacts import ENDED, load_tensors

    rounds = pd.read_parquet(study / "tables" / "rounds.parquet").query("experiment == 'task'")
    assert sorted(rounds["round"].unique()) == [0, 1, 2]
    ended = pd.read_parquet(study / "tables" / "prunability.parquet").query("experiment == 'task'")
    assert set(ended["ended_by"]) == {"failure"}
    assert not ended.query("criterion == 'strict'")["matches_at_last_round"].any()  # the rule's own criterion
    for marker in study.glob("runs/task/*/*/*/round_003"):
        tensors, meta = load_tensors(marker / "weights.safetensors")
        assert tensors == {} and meta[ENDED] == "2"
        assert pd.read_parquet(marker / "metrics.parquet").empty


def copy_study(study: Path, to: Path) -> Path:
    """A copy of a finished study's working directory (modification times kept, so snakemake sees it finished)
    under ``to``: tests change copies, never the shared ``tiny_study``. Returns the copy's study folder."""
    shutil.copytree(study.parents[1], to, symlinks=True)
    return to / study.relative_to(study.parents[1])


def table_bytes(study: Path) -> dict[str, bytes]:
    return {name: (study / "tables" / name).read_bytes() for name in REPRODUCIBLE_TABLES}


def artifacts(study: Path) -> dict[Path, int]:
    """Every file under the study's data, runs and measured_dim folders, with its modification time."""
    return {
        p: p.stat().st_mtime_ns
        for sub in ("data", "runs", "measured_dim")
        for p in (study / sub).rglob("*")
        if p.is_file()
    }


def check_artifacts_complete(study: Path) -> None:
    """No half-written artifact: nothing under a temporary name, every checkpoint and table readable."""
    from prunability.artifacts import load_tensors

    leftovers = list(study.rglob("*.tmp"))
    assert not leftovers, f"temporary files left: {leftovers}"
    for path in study.rglob("*.safetensors"):
        load_tensors(path)
    for path in study.rglob("*.parquet"):
        pd.read_parquet(path)


def incomplete_outputs(workdir: Path) -> set[Path]:
    """Outputs snakemake has marked incomplete: those of jobs that started and were not seen to finish."""
    from base64 import urlsafe_b64decode

    root = workdir / ".snakemake" / "incomplete"
    marked = set()
    for marker in root.rglob("*") if root.is_dir() else ():
        if marker.is_file():
            encoded = "".join(part.lstrip("@") for part in marker.relative_to(root).parts)
            marked.add((workdir / urlsafe_b64decode(encoded).decode()).resolve())
    return marked


def snapshot_after_kill(workdir: Path, study: Path) -> tuple[dict[Path, int], set[Path]]:
    """The artifacts and the outputs marked incomplete, markers read first: a job still finishing touches its
    outputs and only then removes its marker, so (locally, where the dead controller touched nothing more) a
    file whose marker is already gone keeps the modification time it is recorded with here."""
    interrupted = incomplete_outputs(workdir)
    return artifacts(study), interrupted


def outputs_of_jobs_run(log: str, workdir: Path) -> set[Path]:
    """The outputs of every job a snakemake log shows it ran (its ``output:`` lines)."""
    outputs = set()
    for line in map(str.strip, log.splitlines()):
        if line.startswith("output: "):
            outputs |= {(workdir / f).resolve() for f in line.removeprefix("output: ").split(", ")}
    return outputs


def changed_outside(before: dict[Path, int], allowed: set[Path]) -> list[Path]:
    """Files of ``before`` rewritten or removed since, other than ``allowed``: jobs that ran twice."""
    return [
        p
        for p, mtime in before.items()
        if p.resolve() not in allowed and (not p.exists() or p.stat().st_mtime_ns != mtime)
    ]
