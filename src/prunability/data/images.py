"""Batched operations on uint8 image tensors (N, C, H, W) that live whole on the training device.

The engine keeps a dataset as one uint8 tensor and forms batches as index slices, so every operation here is
vectorised tensor work with no per-sample Python and no DataLoader; it runs unchanged on CPU or CUDA. Work
over a whole dataset goes chunk by chunk, because a float copy of CIFAR-10 at 128 px would need about 10 GB.
Random numbers are drawn on the CPU from a given generator and then moved, so augmentation does not depend
on the device.
"""

import torch
import torch.nn.functional as F


def resize_nearest(images: torch.Tensor, size: int) -> torch.Tensor:
    """Nearest-neighbour resize of a uint8 (N, C, H, W) batch to (N, C, size, size), still uint8.

    Convention: ``F.interpolate(mode="nearest-exact")``, i.e. half-pixel centres, source index
    ``floor((dst + 0.5) * in / out)``: each output pixel takes the source pixel under its centre, where the
    legacy ``"nearest"`` (``floor(dst * in / out)``) takes the one under its top-left corner. Integer upsampling
    by k repeats every pixel exactly k x k times, so the resized image holds the same information; downsampling
    by 2 keeps the bottom-right pixel of each 2x2 block. Interpolation only copies values, so the round trip
    through float32 (the dtype every interpolate backend supports) returns the original levels exactly.
    """
    resized = F.interpolate(images.float(), size=(size, size), mode="nearest-exact")
    return resized.round_().to(torch.uint8)


def resize_in_chunks(images: torch.Tensor, size: int, chunk: int = 1024) -> torch.Tensor:
    """``resize_nearest`` over a whole dataset, ``chunk`` images at a time, into one preallocated output.

    Bounds the float working copy to one chunk: 50,000 CIFAR images at 128 px are 2.4 GB as uint8 and four
    times that as float.
    """
    out = images.new_empty((images.shape[0], images.shape[1], size, size))
    for start in range(0, images.shape[0], chunk):
        out[start : start + chunk] = resize_nearest(images[start : start + chunk], size)
    return out


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


def channel_stats(images_uint8: torch.Tensor, chunk: int = 4096) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and (population) std of the [0, 1]-scaled images, as float64 tensors of shape (C,).

    Sums of raw levels and of their squares accumulate chunk by chunk in float64, where integer sums are
    exact below 2**53, so the result does not depend on the chunking and no float copy of the whole dataset
    is ever made. Scaling by 1/255 happens once, at the end.
    """
    total = torch.zeros(images_uint8.shape[1], dtype=torch.float64, device=images_uint8.device)
    squares = torch.zeros_like(total)
    for start in range(0, images_uint8.shape[0], chunk):
        levels = images_uint8[start : start + chunk].double()
        total += levels.sum(dim=(0, 2, 3))
        squares += levels.square_().sum(dim=(0, 2, 3))
    count = images_uint8.numel() // images_uint8.shape[1]
    mean = total / count
    variance = (squares / count - mean.square()).clamp_min(0)
    return mean / 255, variance.sqrt() / 255
