"""Model names map to builders: ``<family>-<int>-<int>...``, the integers being the family's sizes
(``models.names`` reads names without torch). Their stages are in ``models.stages``.
"""

from collections.abc import Callable

import torch
from torch import nn

from prunability.models.mlp import mlp
from prunability.models.names import parse_name
from prunability.models.regnet import regnetx200mf
from prunability.models.resnet import resnet20
from prunability.models.vgg import vgg16

BUILDERS: dict[str, Callable[[list[int], tuple[int, ...], int], nn.Module]] = {
    "mlp": mlp,
    "resnet20": resnet20,
    "vgg16": vgg16,
    "regnetx200mf": regnetx200mf,
}


def build_model(name: str, input_shape: tuple[int, ...], num_classes: int, seed: int) -> nn.Module:
    """Build ``name`` with weights initialised from ``seed`` alone (CPU RNG, so any device agrees)."""
    family, sizes = parse_name(name)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return BUILDERS[family](sizes, input_shape, num_classes)
