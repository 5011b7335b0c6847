"""Batched operations on uint8 image tensors (N, C, H, W) that live whole on the training device.

The engine keeps a dataset as one uint8 tensor at its own resolution and forms batches as index slices, each
brought to the run's side on the device, so every operation here is vectorised tensor work with no per-sample
Python and no DataLoader; it runs unchanged on CPU or CUDA. Work over a whole dataset goes chunk by chunk.
Random numbers are drawn on the CPU from a given generator and then moved, so augmentation does not depend
on the device.
"""

from functools import lru_cache

import torch
import torch.nn.functional as F

from prunability.numerics import exact_sqrt


@lru_cache(maxsize=64)
def nearest_index(source: int, size: int, device: torch.device | None = None) -> torch.Tensor:
    """The source pixel each of ``size`` output pixels takes along one axis (int64, on ``device``).

    Read off ``F.interpolate(mode="nearest-exact")`` by resizing the index ramp, so the convention is PyTorch's;
    cached, because every batch of a run asks for the same one.
    """
    ramp = torch.arange(source, dtype=torch.float32).view(1, 1, source)
    picked = F.interpolate(ramp, size=size, mode="nearest-exact").round().long().flatten()
    return picked.to(device) if device is not None else picked


def resize_nearest(images: torch.Tensor, size: int) -> torch.Tensor:
    """Nearest-neighbour resize of an (N, C, H, W) batch to (N, C, size, size), in its own dtype.

    Convention: ``F.interpolate(mode="nearest-exact")``, i.e. half-pixel centres, source index
    ``floor((dst + 0.5) * in / out)``: each output pixel takes the source pixel under its centre, where the
    legacy ``"nearest"`` (``floor(dst * in / out)``) takes the one under its top-left corner. Integer upsampling
    by k repeats every pixel exactly k x k times, so the resized image holds the same information; downsampling
    by 2 keeps the bottom-right pixel of each 2x2 block. Done as two index selections on the stored uint8 levels:
    a copy of values, no float round trip, as cheap on the device as forming the batch itself.
    """
    rows = nearest_index(images.shape[-2], size, images.device)
    cols = nearest_index(images.shape[-1], size, images.device)
    return images.index_select(-2, rows).index_select(-1, cols)


def _crop_indices(n: int, side: int, padding: int, generator: torch.Generator) -> torch.Tensor:
    """Per-sample source indices (n, side) into the padded axis: a random offset in [0, 2*padding] plus 0..side-1."""
    offsets = torch.randint(0, 2 * padding + 1, (n, 1), generator=generator)
    return offsets + torch.arange(side)


def random_crop_flip(x: torch.Tensor, generator: torch.Generator, padding: int = 4, flip: bool = True) -> torch.Tensor:
    """The conventional CIFAR augmentation of a batch: zero-pad, random HxW crop, horizontal flip with p = 1/2.

    Each sample gets its own crop offsets and flip. All draws come from ``generator`` (a CPU generator) and
    move to ``x.device`` afterwards, so a seed gives the same batch on any device. The crop is two gathers
    along rows then columns with per-sample index grids; a flip is the reversed column grid, so no Python
    loop over samples is needed and the output stays contiguous (N, C, H, W) in the input's dtype.
    """
    n, c, h, w = x.shape
    rows = _crop_indices(n, h, padding, generator)
    cols = _crop_indices(n, w, padding, generator)
    if flip:
        flipped = torch.randint(0, 2, (n, 1), generator=generator, dtype=torch.bool)
        cols = torch.where(flipped, cols.flip(1), cols)
    rows, cols = rows.to(x.device), cols.to(x.device)
    padded = F.pad(x, (padding, padding, padding, padding))
    cropped = padded.gather(2, rows.view(n, 1, h, 1).expand(n, c, h, w + 2 * padding))
    return cropped.gather(3, cols.view(n, 1, 1, w).expand(n, c, h, w))


def normalize(x_uint8: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """A uint8 batch as float32 in [0, 1], standardised per channel by ``mean`` and ``std`` of shape (C,).

    Done per batch so the dataset itself can stay uint8 on the device, four times smaller than float32.
    """
    x = x_uint8.float().div_(255)
    return x.sub_(mean.view(-1, 1, 1)).div_(std.view(-1, 1, 1))


def nearest_counts(source: int, size: int) -> torch.Tensor:
    """How many of ``size`` output pixels along one axis take each of the ``source`` input pixels."""
    return torch.bincount(nearest_index(source, size), minlength=source)


def pixel_sums(images_uint8: torch.Tensor, chunk: int = 4096) -> tuple[torch.Tensor, torch.Tensor]:
    """Sums over the images of each pixel's level and of its square, (C, H, W) float64 each.

    Integer sums in float64 are exact below 2**53 (50,000 images x 255**2 is about 3e9), so the result does not
    depend on the chunking, and no float copy of the whole dataset is ever made. A data artifact stores them:
    from them ``channel_stats`` gives the statistics of the images at any side without resizing a single one.
    """
    sums = torch.zeros(images_uint8.shape[1:], dtype=torch.float64, device=images_uint8.device)
    squares = torch.zeros_like(sums)
    for start in range(0, images_uint8.shape[0], chunk):
        levels = images_uint8[start : start + chunk].double()
        sums += levels.sum(0)
        squares += levels.square_().sum(0)
    return sums, squares


def channel_stats(
    sums: torch.Tensor, squares: torch.Tensor, count: int, side: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and (population) std of ``count`` [0, 1]-scaled images resized to ``side``, as float64 (C,).

    A nearest-neighbour resize repeats source pixel (i, j) ``rows[i] * cols[j]`` times (``nearest_counts``), so
    the sums of the resized images are the per-pixel sums weighted by those counts: integers, exact in float64,
    and therefore the very statistics a pre-resized dataset would give, bit for bit. Scaling by 1/255 happens
    once, at the end. The root is correctly rounded, so that every CPU standardises the inputs alike.
    """
    _, height, width = sums.shape
    side_h, side_w = (height, width) if side is None else (side, side)
    weights = torch.outer(nearest_counts(height, side_h), nearest_counts(width, side_w)).to(sums)
    total = (sums * weights).sum(dim=(1, 2))
    total_squares = (squares * weights).sum(dim=(1, 2))
    pixels = count * side_h * side_w
    mean = total / pixels
    variance = (total_squares / pixels - mean.square()).clamp_min(0)
    return mean / 255, exact_sqrt(variance) / 255  # torch's root may differ by an ulp between CPU vendors
