"""Image datasets of the extrinsic experiment: real images, nearest-neighbour resized, labelled by source."""

import torch

from prunability.artifacts import load_tensors
from prunability.data.image_sets import digits
from prunability.data.registry import build_dataset


def test_digits_are_uint8_images_split_by_seed_and_resized():
    native = digits(size=8, test_fraction=0.25, seed=0)
    assert native["x_train"].dtype == torch.uint8 and native["x_train"].shape[1:] == (1, 8, 8)
    assert len(native["x_train"]) + len(native["x_test"]) == 1797
    assert len(native["x_test"]) == round(0.25 * 1797)
    assert native["x_train"].max() == 255 and set(native["y_train"].unique().tolist()) == set(range(10))
    big = digits(size=16, test_fraction=0.25, seed=0)
    assert big["x_train"].shape[1:] == (1, 16, 16)
    assert torch.equal(big["x_train"][:, :, ::2, ::2], native["x_train"])  # every pixel became a 2x2 block
    assert torch.equal(big["y_train"], native["y_train"])
    other = digits(size=8, test_fraction=0.25, seed=1)
    assert not torch.equal(other["y_train"], native["y_train"])


def test_substitute_data_is_labelled_as_such(tmp_path):
    out = tmp_path / "digits.safetensors"
    build_dataset("digits_resized", {"test_fraction": 0.2, "augment": False}, dimension=12, seed=0, out=out)
    tensors, meta = load_tensors(out)
    assert tensors["x_train"].shape[1:] == (1, 12, 12)
    assert "substitute for CIFAR-10" in meta["source"] and meta["num_classes"] == 10 and meta["augment"] is False
    scaled = tensors["x_train"].double() / 255  # channel statistics are stored once, not recomputed per round
    assert torch.allclose(tensors["channel_mean"].double(), scaled.mean((0, 2, 3)), atol=1e-6)
    assert torch.allclose(tensors["channel_std"].double(), scaled.std((0, 2, 3), correction=0), atol=1e-6)


def test_image_rounds_train_on_device_resident_uint8_with_augmentation(tmp_path):
    from prunability.data.loading import load_data
    from prunability.imp import RoundSpec, run_round
    from prunability.recipe import Recipe

    data = tmp_path / "digits.safetensors"
    build_dataset("digits_resized", {"test_fraction": 0.2, "augment": True}, dimension=8, seed=0, out=data)
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
    pytest = __import__("pytest")
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
