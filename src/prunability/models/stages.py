"""The stage of every prunable layer (stem, stage1..n, classifier) of the families that have stages, and the
layers' order from input to output: what the structure analyses group by."""

import re
from collections.abc import Callable

from prunability.models.names import parse_name, stage_rank
from prunability.models.regnet import regnetx_stage
from prunability.models.resnet import resnet20_stage
from prunability.models.vgg import vgg16_stage

# Layer name (a prunable weight's state-dict key) -> stage, per family that has stages.
STAGES: dict[str, Callable[[str], str]] = {
    "resnet20": resnet20_stage,
    "vgg16": vgg16_stage,
    "regnetx200mf": regnetx_stage,
}


def stage_map(name: str, layers: list[str]) -> dict[str, str]:
    """The stage of each prunable layer of model ``name``; a family without stages is refused by name."""
    family, _ = parse_name(name)
    if family not in STAGES:
        raise ValueError(f"model {name!r} has no stage map; models with stages: {sorted(STAGES)}")
    return {layer: STAGES[family](layer) for layer in layers}


def network_order(stages: dict[str, str]) -> dict[str, str]:
    """The layers from input to output: checkpoints store them sorted by name (``blocks`` before ``conv``).

    Stages are in network order by construction; within a stage, a natural sort of the names (``blocks.2``
    before ``blocks.10``) follows the network's own numbering.
    """

    def key(layer: str) -> tuple:
        parts = re.split(r"(\d+)", layer)
        return (stage_rank(stages[layer]), [int(p) if p.isdigit() else p for p in parts])

    return {layer: stages[layer] for layer in sorted(stages, key=key)}


def ordered_stages(name: str, layers: list[str]) -> dict[str, str]:
    """The stage of each of model ``name``'s prunable ``layers``, input to output."""
    return network_order(stage_map(name, layers))
