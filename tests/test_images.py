"""Image tensor operations: the half-pixel nearest convention, crop-and-flip, channel statistics at any side."""

import math

import pytest
import torch
import torch.nn.functional as F

from prunability.data.images import channel_stats, normalize, pixel_sums, random_crop_flip, resize_nearest


def _image(side: int) -> torch.Tensor:
    """A (1, 1, side, side) uint8 image whose pixels are all distinct, so every resampling is traceable."""
    return (torch.arange(side * side) * 7 + 3).to(torch.uint8).view(1, 1, side, side)


def _random_uint8(shape: tuple[int, ...], seed: int = 0) -> torch.Tensor:
    return torch.randint(0, 256, shape, generator=torch.Generator().manual_seed(seed), dtype=torch.uint8)


def test_upsampling_by_two_turns_each_pixel_into_a_2x2_block() -> None:
    image = torch.tensor([[10, 20], [30, 40]], dtype=torch.uint8).view(1, 1, 2, 2)
    expected = torch.tensor(
        [[10, 10, 20, 20], [10, 10, 20, 20], [30, 30, 40, 40], [30, 30, 40, 40]], dtype=torch.uint8
    ).view(1, 1, 4, 4)
    out = resize_nearest(image, 4)
    assert out.dtype == torch.uint8 and torch.equal(out, expected)


def test_downsampling_by_two_keeps_the_half_pixel_source() -> None:
    image = torch.arange(16, dtype=torch.uint8).view(1, 1, 4, 4)
    # dst 0 -> floor(0.5 * 4/2) = 1, dst 1 -> floor(1.5 * 4/2) = 3: the bottom-right pixel of each 2x2 block
    expected = torch.tensor([[5, 7], [13, 15]], dtype=torch.uint8).view(1, 1, 2, 2)
    assert torch.equal(resize_nearest(image, 2), expected)


@pytest.mark.parametrize(("side_in", "side_out"), [(3, 5), (5, 3), (4, 7)])
def test_non_integer_factors_follow_the_half_pixel_formula(side_in: int, side_out: int) -> None:
    image = _image(side_in)
    source = [math.floor((dst + 0.5) * side_in / side_out) for dst in range(side_out)]
    expected = image[:, :, source][:, :, :, source]
    assert torch.equal(resize_nearest(image, side_out), expected)


def test_multichannel_batches_resize_per_image_and_channel() -> None:
    images = _random_uint8((5, 3, 8, 8))
    out = resize_nearest(images, 24)
    assert out.shape == (5, 3, 24, 24) and out.dtype == torch.uint8
    assert torch.equal(out, images.repeat_interleave(3, dim=2).repeat_interleave(3, dim=3))


@pytest.mark.parametrize("size", [3, 4, 6, 9, 12, 13])
def test_resize_is_pytorchs_nearest_exact_interpolation(size: int) -> None:
    images = _random_uint8((7, 3, 6, 6))
    expected = F.interpolate(images.float(), size=(size, size), mode="nearest-exact").round().to(torch.uint8)
    assert torch.equal(resize_nearest(images, size), expected)


def test_crop_flip_keeps_shape_and_dtype() -> None:
    for x in (_random_uint8((6, 3, 10, 10)), torch.randn(6, 2, 8, 12)):
        out = random_crop_flip(x, torch.Generator().manual_seed(0), padding=2)
        assert out.shape == x.shape and out.dtype == x.dtype and out.is_contiguous()


def test_no_padding_and_no_flip_is_identity() -> None:
    x = torch.randn(8, 3, 6, 6)
    assert torch.equal(random_crop_flip(x, torch.Generator().manual_seed(0), padding=0, flip=False), x)


def _crops_matching(padded: torch.Tensor, sample: torch.Tensor, padding: int) -> list[tuple[int, int, bool]]:
    """Every (row offset, column offset, flipped) whose crop of ``padded`` (C, H+2p, W+2p) equals ``sample``."""
    h, w = sample.shape[1:]
    matches = []
    for dy in range(2 * padding + 1):
        for dx in range(2 * padding + 1):
            crop = padded[:, dy : dy + h, dx : dx + w]
            matches += [
                (dy, dx, flipped)
                for flipped in (False, True)
                if torch.equal(crop.flip(-1) if flipped else crop, sample)
            ]
    return matches


def _decode(x: torch.Tensor, out: torch.Tensor, padding: int) -> list[tuple[int, int, bool]]:
    """The unique crop each output sample was taken with; ``x`` must have distinct nonzero values."""
    padded = F.pad(x, (padding,) * 4)
    found = [_crops_matching(padded[i], out[i], padding) for i in range(x.shape[0])]
    assert all(len(m) == 1 for m in found), "every output is exactly one crop of the padded input"
    return [m[0] for m in found]


def _distinct_batch(n: int, c: int, side: int) -> torch.Tensor:
    return torch.arange(1, n * c * side * side + 1, dtype=torch.float32).view(n, c, side, side)


def test_every_output_is_a_crop_of_the_padded_input() -> None:
    x = _distinct_batch(6, 2, 5)
    _decode(x, random_crop_flip(x, torch.Generator().manual_seed(1), padding=2), padding=2)


def test_offsets_and_flips_vary_across_the_batch() -> None:
    x = _distinct_batch(64, 1, 4)
    crops = _decode(x, random_crop_flip(x, torch.Generator().manual_seed(2), padding=1), padding=1)
    assert len({(dy, dx) for dy, dx, _ in crops}) > 1
    assert {flipped for _, _, flipped in crops} == {False, True}


def test_seed_determines_the_augmentation() -> None:
    x = _random_uint8((16, 3, 8, 8))
    first = random_crop_flip(x, torch.Generator().manual_seed(5))
    assert torch.equal(first, random_crop_flip(x, torch.Generator().manual_seed(5)))
    assert not torch.equal(first, random_crop_flip(x, torch.Generator().manual_seed(6)))


def _direct_stats(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    x = images.double() / 255
    return x.mean(dim=(0, 2, 3)), x.std(dim=(0, 2, 3), correction=0)


def test_channel_stats_match_a_direct_float_computation_for_any_chunk() -> None:
    images = _random_uint8((50, 3, 7, 7))
    mean, std = _direct_stats(images)
    for chunk in (1, 16, 4096):
        got_mean, got_std = channel_stats(*pixel_sums(images, chunk=chunk), len(images))
        assert got_mean.dtype == torch.float64 and got_mean.shape == (3,)
        torch.testing.assert_close(got_mean, mean, rtol=0, atol=1e-12)
        torch.testing.assert_close(got_std, std, rtol=0, atol=1e-12)


@pytest.mark.parametrize("side", [3, 7, 11, 14, 21])
def test_channel_stats_at_a_side_equal_those_of_the_resized_images_bit_for_bit(side: int) -> None:
    # Non-integer factors repeat source pixels unevenly: the weighted sums must still give the resized statistics.
    images = _random_uint8((40, 3, 7, 7), seed=3)
    resized = resize_nearest(images, side)
    expected = channel_stats(*pixel_sums(resized), len(images))
    got = channel_stats(*pixel_sums(images), len(images), side)
    assert all(torch.equal(g, e) for g, e in zip(got, expected, strict=True))
    torch.testing.assert_close(got[0], _direct_stats(resized)[0], rtol=0, atol=1e-12)


def test_normalize_scales_to_unit_range_then_standardises_per_channel() -> None:
    images = _random_uint8((20, 3, 5, 5))
    mean, std = _direct_stats(images)
    out = normalize(images, mean.float(), std.float())
    assert out.dtype == torch.float32
    expected = (images.float() / 255 - mean.float().view(3, 1, 1)) / std.float().view(3, 1, 1)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(out.mean(dim=(0, 2, 3)), torch.zeros(3), rtol=0, atol=1e-5)
    torch.testing.assert_close(out.std(dim=(0, 2, 3), correction=0), torch.ones(3), rtol=0, atol=1e-5)
