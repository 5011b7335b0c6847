"""The procedural intrinsic-dimension family: the paper's latent construction, images a ResNet can learn."""

import pytest
import torch

from prunability.artifacts import load_tensors
from prunability.data.procedural import class_fields, latent_std, procedural
from prunability.data.registry import build_dataset
from prunability.dimensionality.intrinsic_dim import estimate_all

SMALL = {"classes": 3, "per_class": 40, "test_per_class": 10, "truncation": 0.5, "size": 12}


def test_latents_vary_in_exactly_d_directions_and_are_nested_across_d():
    wide, narrow = procedural(64, seed=0, **SMALL), procedural(8, seed=0, **SMALL)
    assert torch.linalg.matrix_rank(wide["z_train"]) == 64 and torch.linalg.matrix_rank(narrow["z_train"]) == 8
    assert torch.all(narrow["z_train"][:, :120] == 0)
    # the same draws under a nested mask: the last 8 components agree
    assert torch.equal(narrow["z_train"][:, 120:], wide["z_train"][:, 120:])


@pytest.mark.parametrize("size", [7, 12, 16])
def test_each_class_varies_in_exactly_d_pixel_space_directions(size):
    """W_c has 128 independent directions at every allowed side, so a class's pre-activations have rank d."""
    _, bases = class_fields(3, size, generator_seed=0)
    assert all(torch.linalg.matrix_rank(bases[c].double()) == 128 for c in range(3))
    for d in (8, 64, 128):
        out = procedural(d, seed=0, **{**SMALL, "per_class": 150, "size": size})
        z = out["z_train"][out["y_train"] == 1].double()
        assert torch.linalg.matrix_rank(z @ bases[1].double()) == d


def test_a_side_too_small_for_128_directions_is_refused():
    with pytest.raises(ValueError, match="7 px at least"):
        procedural(16, seed=0, **{**SMALL, "size": 6})


def test_images_are_class_conditional_uint8_and_differ_between_seeds_only_in_their_latents():
    out = procedural(16, seed=0, **SMALL)
    assert out["x_train"].shape == (120, 3, 12, 12) and out["x_test"].shape == (30, 3, 12, 12)
    assert out["x_train"].dtype == torch.uint8 and out["y_train"].tolist() == [0] * 40 + [1] * 40 + [2] * 40
    assert all(torch.equal(out[k], v) for k, v in procedural(16, seed=0, **SMALL).items())  # reproducible
    other = procedural(16, seed=1, **SMALL)
    assert not torch.equal(other["z_train"], out["z_train"]) and torch.equal(other["y_train"], out["y_train"])
    # high contrast: most pixels are near black or white, not the grey of a random-weight BigGAN
    levels = out["x_train"].float()
    assert ((levels < 40) | (levels > 215)).float().mean() > 0.3 and levels.std() > 60


def test_the_latent_std_matches_the_truncated_normal_it_describes():
    from prunability.data.biggan import sample_latents

    draws = sample_latents(20000, 128, 0.5, seed=0)
    assert draws.std().item() == pytest.approx(latent_std(0.5), rel=0.01)


def test_measured_intrinsic_dimension_rises_with_d():
    params = {**SMALL, "classes": 5, "per_class": 200, "size": 16}
    measured = {
        d: estimate_all(procedural(d, seed=0, **params)["x_train"].float().flatten(1), k=20) for d in (4, 16, 64, 128)
    }
    for name in ("mle", "twonn"):
        values = [measured[d][name] for d in (4, 16, 64, 128)]
        assert values == sorted(values) and values[-1] > 1.5 * values[0], (name, values)


def test_the_dataset_kind_is_labelled_as_a_substitute(tmp_path):
    out = tmp_path / "procedural.safetensors"
    build_dataset("procedural_latent", {**SMALL, "augment": True}, dimension=16, seed=0, out=out)
    tensors, meta = load_tensors(out)
    assert "offline substitute" in meta["source"] and meta["num_classes"] == 3 and meta["augment"] is True
    assert tensors["x_train"].shape == (120, 3, 12, 12) and "pixel_sum" in tensors


def test_procedural_images_are_one_fixed_image_set_stored_at_their_side_and_resized_per_run(tmp_path):
    """The extrinsic substitute: the latent seed is a dataset setting, so every run and seed reads the same images,
    and a run at 16 px sees each 8 px image upsampled by nearest neighbour (input dimensions without information)."""
    from prunability.data.loading import load_data

    params = {**SMALL, "size": 8, "intrinsic_dim": 32, "latent_seed": 3, "augment": False}
    out = tmp_path / "images.safetensors"
    build_dataset("procedural_images", params, dimension=None, seed=None, out=out)
    tensors, meta = load_tensors(out)
    direct = procedural(32, seed=3, **{**SMALL, "size": 8})
    assert torch.equal(tensors["x_test"], direct["x_test"]) and "z_train" not in tensors
    assert "offline substitute for CIFAR-10" in meta["source"] and meta["dimension"] is None
    with pytest.raises(ValueError, match="neither a dimension nor a seed"):
        build_dataset("procedural_images", params, dimension=16, seed=0, out=tmp_path / "b")
    data = load_data(out, torch.device("cpu"), side=16)
    assert data.input_shape == (3, 16, 16)
    upsampled = data.inputs(tensors["x_test"][:2])  # each pixel repeated 2 x 2
    assert torch.equal(upsampled[..., ::2, ::2], upsampled[..., 1::2, 1::2])
