"""Image datasets of the extrinsic-dimensionality experiment, at their own resolution.

The extrinsic dimension is the number of input values, set by resizing every image to side x side (nearest
neighbour, half-pixel convention: see ``images.resize_nearest``), which adds input dimensions without adding
information. The resize happens per batch on the training device (``loading.DeviceData``), so these builders
return the images as they are and one artifact serves every side and seed. CIFAR-10 is the paper's dataset;
scikit-learn's 8x8 digits ship with an installed package, so the default study can run the experiment offline
(and says so wherever it reports it).
"""

import torch

from prunability.seeding import generator

# digits has no official split: one fixed, seeded split, so that (like CIFAR-10's) it is the same for every run.
DIGITS_SPLIT_SEED = 0


def _split(x: torch.Tensor, y: torch.Tensor, test_fraction: float) -> dict[str, torch.Tensor]:
    order = torch.randperm(len(y), generator=generator(DIGITS_SPLIT_SEED, "split"))
    n_test = round(test_fraction * len(y))
    test, train = order[:n_test], order[n_test:]
    return {"x_train": x[train], "y_train": y[train], "x_test": x[test], "y_test": y[test]}


def digits(test_fraction: float) -> dict[str, torch.Tensor]:
    """scikit-learn's 1,797 handwritten digits (8x8, 17 grey levels) as uint8, in the fixed split."""
    from sklearn.datasets import load_digits

    raw = load_digits()
    x = torch.from_numpy(raw.images).mul(255 / 16).round().to(torch.uint8).unsqueeze(1)
    y = torch.from_numpy(raw.target).long()
    return _split(x, y, test_fraction)


def cifar10(root: str, download: bool) -> dict[str, torch.Tensor]:
    """CIFAR-10's own train/test split at 32 px."""
    from prunability.data.cifar import load_cifar10

    return load_cifar10(root, download=download)


def tinyimagenet(root: str, download: bool) -> dict[str, torch.Tensor]:
    """Tiny ImageNet's train split and its labelled validation split (as test), at 64 px."""
    from prunability.data.tinyimagenet import load_tinyimagenet

    return load_tinyimagenet(root, download=download)


def biggan(
    intrinsic_dim: int,
    seed: int,
    weights: str | None,
    class_ids: list[int],
    per_class: int,
    test_per_class: int,
    truncation: float,
    size: int,
    generator_seed: int = 0,
    channel_width: int = 128,
    config=None,
) -> dict[str, torch.Tensor]:
    """BigGAN images whose latents vary in ``intrinsic_dim`` directions; per class, the first ``per_class``
    images train and the rest test. Without ``weights`` the generator is the real architecture with random
    weights drawn from ``generator_seed``, shared by every seed so that replicates differ in their latents only;
    a ``channel_width`` below biggan-deep-128's 128 keeps its layers but narrows them (fast, for tests).
    """
    from pytorch_pretrained_biggan import BigGANConfig

    from prunability.data.biggan import generate, load_generator
    from prunability.device import pick_device

    if config is None and weights is None and channel_width != 128:
        config = BigGANConfig(channel_width=channel_width)
    model = load_generator(weights, config=config, seed=generator_seed)
    total = per_class + test_per_class
    out = generate(model, class_ids, total, intrinsic_dim, truncation, seed, size=size, device=pick_device("auto"))
    is_train = torch.arange(len(out["y"])) % total < per_class
    return {
        "x_train": out["x"][is_train],
        "y_train": out["y"][is_train],
        "x_test": out["x"][~is_train],
        "y_test": out["y"][~is_train],
        "z_train": out["z"][is_train],
    }
