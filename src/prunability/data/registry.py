"""Dataset kinds by name: each builds the tensors of one data artifact.

Real images (digits, CIFAR-10, Tiny ImageNet) are stored once, at their own resolution, and do not depend on
a dimension or a seed: runs bring them to their side batch by batch (``loading.load_data``). Generated data
(the synthetic task, BigGAN and procedural images) depends on both.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from prunability.artifacts import save_tensors
from prunability.data import image_sets
from prunability.data.images import pixel_sums
from prunability.data.kinds import DOWNLOAD, KINDS, SIDED
from prunability.data.procedural import procedural
from prunability.data.synthetic import linear_task


def _linear(params: dict[str, Any], dimension: int, seed: int) -> dict[str, torch.Tensor]:
    return linear_task(
        task_dim=dimension,
        intrinsic_dim=params["intrinsic_dim"],
        extrinsic_dim=params["extrinsic_dim"],
        n_train=params["n_train"],
        n_test=params["n_test"],
        seed=seed,
    )


def _digits(params: dict[str, Any], dimension: None, seed: None) -> dict[str, torch.Tensor]:
    return image_sets.digits(test_fraction=params["test_fraction"])


def _cifar10(params: dict[str, Any], dimension: None, seed: None) -> dict[str, torch.Tensor]:
    return image_sets.cifar10(root=params["root"], download=params.get(DOWNLOAD, False))


def _tinyimagenet(params: dict[str, Any], dimension: None, seed: None) -> dict[str, torch.Tensor]:
    return image_sets.tinyimagenet(root=params["root"], download=params.get(DOWNLOAD, False))


def _generation(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k != "augment"}  # every other key is a generation setting


def _biggan(params: dict[str, Any], dimension: int, seed: int) -> dict[str, torch.Tensor]:
    return image_sets.biggan(intrinsic_dim=dimension, seed=seed, **_generation(params))


def _procedural(params: dict[str, Any], dimension: int, seed: int) -> dict[str, torch.Tensor]:
    return procedural(intrinsic_dim=dimension, seed=seed, **_generation(params))


def _procedural_images(params: dict[str, Any], dimension: None, seed: None) -> dict[str, torch.Tensor]:
    """One fixed set of procedural images (its own latent seed), stored at its side like real images: the
    extrinsic experiment's offline substitute, with as many test images as asked for."""
    settings = _generation(params)
    tensors = procedural(seed=settings.pop("latent_seed"), **settings)
    del tensors["z_train"]
    return tensors


BUILDERS: dict[str, Callable[[dict[str, Any], Any, Any], dict[str, torch.Tensor]]] = {
    "synthetic_linear": _linear,
    "digits_resized": _digits,
    "cifar10_resized": _cifar10,
    "biggan_latent": _biggan,
    "procedural_latent": _procedural,
    "procedural_images": _procedural_images,
    "tinyimagenet": _tinyimagenet,
}


def _biggan_source(params: dict[str, Any]) -> str:
    if params["weights"]:
        return f"BigGAN-deep-128 ({params['weights']})"
    width = "" if params["channel_width"] == 128 else f" narrowed to width {params['channel_width']}"
    return (
        f"BigGAN-deep-128 architecture{width}, seeded random weights (offline substitute for the pretrained generator)"
    )


# Where the data comes from, carried into every metrics row: substitutes are labelled as such everywhere.
SOURCES: dict[str, Callable[[dict[str, Any]], str]] = {
    "synthetic_linear": lambda p: "synthetic linear task",
    "digits_resized": lambda p: "scikit-learn digits 8x8 (offline substitute for CIFAR-10)",
    "cifar10_resized": lambda p: "CIFAR-10",
    "biggan_latent": _biggan_source,
    "procedural_latent": lambda p: (
        "procedural class-conditional images, seeded random fields (offline substitute for BigGAN)"
    ),
    "procedural_images": lambda p: (
        f"procedural class-conditional images at {p['size']} px (offline substitute for CIFAR-10)"
    ),
    "tinyimagenet": lambda p: "Tiny ImageNet",
}


def build_dataset(
    kind: str,
    params: dict[str, Any],
    dimension: int | None,
    seed: int | None,
    out: str | Path,
    threads: int | None = None,
    download: bool = False,
) -> None:
    """Generate one data artifact and write it to ``out`` (torch on ``threads`` threads where given): real images
    take neither dimension nor seed, generated data needs both. ``download`` lets a kind with real files fetch
    them when missing; it is not content, so the artifact's recorded parameters leave it out."""
    if threads is not None:
        torch.set_num_threads(threads)
    if kind not in BUILDERS:
        raise ValueError(f"unknown dataset kind {kind!r}; known: {sorted(BUILDERS)}")
    shared = kind in SIDED
    if shared != (dimension is None and seed is None):
        needs = "neither a dimension nor a seed" if shared else "a dimension and a seed"
        raise ValueError(f"dataset kind {kind!r} takes {needs}; got dimension={dimension}, seed={seed}")
    if download and not KINDS[kind].fetched:
        raise ValueError(f"dataset kind {kind!r} has nothing to download")
    tensors = BUILDERS[kind]({**params, DOWNLOAD: True} if download else params, dimension, seed)
    if tensors["x_train"].dtype == torch.uint8:  # images: per-pixel sums once here, channel statistics at any side
        sums, squares = pixel_sums(tensors["x_train"], chunk=512)
        tensors |= {"pixel_sum": sums, "pixel_square_sum": squares}
    num_classes = int(max(tensors["y_train"].max(), tensors["y_test"].max())) + 1
    meta = {
        "kind": kind,
        "dimension": dimension,
        "seed": seed,
        "params": params,
        "num_classes": num_classes,
        "augment": bool(params.get("augment", False)),
        "source": SOURCES[kind](params),
    }
    save_tensors(out, tensors, meta)
