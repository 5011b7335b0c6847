"""Shared fixtures: tiny data artifacts and recipes that train in well under a second."""

from pathlib import Path

from prunability import numerics

# Before torch is imported: the suite computes with the kernels every job of a study uses.
numerics.pin(numerics.mode_from_env())

import pytest  # noqa: E402
import torch  # noqa: E402

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
