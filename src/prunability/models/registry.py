"""Model names map to builders: ``<family>-<int>-<int>...``, the integers being the family's sizes.

``mlp-256-128`` is MLP-P-Q with P=256, Q=128; ``resnet20-16`` is ResNet20 of width 16; ``vgg16-64`` and
``regnetx200mf-64`` are the published VGG16 and RegNetX-200MF, ``vgg16-8`` and ``regnetx200mf-8`` their
one-eighth-width variants. Their stages are in ``models.stages``.
"""

from collections.abc import Callable

import torch
from torch import nn

from prunability.models.mlp import mlp
from prunability.models.regnet import FULL_STEM, regnetx200mf
from prunability.models.resnet import resnet20
from prunability.models.vgg import FULL_WIDTH as VGG_FULL_WIDTH
from prunability.models.vgg import vgg16

FAMILIES: dict[str, Callable[[list[int], tuple[int, ...], int], nn.Module]] = {
    "mlp": mlp,
    "resnet20": resnet20,
    "vgg16": vgg16,
    "regnetx200mf": regnetx200mf,
}
# The published networks' widths, and how the papers spell them; other widths are named -W<width>.
PUBLISHED = {"vgg16": (VGG_FULL_WIDTH, "VGG16"), "regnetx200mf": (FULL_STEM, "RegNetX-200MF")}


def parse_name(name: str) -> tuple[str, list[int]]:
    """Split ``mlp-256-128`` into ``("mlp", [256, 128])``, rejecting unknown families and bad sizes."""
    family, *sizes = name.split("-")
    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r} in {name!r}; known: {sorted(FAMILIES)}")
    if not sizes or not all(s.isdigit() and int(s) > 0 for s in sizes):
        raise ValueError(f"model {name!r}: sizes must be positive integers, e.g. mlp-256-128")
    return family, [int(s) for s in sizes]


def build_model(name: str, input_shape: tuple[int, ...], num_classes: int, seed: int) -> nn.Module:
    """Build ``name`` with weights initialised from ``seed`` alone (CPU RNG, so any device agrees)."""
    family, sizes = parse_name(name)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return FAMILIES[family](sizes, input_shape, num_classes)


def display_name(name: str) -> str:
    """The papers' spelling: ``mlp-256-128`` -> ``MLP-256-128``, ``resnet20-16`` -> ``ResNet20-W16``,
    ``vgg16-64`` -> ``VGG16``, ``vgg16-8`` -> ``VGG16-W8``, ``regnetx200mf-64`` -> ``RegNetX-200MF``."""
    family, sizes = parse_name(name)
    if family == "resnet20":
        return f"ResNet20-W{sizes[0]}"
    if family in PUBLISHED:
        width, base = PUBLISHED[family]
        return base if sizes[0] == width else f"{base}-W{sizes[0]}"
    return "-".join([family.upper(), *map(str, sizes)])
