"""Dataset kinds by name: each builds the tensors of one (experiment, dimension, seed) data artifact."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from prunability.artifacts import save_tensors
from prunability.data import image_sets
from prunability.data.images import channel_stats
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


def _digits(params: dict[str, Any], dimension: int, seed: int) -> dict[str, torch.Tensor]:
    return image_sets.digits(size=dimension, test_fraction=params["test_fraction"], seed=seed)


def _cifar10(params: dict[str, Any], dimension: int, seed: int) -> dict[str, torch.Tensor]:
    return image_sets.cifar10(size=dimension, root=params["root"], download=params["download"])


def _tinyimagenet(params: dict[str, Any], dimension: int, seed: int) -> dict[str, torch.Tensor]:
    return image_sets.tinyimagenet(size=dimension, root=params["root"], download=params["download"])


def _biggan(params: dict[str, Any], dimension: int, seed: int) -> dict[str, torch.Tensor]:
    generation = {k: v for k, v in params.items() if k != "augment"}  # every other key is a generation setting
    return image_sets.biggan(intrinsic_dim=dimension, seed=seed, **generation)


BUILDERS: dict[str, Callable[[dict[str, Any], int, int], dict[str, torch.Tensor]]] = {
    "synthetic_linear": _linear,
    "digits_resized": _digits,
    "cifar10_resized": _cifar10,
    "biggan_latent": _biggan,
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
    "tinyimagenet": lambda p: "Tiny ImageNet",
}


def build_dataset(kind: str, params: dict[str, Any], dimension: int, seed: int, out: str | Path) -> None:
    """Generate the data artifact for one dimension and seed and write it to ``out``."""
    if kind not in BUILDERS:
        raise ValueError(f"unknown dataset kind {kind!r}; known: {sorted(BUILDERS)}")
    tensors = BUILDERS[kind](params, dimension, seed)
    if tensors["x_train"].dtype == torch.uint8:  # images: per-channel statistics once here, not every round
        mean, std = channel_stats(tensors["x_train"], chunk=512)
        tensors |= {"channel_mean": mean.float(), "channel_std": std.float()}
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
