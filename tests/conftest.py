"""Shared fixtures: tiny data artifacts and recipes that train in well under a second, and the tiny study that
the workflow and fault tests share."""

import fcntl
from pathlib import Path

from prunability import numerics

# Before torch is imported: the suite computes with the kernels every job of a study uses.
numerics.pin(numerics.mode_from_env())

import pytest  # noqa: E402
import torch  # noqa: E402
import yaml  # noqa: E402
from helpers import TINY_STUDY, snakemake  # noqa: E402

from prunability.data.registry import build_dataset  # noqa: E402
from prunability.imp.recipe import Recipe  # noqa: E402

torch.set_num_threads(1)

TINY = {"intrinsic_dim": 8, "extrinsic_dim": 16, "n_train": 256, "n_test": 128}


@pytest.fixture
def tiny_params() -> dict:
    return dict(TINY)


@pytest.fixture
def tiny_data(tmp_path: Path) -> Path:
    path = tmp_path / "data.safetensors"
    build_dataset("synthetic_linear", TINY, dimension=4, seed=0, out=path)
    return path


@pytest.fixture
def recipe() -> Recipe:
    return Recipe(
        optimizer="sgd",
        lr=0.05,
        momentum=0.9,
        weight_decay=1e-3,
        batch_size=32,
        duration="3ep",
        rewind="5it",
        schedule="cosine",
    )


@pytest.fixture(scope="session")
def tiny_study(tmp_path_factory, worker_id: str) -> Path:
    """``helpers.TINY_STUDY``, run to the end once per test session: the first worker to need it runs it, the
    others wait on a lock and read the same folder, since each run costs a minute of CPU. Tests read it or
    change a copy (``helpers.copy_study``), never the study itself."""
    root = tmp_path_factory.getbasetemp()
    root = root if worker_id == "master" else root.parent  # the session's folder, shared by its workers
    workdir, done = root / "tiny-study", root / "tiny-study.done"
    with (root / "tiny-study.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            workdir.mkdir(exist_ok=True)
            (workdir / "config.yaml").write_text(yaml.safe_dump(TINY_STUDY))
            snakemake(workdir)
            done.touch()
    return workdir / "results" / TINY_STUDY["study"]
