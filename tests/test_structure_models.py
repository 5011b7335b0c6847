"""VGG16 and RegNetX-200MF: published parameter counts, width variants, any input side, and stage maps."""

import itertools

import pytest
import torch
from torch import nn

from prunability.imp.masks import prunable_names
from prunability.models.names import FAMILIES, STAGED, display_name
from prunability.models.registry import BUILDERS, build_model
from prunability.models.stages import STAGES, stage_map


def _counts(model: nn.Module) -> tuple[int, int]:
    """(all parameters, prunable Conv2d/Linear weights)."""
    total = sum(p.numel() for p in model.parameters())
    return total, sum(m.weight.numel() for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear))


def _vgg16_counts(width: int, num_classes: int) -> tuple[int, int]:
    """(all, prunable) from the architecture: 13 biased convs with batch norm, three biased linears."""
    channels = [width * m for m in (1, 1, 2, 2, 4, 4, 4, 8, 8, 8, 8, 8, 8)]
    convs = sum(9 * cin * cout for cin, cout in zip([3, *channels[:-1]], channels, strict=True))
    hidden = 64 * width
    linears = channels[-1] * hidden + hidden * hidden + hidden * num_classes
    return convs + linears + 3 * sum(channels) + 2 * hidden + num_classes, convs + linears


@pytest.mark.parametrize(
    ("name", "expected"),
    [("vgg16-64", (33_646_666, 33_625_792)), ("regnetx200mf-64", (2_321_946, 2_301_024))],
)
def test_published_networks_have_the_published_parameter_counts(name, expected):
    assert _counts(build_model(name, (3, 32, 32), 10, seed=0)) == expected


@pytest.mark.parametrize("width", [8, 16, 64])
def test_vgg16_widths_against_the_architecture(width):
    assert _counts(build_model(f"vgg16-{width}", (3, 32, 32), 10, seed=0)) == _vgg16_counts(width, 10)


@pytest.mark.parametrize("name", ["vgg16-8", "regnetx200mf-8", "regnetx200mf-16", "resnet20-4"])
@pytest.mark.parametrize(("side", "classes"), [(32, 10), (64, 200)])
def test_any_side_gives_one_logit_per_class(name, side, classes):
    model = build_model(name, (3, side, side), classes, seed=0).eval()
    assert model(torch.zeros(2, 3, side, side)).shape == (2, classes)


def test_regnetx_width_must_keep_the_group_width_whole():
    with pytest.raises(ValueError, match="multiple of 8"):
        build_model("regnetx200mf-12", (3, 32, 32), 10, seed=0)


def test_display_names_say_the_width():
    assert [display_name(n) for n in ("vgg16-64", "vgg16-8", "regnetx200mf-64", "regnetx200mf-16")] == [
        "VGG16",
        "VGG16-W8",
        "RegNetX-200MF",
        "RegNetX-200MF-W16",
    ]


@pytest.mark.parametrize(
    ("name", "stages", "first", "last"),
    [
        ("resnet20-16", {"stem": 1, "stage1": 6, "stage2": 7, "stage3": 7, "classifier": 1}, "stem", "classifier"),
        (
            "vgg16-8",
            {"stage1": 2, "stage2": 2, "stage3": 3, "stage4": 3, "stage5": 3, "classifier": 3},
            "stage1",
            "classifier",
        ),
        (
            "regnetx200mf-8",
            {"stem": 1, "stage1": 4, "stage2": 4, "stage3": 13, "stage4": 22, "classifier": 1},
            "stem",
            "classifier",
        ),
    ],
)
def test_stage_map_covers_every_prunable_layer_once_in_order(name, stages, first, last):
    layers = prunable_names(build_model(name, (3, 32, 32), 10, seed=0))
    mapping = stage_map(name, layers)
    assert list(mapping) == layers  # every prunable layer, once
    counted = {}
    for stage in mapping.values():
        counted[stage] = counted.get(stage, 0) + 1
    assert counted == stages
    values = list(mapping.values())
    assert list(dict.fromkeys(values)) == list(stages) and values[0] == first and values[-1] == last
    assert sum(a != b for a, b in itertools.pairwise(values)) == len(stages) - 1  # each stage one contiguous run


def test_a_model_without_stages_is_refused_by_name():
    with pytest.raises(ValueError, match="'mlp-16-8' has no stage map"):
        stage_map("mlp-16-8", ["0.weight"])


@pytest.mark.parametrize(("name", "side"), [("resnet20-4", 16), ("vgg16-2", 32), ("regnetx200mf-8", 16)])
def test_segments_compose_to_the_forward_pass(name, side):
    model = build_model(name, (3, side, side), 10, seed=0).eval()
    x = torch.randn(4, 3, side, side)
    h = x
    for segment in model.segments():
        h = segment(h)
    assert torch.equal(h, model(x))


@pytest.mark.parametrize("name", ["resnet20-4", "vgg16-2", "regnetx200mf-8"])
def test_network_order_recovers_the_model_order_from_sorted_names(name):
    from prunability.models.stages import network_order

    layers = prunable_names(build_model(name, (3, 32, 32), 10, seed=0))
    assert list(network_order(stage_map(name, sorted(layers)))) == layers


def test_every_named_family_has_a_builder_and_every_staged_one_a_stage_map():
    assert set(BUILDERS) == set(FAMILIES) and set(STAGES) == set(STAGED)
