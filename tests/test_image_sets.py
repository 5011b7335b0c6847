"""Image datasets of the extrinsic experiment: real images stored once, resized per batch, labelled by source."""

from pathlib import Path

import pytest
import torch

from prunability.artifacts import load_tensors, save_tensors
from prunability.data.image_sets import digits
from prunability.data.images import pixel_sums, resize_nearest
from prunability.data.loading import load_data
from prunability.data.registry import build_dataset


def test_digits_are_uint8_images_in_one_fixed_split():
    native = digits(test_fraction=0.25)
    assert native["x_train"].dtype == torch.uint8 and native["x_train"].shape[1:] == (1, 8, 8)
    assert len(native["x_train"]) + len(native["x_test"]) == 1797
    assert len(native["x_test"]) == round(0.25 * 1797)
    assert native["x_train"].max() == 255 and set(native["y_train"].unique().tolist()) == set(range(10))
    again = digits(test_fraction=0.25)
    assert all(torch.equal(native[k], again[k]) for k in native)


def test_substitute_data_is_labelled_as_such_and_stored_once_at_its_own_resolution(tmp_path):
    out = tmp_path / "digits.safetensors"
    build_dataset("digits_resized", {"test_fraction": 0.2, "augment": False}, dimension=None, seed=None, out=out)
    tensors, meta = load_tensors(out)
    assert tensors["x_train"].shape[1:] == (1, 8, 8)
    assert "substitute for CIFAR-10" in meta["source"] and meta["num_classes"] == 10 and meta["augment"] is False
    levels = tensors["x_train"].double()  # per-pixel sums are stored once, not recomputed per round
    assert torch.equal(tensors["pixel_sum"], levels.sum(0))
    assert torch.equal(tensors["pixel_square_sum"], (levels**2).sum(0))


def test_real_images_take_no_seed_and_generated_data_needs_one(tmp_path):
    with pytest.raises(ValueError, match="neither a dimension nor a seed"):
        build_dataset("digits_resized", {"test_fraction": 0.2}, dimension=16, seed=0, out=tmp_path / "a")
    with pytest.raises(ValueError, match="a dimension and a seed"):
        build_dataset("synthetic_linear", {}, dimension=None, seed=None, out=tmp_path / "b")


def _resized_artifact(source: Path, side: int, out: Path) -> Path:
    """What the data artifact of one side used to hold: every image resized in advance, statistics of those."""
    tensors, meta = load_tensors(source)
    resized = {k: resize_nearest(v, side) if k.startswith("x_") else v for k, v in tensors.items()}
    sums, squares = pixel_sums(resized["x_train"])
    save_tensors(out, {**resized, "pixel_sum": sums, "pixel_square_sum": squares}, meta)
    return out


@pytest.mark.parametrize(("side", "augment"), [(16, True), (12, True), (8, False), (20, False)])
def test_per_batch_resizing_gives_the_model_the_inputs_of_a_pre_resized_dataset(tmp_path, side, augment):
    source = tmp_path / "digits.safetensors"
    build_dataset("digits_resized", {"test_fraction": 0.3, "augment": augment}, dimension=None, seed=None, out=source)
    cpu = torch.device("cpu")
    per_batch = load_data(source, cpu, side)
    resized = load_data(_resized_artifact(source, side, tmp_path / "resized.safetensors"), cpu)
    assert per_batch.input_shape == resized.input_shape == (1, side, side)
    assert torch.equal(per_batch.mean, resized.mean) and torch.equal(per_batch.std, resized.std)
    order = torch.randperm(len(per_batch.y_train), generator=torch.Generator().manual_seed(0))
    for step, idx in enumerate(order.split(64)):
        got = per_batch.train_batch(idx, torch.Generator().manual_seed(step))
        expected = resized.train_batch(idx, torch.Generator().manual_seed(step))
        assert torch.equal(got[0], expected[0]) and torch.equal(got[1], expected[1])
    for start in range(0, len(per_batch.y_test), 100):
        chunk = slice(start, start + 100)
        assert torch.equal(per_batch.inputs(per_batch.x_test[chunk]), resized.inputs(resized.x_test[chunk]))


def test_image_rounds_train_on_device_resident_uint8_with_augmentation(tmp_path):
    from prunability.imp.recipe import Recipe
    from prunability.imp.round import RoundSpec, run_round

    data = tmp_path / "digits.safetensors"
    build_dataset("digits_resized", {"test_fraction": 0.2, "augment": True}, dimension=None, seed=None, out=data)
    loaded = load_data(data, torch.device("cpu"))
    assert loaded.x_train.dtype == torch.uint8 and loaded.augment
    first, _ = loaded.train_batch(torch.arange(8), torch.Generator().manual_seed(0))
    again, _ = loaded.train_batch(torch.arange(8), torch.Generator().manual_seed(0))
    plain = loaded.inputs(loaded.x_train[:8])
    assert torch.equal(first, again) and not torch.equal(first, plain) and first.dtype == torch.float32
    recipe = Recipe(lr=0.05, batch_size=64, duration="2ep", rewind="3it", schedule="step")
    spec = RoundSpec(data=data, out=tmp_path / "r0", model="resnet20-4", round=0, seed=0, recipe=recipe, device="cpu")
    dense = run_round(spec)
    pruned = run_round(
        RoundSpec(
            data=data,
            out=tmp_path / "r1",
            model="resnet20-4",
            round=1,
            seed=0,
            recipe=recipe,
            device="cpu",
            previous=tmp_path / "r0",
            rewind=tmp_path / "r0" / "rewind.safetensors",
        )
    )
    assert dense["test_accuracy"] > 0.2 and abs(pruned["density"] - 0.8) < 1e-3
    assert dense["data_source"].startswith("scikit-learn digits")


def test_biggan_dataset_splits_each_class_and_keeps_latents_of_dimension_d():
    pytest.importorskip("pytorch_pretrained_biggan")
    from pytorch_pretrained_biggan import BigGANConfig

    from prunability.data.image_sets import biggan

    tiny = BigGANConfig(
        output_dim=32,
        z_dim=128,
        class_embed_dim=128,
        channel_width=4,
        num_classes=1000,
        layers=[(True, 16, 8), (True, 8, 4), (True, 4, 2), (False, 2, 1)],
        attention_layer_position=2,
    )
    out = biggan(
        16,
        seed=0,
        weights=None,
        class_ids=[1, 2, 3],
        per_class=4,
        test_per_class=2,
        truncation=0.5,
        size=16,
        config=tiny,
    )
    assert out["x_train"].shape == (12, 3, 16, 16) and out["x_test"].shape == (6, 3, 16, 16)
    assert out["y_train"].tolist() == [0] * 4 + [1] * 4 + [2] * 4 and out["y_test"].tolist() == [0, 0, 1, 1, 2, 2]
    assert torch.all(out["z_train"][:, :112] == 0) and torch.linalg.matrix_rank(out["z_train"]) == 12
