"""IMP rounds through the real job path: masks held at zero, rewinding to θk ⊙ mask, reproducible bytes."""

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from prunability.artifacts import load_tensors
from prunability.errors import ArtifactError
from prunability.imp.round import RoundSpec, run_round

FILES = ["weights.safetensors", "mask.safetensors", "metrics.parquet"]


def _chain(data: Path, out: Path, recipe, rounds: int = 2, **overrides) -> list[Path]:
    dirs = [out / f"round_{r:03d}" for r in range(rounds + 1)]
    base = RoundSpec(
        data=data,
        out=dirs[0],
        model="mlp-16-8",
        round=0,
        seed=0,
        recipe=recipe,
        device="cpu",
        run=(("experiment", "task"), ("model", "mlp-16-8"), ("dimension", 4), ("seed", 0)),
        **overrides,
    )
    run_round(base)
    for r in range(1, rounds + 1):
        run_round(replace(base, out=dirs[r], round=r, previous=dirs[r - 1], rewind=dirs[0] / "rewind.safetensors"))
    return dirs


def test_trained_weights_are_zero_wherever_the_mask_is(tiny_data, tmp_path, recipe):
    dirs = _chain(tiny_data, tmp_path, recipe, rounds=3)
    for r, d in enumerate(dirs):
        weights, _ = load_tensors(d / "weights.safetensors")
        masks, _ = load_tensors(d / "mask.safetensors")
        remaining = sum(int(m.sum()) for m in masks.values())
        total = sum(m.numel() for m in masks.values())
        assert abs(remaining / total - 0.8**r) < 0.01
        for name, mask in masks.items():
            assert torch.all(weights[name][mask == 0] == 0)
            assert torch.count_nonzero(weights[name][mask == 1]) == int(mask.sum())  # survivors trained


def test_rewound_weights_equal_theta_k_times_mask(tiny_data, tmp_path, recipe):
    """With a zero learning rate, training leaves the rewound weights as they are: θk ⊙ mask, exactly."""
    frozen = replace(recipe, lr=0.0, weight_decay=0.0)
    dirs = _chain(tiny_data, tmp_path, frozen, rounds=2)
    theta_k, meta = load_tensors(dirs[0] / "rewind.safetensors")
    assert meta["step"] == 5
    for d in dirs[1:]:
        weights, _ = load_tensors(d / "weights.safetensors")
        masks, _ = load_tensors(d / "mask.safetensors")
        for name, value in theta_k.items():
            expected = value * masks[name] if name in masks else value
            assert torch.equal(weights[name], expected)


def test_rewind_point_is_the_state_after_k_steps(tiny_data, tmp_path, recipe):
    """θk differs from θ0 (k steps were taken) and from θT."""
    dirs = _chain(tiny_data, tmp_path, recipe, rounds=0)
    theta_k, _ = load_tensors(dirs[0] / "rewind.safetensors")
    trained, _ = load_tensors(dirs[0] / "weights.safetensors")
    from prunability.models.registry import build_model
    from prunability.seeding import derive_seed

    theta_0 = build_model("mlp-16-8", (16,), 2, derive_seed(0, "init")).state_dict()
    assert not torch.equal(theta_k["1.weight"], theta_0["1.weight"])
    assert not torch.equal(theta_k["1.weight"], trained["1.weight"])


def test_same_config_and_seed_give_byte_identical_artifacts(tiny_data, tmp_path, recipe):
    a = _chain(tiny_data, tmp_path / "a", recipe, rounds=2)
    b = _chain(tiny_data, tmp_path / "b", recipe, rounds=2)
    for da, db in zip(a, b, strict=True):
        for name in FILES:
            assert (da / name).read_bytes() == (db / name).read_bytes(), f"{da.name}/{name} differs"
    c = _chain(tiny_data, tmp_path / "c", replace(recipe, lr=0.04), rounds=0)
    assert (c[0] / "weights.safetensors").read_bytes() != (a[0] / "weights.safetensors").read_bytes()


def test_artifacts_get_ordinary_permissions(tiny_data, tmp_path, recipe):
    from prunability.artifacts import FILE_MODE

    dirs = _chain(tiny_data, tmp_path, recipe, rounds=0)
    assert (dirs[0] / "weights.safetensors").stat().st_mode & 0o777 == FILE_MODE
    assert not list(dirs[0].glob("*.tmp"))


def test_metrics_row_reports_both_densities(tiny_data, tmp_path, recipe):
    import pandas as pd

    dirs = _chain(tiny_data, tmp_path, recipe, rounds=1)
    row = pd.read_parquet(dirs[1] / "metrics.parquet").iloc[0]
    assert row["round"] == 1 and row["experiment"] == "task" and row["dimension"] == 4
    assert row["remaining_weights"] == row["prunable_weights"] - round(0.2 * row["prunable_weights"])
    biases = row["total_parameters"] - row["prunable_weights"]
    assert row["density_all"] == pytest.approx((row["remaining_weights"] + biases) / row["total_parameters"])
    assert 0.5 <= row["test_accuracy"] <= 1 and row["epochs"] == pytest.approx(3 - 5 / 8)


def test_missing_or_corrupt_checkpoint_names_the_file(tiny_data, tmp_path, recipe):
    dirs = _chain(tiny_data, tmp_path, recipe, rounds=0)
    spec = RoundSpec(
        data=tiny_data,
        out=tmp_path / "r1",
        model="mlp-16-8",
        round=1,
        seed=0,
        recipe=recipe,
        previous=dirs[0],
        rewind=tmp_path / "nowhere.safetensors",
        device="cpu",
    )
    with pytest.raises(ArtifactError, match=r"nowhere\.safetensors"):
        run_round(spec)
    (dirs[0] / "weights.safetensors").write_bytes(b"not a checkpoint")
    with pytest.raises(ArtifactError, match=r"corrupt artifact: .*round_000/weights\.safetensors"):
        run_round(replace(spec, rewind=dirs[0] / "rewind.safetensors"))


def test_a_round_with_dropout_is_reproducible(tmp_path):
    """VGG16's classifier dropout draws from torch's global generator, which the round seeds itself."""
    from prunability.data.registry import build_dataset
    from prunability.imp.recipe import Recipe

    data = tmp_path / "digits.safetensors"
    build_dataset("digits_resized", {"test_fraction": 0.9, "augment": False}, None, None, data)
    recipe = Recipe.from_dict({"lr": 0.05, "batch_size": 64, "duration": "2ep", "rewind": "1ep"})
    spec = RoundSpec(
        data=data, out=tmp_path / "a", model="vgg16-2", round=0, seed=0, recipe=recipe, device="cpu", side=32
    )
    run_round(spec)
    torch.rand(1000)  # a global generator in another state must not matter
    run_round(replace(spec, out=tmp_path / "b"))
    for name in ("weights.safetensors", "metrics.parquet"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
