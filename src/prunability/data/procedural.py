"""Class-conditional images of controlled intrinsic dimension, made procedurally: the offline substitute for BigGAN.

The paper's construction, with a generator that needs no download: latents are BigGAN's (``sample_latents``:
128 truncated-normal components of which the first 128 - d are zeroed, the same draws for every d of one seed,
so the masks are nested), and an image of class c is

    x = sigmoid(contrast * (T_c + spread * W_c z / (s * sqrt(128))))      per pixel and channel, as uint8

where T_c (one per class) and the 128 columns of W_c (one set per class) are smooth random fields: white noise
on a coarse grid, bilinearly upsampled. ``s`` is the standard deviation of one latent component, so at d = 128
the latent term has a per-pixel standard deviation of ``spread`` relative to the template's 1.

Why this shape: the pre-activation is affine in z, and the columns of W_c are linearly independent, so the
images of one class lie on exactly a d-dimensional manifold (the sigmoid is a smooth bijection per value).
Independence needs enough coarse cells: a field upsampled from a g x g grid of 3 channels lies in a space of
3 g^2 dimensions, so W_c's grid has at least ceil(sqrt(128 / 3)) = 7 cells a side (the templates' a quarter of
the side), and a side below 7 px is refused.
Smooth fields give blobs and edges rather than pixel noise, and the sigmoid's gain saturates them into
high-contrast images that a small ResNet learns; the class lives in T_c and in W_c, the latent in z. The fields
come from ``generator_seed`` and are shared by every seed, so replicates differ in their latents only, as with
BigGAN's fixed weights. A BigGAN-deep-128 with random weights, by contrast, outputs near-uniform grey images on
which a ResNet stays at chance (measured: 17.5-22.5 % on 5 classes).
"""

import math

import torch
import torch.nn.functional as F

from prunability.data.biggan import LATENT_DIM, sample_latents
from prunability.seeding import generator

CHANNELS = 3
# The side of the coarse grid on which W_c's 128 fields are drawn: enough cells for 128 independent fields.
BASIS_GRID = math.ceil(math.sqrt(LATENT_DIM / CHANNELS))


def smooth_fields(count: int, size: int, coarse: int, gen: torch.Generator, channels: int = CHANNELS) -> torch.Tensor:
    """``count`` fields (count, channels, size, size): unit-variance noise on a ``coarse`` grid, bilinearly
    upsampled (coarse < size makes blobs and edges rather than pixel noise)."""
    noise = torch.randn(count, channels, coarse, coarse, generator=gen)
    fields = F.interpolate(noise, size=(size, size), mode="bilinear", align_corners=True)
    return fields / fields.std(dim=(1, 2, 3), keepdim=True)


def class_fields(classes: int, size: int, generator_seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The templates T_c (classes, pixels) and the latent directions W_c (classes, 128, pixels): they depend on
    ``generator_seed`` alone, so every seed of a study draws its latents through the same generator."""
    if size < BASIS_GRID:
        raise ValueError(
            f"procedural images need a side of {BASIS_GRID} px at least to vary in 128 directions; got {size}"
        )
    gen = generator(generator_seed, "procedural-fields")
    templates = smooth_fields(classes, size, max(2, size // 4), gen).flatten(1)
    basis_grid = min(size, max(BASIS_GRID, size // 4))
    bases = smooth_fields(classes * LATENT_DIM, size, basis_grid, gen).view(classes, LATENT_DIM, -1)
    return templates, bases


def latent_std(truncation: float) -> float:
    """Standard deviation of one latent component: truncation x the std of a normal truncated to [-2, 2]."""
    a = 2.0
    pdf = math.exp(-(a**2) / 2) / math.sqrt(2 * math.pi)
    mass = math.erf(a / math.sqrt(2))
    return truncation * math.sqrt(1 - 2 * a * pdf / mass)


def procedural(
    intrinsic_dim: int,
    seed: int,
    classes: int,
    per_class: int,
    test_per_class: int,
    truncation: float,
    size: int,
    contrast: float = 3.0,
    spread: float = 1.2,
    generator_seed: int = 0,
) -> dict[str, torch.Tensor]:
    """``per_class`` training and ``test_per_class`` test images of each of ``classes`` classes, as uint8.

    Returns the train/test split (per class, the first ``per_class`` images train) and the masked training
    latents ``z_train``, as ``image_sets.biggan`` does.
    """
    if classes < 2 or per_class < 1 or test_per_class < 1:
        raise ValueError(
            f"need 2 classes and an image of each split at least; got {classes}, {per_class}, {test_per_class}"
        )
    total = per_class + test_per_class
    z = sample_latents(classes * total, intrinsic_dim, truncation, seed)
    y = torch.arange(classes).repeat_interleave(total)
    templates, bases = class_fields(classes, size, generator_seed)
    scale = spread / (latent_std(truncation) * math.sqrt(LATENT_DIM))
    pre = torch.cat([templates[c] + scale * z[y == c] @ bases[c] for c in range(classes)])
    x = torch.sigmoid(contrast * pre).mul(255).round().to(torch.uint8).view(-1, CHANNELS, size, size)
    is_train = torch.arange(len(y)) % total < per_class
    return {
        "x_train": x[is_train],
        "y_train": y[is_train],
        "x_test": x[~is_train],
        "y_test": y[~is_train],
        "z_train": z[is_train],
    }
