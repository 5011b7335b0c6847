"""The synthetic linear task: rank d inputs, labels that depend on the t kept components only."""

import pytest
import torch

from prunability.artifacts import load_tensors
from prunability.data.registry import build_dataset
from prunability.data.synthetic import linear_task


def test_inputs_have_rank_d():
    data = linear_task(task_dim=4, intrinsic_dim=12, extrinsic_dim=40, n_train=300, n_test=50, seed=1)
    assert data["x_train"].shape == (300, 40)
    s = torch.linalg.svdvals(data["x_train"].double())
    assert s[11] / s[0] > 1e-2 and s[12] / s[0] < 1e-6  # rank d up to float32 rounding
    assert torch.linalg.matrix_rank(data["x_train"], rtol=1e-5) == 12
    assert torch.allclose(data["x_train"], data["z_train"] @ data["A"].T)
    assert data["A"].min() >= -1 and data["A"].max() <= 1


def test_labels_depend_only_on_kept_components():
    data = linear_task(task_dim=3, intrinsic_dim=10, extrinsic_dim=20, n_train=500, n_test=100, seed=2)
    kept = data["kept"]
    assert kept.numel() == 3
    assert torch.count_nonzero(data["h"]) == 3
    assert torch.equal(data["h"].nonzero().squeeze(1), kept)
    z = data["z_train"]
    assert torch.equal(data["y_train"], (z @ data["h"] > 0).long())
    dropped = torch.ones(10, dtype=torch.bool)
    dropped[kept] = False
    noisy = z.clone()
    noisy[:, dropped] = torch.randn(500, int(dropped.sum()), generator=torch.Generator().manual_seed(0)) * 100
    assert torch.equal((noisy @ data["h"] > 0).long(), data["y_train"])
    noisy_kept = z.clone()
    noisy_kept[:, kept] = torch.randn(500, 3, generator=torch.Generator().manual_seed(0))
    assert not torch.equal((noisy_kept @ data["h"] > 0).long(), data["y_train"])
    assert 0.3 < data["y_train"].float().mean() < 0.7


def test_task_dimensions_of_one_seed_share_everything_but_kept_components():
    small = linear_task(task_dim=2, intrinsic_dim=8, extrinsic_dim=16, n_train=50, n_test=10, seed=3)
    large = linear_task(task_dim=6, intrinsic_dim=8, extrinsic_dim=16, n_train=50, n_test=10, seed=3)
    assert torch.equal(small["A"], large["A"]) and torch.equal(small["x_train"], large["x_train"])
    assert set(small["kept"].tolist()) < set(large["kept"].tolist())
    other = linear_task(task_dim=2, intrinsic_dim=8, extrinsic_dim=16, n_train=50, n_test=10, seed=4)
    assert not torch.equal(small["A"], other["A"])


def test_artifact_is_reproducible_and_carries_metadata(tiny_data, tiny_params, tmp_path):
    again = tmp_path / "again.safetensors"
    build_dataset("synthetic_linear", tiny_params, dimension=4, seed=0, out=again)
    assert tiny_data.read_bytes() == again.read_bytes()
    tensors, meta = load_tensors(tiny_data)
    assert meta["dimension"] == 4 and meta["num_classes"] == 2 and meta["params"] == tiny_params
    assert set(tensors) >= {"x_train", "y_train", "x_test", "y_test", "A", "h", "kept"}


def test_bad_dimensions_are_rejected():
    with pytest.raises(ValueError, match="task dimension"):
        linear_task(task_dim=9, intrinsic_dim=8, extrinsic_dim=16, n_train=10, n_test=10, seed=0)
