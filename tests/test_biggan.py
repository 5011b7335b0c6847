"""BigGAN datasets of controlled intrinsic dimension, with a tiny random BigGAN: no weights, no network."""

import pytest
import torch
from real_formats import tiny_biggan_config as tiny_config
from real_formats import write_biggan

from prunability.data.biggan import generate, load_generator, mask_latents, native_resolution, sample_latents
from prunability.errors import ArtifactError

DIMS = [16, 32, 64, 128]


@pytest.fixture(scope="module")
def tiny() -> torch.nn.Module:
    return load_generator(None, tiny_config(), seed=0)


def _generate(
    generator: torch.nn.Module, intrinsic_dim: int, seed: int = 0, per_class: int = 3
) -> dict[str, torch.Tensor]:
    return generate(generator, [3, 1, 7], per_class, intrinsic_dim, truncation=0.5, seed=seed, batch_size=4, size=16)


@pytest.mark.parametrize("d", DIMS)
def test_mask_zeroes_exactly_the_leading_components(d):
    z = torch.randn(5, 128)
    masked = mask_latents(z, d)
    assert torch.count_nonzero(masked[:, : 128 - d]) == 0
    assert torch.equal(masked[:, 128 - d :], z[:, 128 - d :])
    assert not torch.equal(z, torch.zeros_like(z)) and masked.data_ptr() != z.data_ptr()


def test_mask_rejects_dimensions_outside_the_latent():
    for d in (0, 129):
        with pytest.raises(ValueError, match="intrinsic_dim"):
            mask_latents(torch.randn(2, 128), d)


def test_latents_are_seeded_truncated_and_nested_across_dimensions():
    z = sample_latents(200, 128, truncation=0.4, seed=3)
    assert torch.equal(z, sample_latents(200, 128, truncation=0.4, seed=3))
    assert not torch.equal(z, sample_latents(200, 128, truncation=0.4, seed=4))
    assert z.dtype == torch.float32 and z.abs().max() <= 0.8 and z.abs().max() > 0.7
    assert torch.equal(sample_latents(200, 16, truncation=0.4, seed=3), mask_latents(z, 16))
    assert torch.equal(sample_latents(50, 128, truncation=0.4, seed=3), z[:50])
    with pytest.raises(ValueError, match="truncation"):
        sample_latents(2, 16, truncation=1.5, seed=0)


def test_random_generator_gives_finite_labelled_reproducible_images(tiny):
    raw = tiny(sample_latents(4, 128, 0.5, seed=0), torch.eye(10)[:4], 0.5)
    assert raw.shape == (4, 3, native_resolution(tiny.config), 32) and torch.isfinite(raw).all()
    assert raw.std() > 0.01 and raw.abs().max() < 1  # neither constant nor saturated by tanh

    data = _generate(tiny, 16)
    assert data["x"].dtype == torch.uint8 and data["x"].shape == (9, 3, 16, 16)
    assert data["y"].dtype == torch.int64 and data["y"].tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert data["z"].shape == (9, 128)
    assert torch.equal(data["x"], _generate(tiny, 16)["x"])
    assert not torch.equal(data["x"], _generate(tiny, 16, seed=1)["x"])
    assert not torch.equal(data["x"], _generate(tiny, 32)["x"])


def test_non_finite_output_is_an_error_not_an_image():
    broken = load_generator(None, tiny_config(), seed=0)
    torch.nn.init.constant_(broken.generator.bn.weight, float("nan"))
    with pytest.raises(FloatingPointError, match="NaN"):
        _generate(broken, 16)


def test_random_weights_depend_on_the_seed_alone():
    a, b, c = (load_generator(None, tiny_config(), seed=s).state_dict() for s in (0, 0, 1))
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["generator.gen_z.weight_orig"], c["generator.gen_z.weight_orig"])


@pytest.mark.parametrize("d", DIMS)
def test_latents_of_dimension_d_span_d_dimensions(tiny, d):
    z = _generate(tiny, d, per_class=50)["z"]
    assert torch.linalg.matrix_rank(z.double()) == d


def test_generate_rejects_unknown_classes_and_upsampling(tiny):
    with pytest.raises(ValueError, match="class ids"):
        generate(tiny, [3, 10], 1, 16, 0.5, seed=0)
    with pytest.raises(ValueError, match="size"):
        generate(tiny, [3], 1, 16, 0.5, seed=0, size=64)


def test_missing_weights_say_where_to_put_them(tmp_path):
    missing = tmp_path / "biggan-deep-128"
    with pytest.raises(ArtifactError) as error:
        load_generator(missing)
    message = str(error.value)
    assert str(missing) in message and "pytorch_model.bin" in message and "config.json" in message
    assert "biggan-deep-128-pytorch_model.bin" in message  # the URL the package downloads from


def test_saved_random_model_loads_back_through_from_pretrained(tiny, tmp_path):
    loaded = load_generator(write_biggan(tmp_path, tiny))
    assert not loaded.training
    z, classes = sample_latents(4, 64, 0.5, seed=0), torch.eye(10)[[3, 1, 7, 0]]
    assert torch.equal(loaded(z, classes, 0.5), tiny(z, classes, 0.5))
    assert torch.equal(_generate(loaded, 64)["x"], _generate(tiny, 64)["x"])
